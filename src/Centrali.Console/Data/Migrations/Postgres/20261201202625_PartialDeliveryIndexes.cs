using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PartialDeliveryIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_ReplayedFrom",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Status_NextAttemptAt",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_WorkspaceId_LastStatusCode_Id",
                table: "Deliveries");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Pending_NextAttemptAt",
                table: "Deliveries",
                column: "NextAttemptAt",
                filter: "\"Status\" = 'pending'");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_ReplayedFrom",
                table: "Deliveries",
                column: "ReplayedFrom",
                filter: "\"ReplayedFrom\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_WorkspaceId_LastStatusCode_Id",
                table: "Deliveries",
                columns: new[] { "WorkspaceId", "LastStatusCode", "Id" },
                filter: "\"LastStatusCode\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Pending_NextAttemptAt",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_ReplayedFrom",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_WorkspaceId_LastStatusCode_Id",
                table: "Deliveries");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_ReplayedFrom",
                table: "Deliveries",
                column: "ReplayedFrom");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Status_NextAttemptAt",
                table: "Deliveries",
                columns: new[] { "Status", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_WorkspaceId_LastStatusCode_Id",
                table: "Deliveries",
                columns: new[] { "WorkspaceId", "LastStatusCode", "Id" });
        }
    }
}
