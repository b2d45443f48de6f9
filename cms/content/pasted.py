"""HTML pasted into the editor (from Word, Google Docs or a web page) as clean Markdown.

The clipboard's HTML is first made plain: Word's list paragraphs become lists, Google
Docs' styled spans become bold and italic, office markup and styles go; then it passes the
one sanitizer (cms.content.sanitize) and markdownify writes the Markdown. Images from
elsewhere are left out: the public site loads nothing from other origins.
"""

import re

from bs4 import BeautifulSoup, Comment, Tag
from markdownify import MarkdownConverter

from .sanitize import clean_html

MAX_PASTE = 1_000_000  # characters of clipboard HTML (Word writes ~20 times the text)
DROPPED = ("style", "script", "meta", "title", "link", "head", "xml", "template")
BOLD = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
NOT_BOLD = re.compile(r"font-weight\s*:\s*(normal|[1-4]00)", re.I)
ITALIC = re.compile(r"font-style\s*:\s*italic", re.I)
WORD_LIST = re.compile(r"mso-list\s*:\s*l(\d+)\s+level(\d+)", re.I)
ORDERED_MARK = re.compile(r"^\(?([0-9]+|[a-z]|[ivxlc]+)[.)]$", re.I)


def _remove_office_markup(soup: BeautifulSoup) -> None:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()  # Word's <!--[if !supportLists]--> and the like
    for tag in soup.find_all(DROPPED):
        tag.decompose()
    for tag in soup.find_all(lambda t: ":" in t.name):  # <o:p>, <w:Sdt>, <v:shape>
        tag.unwrap()


def _styled_spans(soup: BeautifulSoup) -> None:
    """Google Docs (and many web pages) mark bold and italic with styles, not tags."""
    for tag in soup.find_all(["span", "b", "strong"]):
        style = tag.get("style", "")
        if tag.name in ("b", "strong") and NOT_BOLD.search(style):
            tag.unwrap()  # Docs' <b style="font-weight:normal" id="docs-internal-guid-…">
            continue
        if ITALIC.search(style):
            tag.wrap(soup.new_tag("em"))
        if tag.name == "span" and BOLD.search(style):
            tag.wrap(soup.new_tag("strong"))


def _word_lists(soup: BeautifulSoup) -> None:
    """Word writes a list as paragraphs with `mso-list: l0 level1` and a typed bullet."""
    stack: list[tuple[int, Tag]] = []  # (level, list element)
    for para in soup.find_all("p"):
        found = WORD_LIST.search(para.get("style", ""))
        if not found:
            stack = []  # a paragraph between list paragraphs ends the list, as Word shows it
            continue
        level = int(found.group(2))
        marker = para.find("span", style=re.compile(r"mso-list\s*:\s*ignore", re.I))
        ordered = bool(marker and ORDERED_MARK.match(marker.get_text(strip=True)))
        if marker:
            marker.decompose()
        while stack and stack[-1][0] > level:
            stack.pop()
        if not stack or stack[-1][0] < level:
            new_list = soup.new_tag("ol" if ordered else "ul")
            if stack and stack[-1][1].contents:
                stack[-1][1].contents[-1].append(new_list)  # nested in the last item
            else:
                para.insert_before(new_list)
            stack.append((level, new_list))
        item = soup.new_tag("li")
        item.extend(list(para.contents))
        stack[-1][1].append(item)
        para.decompose()


def _headings(soup: BeautifulSoup) -> None:
    """The post's title is the page's one h1: a pasted h1 becomes a section heading."""
    for tag in soup.find_all("h1"):
        tag.name = "h2"


def _images(soup: BeautifulSoup) -> int:
    images = soup.find_all("img")
    for image in images:
        image.decompose()
    return len(images)


class _Converter(MarkdownConverter):
    def convert_p(self, el, text, *args, **kwargs):
        return super().convert_p(el, text.replace("\xa0", " "), *args, **kwargs)


def pasted_markdown(html: str) -> tuple[str, int]:
    """(Markdown, how many images were left out) for clipboard HTML.

    Raises cms.content.sanitize.TooComplex for HTML beyond the sanitizer's bounds."""
    soup = BeautifulSoup(html, "html.parser")
    body = soup.body or soup
    _remove_office_markup(body)
    _styled_spans(body)
    _word_lists(body)
    _headings(body)
    dropped = _images(body)
    clean = clean_html(body.decode_contents())
    markdown = _Converter(heading_style="ATX", bullets="-", escape_misc=False).convert(clean)
    markdown = re.sub(r"[ \t\xa0]+\n", "\n", markdown.replace("\xa0", " "))
    return re.sub(r"\n{3,}", "\n\n", markdown).strip(), dropped
