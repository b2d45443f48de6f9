"""The writing screen as the therapist uses it, at desktop and phone widths: the primary
button says what it will do and does it, nothing typed is lost (autosave, the warning
before leaving, undo after a toolbar button), text pasted from Word keeps its shape, and
a photo dropped into the text is uploaded in place."""

import base64
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.helpers.browser import editor_menu_link, screenshot, sign_in

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WORD = (Path(__file__).resolve().parent.parent / "data" / "paste" / "word.html").read_text()
DISPATCH_PASTE = """([html, text]) => {
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", text);
  const area = document.querySelector("textarea[name=body]");
  area.focus();
  const options = {clipboardData: data, bubbles: true, cancelable: true};
  area.dispatchEvent(new ClipboardEvent("paste", options));
}"""
DISPATCH_DROP = """([b64, name, type, size]) => {
  const bytes = b64 ? Uint8Array.from(atob(b64), c => c.charCodeAt(0)) : new Uint8Array(size);
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, {type}));
  const area = document.querySelector("textarea[name=body]");
  for (const kind of ["dragenter", "dragover", "drop"]) {
    area.dispatchEvent(new DragEvent(kind, {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}"""


@pytest.fixture(params=sorted(WIDTHS))
def writer(request, browser, site):
    """A signed-in browser page at desktop or phone width."""
    context = browser.new_context(viewport=WIDTHS[request.param], locale="en-GB")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, site)
    page.width_name = request.param
    yield page
    context.close()
    assert errors == []


def _new_post(page, site, title: str):
    page.goto(f"{site}/admin/posts/new")
    page.get_by_label("Title", exact=True).fill(title)
    return page.get_by_label("Text (Markdown)")


def test_schedule_with_the_primary_button(writer, site):
    title = f"Winter hours {writer.width_name}"
    _new_post(writer, site, title).fill("We close at four in December.")
    primary = writer.locator("#primary-action")
    assert primary.inner_text() == "Publish now"
    later = (datetime.now() + timedelta(days=3)).replace(hour=9, minute=0)
    writer.get_by_label("Publish time").fill(later.strftime("%Y-%m-%dT%H:%M"))
    expected = f"Schedule for {later:%a} {later.day} {later:%b}, 09:00"
    assert primary.inner_text() == expected  # en-GB: "Tue 2 Dec, 09:00"
    screenshot(writer, f"editor-schedule-{writer.width_name}")
    primary.click()
    main = writer.locator("main").inner_text()
    assert f"Scheduled for {later:%a} {later.day} {later:%b}, 09:00" in main
    slug = title.lower().replace(" ", "-")
    assert writer.request.get(f"{site}/blog/{slug}").status == 404  # not until then
    assert writer.locator("#primary-action").inner_text() == expected
    writer.get_by_role("button", name="Unschedule (keep as draft)").click()
    assert "Saved as a draft" in writer.locator("main").inner_text()
    assert writer.get_by_label("Publish time").input_value() == later.strftime("%Y-%m-%dT%H:%M")


def test_autosave_then_reload_and_restore(writer, site):
    body = _new_post(writer, site, f"Autosaved {writer.width_name}")
    body.fill("A first draft.")
    writer.locator("#primary-action").click()  # publish, so it is an edit screen
    text = f"Words typed and not saved ({writer.width_name})."
    writer.get_by_label("Text (Markdown)").fill(text)
    expect(writer.locator("#autosave-status")).to_contain_text("Autosaved at")
    writer.on("dialog", lambda dialog: dialog.accept())  # "Leave site?": yes
    writer.reload()
    offer = writer.get_by_role("alert").filter(has_text="autosaved text newer than the saved one")
    offer.wait_for()
    assert writer.get_by_label("Text (Markdown)").input_value() == "A first draft."
    writer.get_by_role("link", name="Restore the autosaved text").click()
    assert writer.get_by_label("Text (Markdown)").input_value() == text
    writer.get_by_role("button", name="Update").click()
    assert "Published on" in writer.locator("main").inner_text()
    assert writer.get_by_role("alert").filter(has_text="autosaved text").count() == 0


def test_leaving_with_unsaved_changes_asks_first(writer, site):
    _new_post(writer, site, f"Leaving {writer.width_name}").type("Half a thought")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    writer.on("dialog", answer)
    editor_menu_link(writer, "Posts").click()
    writer.wait_for_timeout(300)  # the question is asked before the page would change
    assert asked == ["beforeunload"]
    assert writer.url.endswith("/admin/posts/new")
    writer.remove_listener("dialog", answer)
    writer.get_by_role("button", name="Save draft").click()
    asked.clear()
    writer.on("dialog", answer)
    editor_menu_link(writer, "Posts").click()
    writer.wait_for_url(f"{site}/admin/posts/")
    assert asked == []  # saved: nothing to warn about


def test_toolbar_bold_then_undo(writer, site):
    body = _new_post(writer, site, "Undo")
    body.type("Kindness")
    body.press("Control+a")
    writer.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Bold").click()
    assert body.input_value() == "**Kindness**"
    body.press("Control+z")
    assert body.input_value() == "Kindness"


def test_paste_from_word_keeps_headings_bold_and_lists(writer, site):
    body = _new_post(writer, site, "Pasted")
    writer.evaluate(DISPATCH_PASTE, [WORD, "Coping with anxiety"])
    expect(body).to_have_value(re.compile("## Coping"))
    value = body.input_value()
    assert "Anxiety is a **normal** response" in value and "- Slow breathing" in value
    preview = writer.locator("#preview-body")
    preview.locator("h2", has_text="Things that help").wait_for()
    assert preview.locator("li").count() == 5 and preview.locator("p").count() >= 3
    assert writer.get_by_role("status").filter(has_text="Images in what you pasted").count() == 1


def _photo() -> str:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (80, 120, 160)).save(out, "JPEG")
    return base64.b64encode(out.getvalue()).decode()


def test_drop_a_photo_into_the_text(writer, site):
    body = _new_post(writer, site, "With a photo")
    body.fill("Before the photo.\n")
    body.press("Control+End")
    writer.evaluate(DISPATCH_DROP, [_photo(), "lake.jpg", "image/jpeg", 0])
    dialog = writer.get_by_role("dialog", name="Describe the image")
    dialog.get_by_role("button", name="Upload and insert").click()
    assert "Describe the image for people" in dialog.get_by_role("alert").inner_text()
    dialog.get_by_label("Description (alt text)").fill("A calm lake at dawn")
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(body).to_have_value(re.compile(r"!\[A calm lake"))
    assert body.input_value().startswith("Before the photo.\n![A calm lake at dawn](/media/")
    picker = writer.locator(".image-picker")
    assert picker.get_by_text("A calm lake at dawn").count() >= 1  # the picker has it, no reload
    writer.locator("#preview-body img[alt='A calm lake at dawn']").wait_for()


def test_a_photo_too_large_is_explained_and_the_text_stays(writer, site):
    body = _new_post(writer, site, "Large photo")
    body.fill("Text that must not be lost.")
    writer.evaluate(DISPATCH_DROP, [None, "huge.jpg", "image/jpeg", 34 * 2**20])
    dialog = writer.get_by_role("dialog", name="Describe the image")
    message = dialog.get_by_role("alert").inner_text()
    assert "This photo is 34 MB" in message and "Nothing you typed is lost" in message
    assert dialog.get_by_role("button", name="Upload and insert").is_disabled()
    dialog.get_by_role("button", name="Cancel").click()
    assert body.input_value() == "Text that must not be lost."
