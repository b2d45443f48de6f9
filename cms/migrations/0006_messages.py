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


# The crisis notice as it stood at version 6, with the HTML the Markdown renderer made of
# it then. Frozen: later edits of the default notices or of the renderer do not reach here
# (stored HTML is cleaned again by today's rules at start, see cms.content.rerender).
CRISIS_NOTICE = {
    "key": "contact-crisis",
    "label": "Crisis notice on the contact page",
    "placement": "contact",
    "position": 0,
    "body": "**If you are in crisis or in danger, do not use this form.** In an emergency "
    "call 911 or go to the nearest emergency department. In Canada you can call or text "
    "9-8-8, the Suicide Crisis Helpline, at any time. This inbox is not monitored around "
    "the clock.",
    "body_html": "<p><strong>If you are in crisis or in danger, do not use this form."
    "</strong> In an emergency call 911 or go to the nearest emergency department. In "
    "Canada you can call or text 9-8-8, the Suicide Crisis Helpline, at any time. This "
    "inbox is not monitored around the clock.</p>\n",
}


def up(migrator, db):
    for statement in SCHEMA:
        db.execute_sql(statement)
    # Existing sites get the crisis notice too (ensure_notices only runs on a new database).
    spec = CRISIS_NOTICE
    db.execute_sql(
        'INSERT OR IGNORE INTO "notice" ("key", "label", "body", "body_html", "link_label",'
        ' "link_url", "placement", "enabled", "position", "updated_at")'
        " VALUES (?, ?, ?, ?, '', '', ?, 1, ?, CURRENT_TIMESTAMP)",
        (
            spec["key"],
            spec["label"],
            spec["body"],
            spec["body_html"],
            spec["placement"],
            spec["position"],
        ),
    )
