"""What of a WordPress post may become public here: its status, and its SEO texts."""

import re
from datetime import datetime

from .wxr import Item

HELD = {"private": "private in WordPress", "draft": "a draft in WordPress",
        "pending": "pending review in WordPress"}  # fmt: skip
# Yoast writes %%title%%, Rank Math %title%; separators and the site name are the theme's.
VARIABLE = re.compile(r"%%?(\w+)%%?")


def public_status(item: Item, now: datetime) -> tuple[str | None, str | None]:
    """(status here, why it is not public as in WordPress, or None). Only a published post
    without a password is published; a future one is scheduled; everything else a draft."""
    if item.password:
        return "draft", "password-protected in WordPress; imported as a draft"
    if item.status == "publish":
        return "published", None
    if item.status == "future":
        when = item.date_gmt or item.date_local
        if when is None or when <= now:
            return "draft", "scheduled in WordPress for a time now past; imported as a draft"
        return "published", f"scheduled in WordPress for {when:%Y-%m-%d %H:%M}; kept scheduled"
    if item.status in HELD:
        return "draft", f"{HELD[item.status]}; imported as a draft"
    return None, None


def _fill(text: str, item: Item) -> str:
    """Yoast's and Rank Math's variables: the title kept, the separator a dash, others out."""
    names = {"title": item.title, "sep": "\u2013", "page": "", "sitename": "", "sitedesc": ""}
    filled = VARIABLE.sub(lambda m: names.get(m.group(1).lower(), ""), text)
    return re.sub(r"\s+", " ", filled).strip(" \u2013|-")


def seo(item: Item, max_meta: int) -> dict[str, str]:
    """seo_title and meta_description from Yoast or Rank Math, when the post has them."""
    title = item.meta.get("_yoast_wpseo_title") or item.meta.get("rank_math_title") or ""
    description = (
        item.meta.get("_yoast_wpseo_metadesc") or item.meta.get("rank_math_description") or ""
    )
    out = {}
    if _fill(title, item):
        out["seo_title"] = _fill(title, item)
    if _fill(description, item):
        out["meta_description"] = _fill(description, item)[:max_meta]
    return out
