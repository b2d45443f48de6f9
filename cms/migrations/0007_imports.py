"""Schema version 7: what an import created, so running it again adds no duplicates."""


def up(migrator, db):
    db.execute_sql(
        'CREATE TABLE "imported_item" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"source" VARCHAR(255) NOT NULL, "source_id" VARCHAR(255) NOT NULL, '
        '"kind" VARCHAR(255) NOT NULL, "object_id" INTEGER NOT NULL, '
        '"created_at" DATETIME NOT NULL)'
    )
    db.execute_sql(
        'CREATE UNIQUE INDEX "imported_item_source_source_id" '
        'ON "imported_item" ("source", "source_id")'
    )
