"""The contact form as a visitor fills it in, and the inbox as it is stored."""

import os
import re
from datetime import timedelta

import html5lib

from cms.core import clock
from cms.core.db import db
from cms.messages.models import Message

GOOD = {
    "name": "Robin Example",
    "email": "robin@example.org",
    "phone": "",
    "contact_method": "email",
    "message": "Hello, I would like to ask about your fees.",
    "acknowledge": "y",
}


def opened_token(client) -> str:
    """Open the form like a browser and read its signed opening time."""
    html = client.get("/contact").get_data(as_text=True)
    return re.search(r'name="opened" type="hidden" value="([^"]+)"', html).group(1)


def send(client, wait=10, **changes):
    """Open the form, let `wait` seconds pass on the clock, then send it."""
    data = {**GOOD, "opened": opened_token(client), **changes}
    clock.advance(timedelta(seconds=wait))
    return client.post("/contact", data=data)


def stored(app) -> list[dict]:
    """The inbox's messages, opened."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        return [m.contents for m in Message.inbox()]


def form_values(html: str) -> dict[str, str]:
    """The pre-filled values of a page's POST form (hidden tokens included)."""
    root = html5lib.parseFragment(html, namespaceHTMLElements=False)
    form = next(f for f in root.iter("form") if (f.get("method") or "").lower() == "post")
    return {i.get("name"): i.get("value") or "" for i in form.iter("input") if i.get("name")}


def contact_form(html: str, marker: str) -> dict[str, str]:
    """A filled-in contact form carrying a marker to find the message by."""
    values = form_values(html)
    values.update(
        name="Fault Test",
        email="visitor@example.org",
        contact_method="email",
        message=f"Hello, marker {marker}. " + "Please call me back. " * 200,
        acknowledge="y",
        website="",
    )
    return values


def raw_bytes(app) -> bytes:
    """The database file and its -wal, as a thief copying the folder would get them."""
    data = b""
    for suffix in ("", "-wal"):
        path = app.config["DATABASE"] + suffix
        if os.path.exists(path):
            with open(path, "rb") as fh:
                data += fh.read()
    return data
