"""Search reads one snapshot: a post trashed or edited while a search runs is no 500."""

import sqlite3

from cms.content import search as search_view
from cms.core import clock


def _other_connection_trashes(app, rowid: int) -> str:
    """What the editor does in another worker, committed at once: trash the post (after
    changing its title). Returns its address."""
    other = sqlite3.connect(app.config["DATABASE"], timeout=5)
    try:
        (slug,) = other.execute("SELECT slug FROM post WHERE id = ?", (rowid // 2,)).fetchone()
        with other:
            other.execute(
                "UPDATE post SET deleted_at = ?, title = 'Edited meanwhile' WHERE id = ?",
                (clock.utcnow().isoformat(" "), rowid // 2),
            )
            other.execute("DELETE FROM search_entry WHERE rowid = ?", (rowid,))
    finally:
        other.close()
    return f'href="/blog/{slug}"'


def test_a_post_trashed_between_the_queries_is_no_500(app, client, monkeypatch):
    """Between ranking the matches and reading them, the top post is trashed (and its
    index row removed) by another connection: the search still answers from its snapshot."""
    original, trashed = search_view.results_for, []

    def trash_first_then_read(expression, rowids):
        posts = [r for r in rowids if r % 2 == 0]
        if posts and not trashed:
            trashed.append(_other_connection_trashes(app, posts[0]))
        return original(expression, rowids)

    monkeypatch.setattr(search_view, "results_for", trash_first_then_read)
    response = client.get("/search?q=therapy")
    assert trashed, "the demo content has posts about therapy"
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert trashed[0] in html and "Edited meanwhile" not in html  # as it was, whole
    after = client.get("/search?q=therapy&page=1").get_data(as_text=True)
    assert trashed[0] not in after and "Edited meanwhile" not in after  # then gone


def test_an_index_row_without_its_entry_is_left_out(ctx):
    expression = search_view.match_expression("therapy")
    found, _ = search_view.ranked(expression, 3)
    missing = 2 * 10**9  # no such row in the index or the tables
    results = search_view.results_for(expression, [missing, *found])
    assert len(results) == len(found) and all(r["url"].startswith("/") for r in results)
