"""Footnotes, definition lists, figures with captions and video link cards: what they
render to, that nothing loads from another site, and that the sanitizer lets through only
the markup they make (hostile text included)."""

import io
import re

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.content.blocks import video_link
from cms.content.render import render_markdown
from cms.content.sanitize import clean_html
from cms.content.service import save_post
from cms.core.security import CSP
from cms.media.service import process_upload
from tests.helpers.xss_corpus import all_payloads, unsafe

VIDEO = "dQw4w9WgXcQ"


def test_footnotes_link_both_ways_with_plain_numbers():
    html = render_markdown("Calm[^a] and again[^a], then more[^b].\n\n[^a]: First.\n[^b]: Second.")
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>' in html
    assert '<a href="#fn1" id="fnref1:1">[1]</a>' in html  # a second reference, same number
    assert '<a href="#fn2" id="fnref2">[2]</a>' in html
    assert '<li id="fn1" class="footnote-item"><p>First.' in html
    assert 'href="#fnref1:1" class="footnote-backref" aria-label="Back to the text"' in html
    assert '<section class="footnotes">' in html and '<hr class="footnotes-sep">' in html
    assert unsafe(html) == []


def test_definition_lists():
    html = render_markdown("Transference\n: Feelings carried over.\n\nBoundary\n: A limit.")
    assert html.count("<dt>") == 2 and "<dd>Feelings carried over.</dd>" in html


def test_an_image_with_an_emphasized_line_below_is_a_figure(ctx):
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 90)).save(out, "PNG")
    image = process_upload(out.getvalue(), "room.png", "A quiet room", actor=SYSTEM)
    html = render_markdown(f"![A quiet room](/media/{image.id}/room.png)\n*The waiting room*")
    assert re.fullmatch(
        rf'<figure><img src="/media/{image.id}/room.png" srcset="[^"]+" sizes="[^"]+" '
        r'width="800" height="600" alt="A quiet room"><figcaption>The waiting room</figcaption>'
        r"</figure>\n",
        html,
    ), html


@pytest.mark.parametrize(
    "text",
    [
        "![alt](/static/a.jpg)",  # no caption
        "![alt](/static/a.jpg) *beside it*",  # same line: an inline image with text
        "![alt](/static/a.jpg)\n*part* of a line",  # emphasis is not the whole line
        "![alt](/static/a.jpg)\n*one* and *two*",
        "Text first\n![alt](/static/a.jpg)\n*caption*",
    ],
)
def test_other_images_stay_as_they_were(text):
    assert "<figure>" not in render_markdown(text)


@pytest.mark.parametrize(
    "url, site, href",
    [
        (f"https://www.youtube.com/watch?v={VIDEO}", "YouTube", f"watch?v={VIDEO}"),
        (f"https://youtube.com/watch?v={VIDEO}&t=90s", "YouTube", f"watch?v={VIDEO}&amp;t=90"),
        (f"https://youtu.be/{VIDEO}", "YouTube", f"watch?v={VIDEO}"),
        (f"http://m.youtube.com/shorts/{VIDEO}", "YouTube", f"watch?v={VIDEO}"),
        (f"https://www.youtube-nocookie.com/embed/{VIDEO}", "YouTube", f"watch?v={VIDEO}"),
        (f"<https://youtu.be/{VIDEO}>", "YouTube", f"watch?v={VIDEO}"),
        ("https://vimeo.com/76979871", "Vimeo", "vimeo.com/76979871"),
        ("https://player.vimeo.com/video/76979871", "Vimeo", "vimeo.com/76979871"),
    ],
)
def test_a_video_address_alone_is_a_link_card_that_loads_nothing(url, site, href):
    html = render_markdown(f"Before.\n\n{url}\n\nAfter.")
    card = re.search(r'<p class="video-card">.*?</p>', html).group(0)
    assert f'<span class="video-card-site">Watch on {site}</span>' in card
    assert href in card and 'rel="noopener noreferrer nofollow"' in card
    # Nothing that a browser fetches by itself: no frame, image, script or object.
    assert not re.search(r"<(iframe|img|script|object|embed|video|source|link)\b", html)
    assert "src=" not in html and unsafe(html) == []


