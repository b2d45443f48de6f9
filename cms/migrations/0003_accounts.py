"""Schema version 3: sign-in security (session tokens, two-step sign-in, throttling, links).

The user table is watched by the page cache because author names appear on public pages;
its update trigger now fires only for the public-facing columns, so that sign-ins (which
rotate the session token and stamp last_login_at) do not empty the cache.
"""

STATEMENTS = [
    'ALTER TABLE "user" ADD COLUMN "session_token" VARCHAR(255) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "user" ADD COLUMN "totp_secret" VARCHAR(255) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "user" ADD COLUMN "totp_last_step" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE "user" ADD COLUMN "must_change_password" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE "user" ADD COLUMN "last_login_at" DATETIME',
    # Existing accounts get a token too, so no session is ever checked against ''.
    'UPDATE "user" SET "session_token" = lower(hex(randomblob(32)))',
    'DROP TRIGGER IF EXISTS "user_update_bump"',
    'CREATE TRIGGER "user_update_bump" AFTER UPDATE OF "name", "email", "role", "active" '
    'ON "user" BEGIN UPDATE "site_state" SET "version" = "version" + 1 WHERE "id" = 1; END',
    'CREATE TABLE "recovery_code" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"user_id" INTEGER NOT NULL, "code_hash" VARCHAR(255) NOT NULL, "used_at" DATETIME, '
    'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "recovery_code_user_id" ON "recovery_code" ("user_id")',
    'CREATE TABLE "login_failure" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"scope" VARCHAR(255) NOT NULL, "key_hash" VARCHAR(255) NOT NULL, '
    '"created_at" DATETIME NOT NULL)',
    'CREATE INDEX "login_failure_scope_key_hash_created_at" '
    'ON "login_failure" ("scope", "key_hash", "created_at")',
    'CREATE INDEX "login_failure_created_at" ON "login_failure" ("created_at")',
    'CREATE TABLE "one_time_link" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"purpose" VARCHAR(255) NOT NULL, "token_hash" VARCHAR(255) NOT NULL, "user_id" INTEGER, '
    '"created_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "used_at" DATETIME, '
    'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "one_time_link_token_hash" ON "one_time_link" ("token_hash")',
    'CREATE INDEX "one_time_link_user_id" ON "one_time_link" ("user_id")',
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
