"""The sign-in `next` parameter against open-redirect vectors: after signing in (with a
password, with two steps, or when already signed in) the browser always stays on the site.

The Location is judged the way a browser would read it (tabs and newlines dropped,
backslashes taken as slashes, resolved against the sign-in page), not only as a string.
"""

import re
from datetime import timedelta
from urllib.parse import unquote, urljoin, urlsplit

from cms.core import clock
from tests.helpers.accounts import enable_two_step, sign_in, totp_code

SITE = "http://localhost"
VECTORS = [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\\/evil.example", "https://evil.example",
    "http:evil.example", "http:/evil.example", "https:\\\\evil.example", "HTTPS://evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "javascript://%0aalert(1)", "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example",
    "%5C%5Cevil.example", "/%09/evil.example", "/%0d%0a/evil.example", "/\t/evil.example",
    "/\n/evil.example", "\t//evil.example", " //evil.example", "\x00//evil.example",
    "@evil.example", "//evil.example@localhost", "//localhost@evil.example",
    "http://localhost@evil.example", "/\uff0fevil.example", "\uff0f\uff0fevil.example",
    "/\uff3cevil.example", "//evil\u3002example", "/admin/\r\nSet-Cookie: x=1", "evil.example",
]  # fmt: skip
# Fullwidth slashes inside a path are just characters of a local path (a 404 on the site).
LOCAL_LOOKALIKES = {"/\uff0fevil.example", "/\uff3cevil.example"}


def browser_reads(location: str) -> tuple[str, str]:
    """(scheme, host) a browser would go to for this Location, sent from the sign-in page."""
    cleaned = re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$|[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(urljoin(f"{SITE}/admin/login", cleaned))
    return parts.scheme, parts.netloc


def assert_stays_on_the_site(response, vector: str) -> None:
    assert response.status_code == 302, vector
    location = response.headers["Location"]
    for form in (location, unquote(location)):  # in case something decodes it once more
        assert browser_reads(form) == ("http", "localhost"), (vector, location)
        assert form.startswith("/") and not form.startswith(("//", "/\\")), (vector, location)
    if vector not in LOCAL_LOOKALIKES:
        assert location == "/admin/", (vector, location)  # refused: to the dashboard


def _password_sign_in(client, vector: str):
    return client.post(
        "/admin/login",
        query_string={"next": vector},
        data={"email": "admin@example.org", "password": "correct horse battery"},
    )


def test_local_next_is_kept(client, users):
    response = _password_sign_in(client, "/admin/posts/?status=draft")
    assert response.headers["Location"] == "/admin/posts/?status=draft"


def test_no_way_in_leaves_the_site(client, users, report):
    for vector in VECTORS:
        assert_stays_on_the_site(_password_sign_in(client, vector), vector)
        client.post("/admin/logout")
    sign_in(client)
    for vector in VECTORS:  # already signed in: the sign-in page redirects at once
        assert_stays_on_the_site(client.get("/admin/login", query_string={"next": vector}), vector)
    secret, _ = enable_two_step(client)
    client.post("/admin/logout")
    for vector in VECTORS:
        clock.advance(timedelta(seconds=30))  # a fresh code each time: codes are single-use
        first = _password_sign_in(client, vector)
        assert first.headers["Location"] == "/admin/login/two-step", vector
        done = client.post("/admin/login/two-step", data={"code": totp_code(secret)})
        assert_stays_on_the_site(done, vector)
        client.post("/admin/logout")
    report(
        "open-redirect vectors",
        f"{len(VECTORS)} vectors x 3 ways in (password, two-step, already signed in): "
        f"every Location a local path (/admin/ for all but {len(LOCAL_LOOKALIKES)} fullwidth-"
        "slash paths, which stay local)",
    )
