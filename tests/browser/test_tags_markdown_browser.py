"""Writing a post with a tag, a footnote and a video link in a real browser: the preview
shows them, and the published post's tag page, footnote and video card work, with no
request to any other site until the visitor follows the card."""

from tests.helpers.browser import sign_in

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_write_a_post_with_a_tag_a_footnote_and_a_video(
    page, site, browser, console_errors, external_requests
):
    sign_in(page, site)
    page.goto(f"{site}/admin/posts/new")
    page.get_by_label("Title", exact=True).fill("Breathing for panic")
    body = page.get_by_label("Text (Markdown)")
    body.fill(f"Slow breathing helps[^1].\n\n{VIDEO}\n\n[^1]: Within minutes, for most.")
    preview = page.locator("#preview-body")
    preview.locator(".video-card").wait_for()
    assert preview.locator(".footnotes li").inner_text().startswith("Within minutes")
    page.get_by_label("Tags").fill("Panic, Breathing")
    page.get_by_role("button", name="Publish now").click()
    assert "Published on" in page.locator("main").inner_text()

    visitor = browser.new_context()  # a reader, recorded like the editor's page
    reader = visitor.new_page()
    elsewhere = []
    reader.on("request", lambda r: None if r.url.startswith(site) else elsewhere.append(r.url))
    reader.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(site)
        else route.abort()
    )  # fmt: skip
    reader.goto(f"{site}/blog/breathing-for-panic")
    card = reader.locator(".prose .video-card a")
    assert "Watch on YouTube" in card.inner_text()
    assert card.get_attribute("href") == VIDEO
    assert reader.locator("iframe").count() == 0
    reader.get_by_role("link", name="[1]").click()
    assert reader.url.endswith("#fn1")
    assert reader.locator("#fn1").is_visible()
    reader.get_by_role("link", name="Back to the text").click()
    assert reader.url.endswith("#fnref1")
    assert elsewhere == []  # nothing loaded from YouTube, nor anywhere else

    reader.get_by_role("link", name="#Panic").click()
    reader.wait_for_url(f"{site}/tag/panic")
    assert reader.get_by_role("heading", level=1).inner_text().endswith("#Panic")
    assert reader.get_by_role("link", name="Breathing for panic").is_visible()
    assert elsewhere == []
    visitor.close()
    assert console_errors == [] and external_requests == []
