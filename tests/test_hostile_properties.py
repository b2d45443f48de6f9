"""Property-based hostile input: the sanitizer, slugs, and every public parameter and form.

Each property is bounded in examples and in seconds (a test stops generating new work once
its time is up). The app is created once per test function and the property runs inside
it, so hypothesis never sees a function-scoped fixture.
"""

import re
from urllib.parse import quote

import html5lib
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.accounts import throttle
from cms.accounts.signin import SIGN_IN_FAILED
from cms.content.fields import MAX_SLUG
from cms.content.render import render_markdown
from cms.content.sanitize import clean_html
from cms.content.slugs import make_slug
from cms.core.errors import MESSAGES
from cms.public.contact import CSRF_FAILED, FIX_FIELDS, RATE_LIMITED
from cms.public.contact_forms import TAMPERED, TOO_FAST
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
from tests.helpers.xss_corpus import all_payloads, unsafe

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


# What a refusal may say at each door (a 4xx showing anything else is a failure).
NOT_FOUND = (MESSAGES[404], "There are no more results.")
BAD_PAGE = (re.compile(r"page number must be a whole number"), *NOT_FOUND)
LONG_SEARCH = (re.compile(r"shorten your search to \d+ characters"),)
FORM_REFUSED = (
    FIX_FIELDS,
    TOO_FAST,
    TAMPERED,
    CSRF_FAILED,
    RATE_LIMITED.split("{")[0],
    SIGN_IN_FAILED,
    throttle.MESSAGE.split("{")[0],
)


def _never_500(client, box, path: str, expected: tuple, **kwargs) -> None:
    if box.open():
        response = client.open(path, **kwargs)
        assert response.status_code < 500, (path, kwargs, response.status_code)
        if response.status_code >= 400:
            assert says_what_went_wrong(response, *expected), (
                path,
                response.status_code,
                error_messages(response),
            )


LISTING_PATHS = ["/", "/blog/", "/archive", "/category/faq", "/search?q=therapy"]


def test_pagination_parameters_never_500(app, report):
    client, box = app.test_client(), TimeBox()

    @BOUNDED
    @given(st.sampled_from(LISTING_PATHS), st.one_of(odd_text, huge_numbers))
    def check(path, page):
        separator = "&" if "?" in path else "?"
        _never_500(client, box, f"{path}{separator}page={quote(page, safe='')}", BAD_PAGE)

    check()
    report("hypothesis examples: pagination parameters", box.examples)
    assert box.examples >= MIN_EXAMPLES, box.examples


def test_search_queries_never_500(app, report):
    client, box = app.test_client(), TimeBox()

    @BOUNDED
    @given(st.one_of(odd_text, st.text(min_size=150, max_size=5000), st.binary(max_size=200)))
    def check(q):
        _never_500(client, box, "/search?q=" + quote(q, safe=""), LONG_SEARCH)

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
        _never_500(client, box, prefix + quote(slug, safe=""), NOT_FOUND)

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
        _never_500(client, box, url, FORM_REFUSED, method="POST", data=fields)

    check()
    report(
        "hypothesis examples: public forms",
        f"{box.examples} over {', '.join(f'{u} ({len(f)} fields)' for u, f in forms.items())}",
    )
    assert box.examples >= MIN_EXAMPLES, box.examples
