using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryFeatures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "EffectiveRate",
                table: "Subscriptions",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Headers",
                table: "Subscriptions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Ordering",
                table: "Subscriptions",
                type: "TEXT",
                nullable: false,
                defaultValue: "none");

            migrationBuilder.AddColumn<string>(
                name: "PreviousPublicKey",
                table: "Subscriptions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PublicKey",
                table: "Subscriptions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RateLimit",
                table: "Subscriptions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "RateSlotsUntil",
                table: "Subscriptions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SecretHeadersCipher",
                table: "Subscriptions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SecretHeadersHint",
                table: "Subscriptions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SignatureScheme",
                table: "Subscriptions",
                type: "TEXT",
                nullable: false,
                defaultValue: "hmac");

            migrationBuilder.AddColumn<DateTime>(
                name: "ThrottledAt",
                table: "Subscriptions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Ordered",
                table: "Deliveries",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Ordered_Pending",
                table: "Deliveries",
                columns: new[] { "SubscriptionId", "RecordId", "EventId" },
                filter: "\"Status\" = 'pending' AND \"Ordered\" = TRUE");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Ordered_Pending",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "EffectiveRate",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "Headers",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "Ordering",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "PreviousPublicKey",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "PublicKey",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "RateLimit",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "RateSlotsUntil",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "SecretHeadersCipher",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "SecretHeadersHint",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "SignatureScheme",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "ThrottledAt",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "Ordered",
                table: "Deliveries");
        }
    }
}
