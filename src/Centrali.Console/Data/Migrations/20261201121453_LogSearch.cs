using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations
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

            // Payload search: a trigram full-text index of every event body, kept by triggers (see LogSearch).
            migrationBuilder.Sql("""
                CREATE TABLE EventSearchKeys (Key INTEGER PRIMARY KEY, EventId TEXT NOT NULL UNIQUE);
                CREATE VIRTUAL TABLE EventText USING fts5(Body, content='', contentless_delete=1, tokenize='trigram');
                CREATE TRIGGER EventText_Insert AFTER INSERT ON Events BEGIN
                    INSERT INTO EventSearchKeys (EventId) VALUES (new.Id);
                    INSERT INTO EventText (rowid, Body) VALUES (last_insert_rowid(), CAST(new.Body AS TEXT));
                END;
                CREATE TRIGGER EventText_Delete AFTER DELETE ON Events BEGIN
                    DELETE FROM EventText WHERE rowid = (SELECT Key FROM EventSearchKeys WHERE EventId = old.Id);
                    DELETE FROM EventSearchKeys WHERE EventId = old.Id;
                END;
                INSERT INTO EventSearchKeys (EventId) SELECT Id FROM Events ORDER BY Id;
                INSERT INTO EventText (rowid, Body) SELECT k.Key, CAST(e.Body AS TEXT) FROM EventSearchKeys AS k JOIN Events AS e ON e.Id = k.EventId;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS EventText_Insert;
                DROP TRIGGER IF EXISTS EventText_Delete;
                DROP TABLE IF EXISTS EventText;
                DROP TABLE IF EXISTS EventSearchKeys;
                """);
            migrationBuilder.DropIndex(
                name: "IX_Events_WorkspaceId_RecordId_Id",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_WorkspaceId_LastStatusCode_Id",
                table: "Deliveries");
        }
    }
}
