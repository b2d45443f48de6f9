"""Exports written by WordPress 6.1 itself (tests/data/wordpress/build.sh), imported and
checked page by page: every old address answers 301 with a page that shows the right title
and text, and nothing that was not public in WordPress becomes public here."""

import re
from html import escape
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from cms.accounts.actors import SYSTEM
from cms.accounts.users import create_user
from cms.core.db import db
from cms.media.models import Media, media_url
from cms.ops.wordpress.importer import import_wordpress

DATA = Path(__file__).parent / "data" / "wordpress"
BREATHING = ("/blog/breathing-through-panic", "Breathing through panic & worry",
             "Panic feels like danger")  # fmt: skip
FIRST = ("/blog/your-first-session", "Your first session", "What happens in a first session?")
ABOUT = ("/about", "About", "registered psychotherapist")
FEES = ("/fees", "Fees & insurance", "A session costs 120 dollars.")
ANXIETY = ("/category/anxiety-panic", "Anxiety & Panic", "Breathing through panic")
THERAPIST = {
    "/2024/05/breathing-through-panic/": BREATHING,
    "/2024/05/breathing-through-panic": BREATHING,
    "/2024/05/14/breathing-through-panic/": BREATHING,
    "/breathing-through-panic/": BREATHING,
    "/?p=5": BREATHING,
    "/2023/11/your-first-session/": FIRST,
    "/?p=9": FIRST,
    "/about/": ABOUT,
    "/?page_id=16": ABOUT,
    "/about/fees/": FEES,
    "/about/fees": FEES,
    "/fees/": FEES,
    "/?page_id=17": FEES,
    "/category/psychotherapy/": ("/category/psychotherapy", "Psychotherapy", "Your first session"),
    "/category/psychotherapy/anxiety-panic/": ANXIETY,
    "/category/anxiety-panic/": ANXIETY,
    "/?cat=3": ANXIETY,
    "/category/anxiety-panic/feed/": (
        "/category/anxiety-panic/feed.xml",
        "Anxiety &amp; Panic",
        "Breathing through panic",
    ),  # fmt: skip
    "/tag/panic-worry/": ("/tag/panic-worry", "Panic & worry", "Breathing through panic"),
    "/tag/sleep/feed/": ("/tag/sleep/feed.xml", "Sleep", "Breathing through panic"),
    "/feed/": ("/feed.xml", "Breathing through panic &amp; worry", "Your first session"),
    "/?feed=rss2": ("/feed.xml", "Breathing through panic &amp; worry", "Your first session"),
    "/2024/": ("/archive", "Breathing through panic & worry", "Your first session"),
    "/2023/11/": ("/archive", "Your first session", "Breathing through panic"),
    "/author/jane/": ("/blog/", "Breathing through panic & worry", "Your first session"),
}
THERAPIST_IMAGES = {  # old address -> the imported file, and the width at least shown
    "/wp-content/uploads/2024/05/calm-lake.jpg": ("calm-lake.jpg", None),
    "/wp-content/uploads/2024/05/calm-lake-300x200.jpg": ("calm-lake.jpg", 300),
    "/wp-content/uploads/2024/05/calm-lake-1024x683.jpg": ("calm-lake.jpg", 1024),
    "/wp-content/uploads/2024/05/forest-path-150x150.jpg": ("forest-path.jpg", 150),
    "/2024/05/breathing-through-panic/calm-lake/": ("calm-lake.jpg", None),
    "/?attachment_id=7": ("forest-path.jpg", None),
}
SLEEP = ("/blog/sleep-guide", "Sleep & rest: a beginner\u2019s guide", "starts")
PLAIN = {
    "/practice/?p=4": SLEEP,
    "/practice?p=4": SLEEP,
    "/practice/sleep-guide/": SLEEP,
    "/practice/2021/09/sleep-guide/": SLEEP,
    "/practice/?page_id=6": ("/contact-page", "Contact", "Write to me at jane@example.org."),
    "/practice/?cat=3": ("/category/sleep-rest", "Sleep & rest", "Sleep &amp; rest: a beginner"),
    "/practice/category/self-help/sleep-rest/": ("/category/sleep-rest", "Sleep & rest", "guide"),
    "/practice/tag/insomnia/": ("/tag/insomnia", "Insomnia", "Sleep &amp; rest"),
    "/practice/feed/": ("/feed.xml", "Sleep &amp; rest", "guide"),
    "/practice/2021/09/": ("/archive", "Sleep & rest", "guide"),
}


@pytest.fixture
def site(empty_app):
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        create_user("jane@example.org", "correct horse battery", "admin", "Dr Jane", actor=SYSTEM)
        yield empty_app


def imported(name: str):
    return import_wordpress(str(DATA / f"{name}.xml"), str(DATA / f"{name}-uploads"))


def assert_moved(client, old: str, new: str, title: str, text: str) -> None:
    response = client.get(old)
    assert response.status_code == 301, old
    assert response.headers["Location"] == new, old
    page = client.get(new)
    assert page.status_code == 200, new
    shown = page.get_data(as_text=True)
    assert (escape(title, quote=False) if "&amp;" not in title else title) in shown, (old, title)
    assert text in shown, (old, text)


@pytest.mark.parametrize("name, addresses", [("therapist", THERAPIST), ("plain", PLAIN)])
def test_every_old_address_opens_the_right_page(site, name, addresses):
    imported(name)
    client = site.test_client()
    for old, (new, title, text) in addresses.items():
        assert_moved(client, old, new, title, text)


def test_old_image_addresses_open_the_imported_images(site):
    imported("therapist")
    client = site.test_client()
    for old, (file_name, width) in THERAPIST_IMAGES.items():
        media = Media.get(Media.filename == file_name)
        response = client.get(old)
        assert response.status_code == 301, old
        location = response.headers["Location"]
        if width is None:
            assert location == media_url(media), old
        else:  # a sized copy: the resized copy here at least as wide, or the original
            copy = re.fullmatch(rf"/media/{media.id}/w/(\d+)", location)
            assert location == media_url(media) or int(copy.group(1)) >= width, (old, location)
        image = client.get(location)
        assert image.status_code == 200 and image.mimetype.startswith("image/"), old
        if width is not None:
            assert Image.open(BytesIO(image.data)).width >= width, old


def test_addresses_that_were_never_there_stay_missing(site):
    imported("therapist")
    client = site.test_client()
    for path in ("/2024/05/no-such-post/", "/category/no-such/", "/tag/no-such/",
                 "/wp-content/uploads/2024/05/unknown.jpg", "/2019/"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert "Location" not in client.get("/?p=4242").headers  # the home page, nothing else
