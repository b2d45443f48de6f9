"""Every error page a person can meet speaks the site's words: no framework phrases such
as "Not Found" or "The requested URL was not found on the server"."""

import re

import pytest
from werkzeug.exceptions import default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from cms.core.errors import MESSAGES, TITLES, page_title

STOCK = [cls.description for cls in default_exceptions.values() if cls.description]
STOCK_TITLES = {HTTP_STATUS_CODES[code] for code in default_exceptions}


def _framework_words(html: str) -> list[str]:
    """Werkzeug's descriptions anywhere, its reason phrases as the page's heading or title."""
    headings = re.findall(r"<(?:h1|title)>([^<·]*)", html)
    titled = [h.strip() for h in headings if h.strip() in STOCK_TITLES]
    return [words for words in STOCK if words in html] + titled


@pytest.mark.parametrize("status", sorted(default_exceptions))
def test_every_error_page_is_in_the_sites_words(app, client, status):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route(f"/fail-{status}")
    def fail():
        from flask import abort

        abort(status)

    response = client.get(f"/fail-{status}")
    html = response.get_data(as_text=True)
    assert response.status_code == status and response.mimetype == "text/html"
    assert 'class="site-header"' in html  # the site's own design
    assert _framework_words(html) == [], status
    assert f"<h1>{page_title(status)}</h1>" in html
    if status != 413:  # 413 spells out the limits itself (cms.core.security)
        assert (MESSAGES.get(status) or "could not do what was asked") in html


def test_a_missing_page_says_so_and_offers_a_way_on(client):
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "<h1>Page not found</h1>" in html and MESSAGES[404] in html
    for way in ('href="/"', 'href="/archive"', 'role="search"', 'href="/contact"'):
        assert way in html
    assert _framework_words(html) == []


def test_a_message_given_where_the_error_is_raised_is_kept(client):
    html = client.get("/search?q=" + "long" * 60).get_data(as_text=True)
    assert "Please shorten your search" in html and f"<h1>{TITLES[400]}</h1>" in html


def test_the_api_keeps_the_standard_problem_titles(client):
    problem = client.get("/api/v1/posts/no-such-post")
    assert problem.status_code == 404 and problem.json["title"] == "Not Found"


def test_a_host_the_site_does_not_answer_to_gets_the_plain_page_in_its_words(app, client):
    app.config["TRUSTED_HOSTS"] = ["example.org"]
    response = client.get("/", headers={"Host": "evil.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f"<h1>{TITLES[400]}</h1>" in html
    assert _framework_words(html) == []
