using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EventTraceParent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "TraceParent",
                table: "Events",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "TraceParent",
                table: "Events");
        }
    }
}
