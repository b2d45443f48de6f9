"""Schema version 1: the content model, settings, notices, navigation, search index."""

SCHEMA = [
    'CREATE TABLE "category" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "slug" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL)',
    'CREATE UNIQUE INDEX "category_slug" ON "category" ("slug")',
    'CREATE TABLE "media" ("id" INTEGER NOT NULL PRIMARY KEY, "filename" VARCHAR(255) NOT NULL, "mime" VARCHAR(255) NOT NULL, "width" INTEGER NOT NULL, "height" INTEGER NOT NULL, "alt" TEXT NOT NULL, "data" BLOB NOT NULL, "sha256" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL)',
    'CREATE INDEX "media_sha256" ON "media" ("sha256")',
    'CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "email" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL, "password_hash" VARCHAR(255) NOT NULL, "role" VARCHAR(255) NOT NULL, "active" INTEGER NOT NULL, "created_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX "user_email" ON "user" ("email")',
    'CREATE TABLE "page" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(255) NOT NULL, "slug" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "body_html" TEXT NOT NULL, "excerpt" TEXT NOT NULL, "meta_description" TEXT NOT NULL, "status" VARCHAR(255) NOT NULL, "published_at" DATETIME, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "author_id" INTEGER, "is_policy" INTEGER NOT NULL, "effective_date" DATE, FOREIGN KEY ("author_id") REFERENCES "user" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "page_slug" ON "page" ("slug")',
    'CREATE INDEX "page_status" ON "page" ("status")',
    'CREATE INDEX "page_published_at" ON "page" ("published_at")',
    'CREATE INDEX "page_author_id" ON "page" ("author_id")',
    'CREATE TABLE "nav_item" ("id" INTEGER NOT NULL PRIMARY KEY, "label" VARCHAR(255) NOT NULL, "target" VARCHAR(255) NOT NULL, "page_id" INTEGER, "url" VARCHAR(255) NOT NULL, "position" INTEGER NOT NULL, FOREIGN KEY ("page_id") REFERENCES "page" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "nav_item_page_id" ON "nav_item" ("page_id")',
    'CREATE TABLE "notice" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "label" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "body_html" TEXT NOT NULL, "link_label" VARCHAR(255) NOT NULL, "link_url" VARCHAR(255) NOT NULL, "link_page_id" INTEGER, "placement" VARCHAR(255) NOT NULL, "availability_state" VARCHAR(255), "enabled" INTEGER NOT NULL, "starts_at" DATETIME, "ends_at" DATETIME, "position" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("link_page_id") REFERENCES "page" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "notice_key" ON "notice" ("key")',
    'CREATE INDEX "notice_link_page_id" ON "notice" ("link_page_id")',
    'CREATE TABLE "post" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(255) NOT NULL, "slug" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "body_html" TEXT NOT NULL, "excerpt" TEXT NOT NULL, "meta_description" TEXT NOT NULL, "status" VARCHAR(255) NOT NULL, "published_at" DATETIME, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "author_id" INTEGER, "featured_image_id" INTEGER, FOREIGN KEY ("author_id") REFERENCES "user" ("id") ON DELETE SET NULL, FOREIGN KEY ("featured_image_id") REFERENCES "media" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "post_slug" ON "post" ("slug")',
    'CREATE INDEX "post_status" ON "post" ("status")',
    'CREATE INDEX "post_published_at" ON "post" ("published_at")',
    'CREATE INDEX "post_author_id" ON "post" ("author_id")',
    'CREATE INDEX "post_featured_image_id" ON "post" ("featured_image_id")',
    'CREATE TABLE "post_category" ("id" INTEGER NOT NULL PRIMARY KEY, "post_id" INTEGER NOT NULL, "category_id" INTEGER NOT NULL, FOREIGN KEY ("post_id") REFERENCES "post" ("id") ON DELETE CASCADE, FOREIGN KEY ("category_id") REFERENCES "category" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "post_category_post_id" ON "post_category" ("post_id")',
    'CREATE INDEX "post_category_category_id" ON "post_category" ("category_id")',
    'CREATE UNIQUE INDEX "post_category_post_id_category_id" ON "post_category" ("post_id", "category_id")',
    'CREATE TABLE "redirect" ("id" INTEGER NOT NULL PRIMARY KEY, "old_path" VARCHAR(255) NOT NULL, "new_path" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX "redirect_old_path" ON "redirect" ("old_path")',
    'CREATE TABLE "revision" ("id" INTEGER NOT NULL PRIMARY KEY, "kind" VARCHAR(255) NOT NULL, "object_id" INTEGER NOT NULL, "title" VARCHAR(255) NOT NULL, "slug" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "excerpt" TEXT NOT NULL, "meta_description" TEXT NOT NULL, "status" VARCHAR(255) NOT NULL, "published_at" DATETIME, "effective_date" DATE, "user_id" INTEGER, "created_at" DATETIME NOT NULL, "note" VARCHAR(255) NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "revision_user_id" ON "revision" ("user_id")',
    'CREATE INDEX "revision_kind_object_id_created_at" ON "revision" ("kind", "object_id", "created_at")',
    'CREATE VIRTUAL TABLE "search_entry" USING fts5 ("title", "body", "kind" UNINDEXED, "ref" UNINDEXED, tokenize="porter unicode61 remove_diacritics 2")',
    'CREATE TABLE "setting" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL)',
    'CREATE TABLE "site_state" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL)',
    'CREATE INDEX "post_listing" ON "post" ("status", "published_at", "id")',
    'INSERT INTO "site_state" ("id", "version") VALUES (1, 0)',
]

# Tables whose changes invalidate the public page cache (see cms.core.cache).
WATCHED = [
    "category",
    "media",
    "page",
    "nav_item",
    "notice",
    "post",
    "post_category",
    "redirect",
    "setting",
    "user",
]


def change_triggers(table: str) -> list[str]:
    """Triggers that bump site_state.version on any change to a table."""
    return [
        f'CREATE TRIGGER "{table}_{op.lower()}_bump" AFTER {op} ON "{table}" '
        'BEGIN UPDATE "site_state" SET "version" = "version" + 1 WHERE "id" = 1; END'
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def up(migrator, db):
    for statement in SCHEMA:
        db.execute_sql(statement)
    for table in WATCHED:
        for statement in change_triggers(table):
            db.execute_sql(statement)
