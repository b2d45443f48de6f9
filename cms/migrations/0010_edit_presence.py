"""Schema version 10: who has which edit screen open, for "Also being edited by ... since ...".

A row is written when an account opens an edit screen and refreshed by the screen's
heartbeat; rows older than a few minutes mean nothing and are deleted as new ones come.
"""


def up(migrator, db):
    db.execute_sql(
        'CREATE TABLE "edit_presence" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"kind" VARCHAR(255) NOT NULL, "object_id" INTEGER NOT NULL, "user_id" INTEGER NOT NULL, '
        '"since" DATETIME NOT NULL, "seen_at" DATETIME NOT NULL, '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)'
    )
    db.execute_sql(
        'CREATE UNIQUE INDEX "edit_presence_kind_object_id_user_id" '
        'ON "edit_presence" ("kind", "object_id", "user_id")'
    )
    db.execute_sql('CREATE INDEX "edit_presence_seen_at" ON "edit_presence" ("seen_at")')
