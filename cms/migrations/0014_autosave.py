"""Schema version 14: revisions the editor keeps while the writer types (autosaves) are
marked, so lists of revisions, the public history of policies and the conflict screen
leave them out. They are found by the (kind, object_id, created_at) index.

Frozen: plain SQL, nothing imported from cms.
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "revision" ADD COLUMN "autosave" INTEGER NOT NULL DEFAULT 0')
