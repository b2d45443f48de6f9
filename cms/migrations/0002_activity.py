"""Schema version 2: the activity log."""


def up(migrator, db):
    db.execute_sql(
        'CREATE TABLE "activity" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"created_at" DATETIME NOT NULL, "user_id" INTEGER, "actor" VARCHAR(255) NOT NULL, '
        '"action" VARCHAR(255) NOT NULL, "target" VARCHAR(255) NOT NULL, '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE SET NULL)'
    )
    db.execute_sql('CREATE INDEX "activity_created_at" ON "activity" ("created_at")')
    db.execute_sql('CREATE INDEX "activity_user_id" ON "activity" ("user_id")')
