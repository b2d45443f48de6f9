"""Property-based hostile input: the sanitizer, slugs, and every public parameter and form.

Each property is bounded in examples and in seconds (a test stops generating new work once
its time is up). The app is created once per test function and the property runs inside
it, so hypothesis never sees a function-scoped fixture.
"""

import re
import time
from urllib.parse import quote

import html5lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.content.fields import MAX_SLUG
from cms.content.render import render_markdown
from cms.content.sanitize import clean_html
from cms.content.slugs import make_slug
from tests.test_sanitize import unsafe
from tests.xss_corpus import all_payloads

SECONDS = 20  # per test: past this, remaining examples are skipped cheaply
BOUNDED = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces that make HTML parsers and sanitizers work hard, mixed with arbitrary text.
FRAGMENTS = [
    "<", ">", "&", "&amp;", "&#", "&#x6A;", "&colon;", "&Tab;", '"', "'", "`", "=", "/",
    "\\", "<script>", "</script>", "<a href=", "<img src=", "javascript:", "data:",
    " onerror=", " onclick=", " style=", "<!--", "-->", "<![CDATA[", "]]>", "<svg>",
    "<math>", "<p>", "</p>", "<b>", "<table>", "<td>", "<textarea>", "<noscript>",
    "<template>", "<style>", "[x](", "![x](", ")", "](", "`", "```", "\n", "\n\n", "\t",
    "\x00", "\x0b", "\u2028", "\ufeff", "//evil.example", "<h1>", "# ", "- ", "> ",
]  # fmt: skip
hostile_html = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12), st.sampled_from(all_payloads())),
    max_size=25,
).map("".join)
# Arbitrary unicode including control characters and NUL (surrogates cannot be sent).
odd_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
huge_numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)


MIN_EXAMPLES = 20  # fewer means the time box starved the property: that is a failure


class TimeBox:
    """Lets a property stop doing work once its seconds are spent (no timed assertion)."""

    def __init__(self, seconds: float = SECONDS):
        self.ends = time.monotonic() + seconds
        self.examples = 0

    def open(self) -> bool:
        if time.monotonic() > self.ends:
            return False
        self.examples += 1
        return True


def test_sanitizer_is_idempotent_and_never_emits_danger(report):
    box = TimeBox()

    @BOUNDED
    @given(hostile_html)
    def check(dirty):
        if box.open():
            once = clean_html(dirty)
            assert clean_html(once) == once
            assert unsafe(once) == []

    check()
    report("hypothesis examples: clean_html idempotent and safe", box.examples)
    assert box.examples >= MIN_EXAMPLES, box.examples


def test_markdown_pipeline_never_emits_danger(report):
    box = TimeBox()

    @BOUNDED
    @given(hostile_html)
    def check(markdown):
        if box.open():
            assert unsafe(render_markdown(markdown)) == []

    check()
    report("hypothesis examples: render_markdown safe", box.examples)
    assert box.examples >= MIN_EXAMPLES, box.examples


@settings(max_examples=300, deadline=None, database=None)
@given(odd_text)
def test_slugs_are_url_safe_and_bounded(text):
    slug = make_slug(text)
    assert slug and len(slug) <= MAX_SLUG
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def says_what_went_wrong(response) -> bool:
    """A 4xx answer names the problem: a field error, an alert, or an error heading."""
    text = response.get_data(as_text=True)
    if response.mimetype == "application/json" or response.mimetype.endswith("+json"):
        return '"detail"' in text
    if response.mimetype == "text/plain":
        return bool(text.strip())
    return bool(re.search(r'class="(flash )?error"|role="alert"|<h1>[^<]+</h1>', text))


def _never_500(client, box, path: str, **kwargs) -> None:
    if box.open():
        response = client.open(path, **kwargs)
        assert response.status_code < 500, (path, kwargs, response.status_code)
        if response.status_code >= 400:
            assert says_what_went_wrong(response), (path, response.status_code)


LISTING_PATHS = ["/", "/blog/", "/archive", "/category/faq", "/search?q=therapy"]


def test_pagination_parameters_never_500(app, report):
    client, box = app.test_client(), TimeBox()

    @BOUNDED
    @given(st.sampled_from(LISTING_PATHS), st.one_of(odd_text, huge_numbers))
    def check(path, page):
        separator = "&" if "?" in path else "?"
        _never_500(client, box, f"{path}{separator}page={quote(page, safe='')}")

    check()
    report("hypothesis examples: pagination parameters", box.examples)
    assert box.examples >= MIN_EXAMPLES, box.examples


def test_search_queries_never_500(app, report):
    client, box = app.test_client(), TimeBox()

    @BOUNDED
    @given(st.one_of(odd_text, st.text(min_size=150, max_size=5000), st.binary(max_size=200)))
    def check(q):
        _never_500(client, box, "/search?q=" + quote(q, safe=""))

    check()
    report("hypothesis examples: search queries", box.examples)
    assert box.examples >= MIN_EXAMPLES, box.examples


def test_odd_slugs_in_public_paths_never_500(app, report):
    client, box = app.test_client(), TimeBox()

    @BOUNDED
    @given(
        st.sampled_from(["/blog/", "/", "/category/", "/media/1/", "/category/faq/"]),
        st.one_of(odd_text, st.binary(max_size=100)),
    )
    def check(prefix, slug):
        _never_500(client, box, prefix + quote(slug, safe=""))

    check()
    report("hypothesis examples: odd slugs in public paths", box.examples)
    assert box.examples >= MIN_EXAMPLES, box.examples


# The public forms, found by address; the fields are read from the rendered form, so a
# new field (or a new form added to this list) is fuzzed without changing the test.
PUBLIC_FORMS = ["/contact", "/admin/login"]


def form_fields(html: str) -> list[str]:
    """Names of the fields of the page's POST forms."""
    root = html5lib.parseFragment(html, namespaceHTMLElements=False)
    names = []
    for form in root.iter("form"):
        if (form.get("method") or "").lower() == "post":
            for element in form.iter():
                if element.tag in ("input", "textarea", "select") and element.get("name"):
                    names.append(element.get("name"))
    return list(dict.fromkeys(names))


def test_public_forms_never_500(app, report):
    client, box = app.test_client(), TimeBox(SECONDS * 1.5)
    forms = {url: form_fields(client.get(url).get_data(as_text=True)) for url in PUBLIC_FORMS}
    assert all(forms.values()), forms
    values = st.one_of(odd_text, huge_numbers, st.text(min_size=5000, max_size=20000))

    @BOUNDED
    @given(st.sampled_from(sorted(forms)), st.data())
    def check(url, data):
        fields = {name: data.draw(values, label=name) for name in forms[url]}
        _never_500(client, box, url, method="POST", data=fields)

    check()
    report(
        "hypothesis examples: public forms",
        f"{box.examples} over {', '.join(f'{u} ({len(f)} fields)' for u, f in forms.items())}",
    )
    assert box.examples >= MIN_EXAMPLES, box.examples
