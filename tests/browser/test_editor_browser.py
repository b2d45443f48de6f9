"""The editor in a real browser: write with the toolbar and preview, schedule, publish,
switch availability, upload a photo with GPS data and get it back without."""

import io
from datetime import datetime, timedelta

import pytest
from PIL import Image

from tests.helpers.browser import screenshot, sign_in
from tests.helpers.live import LiveServer, prepare_instance


@pytest.fixture(scope="module")
def own_site(tmp_path_factory):
    """A server of its own: these tests change availability, which other tests read."""
    instance = tmp_path_factory.mktemp("editor-instance")
    prepare_instance(instance)
    server = LiveServer(instance)
    yield server.url
    server.stop()


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Example Camera Co"
    exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 32.0, 10.0), 3: "W", 4: (80.0, 14.0, 52.0)})
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), (90, 140, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_write_schedule_and_publish_a_post(page, own_site, console_errors):
    site = own_site
    sign_in(page, site)
    page.goto(f"{site}/admin/posts/new")
    page.get_by_label("Title", exact=True).fill("Notes on rest")
    body = page.get_by_label("Text (Markdown)")
    body.click()
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Heading").click()
    body.press("End")
    body.press("Enter")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("Rest matters")
    preview = page.locator("#preview-body")
    preview.locator("strong", has_text="Rest matters").wait_for()
    assert preview.locator("h2", has_text="Heading").is_visible()
    screenshot(page, "editor-writing")
    later = (datetime.now() + timedelta(days=2)).replace(hour=9, minute=0)
    page.get_by_label("Publish time").fill(later.strftime("%Y-%m-%dT%H:%M"))
    primary = page.locator("#primary-action")
    assert primary.inner_text().startswith("Schedule for ") and "09:00" in primary.inner_text()
    primary.click()
    assert "Scheduled for " in page.locator("main").inner_text()
    assert page.request.get(f"{site}/blog/notes-on-rest").status == 404
    page.get_by_label("Publish time").fill("")
    page.get_by_role("button", name="Publish now").click()
    assert "Published on " in page.locator("main").inner_text()
    page.get_by_role("link", name="View on the site").click()
    page.wait_for_url(f"{site}/blog/notes-on-rest")
    assert page.get_by_role("heading", level=1).inner_text() == "Notes on rest"
    assert page.locator(".prose strong").inner_text() == "Rest matters"
    assert console_errors == []


def test_switch_availability_to_accepting(page, own_site, browser):
    site = own_site
    sign_in(page, site)
    page.goto(f"{site}/admin/notices")
    page.get_by_role("radio", name="Accepting new clients", exact=True).check()
    page.get_by_role("button", name="Save switches").click()
    assert "public site shows the change" in page.locator("main").inner_text()
    visitor = browser.new_context()  # a reader without the editor's cookie
    home = visitor.new_page()
    home.goto(f"{site}/")
    text = home.locator("main").inner_text()
    assert "currently accepting new clients" in text and "no longer accepting" not in text
    visitor.close()


def upload_photo(page, site: str, name: str, alt: str) -> None:
    """Upload the GPS-tagged photo through the media library, as the therapist would."""
    page.goto(f"{site}/admin/media")
    page.get_by_label("Image (JPEG, PNG or WebP)").set_input_files(
        {"name": name, "mimeType": "image/jpeg", "buffer": photo_with_gps()}
    )
    page.get_by_label("Description (alt text)").fill(alt)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(f"{site}/admin/media/*")


def test_uploaded_photo_is_served_without_gps(page, own_site):
    site = own_site
    sign_in(page, site)
    upload_photo(page, site, "holiday.jpg", "A blue sky")
    image = page.get_by_role("img", name="A blue sky")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1200
    served = page.request.get(site + image.get_attribute("src"))
    assert served.headers["content-type"] == "image/jpeg"
    data = served.body()
    assert not Image.open(io.BytesIO(data)).getexif() and b"Exif" not in data
    snippet = page.get_by_label("Markdown (copy into the text of a post)").input_value()
    assert snippet.startswith("![A blue sky](/media/")


def test_insert_a_library_image_with_the_toolbar(page, own_site, console_errors):
    site = own_site
    sign_in(page, site)
    upload_photo(page, site, "garden.jpg", "A quiet garden")
    page.goto(f"{site}/admin/posts/new")
    body = page.get_by_label("Text (Markdown)")
    body.fill("Before the picture.\n")
    body.press("End")
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Image").click()
    insert = page.locator(".image-picker li", has_text="A quiet garden").get_by_role(
        "button", name="Insert"
    )
    insert.wait_for()
    assert page.locator(".image-picker").evaluate("d => d.open")
    insert.click()
    assert "![A quiet garden](/media/" in body.input_value()
    shown = page.locator("#preview-body img[alt='A quiet garden']")
    shown.wait_for()
    assert "480w" in shown.get_attribute("srcset")  # the responsive copies, made at save
    assert shown.evaluate("img => img.complete && img.naturalWidth > 0")
    assert console_errors == []
