"""Schema version 6: the contact inbox, a rate-limit log, housekeeping times, the crisis notice."""

SCHEMA = [
    # Everything personal lives in "sealed" (one Fernet token); only times stay readable.
    'CREATE TABLE "message" ("id" INTEGER NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "sealed" TEXT NOT NULL, "read_at" DATETIME, "handled_at" DATETIME)',
    'CREATE INDEX "message_created_at" ON "message" ("created_at")',
    # Attempts per (bucket, keyed hash of the client address); old rows are pruned as it goes.
    'CREATE TABLE "rate_hit" ("id" INTEGER NOT NULL PRIMARY KEY, "bucket" VARCHAR(255) NOT NULL, "key" VARCHAR(255) NOT NULL, "at" DATETIME NOT NULL)',
    'CREATE INDEX "rate_hit_bucket_key_at" ON "rate_hit" ("bucket", "key", "at")',
    'CREATE INDEX "rate_hit_at" ON "rate_hit" ("at")',
    'CREATE TABLE "housekeeping" ("task" VARCHAR(255) NOT NULL PRIMARY KEY, "ran_at" DATETIME NOT NULL)',
]


def up(migrator, db):
    from cms.content.render import render_markdown
    from cms.ops.bootstrap import DEFAULT_NOTICES

    for statement in SCHEMA:
        db.execute_sql(statement)
    # Existing sites get the crisis notice too (ensure_notices only runs on a new database).
    spec = next(n for n in DEFAULT_NOTICES if n["key"] == "contact-crisis")
    db.execute_sql(
        'INSERT OR IGNORE INTO "notice" ("key", "label", "body", "body_html", "link_label",'
        ' "link_url", "placement", "enabled", "position", "updated_at")'
        " VALUES (?, ?, ?, ?, '', '', ?, 1, ?, CURRENT_TIMESTAMP)",
        (
            spec["key"],
            spec["label"],
            spec["body"],
            render_markdown(spec["body"]),
            spec["placement"],
            spec["position"],
        ),
    )
