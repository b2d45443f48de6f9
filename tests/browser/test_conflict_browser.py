"""Two people edit the same post in two browsers: the second to save gets the conflict
screen with both texts and keeps what they typed, then chooses."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.helpers.browser import screenshot, sign_in
from tests.helpers.live import EDITOR, LiveServer, prepare_instance


@pytest.fixture(scope="module")
def own_site(tmp_path_factory):
    """A server of its own: these tests rewrite a post that other tests read."""
    instance = tmp_path_factory.mktemp("conflict-instance")
    prepare_instance(instance)
    server = LiveServer(instance)
    yield server.url
    server.stop()


def test_second_save_gets_the_conflict_screen_and_keeps_its_text(browser, own_site):
    site = own_site
    ada_context, eddie_context = browser.new_context(), browser.new_context()
    try:
        ada, eddie = ada_context.new_page(), eddie_context.new_page()
        errors = []
        for page in (ada, eddie):
            page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(ada, site)
        sign_in(eddie, site, EDITOR)
        ada.clock.install()  # the page's timers, so its heartbeat can be moved forward
        ada.goto(f"{site}/admin/posts/1/edit")
        note = ada.locator(".presence")
        assert note.is_hidden()  # nobody else yet
        eddie.goto(f"{site}/admin/posts/1/edit")
        assert (
            "Also being edited by Ada Admin since" in eddie.get_by_role("status").first.inner_text()
        )

        ada.get_by_label("Text (Markdown)").fill("Ada's version of the post.")
        ada.clock.run_for(60_000)  # a minute of use later, the heartbeat says who came in
        note.filter(has_text="Also being edited by Eddie Editor since").wait_for()
        ada.get_by_role("button", name="Update", exact=True).click()
        assert "Published on " in ada.locator("main").inner_text()

        mine = "Eddie's version, typed while Ada was saving."
        eddie.get_by_label("Text (Markdown)").fill(mine)
        eddie.get_by_role("button", name="Update", exact=True).click()
        alert = eddie.get_by_role("alert").filter(has_text="saved this post while you were editing")
        alert.wait_for()
        assert (
            eddie.get_by_label("Their text (saved)").input_value() == "Ada's version of the post."
        )
        assert eddie.get_by_label("Your text (not saved", exact=False).input_value() == mine
        assert eddie.get_by_label("Text (Markdown)").input_value() == mine  # still in the form
        assert alert.locator(".diff-ins", has_text="Eddie").count() >= 1
        screenshot(eddie, "editor-conflict")
        violations = Axe().run(eddie).response["violations"]
        blocking = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
        assert blocking == [], blocking

        eddie.get_by_role("button", name="Keep mine (replace theirs)").click()
        assert "Published on " in eddie.locator("main").inner_text()
        ada.reload()
        assert ada.get_by_label("Text (Markdown)").input_value() == mine
        assert errors == []
    finally:
        ada_context.close()
        eddie_context.close()