def test_a_titled_video_link_alone_keeps_its_title():
    html = render_markdown(f"[A *calm* breathing exercise](https://youtu.be/{VIDEO})")
    assert '<span class="video-card-title">A <em>calm</em> breathing exercise</span>' in html
    assert f'href="https://www.youtube.com/watch?v={VIDEO}"' in html


@pytest.mark.parametrize(
    "url",
    [
        f"https://youtube.com.evil.example/watch?v={VIDEO}",
        f"https://evil.example/?u=https://youtu.be/{VIDEO}",
        f"https://user@youtube.com/watch?v={VIDEO}",
        f"https://youtube.com:8443/watch?v={VIDEO}",
        f"javascript://youtube.com/watch?v={VIDEO}",
        "https://www.youtube.com/watch?v=short",
        'https://www.youtube.com/watch?v=dQw4w9WgXcQ"onmouseover=alert(1)',
        "https://vimeo.com/channels/staffpicks",
        f"ftp://youtu.be/{VIDEO}",
    ],
)
def test_lookalike_and_hostile_addresses_are_not_cards(url):
    assert video_link(url) is None
    html = render_markdown(url)
    assert "video-card" not in html and unsafe(html) == []


def test_a_video_address_inside_a_sentence_stays_text():
    html = render_markdown(f"See https://youtu.be/{VIDEO} later.")
    assert "video-card" not in html and "<a " not in html


@pytest.mark.parametrize(
    "hostile, kept",
    [
        ('<p class="video-card evil">x</p>', "<p>x</p>"),
        ('<span class="video-card-site" style="position:fixed">x</span>',
         '<span class="video-card-site">x</span>'),
        ('<a href="#" id="fnref1" aria-label="Click to win">x</a>',
         '<a href="#" id="fnref1">x</a>'),
        ('<li id="login-form" class="footnote-item">x</li>', '<li class="footnote-item">x</li>'),
        ('<section class="footnotes" onclick="alert(1)">x</section>',
         '<section class="footnotes">x</section>'),
        ('<sup class="anything">1</sup>', "<sup>1</sup>"),
        ('<div class="footnotes">x</div>', "x"),
        ('<a class="footnote-backref" href="javascript:alert(1)">x</a>',
         '<a class="footnote-backref">x</a>'),
        ('<hr class="footnotes-sep" id="fn1">', '<hr class="footnotes-sep">'),
        ('<figure onmouseover="x"><figcaption>c</figcaption></figure>',
         "<figure><figcaption>c</figcaption></figure>"),
    ],
)  # fmt: skip
def test_raw_html_gets_only_the_exact_classes_ids_and_label(hostile, kept):
    assert clean_html(hostile) == kept


def test_hostile_payloads_in_footnotes_captions_and_video_titles_come_out_safe():
    payloads = all_payloads()[::4]  # a quarter of the corpus, every construct
    wraps = (
        lambda p: f"Text[^1].\n\n[^1]: {' '.join(p.splitlines())}",
        lambda p: f"![x](/static/a.jpg)\n*{' '.join(p.splitlines())}*",
        lambda p: f"[{' '.join(p.splitlines())}](https://youtu.be/{VIDEO})",
        lambda p: f"Term\n: {' '.join(p.splitlines())}",
    )
    found = []
    for payload in payloads:
        for wrap in wraps:
            if problems := unsafe(render_markdown(wrap(payload))):
                found.append((payload[:60], problems))
    assert found == []
    assert len(payloads) > 200


def test_the_post_page_shows_the_card_under_the_same_policy(ctx):
    save_post(
        {"title": "Video", "status": "published",
         "body": f"Watch this:\n\nhttps://youtu.be/{VIDEO}\n\nNote[^1].\n\n[^1]: Kept."},
        actor=SYSTEM,
    )  # fmt: skip
    response = ctx.test_client().get("/blog/video")
    html = response.get_data(as_text=True)
    assert "Watch on YouTube" in html and 'id="fn1"' in html
    assert response.headers["Content-Security-Policy"] == CSP  # not loosened for the card
    assert "youtube" not in CSP
    assert not re.search(r'<(iframe|img|script)[^>]*(src|href)="https?://', html)
