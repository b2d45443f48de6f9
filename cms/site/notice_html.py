"""Notices as visitors read them: Markdown rendered once at save, and every phone number
in the text a tel: link a phone dials at a tap, with an sms: link beside it where the text
says the number takes text messages ("call or text 9-8-8")."""

import html
import re
from html.parser import HTMLParser

from ..content.links import sms_url, tel_url
from ..content.render import render_markdown
from ..content.sanitize import clean_html
from ..core.addresses import PHONE_IN_TEXT

# "text 9-8-8", "call or text 9-8-8", "texts to 741741": the word shortly before the number.
TAKES_TEXTS = re.compile(r"\btext(?:s|ing)?\b[^.;:!?0-9]{0,24}$", re.IGNORECASE)
# Text already inside these is left as it is: a link in a link, or a number shown as code.
_LEAVE_ALONE = frozenset({"a", "code", "pre"})


def _phone_links(text: str) -> str:
    """Escaped text with each phone number in it made a link."""
    out, start = [], 0
    for match in PHONE_IN_TEXT.finditer(text):
        number = match.group(0)
        call = tel_url(number)
        if call is None:
            continue
        out.append(html.escape(text[start : match.start()], quote=False))
        out.append(f'<a href="{call}">{html.escape(number, quote=False)}</a>')
        if TAKES_TEXTS.search(text[: match.start()]):
            label = html.escape(f"text {number}", quote=False)
            out.append(f' (<a href="{sms_url(number)}">{label}</a>)')
        start = match.end()
    out.append(html.escape(text[start:], quote=False))
    return "".join(out)


class _PhoneLinker(HTMLParser):
    """Copies sanitized HTML, linking the phone numbers in its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.open = [], []

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)
        self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        leave = _LEAVE_ALONE.intersection(self.open)
        self.out.append(html.escape(data, quote=False) if leave else _phone_links(data))


def link_phone_numbers(safe_html: str) -> str:
    """Sanitized HTML with its phone numbers as tel:/sms: links, cleaned again: what
    comes out passes the one sanitizer like any other stored HTML."""
    linker = _PhoneLinker()
    linker.feed(safe_html)
    linker.close()
    return clean_html("".join(linker.out))


def render_notice(body: str) -> str:
    """A notice's Markdown as the HTML stored for it (TooComplex as render_markdown)."""
    return link_phone_numbers(render_markdown(body))
