using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LogSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Events_WorkspaceId_RecordId_Id",
                table: "Events",
                columns: new[] { "WorkspaceId", "RecordId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_WorkspaceId_LastStatusCode_Id",
                table: "Deliveries",
                columns: new[] { "WorkspaceId", "LastStatusCode", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_WorkspaceId_RecordId_Id",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_WorkspaceId_LastStatusCode_Id",
                table: "Deliveries");
        }
    }
}
