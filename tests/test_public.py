"""The visitor site: pages, notices, scheduling, pagination, feeds and error pages."""

import re
import sqlite3
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from cms.accounts.actors import SYSTEM
from cms.content.models import Post
from cms.content.service import save_post
from cms.core import clock
from cms.site.models import Notice, save_settings

POST_URL = "/blog/social-media-and-our-therapy-relationship"
PUBLIC_URLS = [
    "/",
    "/blog/",
    POST_URL,
    "/social-media-policy",
    "/about",
    "/category/faq",
    "/archive",
    "/search?q=therapy",
    "/contact",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_render(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert '<main id="content"' in html
    assert '<link rel="canonical" href="http://localhost' in html
    assert '<meta name="description"' in html and 'property="og:title"' in html
    assert '"@type": "Psychotherapist"' in html
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("url", PUBLIC_URLS + ["/feed.xml", "/sitemap.xml", "/robots.txt"])
def test_head_works_where_get_does(client, url):
    response = client.head(url)
    assert response.status_code == 200
    assert response.get_data() == b""


def test_post_page_has_categories_disclaimer_and_recommendations(client):
    html = client.get(POST_URL).get_data(as_text=True)
    assert '<a href="/category/faq" rel="tag">FAQ</a>' in html
    assert "not a substitute for professional advice" in html
    assert "Recommended posts" in html
    # The post shares both categories with "first session": it is recommended first.
    recommended = html.split("Recommended posts")[1].split("</ul>")[0]
    assert recommended.count("<li>") == 3
    assert recommended.split("<li>")[1].count("What happens in a first session") == 1
    assert '"@type": "BlogPosting"' in html


def test_policy_page_shows_effective_date(client):
    html = client.get("/social-media-policy").get_data(as_text=True)
    assert "Effective date" in html and "15 January 2026" in html
    about = client.get("/about").get_data(as_text=True)
    assert "Effective date" not in about


def test_footer_has_registration_contact_social_and_policies(client):
    html = client.get("/").get_data(as_text=True)
    assert "College of Registered Psychotherapists of Ontario" in html
    assert 'href="mailto:hello@example.org"' in html
    assert 'href="https://www.linkedin.com/in/example"' in html
    assert 'href="/social-media-policy"' in html and 'href="/terms-of-use"' in html


def test_notices_appear_where_configured(client):
    home = client.get("/").get_data(as_text=True)
    assert "I am no longer accepting new clients" in home
    assert "Secure online therapy sessions are available" in home
    assert 'href="/online-therapy">Learn more</a>' in home
    post = client.get(POST_URL).get_data(as_text=True)
    assert "Secure online therapy sessions are available" in post  # site-wide banner
    assert "no longer accepting new clients" in post  # availability: every page by default
    assert "no longer accepting new clients" in client.get("/contact").get_data(as_text=True)


def test_availability_setting_picks_the_text(app, client):
    with app.app_context():
        save_settings({"availability": "accepting"})
    html = client.get("/").get_data(as_text=True)
    assert "no longer accepting" not in html
    assert "I am currently accepting new clients" in html
    with app.app_context():
        save_settings({"availability": "waitlist"})
    assert "waitlist" in client.get("/").get_data(as_text=True)


def test_notice_switched_off_disappears_without_restart(app, client):
    assert "Secure online therapy" in client.get("/").get_data(as_text=True)
    with app.app_context():
        Notice.update(enabled=False).where(Notice.key == "online-therapy").execute()
    assert "Secure online therapy" not in client.get("/").get_data(as_text=True)


def test_notice_time_window_is_respected_despite_cache(app, client):
    now = clock.utcnow()
    with app.app_context():
        Notice.update(
            starts_at=now + timedelta(minutes=1), ends_at=now + timedelta(minutes=3)
        ).where(Notice.key == "disclaimer").execute()
    assert "not a substitute" not in client.get(POST_URL).get_data(as_text=True)
    clock.advance(timedelta(minutes=2))
    assert "not a substitute" in client.get(POST_URL).get_data(as_text=True)
    clock.advance(timedelta(minutes=2))
    assert "not a substitute" not in client.get(POST_URL).get_data(as_text=True)


def test_scheduled_post_appears_on_time_with_cache_on(app, client):
    with app.app_context():
        save_post(
            {
                "title": "Winter hours",
                "body": "Snowflake schedule for the holidays.",
                "status": "published",
                "published_at": clock.utcnow() + timedelta(minutes=1),
            },
            actor=SYSTEM,
        )
    urls = ["/", "/feed.xml", "/sitemap-posts-1.xml", "/search?q=snowflake", "/archive"]
    for url in urls:  # warm the cache
        assert "winter-hours" not in client.get(url).get_data(as_text=True).lower().replace(
            " ", "-"
        )
    assert client.get("/blog/winter-hours").status_code == 404
    clock.advance(timedelta(minutes=1, seconds=1))
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        assert "Winter hours" in text or "winter-hours" in text, url
    assert client.get("/blog/winter-hours").status_code == 200


def test_content_change_invalidates_cache(app, client):
    first = client.get("/")
    assert first.headers["X-Cache"] == "miss"
    assert client.get("/").headers["X-Cache"] == "hit"
    with app.app_context():
        post = Post.get(Post.slug == "small-habits-for-difficult-weeks")
        save_post({"title": "Small habits for hard weeks"}, post, actor=SYSTEM)
    response = client.get("/")
    assert response.headers["X-Cache"] == "miss"
    assert "Small habits for hard weeks" in response.get_data(as_text=True)


def test_conditional_get_returns_304(client):
    etag = client.get("/").headers["ETag"]
    assert etag
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_public_pages_set_no_cookie(client):
    for url in PUBLIC_URLS + ["/feed.xml", "/nope"]:
        assert "Set-Cookie" not in client.get(url).headers, url


@pytest.mark.parametrize(
    "url",
    [
        "/blog/no-such-post",
        "/no-such-page",
        "/category/nope",
        "/category/nope/feed.xml",
        "/sitemap-posts-9.xml",
    ],
)
def test_unknown_slugs_give_the_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and "site-footer" in html


@pytest.mark.parametrize(
    "query,status",
    [
        ("page=0", 400),
        ("page=-1", 400),
        ("page=abc", 400),
        ("page=1.5", 400),
        ("page=99999999999999999999", 400),
        ("page=%EF%BC%91", 400),
        ("page=", 400),
        ("page=1", 200),
        ("before=abc", 400),
        ("before=20261301000000-1", 400),
        ("before=19990101000000-1", 404),
        ("after=99991231000000-1", 404),
        ("before=20260101000000-1&after=20260101000000-1", 400),
        ("before=" + "9" * 5000, 400),
    ],
)
def test_bad_paging_parameters_give_4xx(client, query, status):
    for base in ("/", "/blog/", "/category/faq", "/archive"):
        response = client.get(f"{base}?{query}")
        assert response.status_code == status, (base, query)


@pytest.mark.parametrize(
    "query,status",
    [
        ("page=0", 400),
        ("page=-1", 400),
        ("page=abc", 400),
        ("page=500", 404),
        ("page=1", 200),
        ("page=99999999999999999999", 400),
    ],
)
def test_bad_search_page_numbers_give_4xx(client, query, status):
    assert client.get(f"/search?q=therapy&{query}").status_code == status


def _links(html: str, rel: str) -> list[str]:
    return [p.split('"')[0].replace("&amp;", "&") for p in html.split(f'rel="{rel}" href="')[1:]]


def test_older_and_newer_links_walk_every_post_once(app, client):
    with app.app_context():
        for n in range(25):
            save_post(
                {
                    "title": f"Bulk post {n:02d}",
                    "status": "published",
                    "published_at": clock.utcnow() - timedelta(days=100, minutes=n),
                },
                actor=SYSTEM,
            )
    seen, url, windows = [], "/blog/", []
    while url:
        html = client.get(url).get_data(as_text=True)
        windows.append(url)
        seen += [part.split('"')[0] for part in html.split('<h2><a href="/blog/')[1:]]
        url = (_links(html, "next") or [None])[0]
    assert len(seen) == 31 == len(set(seen))
    assert len(windows) == 4
    # The newer link from the second window leads back to the first ten posts.
    second = client.get(windows[1]).get_data(as_text=True)
    first = client.get(_links(second, "prev")[0]).get_data(as_text=True)
    assert first.count('<h2><a href="/blog/') == 10
    assert seen[0] in first and seen[10] not in first


@pytest.mark.parametrize(
    "q",
    [
        "a" * 199,
        "x" * 5000,
        '"unbalanced',
        "NEAR(",
        "* OR *",
        "AND",
        "title:secret",
        "\x00\x01",
        "<script>alert(1)</script>",
        "ünïcødé 日本語 🙂",
        "-",
        "''",
        "a\\b",
        "%",
        "^weird",
    ],
)
def test_odd_search_queries_never_500(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_search_ranks_and_highlights(client):
    html = client.get("/search?q=anxiety").get_data(as_text=True)
    assert "<mark>anxiety</mark>" in html.lower() or "<mark>Anxiety</mark>" in html
    first = html.split('<ol class="results">')[1]
    assert first.index("Understanding <mark>anxiety</mark>") < first.index(">About<")


def test_search_escapes_indexed_text(app, client):
    with app.app_context():
        save_post(
            {
                "title": "Code <b>sample</b>",
                "status": "published",
                "body": "Write `<img src=x onerror=alert(1)>` zebrafish",
            },
            actor=SYSTEM,
        )
    html = client.get("/search?q=zebrafish").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;b&gt;sample" in html


def test_search_ranks_the_newest_matches_and_tries_prefixes(app, client, monkeypatch):
    monkeypatch.setattr("cms.content.search.RANK_WINDOW", 40)
    with app.app_context():
        for n in range(45):
            body = "axolotl " * (9 if n in (0, 44) else 1)  # the oldest and newest say it most
            save_post(
                {"title": f"Pond notes {n}", "status": "published", "body": body}, actor=SYSTEM
            )
    html = client.get("/search?q=axolotl").get_data(as_text=True)
    titles = re.findall(r"<h2><a [^>]*>(.*?)</a></h2>", html)
    assert titles[0] == "Pond notes 44" and "Pond notes 0" not in titles  # outside the window
    assert "the best matches among the 40 most recent" in html
    few = client.get("/search?q=axolotl+pond+notes+44").get_data(as_text=True)
    assert "most recent" not in few  # fewer matches than the window: no note
    prefix = client.get("/search?q=axolo").get_data(as_text=True)
    assert "Pond notes" in prefix and "Nothing matched" not in prefix


def test_feed_and_sitemap_are_valid_xml(client):
    feed = ElementTree.fromstring(client.get("/feed.xml").data)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 6
    assert entries[0].find(f"{atom}content").text.startswith("<p>")
    index = ElementTree.fromstring(client.get("/sitemap.xml").data)
    locs = [e.text for e in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://localhost/sitemap-posts-1.xml" in locs
    for loc in locs:
        part = ElementTree.fromstring(client.get(loc.replace("http://localhost", "")).data)
        assert list(part)
    cat_feed = ElementTree.fromstring(client.get("/category/faq/feed.xml").data)
    assert len(cat_feed.findall(f"{atom}entry")) == 3


def test_robots_points_to_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /admin/" in text and "Sitemap: http://localhost/sitemap.xml" in text


def test_menu_is_data(app, client):
    from cms.site.models import NavItem

    with app.app_context():
        NavItem.update(label="Writing").where(NavItem.target == "blog").execute()
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/blog/">Writing</a>' in html


def test_theme_css_uses_accent_setting(app, client):
    with app.app_context():
        save_settings({"accent_color": "#123456"})
    assert "#123456" in client.get("/theme.css").get_data(as_text=True)
    with app.app_context():
        save_settings({"accent_color": "red;}body{display:none"})
    assert "display:none" not in client.get("/theme.css").get_data(as_text=True)


def test_changed_slug_redirects(app, client):
    with app.app_context():
        post = Post.get(Post.slug == "small-habits-for-difficult-weeks")
        save_post({"slug": "small-habits"}, post, actor=SYSTEM)
    response = client.get("/blog/small-habits-for-difficult-weeks")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/blog/small-habits")


def test_logo_favicon_and_featured_image_come_from_media(app, client):
    import io

    from PIL import Image

    from cms.media.service import process_upload

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), "teal").save(buffer, "PNG")
    with app.app_context():
        image = process_upload(buffer.getvalue(), "photo.png", "A teal square", actor=SYSTEM)
        save_settings({"logo_media_id": image.id, "favicon_media_id": image.id})
        post = Post.get(Post.slug == "small-habits-for-difficult-weeks")
        save_post({"featured_image": image.id}, post, actor=SYSTEM)
    home = client.get("/").get_data(as_text=True)
    assert f'<img class="logo" src="/media/{image.id}"' in home
    assert f'<link rel="icon" href="/media/{image.id}">' in home
    html = client.get("/blog/small-habits-for-difficult-weeks").get_data(as_text=True)
    assert f"/media/{image.id}/w/480 480w" in html and 'alt="A teal square"' in html
    assert client.get(f"/media/{image.id}/w/480").status_code == 200


@pytest.mark.parametrize("url", [*PUBLIC_URLS, "/nope", "/?page=abc"])
def test_public_html_parses_without_errors(client, url):
    import html5lib

    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(client.get(url).get_data(as_text=True))  # raises on any parse error


def test_change_by_another_process_invalidates_cache(app, client):
    assert client.get("/").headers["X-Cache"] == "miss"
    assert client.get("/").headers["X-Cache"] == "hit"
    other = sqlite3.connect(app.config["DATABASE"])  # another worker: not our connection
    try:
        with other:
            other.execute(
                "UPDATE post SET title = 'Small habits for hard weeks' WHERE slug = ?",
                ("small-habits-for-difficult-weeks",),
            )
        response = client.get("/")
        assert response.headers["X-Cache"] == "miss"
        assert "Small habits for hard weeks" in response.get_data(as_text=True)
        assert "Secure online therapy" in client.get("/").get_data(as_text=True)
        with other:
            other.execute("UPDATE notice SET enabled = 0 WHERE key = 'online-therapy'")
        assert "Secure online therapy" not in client.get("/").get_data(as_text=True)
    finally:
        other.close()


def test_unhandled_error_gives_the_500_page_in_the_site_design(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, though TESTING is on

    @app.route("/boom")
    @app.route("/api/v1/boom")
    def boom():
        raise RuntimeError("internal detail")

    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert 'class="site-header"' in html and "Something went wrong on our side" in html
    assert "internal detail" not in html and "Traceback" not in html
    assert "X-Cache" not in response.headers
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.mimetype == "application/problem+json"
    assert "internal detail" not in api.get_data(as_text=True)


def test_canonical_address_keeps_paging_and_drops_tracking(app, client):
    with app.app_context():
        for n in range(25):  # enough for a second page of the blog
            save_post(
                {"title": f"Paged post {n}", "body": "Text", "status": "published"}, actor=SYSTEM
            )
    first = client.get("/blog/?utm_source=newsletter").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/blog/">' in first
    older = re.search(r'href="(/blog/\?before=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older + "&utm_source=newsletter").get_data(as_text=True)
    cursor = older.split("before=")[1]
    assert f'<link rel="canonical" href="http://localhost/blog/?before={cursor}">' in second
    assert "utm_source" not in re.search(r'<link rel="canonical"[^>]*>', second).group(0)
