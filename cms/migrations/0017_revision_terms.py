"""Schema version 17: a revision keeps a post's tags and categories and an entry's SEO title
and social image beside its text, so restoring it brings them back and comparing two
revisions shows their changes.

- seo_title: the SEO title as saved. NULL (every revision made before this version, and
  autosaves) means not recorded; it marks social_image_id as not recorded too.
- social_image_id: the media id of the social image, or NULL for none. No foreign key: a
  revision names what it had even after the image is deleted, and a restore says so.
- tags, categories: JSON lists of {"id", "slug", "name"} as saved; NULL = not recorded
  (and always for pages, which have neither).

Existing revisions keep everything and get NULL: restoring one keeps today's values.
Frozen: plain SQL, nothing imported from cms.
"""

COLUMNS = ("seo_title TEXT", "social_image_id INTEGER", "tags TEXT", "categories TEXT")


def up(migrator, db):
    for column in COLUMNS:
        name, kind = column.split()
        db.execute_sql(f'ALTER TABLE "revision" ADD COLUMN "{name}" {kind}')
