using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Centrali.Console.Data.Migrations
{
    /// <summary>
    /// The payload search's full-text table moves out of the database into a file of its own (see PayloadIndex), so its
    /// writes no longer hold the database's one write lock. EventSearchKeys stays, as the queue of events still to index:
    /// the new file, when first created, queues every event again and is filled from the queue in the background.
    /// </summary>
    [DbContext(typeof(AppDbContext))]
    [Migration("20261202130000_SearchFile")]
    public partial class SearchFile : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The indexed events' keys named rows of the old table; the new file, created empty, queues every event again.
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS EventText_Delete;
                DROP TABLE IF EXISTS EventText;
                DELETE FROM EventSearchKeys WHERE Key > 0;
                CREATE TRIGGER EventSearchKeys_Delete AFTER DELETE ON Events BEGIN
                    DELETE FROM EventSearchKeys WHERE EventId = old.Id;
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS EventSearchKeys_Delete;
                DELETE FROM EventSearchKeys;
                INSERT INTO EventSearchKeys (EventId) SELECT Id FROM Events ORDER BY Id;
                CREATE VIRTUAL TABLE EventText USING fts5(Body, content='', contentless_delete=1, tokenize='trigram');
                INSERT INTO EventText (rowid, Body) SELECT k.Key, CAST(e.Body AS TEXT) FROM EventSearchKeys AS k JOIN Events AS e ON e.Id = k.EventId;
                CREATE TRIGGER EventText_Delete AFTER DELETE ON Events BEGIN
                    DELETE FROM EventText WHERE rowid = (SELECT Key FROM EventSearchKeys WHERE EventId = old.Id);
                    DELETE FROM EventSearchKeys WHERE EventId = old.Id;
                END;
                """);
        }
    }
}
