"""Schema version 9: the TOTP secret being set up waits here (sealed), not in the session.

Stored secrets are sealed with a key derived from the instance's secret key, which a
frozen migration cannot know (and `cms restore` migrates before it puts the archive's
keys back), so the sealing itself is done by the application at start
(cms.accounts.two_step.reseal_secrets); until then the plain secrets keep working as they are.
"""


def up(migrator, db):
    db.execute_sql(
        'CREATE TABLE "pending_secret" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"user_id" INTEGER NOT NULL, "sealed" TEXT NOT NULL, "created_at" DATETIME NOT NULL, '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)'
    )
    db.execute_sql('CREATE UNIQUE INDEX "pending_secret_user_id" ON "pending_secret" ("user_id")')
