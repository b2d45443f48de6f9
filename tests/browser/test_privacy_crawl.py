"""Privacy: a crawl of the public site makes no request to any other origin, and readers
get no cookie (the contact form alone may set one, for its CSRF token). A crawl of every
editor screen, signed in as an administrator, stays on the site too.
"""

import re
from urllib.parse import urldefrag, urlsplit

from cms import create_app
from tests.helpers.browser import sign_in
from tests.helpers.editor_content import add_editor_content

MAX_PAGES = 80
MAX_EDITOR_PAGES = 150
# Pages a crawl from the home page might not reach by links alone.
TOO_LONG = "/search?q=" + "long" * 60  # a 400 page, the design other errors share
SEEDS = ["/", "/search?q=therapy", "/feed.xml", "/sitemap.xml", "/robots.txt", "/no-such-page"]
SEEDS += [TOO_LONG]
COOKIE_PAGES = ("/contact",)  # the only public pages allowed to set a cookie
SKIP = ("/admin", "/api/")  # the editor and the API have their own tests


def _same_origin_links(page, site: str, follow: str = "/") -> list[str]:
    """Paths of the page's links under `follow` (the public crawl skips SKIP and COOKIE_PAGES)."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    skip = SKIP + COOKIE_PAGES if follow == "/" else ()
    found = []
    for href in hrefs:
        url = urldefrag(href)[0]
        path = url[len(site) :] or "/"
        if url.startswith(site + follow) and not path.startswith(skip):
            found.append(path)
    return found


def recording_context(browser, site: str, requests: list):
    """A browser context that records every request and lets only the site's through."""
    context = browser.new_context()
    context.on("request", lambda request: requests.append(request.url))
    context.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(site + "/") else r.abort(),
    )
    return context, context.new_page()


def test_crawl_of_public_pages_stays_on_the_site(browser, live_server, report):
    site, requests = live_server.url, []
    context, page = recording_context(browser, site, requests)
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
    assert {"about", "social-media-policy", "sitemap.xml"} <= kinds  # pages and the sitemap
    assert any(p.startswith("/blog/") and len(p) > 6 for p in statuses)  # a post
    assert statuses["/no-such-page"] == 404 and statuses.pop(TOO_LONG) == 400
    assert all(status in (200, 404) for status in statuses.values()), statuses


# Editor pages reached only through single-use links or a half-finished two-step sign-in.
UNREACHABLE = {"admin.setup", "admin.set_password_link", "admin.two_step"}


# The URLs the page's GET forms (search, filters, "compare revisions") would open.
GET_FORMS = """forms => forms.filter((f) => f.method === "get")
  .map((f) => f.action + "?" + new URLSearchParams(new FormData(f)))"""


def _screen(path: str) -> str:
    """The screen a path shows (/admin/posts/12/edit -> /admin/posts/N/edit)."""
    return re.sub(r"/\d+(?=/|$)", "/N", urlsplit(path).path)


def test_crawl_of_every_editor_screen_stays_on_the_site(browser, live_server, report):
    site, requests = live_server.url, []
    # The draft has two revisions, so its revisions screen offers "compare" (the diff).
    draft_revisions = add_editor_content(live_server.instance)["edit post"][: -len("edit")]
    draft_revisions += "revisions"
    app = create_app({"INSTANCE_PATH": str(live_server.instance), "SECRET_KEY": "browser-tests"})
    adapter = app.url_map.bind("127.0.0.1")
    wanted = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin") and "GET" in rule.methods
    } - UNREACHABLE
    context, page = recording_context(browser, site, requests)
    # Signed out first: the sign-in page, the screens it links to, and the reset-by-e-mail
    # screen (linked only where the site can send mail, as this server cannot).
    screens, statuses = {}, {}
    page.goto(site + "/admin/login")
    signed_out = ["/admin/login", "/admin/login/reset"]
    for path in signed_out + _same_origin_links(page, site, follow="/admin/login"):
        if path not in statuses:
            screens[_screen(path)] = adapter.match(urlsplit(path).path)[0]
            statuses[path] = page.goto(site + path).status
    sign_in(page, site)
    queue = ["/admin/", draft_revisions]
    while queue and len(statuses) < MAX_EDITOR_PAGES:
        path = queue.pop(0)
        if path in statuses or _screen(path) in screens:
            continue  # one page of each screen: /admin/posts/N/edit is one screen
        screens[_screen(path)] = adapter.match(urlsplit(path).path)[0]
        response = page.goto(site + path)
        statuses[path] = response.status
        assert page.url.startswith(site + "/admin/") and "/login" not in page.url, path
        queue += _same_origin_links(page, site, follow="/admin/")
        forms = page.eval_on_selector_all("form", GET_FORMS)
        queue += [url[len(site) :] for url in forms if url.startswith(site + "/admin/")]
    context.close()

    report(
        "privacy crawl, editor (signed in as admin)",
        f"{len(statuses)} editor pages crawled ({len(set(screens.values()))} screens), "
        f"{len(requests)} requests, all to {site}",
    )
    assert [url for url in requests if not url.startswith(site + "/")] == []
    assert wanted - set(screens.values()) == set(), "editor screens the crawl did not reach"
    assert all(status == 200 for status in statuses.values()), statuses
