"""Schema version 4: resized image variants, and stashed editor input (work never lost)."""

SCHEMA = [
    'CREATE TABLE "media_variant" ("id" INTEGER NOT NULL PRIMARY KEY, "media_id" INTEGER NOT NULL, "width" INTEGER NOT NULL, "height" INTEGER NOT NULL, "mime" VARCHAR(255) NOT NULL, "data" BLOB NOT NULL, "sha256" VARCHAR(255) NOT NULL, FOREIGN KEY ("media_id") REFERENCES "media" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "media_variant_media_id_width" ON "media_variant" ("media_id", "width")',
    'CREATE TABLE "form_stash" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "path" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "created_at" DATETIME NOT NULL)',
    'CREATE INDEX "form_stash_created_at" ON "form_stash" ("created_at")',
]


def up(migrator, db):
    for statement in SCHEMA:
        db.execute_sql(statement)
