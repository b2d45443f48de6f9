"""Browser tests: the app served by gunicorn on 127.0.0.1, driven by Debian's Chromium.

Fixtures only; what the tests share lives in tests/helpers/ (live.py, browser.py).
"""

import pytest

from tests.helpers.live import LiveServer, prepare_instance

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Launch Debian's Chromium (playwright cannot download browsers here)."""
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One server for the browser tests, with the demo site and two accounts."""
    instance = tmp_path_factory.mktemp("live-instance")
    prepare_instance(instance)
    server = LiveServer(instance)
    yield server
    server.stop()


@pytest.fixture
def site(live_server):
    return live_server.url


@pytest.fixture
def external_requests(page, live_server):
    """Block and record every request that is not to the site under test."""
    blocked = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(live_server.url) or url.startswith("data:") or url == "about:blank":
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return blocked


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught page errors seen during the test."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
