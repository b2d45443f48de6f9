"""The full-text index of posts and pages (SQLite FTS5), kept up to date by the service."""

from playhouse.sqlite_ext import FTS5Model, RowIDField, SearchField

from ..core.db import db


class SearchEntry(FTS5Model):
    """Full-text index of posts and pages; kind and ref point at the row."""

    rowid = RowIDField()
    title = SearchField()
    body = SearchField()
    kind = SearchField(unindexed=True)
    ref = SearchField(unindexed=True)

    @staticmethod
    def key(kind: str, ref: int) -> int:
        """The row id of a post's or page's entry: found by rowid, not by scanning."""
        return ref * 2 + (1 if kind == "page" else 0)

    @classmethod
    def forget(cls, kind: str, refs) -> None:
        """Remove the entries of these posts or pages."""
        cls.delete().where(cls.rowid.in_([cls.key(kind, ref) for ref in refs])).execute()

    class Meta:
        database = db
        table_name = "search_entry"
        options = {"tokenize": "porter unicode61 remove_diacritics 2"}
