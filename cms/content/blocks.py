"""Markdown paragraphs that become something else: figures with captions and video cards.

- An image with an emphasized line right below it (`![alt](src)` then `*caption*`) is a
  <figure> with that line as its <figcaption>.
- A YouTube or Vimeo address alone in a paragraph (bare, `<...>` or `[title](...)`) is a
  link card: "Watch on YouTube" and the title or address, a plain link. Nothing is loaded
  from the other site, not even a thumbnail, until the visitor follows the link.
Both run on markdown-it's tokens, before the sanitizer, which allows exactly this markup.
"""

import re
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_START = re.compile(r"(\d{1,6})s?")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                  "www.youtube-nocookie.com", "music.youtube.com"}  # fmt: skip
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
CARD_CLASS, SITE_CLASS, TITLE_CLASS = "video-card", "video-card-site", "video-card-title"


def video_link(url: str) -> tuple[str, str, str] | None:
    """(site name, canonical https address, address shown) of a YouTube or Vimeo video
    address, or None for any other address."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.port:
        return None
    host, path = (parts.hostname or "").lower(), parts.path
    query = parse_qs(parts.query)
    video = None
    if host in _YOUTUBE_HOSTS:
        if path in ("/watch", "/watch/"):
            video = (query.get("v") or [""])[0]
        elif m := re.fullmatch(r"/(?:embed|shorts|live|v)/([^/]+)/?", path):
            video = m.group(1)
    elif host == "youtu.be":
        video = path.strip("/")
    if video is not None:
        if not _YOUTUBE_ID.fullmatch(video):
            return None
        start = _START.fullmatch((query.get("t") or query.get("start") or [""])[0])
        tail = f"&t={start.group(1)}" if start else ""
        canonical = f"https://www.youtube.com/watch?v={video}{tail}"
        return "YouTube", canonical, f"youtube.com/watch?v={video}"
    if host in _VIMEO_HOSTS:
        m = re.fullmatch(r"/(?:video/)?(\d{1,12})/?", path)
        if m:
            return "Vimeo", f"https://vimeo.com/{m.group(1)}", f"vimeo.com/{m.group(1)}"
    return None


def _token(state, kind: str, tag: str, nesting: int, content: str = ""):
    from markdown_it.token import Token  # the parser's own, loaded only when text is saved

    token = Token(kind, tag, nesting)
    token.content = content
    return token


def _card(state, paragraph, inline) -> bool:
    kids = inline.children or []
    if len(kids) == 1 and kids[0].type == "text":
        found, title = video_link(kids[0].content), None
    elif len(kids) >= 3 and kids[0].type == "link_open" and kids[-1].type == "link_close":
        inner = kids[1:-1]
        if any(k.type in ("link_open", "link_close") for k in inner):
            return False
        found = video_link(str(kids[0].attrGet("href") or ""))
        title = None if kids[0].markup == "autolink" else inner
    else:
        return False
    if found is None:
        return False
    site, href, shown = found
    link = _token(state, "link_open", "a", 1)
    link.attrSet("href", href)
    title = title or [_token(state, "text", "", 0, shown)]
    paragraph.attrSet("class", CARD_CLASS)
    inline.children = [
        link,
        _token(state, "html_inline", "", 0, f'<span class="{SITE_CLASS}">Watch on {site}</span> '),
        _token(state, "html_inline", "", 0, f'<span class="{TITLE_CLASS}">'),
        *title,
        _token(state, "html_inline", "", 0, "</span>"),
        _token(state, "link_close", "a", -1),
    ]
    return True


def _figure(state, paragraph, inline, closing) -> bool:
    kids = inline.children or []
    if not (
        len(kids) >= 4
        and kids[0].type == "image"
        and kids[1].type == "softbreak"
        and kids[2].type == "em_open"
        and kids[-1].type == "em_close"
        and not any(k.type == "em_close" for k in kids[3:-1])  # one emphasis, the whole line
    ):
        return False
    paragraph.tag = closing.tag = "figure"
    inline.children = [
        kids[0],
        _token(state, "html_inline", "", 0, "<figcaption>"),
        *kids[3:-1],
        _token(state, "html_inline", "", 0, "</figcaption>"),
    ]
    return True


def paragraph_blocks(state) -> None:
    """markdown-it core rule: turn qualifying paragraphs into figures and video cards."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        paragraph, inline, closing = tokens[i], tokens[i + 1], tokens[i + 2]
        if paragraph.type != "paragraph_open" or paragraph.hidden or inline.type != "inline":
            continue
        _card(state, paragraph, inline) or _figure(state, paragraph, inline, closing)
