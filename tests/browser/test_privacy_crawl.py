"""Privacy: a crawl of the public site makes no request to any other origin, and readers
get no cookie (the contact form alone may set one, for its CSRF token).
"""

from urllib.parse import urldefrag, urlsplit

MAX_PAGES = 80
# Pages a crawl from the home page might not reach by links alone.
SEEDS = ["/", "/search?q=therapy", "/feed.xml", "/sitemap.xml", "/robots.txt", "/no-such-page"]
COOKIE_PAGES = ("/contact",)  # the only public pages allowed to set a cookie
SKIP = ("/admin", "/api/")  # the editor and the API have their own tests


def _same_origin_links(page, site: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urldefrag(href)[0]
        path = url[len(site) :] or "/"
        if url.startswith(site + "/") and not path.startswith(SKIP + COOKIE_PAGES):
            found.append(path)
    return found


def test_crawl_of_public_pages_stays_on_the_site(browser, live_server, report):
    site, requests = live_server.url, []
    context = browser.new_context()
    context.on("request", lambda request: requests.append(request.url))
    context.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(site + "/") else r.abort(),
    )
    page = context.new_page()
    queue, seen, statuses = list(SEEDS), set(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(site + path)
        statuses[path] = response.status
        assert context.cookies() == [], f"{path} set a cookie"
        if "html" in response.headers.get("content-type", ""):
            queue += _same_origin_links(page, site)
    for path in COOKIE_PAGES:  # last: their cookie must not hide one set elsewhere
        statuses[path] = page.goto(site + path).status
    cookies = [c["name"] for c in context.cookies()]
    context.close()

    kinds = {urlsplit(p).path.split("/")[1] or "home" for p in statuses}
    report(
        "privacy crawl",
        f"{len(statuses)} pages crawled, {len(requests)} requests, all to {site}; "
        f"cookies only after {COOKIE_PAGES}: {cookies}",
    )
    outside = [url for url in requests if not url.startswith(site + "/")]
    assert outside == []
    assert {"home", "blog", "category", "archive", "search", "contact", "feed.xml"} <= kinds
    assert any(p.startswith("/blog/") and len(p) > 6 for p in statuses)  # a post
    assert statuses["/no-such-page"] == 404
    assert all(status in (200, 404) for status in statuses.values()), statuses
