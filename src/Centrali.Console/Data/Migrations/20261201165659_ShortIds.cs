using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations
{
    /// <summary>
    /// The 8-digit short ids the console shows (the last 8 hex digits of a delivery's, an event's and an event's record id) as
    /// generated, indexed columns, so the log's search finds them by index instead of reading every row.
    /// </summary>
    public partial class ShortIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "RecordShortId",
                table: "Events",
                type: "TEXT",
                maxLength: 8,
                nullable: true,
                computedColumnSql: "lower(substr(CAST(\"RecordId\" AS TEXT), 29))",
                stored: false);

            migrationBuilder.AddColumn<string>(
                name: "ShortId",
                table: "Events",
                type: "TEXT",
                maxLength: 8,
                nullable: true,
                computedColumnSql: "lower(substr(CAST(\"Id\" AS TEXT), 29))",
                stored: false);

            migrationBuilder.AddColumn<string>(
                name: "ShortId",
                table: "Deliveries",
                type: "TEXT",
                maxLength: 8,
                nullable: true,
                computedColumnSql: "lower(substr(CAST(\"Id\" AS TEXT), 29))",
                stored: false);

            migrationBuilder.CreateIndex(
                name: "IX_Events_RecordShortId",
                table: "Events",
                column: "RecordShortId");

            migrationBuilder.CreateIndex(
                name: "IX_Events_ShortId",
                table: "Events",
                column: "ShortId");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_ShortId",
                table: "Deliveries",
                column: "ShortId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_RecordShortId",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Events_ShortId",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_ShortId",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "RecordShortId",
                table: "Events");

            migrationBuilder.DropColumn(
                name: "ShortId",
                table: "Events");

            migrationBuilder.DropColumn(
                name: "ShortId",
                table: "Deliveries");
        }
    }
}
