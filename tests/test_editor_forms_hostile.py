"""Property-based hostile input on every editor form, signed in as an administrator.

The forms are found the way a person finds them: by following the editor's links from
the dashboard and reading each page's POST forms, so a new screen or field is fuzzed
without changing this test. Every answer must be a 2xx/3xx/4xx, and a 4xx must say what
was wrong (a field error, an alert, or an error page's heading and text).
"""

import re
from urllib.parse import urldefrag, urlsplit

import html5lib
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.hostile import (
    BOUNDED,
    MIN_EXAMPLES,
    SECONDS,
    TimeBox,
    error_messages,
    huge_numbers,
    odd_text,
    says_what_went_wrong,
)

MAX_SCREENS = 60
# Forms left out: signing out would end the run's session; the rest are covered by their
# own tests and only take a confirmation (no typed input to fuzz).
SKIP_ACTIONS = re.compile(r"/logout$|/sign-out-everywhere$")
# Each editor form refuses with its own field messages, so any message counts here as long
# as the refusal shows it where problems are shown (at the field, in an alert, or as the
# error page's message), never only a heading or the page as usual.
ANY_MESSAGE = re.compile(r"\w{2,}")


def _screen(path: str) -> str:
    """The screen a path shows (/admin/posts/12/edit -> /admin/posts/N/edit)."""
    return re.sub(r"/\d+(?=/|$)", "/N", path)


def _post_forms(html: str, page_path: str) -> list[tuple[str, list[str]]]:
    """(action, field names) of the page's POST forms, hidden fields included."""
    root = html5lib.parseFragment(html, namespaceHTMLElements=False)
    found = []
    for form in root.iter("form"):
        if (form.get("method") or "").lower() != "post":
            continue
        action = urlsplit(form.get("action") or page_path).path
        names = [
            element.get("name")
            for element in form.iter()
            if element.tag in ("input", "textarea", "select") and element.get("name")
        ]
        found.append((action, list(dict.fromkeys(names))))
    return found


def editor_forms(client) -> dict[str, list[str]]:
    """Every POST form reachable by links from the dashboard: action -> field names."""
    queue, screens, forms = ["/admin/"], set(), {}
    while queue and len(screens) < MAX_SCREENS:
        path = queue.pop(0)
        if _screen(path) in screens:
            continue
        screens.add(_screen(path))
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        for action, names in _post_forms(html, path):
            if action.startswith("/admin/") and not SKIP_ACTIONS.search(action):
                forms.setdefault(_screen(action), (action, names))
        for href in re.findall(r'href="(/admin/[^"]*)"', html):
            queue.append(urldefrag(href.replace("&amp;", "&"))[0].split("?")[0])
    return dict(forms.values())


def test_every_editor_form_never_500(app, auth, report):
    client = auth._client
    assert auth.login().status_code == 302
    forms = editor_forms(client)
    # The main screens' forms are among those found (the walk reaches the whole editor).
    wanted = ["/admin/posts/new", "/admin/settings", "/admin/notices/switches", "/admin/users/new"]
    assert [url for url in wanted if url not in forms] == [], sorted(forms)
    box, statuses = TimeBox(SECONDS * 2), {}
    values = st.one_of(odd_text, huge_numbers, st.text(min_size=5000, max_size=20000))

    @settings(BOUNDED, max_examples=15 * len(forms))
    @given(st.sampled_from(sorted(forms)), st.data())
    def check(url, data):
        # Drawn before the time check: an example draws the same values however busy the
        # machine is, so hypothesis never sees a strategy that stops drawing early.
        fields = {name: data.draw(values, label=name) for name in forms[url]}
        if not box.open():
            return
        response = client.post(url, data=fields)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (url, fields, response.status_code)
        if response.status_code >= 400:
            assert says_what_went_wrong(response, ANY_MESSAGE), (
                url,
                response.status_code,
                error_messages(response),
            )
        if response.status_code == 302 and "/admin/login" in response.headers["Location"]:
            auth.login()  # a form that ended the session (changing the password, say)

    check()
    report(
        "hypothesis examples: editor forms",
        f"{box.examples} over {len(forms)} forms, statuses {dict(sorted(statuses.items()))}",
    )
    assert box.examples >= MIN_EXAMPLES, box.examples
