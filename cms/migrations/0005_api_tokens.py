"""Schema version 5: API tokens (stored only as SHA-256 hashes) and the category trash.

Neither table is watched by the page cache: a token's "last used" time changes on every
API call, and a trashed category is already gone from the category table (whose triggers
fire on the delete).
"""


def up(migrator, db):
    db.execute_sql(
        'CREATE TABLE "api_token" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"name" VARCHAR(255) NOT NULL, "token_hash" VARCHAR(255) NOT NULL, '
        '"prefix" VARCHAR(255) NOT NULL, "scopes" VARCHAR(255) NOT NULL, "user_id" INTEGER, '
        '"created_at" DATETIME NOT NULL, "expires_at" DATETIME, "last_used_at" DATETIME, '
        '"revoked_at" DATETIME, '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE SET NULL)'
    )
    db.execute_sql('CREATE UNIQUE INDEX "api_token_token_hash" ON "api_token" ("token_hash")')
    db.execute_sql('CREATE INDEX "api_token_user_id" ON "api_token" ("user_id")')
    db.execute_sql(
        'CREATE TABLE "category_trash" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"category_id" INTEGER NOT NULL, "name" VARCHAR(255) NOT NULL, '
        '"slug" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, '
        '"post_ids" TEXT NOT NULL, "deleted_at" DATETIME NOT NULL)'
    )
    db.execute_sql('CREATE INDEX "category_trash_category_id" ON "category_trash" ("category_id")')
