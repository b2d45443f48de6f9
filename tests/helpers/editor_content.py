"""Content that gives every editor screen something to show (an image, a message, a draft
with two revisions, a trashed post), and the editor screens the browser tests visit."""

import io

from PIL import Image

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.core.db import db

DRAFT_TITLE = "Notes for a first session"
DRAFT_TEXT = """## Before we meet

A first session is a chance to **get to know each other**. You might like to think about:

- what brings you to therapy now
- what you hope will change
- any questions about *fees or times*

> There are no wrong answers.
"""
# The main editor screens: what axe-core checks and what must reflow on a phone.
SCREENS = {
    "dashboard": "/admin/",
    "posts list": "/admin/posts/",
    "new post": "/admin/posts/new",
    "edit post": None,  # filled in with the draft's id
    "notices": "/admin/notices",
    "settings": "/admin/settings",
    "media library": "/admin/media",
    "inbox": "/admin/inbox",
    "users": "/admin/users",
}


def add_editor_content(instance) -> dict[str, str]:
    """Add the content once per instance (later calls only look it up); the screens' paths."""
    from cms.content.models import Post
    from cms.content.service import save_post, trash
    from cms.media.service import process_upload
    from cms.messages.service import store_message

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "browser-tests"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        draft = Post.get_or_none(Post.title == DRAFT_TITLE)
        if draft is None:
            png = io.BytesIO()
            Image.new("RGB", (640, 400), (40, 110, 150)).save(png, "PNG")
            process_upload(png.getvalue(), "crawl.png", "A blue rectangle", actor=SYSTEM)
            store_message(
                {"name": "Robin Example", "email": "robin@example.org", "phone": "",
                 "contact_method": "email", "message": "May I ask about your fees?",
                 "acknowledge": "y"}
            )  # fmt: skip
            draft = save_post(
                {"title": DRAFT_TITLE, "body": "A first session is a chance to meet."}, actor=SYSTEM
            )
            save_post({"body": DRAFT_TEXT}, draft, actor=SYSTEM)
            trash(
                save_post({"title": "An old announcement", "body": "Gone for now."}, actor=SYSTEM),
                actor=SYSTEM,
            )
        draft_id = draft.id
    db.close()
    return {**SCREENS, "edit post": f"/admin/posts/{draft_id}/edit"}
