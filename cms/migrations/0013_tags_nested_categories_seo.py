"""Schema version 13: tags, nested categories and the SEO fields of posts and pages.

- tag and post_tag: tags are their own taxonomy beside categories (a post has any number;
  a tag has a name and a unique slug). Changes to them bump the page cache's version.
- category.parent_id: a category may sit under another one; deleting the parent lifts its
  children to the top (SET NULL). The trash keeps a deleted category's parent and children.
- post/page seo_title and social_image_id: a title for <title> and og:title instead of the
  entry's own, and the image shared on social media (a media row; deleting it clears it).

Existing rows keep everything: categories start at the top, entries with no override.
Frozen: the SQL is written out here, nothing is imported from the application.
"""

STATEMENTS = [
    'CREATE TABLE "tag" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, '
    '"slug" VARCHAR(255) NOT NULL)',
    'CREATE UNIQUE INDEX "tag_slug" ON "tag" ("slug")',
    'CREATE TABLE "post_tag" ("id" INTEGER NOT NULL PRIMARY KEY, "post_id" INTEGER NOT NULL, '
    '"tag_id" INTEGER NOT NULL, '
    'FOREIGN KEY ("post_id") REFERENCES "post" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("tag_id") REFERENCES "tag" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "post_tag_post_id" ON "post_tag" ("post_id")',
    'CREATE INDEX "post_tag_tag_id" ON "post_tag" ("tag_id")',
    'CREATE UNIQUE INDEX "post_tag_post_id_tag_id" ON "post_tag" ("post_id", "tag_id")',
    'ALTER TABLE "category" ADD COLUMN "parent_id" INTEGER '
    'REFERENCES "category" ("id") ON DELETE SET NULL',
    'CREATE INDEX "category_parent_id" ON "category" ("parent_id")',
    'ALTER TABLE "category_trash" ADD COLUMN "parent_id" INTEGER',
    """ALTER TABLE "category_trash" ADD COLUMN "child_ids" TEXT NOT NULL DEFAULT '[]'""",
]
for _table in ("post", "page"):
    STATEMENTS += [
        f"""ALTER TABLE "{_table}" ADD COLUMN "seo_title" VARCHAR(255) NOT NULL DEFAULT ''""",
        f'ALTER TABLE "{_table}" ADD COLUMN "social_image_id" INTEGER '
        'REFERENCES "media" ("id") ON DELETE SET NULL',
        f'CREATE INDEX "{_table}_social_image_id" ON "{_table}" ("social_image_id")',
    ]


def change_triggers(table: str) -> list[str]:
    """Triggers that bump site_state.version on any change to a table."""
    return [
        f'CREATE TRIGGER "{table}_{op.lower()}_bump" AFTER {op} ON "{table}" '
        'BEGIN UPDATE "site_state" SET "version" = "version" + 1 WHERE "id" = 1; END'
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    for table in ("tag", "post_tag"):
        for statement in change_triggers(table):
            db.execute_sql(statement)
