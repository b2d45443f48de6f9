"""cms.content.render: Markdown -> sanitized HTML, hostile input in every Markdown construct."""

from collections import Counter

import pytest

from cms.content.render import make_excerpt, plain_text, render_markdown
from tests.helpers.xss_corpus import CONSTRUCTS, all_payloads, corpora, markdown_cases, unsafe


def test_every_payload_in_every_markdown_construct_comes_out_clean(report):
    cases = markdown_cases()
    failures = [
        (construct, payload, found)
        for construct, payload, text in cases
        if (found := unsafe(render_markdown(text)))
    ]
    total = sum(len(p) for p in corpora().values())
    report(
        "Markdown pipeline payloads tried",
        f"{len(all_payloads())} distinct of {total} in the corpora x {len(CONSTRUCTS)} "
        f"constructs = {len(cases)} renders",
    )
    assert Counter(c for c, _, _ in cases) == dict.fromkeys(CONSTRUCTS, len(all_payloads()))
    assert failures == []


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](javascript:alert(1))",
        "[x](javascript:123)",
        "[x](JAVASCRIPT:alert(1) 'title')",
        "[x](javascript&#58;alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](//evil.example)",
    ],
)
def test_markdown_links_with_dangerous_targets_lose_them(markdown):
    html = render_markdown(markdown)
    assert "href" not in html and unsafe(html) == []


@pytest.mark.parametrize(
    "markdown",
    [
        "![x](//evil.example/a.png)",
        "![x](https://evil.example/a.png)",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](javascript:alert(1))",
        '<img src="/\\evil.example/a.png" alt="x">',
    ],
)
def test_markdown_images_from_other_origins_lose_their_source(markdown):
    html = render_markdown(markdown)
    assert "src=" not in html and 'alt="x"' in html


def test_local_markdown_image_is_kept(ctx):
    assert render_markdown("![A garden](/media/4/garden.jpg)") == (
        '<p><img src="/media/4/garden.jpg" alt="A garden"></p>\n'
    )


def test_raw_html_in_markdown_keeps_allowed_markup_only():
    html = render_markdown(
        'Intro\n\n<div onmouseover="alert(1)"><b style="x">bold</b></div>\n\n'
        '<a href="https://example.org" onclick="steal()">site</a>'
    )
    assert html == (
        "<p>Intro</p>\n\n<b>bold</b>\n<p>"
        '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a></p>\n'
    )


@pytest.mark.parametrize(
    "fence, expected",
    [
        ("python", '<code class="language-python">'),
        ("c++", '<code class="language-c++">'),
        ("js onclick=alert(1)", '<code class="language-js">'),
        ('"><script>alert(1)</script>', "<code>"),
        ("x" * 60, "<code>"),
        ("", "<code>"),
    ],
)
def test_code_block_languages(fence, expected):
    html = render_markdown(f"```{fence}\n<script>alert(1)</script>\n```")
    assert html.startswith(f"<pre>{expected}&lt;script&gt;alert(1)&lt;/script&gt;")
    assert unsafe(html) == []


def test_code_span_shows_markup_as_text():
    assert render_markdown("`<img src=x onerror=alert(1)>`") == (
        "<p><code>&lt;img src=x onerror=alert(1)&gt;</code></p>\n"
    )


def test_headings_are_demoted_below_the_page_title():
    assert render_markdown("# One\n\n## Two") == "<h2>One</h2>\n<h2>Two</h2>\n"


def test_tables_and_strikethrough_render():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~")
    assert "<table>" in html and "<td>1</td>" in html and "<s>old</s>" in html


def test_control_characters_are_dropped_not_shown_as_question_marks():
    html = render_markdown("one\x07 two\x1b three\x85 four\x0bfive")
    assert html == "<p>one two three four\nfive</p>\n"


def test_plain_text_and_excerpt():
    html = render_markdown("Hello **there**, friend.\n\n" + "word " * 100)
    assert plain_text(html).startswith("Hello there, friend. word")
    excerpt = make_excerpt(html, length=40)
    assert excerpt.endswith("…") and len(excerpt) <= 41 and not excerpt[:-1].endswith(" ")
    assert make_excerpt("<p>short</p>") == "short"
