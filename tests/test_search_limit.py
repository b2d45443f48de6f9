"""Every search box takes its maxlength from the search's one limit (MAX_QUERY)."""

import re

from cms.content.search import MAX_QUERY


def test_every_search_box_says_the_limit(client):
    pages = {"/": 200, "/search?q=therapy": 200, "/no-such-page": 404}
    for path, status in pages.items():
        response = client.get(path)
        assert response.status_code == status, path
        boxes = re.findall(r'<input[^>]*name="q"[^>]*>', response.get_data(as_text=True))
        assert boxes, path
        assert all(f'maxlength="{MAX_QUERY}"' in box for box in boxes), (path, boxes)


def test_a_longer_search_is_refused_with_the_limit(client):
    response = client.get("/search", query_string={"q": "x" * (MAX_QUERY + 1)})
    assert response.status_code == 400
    assert f"{MAX_QUERY} characters" in response.get_data(as_text=True)
