using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations
{
    /// <inheritdoc />
    public partial class DispatcherSecondEdition : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Circuits are now per workspace; the old per-URL state is short-lived and is learned again.
            migrationBuilder.Sql("DELETE FROM \"Circuits\";");

            migrationBuilder.DropPrimaryKey(
                name: "PK_Circuits",
                table: "Circuits");

            migrationBuilder.AddColumn<bool>(
                name: "FanOutPending",
                table: "Events",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<Guid>(
                name: "LeaseId",
                table: "Deliveries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "WaitingOnCircuit",
                table: "Deliveries",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<Guid>(
                name: "WorkspaceId",
                table: "Circuits",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddPrimaryKey(
                name: "PK_Circuits",
                table: "Circuits",
                columns: new[] { "WorkspaceId", "Url" });

            migrationBuilder.CreateIndex(
                name: "IX_Events_FanOutPending",
                table: "Events",
                column: "Id",
                filter: "\"FanOutPending\" = TRUE");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_FanOutPending",
                table: "Events");

            migrationBuilder.DropPrimaryKey(
                name: "PK_Circuits",
                table: "Circuits");

            migrationBuilder.DropColumn(
                name: "FanOutPending",
                table: "Events");

            migrationBuilder.DropColumn(
                name: "LeaseId",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "WaitingOnCircuit",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "WorkspaceId",
                table: "Circuits");

            migrationBuilder.AddPrimaryKey(
                name: "PK_Circuits",
                table: "Circuits",
                column: "Url");
        }
    }
}
