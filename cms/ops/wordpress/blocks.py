"""What the block editor writes beyond plain HTML: reusable blocks, footnotes, embeds and
quotes with a cite, turned into markup the rest of the conversion understands."""

import json
import re
from html import escape

from bs4 import BeautifulSoup

REUSABLE = re.compile(r"<!--\s*wp:block\s+(\{.*?\})\s*/-->", re.S)
FOOTNOTE_MARK = "\u2063fn{}\u2063"  # invisible separators around a number: no text has them
CAPTION_MARK = "\u2064"


def expand_reusable(html: str, blocks: dict[int, str], notes: list[str], depth: int = 0) -> str:
    """Put the content of each reusable block (wp_block) where it is used."""

    def replace(match: re.Match) -> str:
        try:
            ref = int(json.loads(match.group(1)).get("ref", 0))
        except (ValueError, TypeError, AttributeError):
            ref = 0
        if ref not in blocks:
            notes.append(f"reusable block {ref} not in the export; left out")
            return ""
        inner = blocks[ref]
        return expand_reusable(inner, blocks, notes, depth + 1) if depth < 5 else inner

    return REUSABLE.sub(replace, html or "")


def link_card(url: str, caption: str = "") -> str:
    """A plain link in place of an embedded player: nothing loads from the other site (a
    YouTube or Vimeo link alone in a paragraph is shown as a "Watch on ..." card)."""
    url = url.strip().replace('"', "%22")
    return f'<p><a href="{escape(url)}">{escape(caption or url)}</a></p>' if url else ""


def mark_caption(text: str) -> str:
    """A caption's text, marked so the Markdown keeps it right under its image."""
    return CAPTION_MARK + text


def finish_captions(body: str, markdown: bool) -> str:
    """`![alt](src)` with `*caption*` on the next line is a figure with a caption."""
    if markdown:
        body = re.sub(rf"(!\[[^\]\n]*\]\([^)\s]*\))\n\n\*{CAPTION_MARK}", r"\1\n*", body)
    return body.replace(CAPTION_MARK, "")


def tidy_blocks(soup: BeautifulSoup, footnotes: dict[str, str]) -> list[str]:
    """Rewrite embeds, cites and footnote references in place; returns the footnote texts
    in the order they are referred to (the marks FOOTNOTE_MARK.format(n) show where)."""
    for figure in soup.select("figure.wp-block-embed"):
        wrapper = figure.select_one(".wp-block-embed__wrapper")
        url = wrapper.get_text(strip=True) if wrapper else ""
        caption = figure.find("figcaption")
        card = link_card(url, caption.get_text(" ", strip=True) if caption else "")
        figure.replace_with(BeautifulSoup(card, "html.parser"))
    for cite in soup.select("blockquote cite"):
        cite.name = "p"
        cite.string = "\u2014 " + cite.get_text(" ", strip=True)
    order: list[str] = []
    for sup in soup.select("sup[data-fn]"):
        text = footnotes.get(sup["data-fn"])
        if text is None:
            sup.decompose()
            continue
        order.append(text)
        sup.replace_with(FOOTNOTE_MARK.format(len(order)))
    return order


def footnote_texts(meta: dict[str, str]) -> dict[str, str]:
    """The footnotes block's texts by id (WordPress keeps them as JSON in post meta)."""
    try:
        notes = json.loads(meta.get("footnotes") or "[]")
    except ValueError:
        return {}
    if not isinstance(notes, list):
        return {}
    return {
        str(n.get("id")): BeautifulSoup(str(n.get("content", "")), "html.parser").get_text()
        for n in notes
        if isinstance(n, dict)
    }


def finish_footnotes(body: str, order: list[str], markdown: bool) -> str:
    """Markdown footnotes ([^1] ... [^1]: text), or numbered notes after HTML."""
    if not order:
        return body
    for n in range(1, len(order) + 1):
        body = body.replace(FOOTNOTE_MARK.format(n), f"[^{n}]" if markdown else f"<sup>{n}</sup>")
    if markdown:
        return body.rstrip() + "\n\n" + "\n".join(f"[^{n}]: {t}" for n, t in enumerate(order, 1))
    items = "".join(f"<li>{escape(t)}</li>" for t in order)
    return body.rstrip() + f'\n<hr>\n<ol class="footnotes">{items}</ol>'
