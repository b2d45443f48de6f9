"""Schema version 8: search entries keyed by row id (ref * 2, +1 for pages).

Updating or removing one entry then finds it by row id instead of scanning the whole
index (kind and ref are unindexed columns of the full-text table).
"""


def up(migrator, db):
    db.execute_sql(
        'CREATE TEMP TABLE "search_copy" AS SELECT "title", "body", "kind", "ref" FROM "search_entry"'
    )
    db.execute_sql('DELETE FROM "search_entry"')
    db.execute_sql(
        'INSERT INTO "search_entry" ("rowid", "title", "body", "kind", "ref") '
        'SELECT MAX(CAST("ref" AS INTEGER) * 2 + ("kind" = \'page\')), "title", "body", '
        '"kind", "ref" FROM "search_copy" GROUP BY "kind", "ref"'
    )
    db.execute_sql('DROP TABLE "search_copy"')
    # Titles weigh ten times the body in the ranking (ORDER BY rank uses this).
    db.execute_sql(
        'INSERT INTO "search_entry" ("search_entry", "rank") VALUES (\'rank\', \'bm25(10.0, 1.0)\')'
    )
