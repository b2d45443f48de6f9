"""Take the screenshots in docs/screenshots/ again: the public pages and the editor, at a
desktop width (1280x800) and a phone width (390x844), from a fresh demo site.

    .venv/bin/python docs/screenshots/make.py [--full]

It starts the site with gunicorn on 127.0.0.1 (as the browser tests do) from a temporary
instance folder, signs in, and writes NAME-desktop.png and NAME-phone.png beside this
file. Without --full each picture is the first screen a person sees; with it, the whole page.
"""

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.helpers.browser import sign_in  # noqa: E402
from tests.helpers.editor_content import add_editor_content  # noqa: E402
from tests.helpers.live import LiveServer, prepare_instance  # noqa: E402

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PUBLIC = {
    "home": "/",
    "post": "/blog/social-media-and-our-therapy-relationship",
    "blog": "/blog/",
    "contact": "/contact",
    "not-found": "/no-such-page",
}
EDITOR = {"dashboard": "dashboard", "posts": "posts list", "editor": "edit post"}


def take(server: LiveServer, full: bool) -> list[Path]:
    """Every screenshot, at both widths; the files written."""
    screens = add_editor_content(server.instance)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, viewport in WIDTHS.items():
            page = browser.new_context(viewport=viewport).new_page()
            for name, path in PUBLIC.items():
                written.append(_shot(page, server.url + path, f"{name}-{width}", full))
            sign_in(page, server.url)
            for name, screen in EDITOR.items():
                written.append(_shot(page, server.url + screens[screen], f"{name}-{width}", full))
            page.context.close()
        browser.close()
    return written


def _shot(page, url: str, name: str, full: bool) -> Path:
    page.goto(url)
    path = HERE / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def main() -> None:
    """Start a demo site, take the screenshots, stop the site."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="whole pages, not first screens")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        prepare_instance(Path(instance))
        server = LiveServer(Path(instance))
        try:
            for path in take(server, args.full):
                print(path.relative_to(HERE.parents[1]))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
