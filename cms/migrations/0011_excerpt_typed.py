"""Schema version 11: an excerpt the writer typed is marked (excerpt_typed); the others are
made from the text at every save.

Until now the excerpt made at the first save was stored as if typed, so it kept words the
writer later removed from the text. Which stored excerpts were typed is not recorded, so it
is read from what they say: an excerpt is taken as made (not typed) when it is empty, when
its words are the first words of the text it was saved with, or when it is the excerpt an
earlier such revision carried along unchanged. Anything else counts as typed, as it did
until now. Made excerpts of posts and pages are made again here from today's text.

Frozen: this file keeps its own copy of the excerpt rule as it stood at version 11 (plain
text of the stored HTML, whitespace collapsed, cut at a word before 240 characters).
"""

import re
from html.parser import HTMLParser

LENGTH = 240
SOURCE_CHARS = 20_000  # a made excerpt comes from the start of the text
WORD = re.compile(r"[^\W_]+")
# Markdown that shows no words of its own in the plain text: images, link targets, tags,
# reference definitions (bounded, so a hostile text cannot make this slow).
MARKUP = [
    (re.compile(r"!\[[^\]\n]{0,300}\]\([^)\n]{0,500}\)"), " "),
    (re.compile(r"\]\([^)\n]{0,500}\)"), "]"),
    (re.compile(r"<[^>\n]{0,500}>"), " "),
    (re.compile(r"^ {0,3}\[[^\]\n]{1,300}\]:.*$", re.MULTILINE), " "),
]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def _plain(html: str) -> str:
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return re.sub(r"[\s\x00-\x08\x0b-\x1f]+", " ", "".join(parser.parts)).strip()


def _made(text: str) -> str:
    if len(text) <= LENGTH:
        return text
    return text[:LENGTH].rsplit(" ", 1)[0].rstrip(",;:.-") + "…"


def _markdown_words(body: str) -> list[str]:
    text = (body or "")[:SOURCE_CHARS]
    for pattern, replacement in MARKUP:
        text = pattern.sub(replacement, text)
    return WORD.findall(text)


def _begins(excerpt: str, words: list[str]) -> bool:
    """True if the excerpt's words are the first words of the text (the last may be cut)."""
    mine = WORD.findall(excerpt)
    if not mine or len(excerpt) > LENGTH + 1 or len(words) < len(mine):
        return False
    head, last = mine[:-1], mine[-1]
    return words[: len(head)] == head and words[len(head)].startswith(last)


def _mark_revisions(db) -> dict:
    """Flag each revision; return {(kind, object_id): excerpts taken as made}."""
    made: dict = {}
    typed = []
    rows = db.execute_sql(  # one row at a time: revisions can add up to more than memory
        f'SELECT "id", "kind", "object_id", "excerpt", substr("body", 1, {SOURCE_CHARS}) '
        'FROM "revision" ORDER BY "kind", "object_id", "created_at", "id"'
    )
    for row_id, kind, object_id, excerpt, body in rows:
        seen = made.setdefault((kind, object_id), {""})
        if excerpt in seen or _begins(excerpt, _markdown_words(body)):
            seen.add(excerpt)
        else:
            typed.append(row_id)
    for row_id in typed:
        db.execute_sql('UPDATE "revision" SET "excerpt_typed" = 1 WHERE "id" = ?', (row_id,))
    return made


def _mark_entries(db, table: str, kind: str, made: dict) -> None:
    remade, typed = [], []
    rows = db.execute_sql(
        f'SELECT "id", "excerpt", substr("body", 1, {SOURCE_CHARS}), "body_html" FROM "{table}"'
    )
    for row_id, excerpt, body, body_html in rows:
        text = _plain(body_html)
        if (
            excerpt in made.get((kind, row_id), {""})
            or _begins(excerpt, WORD.findall(text))
            or _begins(excerpt, _markdown_words(body))
        ):
            if _made(text) != excerpt:
                remade.append((_made(text), row_id))
        else:
            typed.append(row_id)
    for pair in remade:
        db.execute_sql(f'UPDATE "{table}" SET "excerpt" = ? WHERE "id" = ?', pair)
    for row_id in typed:
        db.execute_sql(f'UPDATE "{table}" SET "excerpt_typed" = 1 WHERE "id" = ?', (row_id,))


def up(migrator, db):
    for table in ("post", "page", "revision"):
        db.execute_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "excerpt_typed" INTEGER NOT NULL DEFAULT 0'
        )
    made = _mark_revisions(db)
    _mark_entries(db, "post", "post", made)
    _mark_entries(db, "page", "page", made)
