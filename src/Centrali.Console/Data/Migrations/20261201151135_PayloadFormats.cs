using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations
{
    /// <inheritdoc />
    public partial class PayloadFormats : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PayloadFormat",
                table: "Subscriptions",
                type: "TEXT",
                maxLength: 8,
                nullable: false,
                defaultValue: "v2");

            migrationBuilder.AddColumn<byte[]>(
                name: "LegacyBody",
                table: "Events",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PayloadFormat",
                table: "Deliveries",
                type: "TEXT",
                maxLength: 8,
                nullable: false,
                defaultValue: "v2");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PayloadFormat",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "LegacyBody",
                table: "Events");

            migrationBuilder.DropColumn(
                name: "PayloadFormat",
                table: "Deliveries");
        }
    }
}
