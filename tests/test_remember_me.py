"""'Keep me signed in': a browser restart, a new network or browser version keep the account
signed in; a copied session cookie alone still works nowhere else."""

from tests.helpers.accounts import sign_in

HOME = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Laptop browser 120"}
OFFICE = {"REMOTE_ADDR": "198.51.100.50", "HTTP_USER_AGENT": "Laptop browser 120"}
UPDATED = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Laptop browser 121"}
THIEF = {"REMOTE_ADDR": "192.0.2.66", "HTTP_USER_AGENT": "Another browser"}


def _remembered(app):
    client = app.test_client()
    client.environ_base.update(HOME)
    assert sign_in(client, remember="y").status_code == 302
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    return client, cookie.value


def _browser(app, environ, session=None, remember=None):
    client = app.test_client()
    client.environ_base.update(environ)
    if session is not None:
        client.set_cookie("session", session)
    if remember is not None:
        client.set_cookie("remember_token", remember)
    return client


def test_only_the_remember_cookie_keeps_working_click_after_click(app, users):
    _, remember = _remembered(app)
    returning = _browser(app, HOME, remember=remember)
    for path in ("/admin/", "/admin/posts/", "/admin/account", "/admin/notices", "/admin/"):
        assert returning.get(path).status_code == 200, path
    assert returning.get_cookie("remember_token") is not None


def test_a_new_network_or_browser_version_keeps_a_remembered_sign_in(app, users):
    client, remember = _remembered(app)
    session = client.get_cookie("session").value
    for environ in (OFFICE, UPDATED):
        moved = _browser(app, environ, session=session, remember=remember)
        assert moved.get("/admin/").status_code == 200
        assert moved.get("/admin/posts/").status_code == 200
        assert moved.get_cookie("remember_token") is not None


def test_a_copied_session_cookie_alone_does_not_work_elsewhere(app, users):
    client, _ = _remembered(app)
    session = client.get_cookie("session").value
    stolen = _browser(app, THIEF, session=session)
    response = stolen.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.get("/admin/").status_code == 200  # the owner's browser is not affected


def test_after_signing_out_the_remember_cookie_signs_in_nowhere(app, users):
    client, remember = _remembered(app)
    client.post("/admin/logout")
    assert client.get("/admin/").status_code == 302
    for environ in (HOME, THIEF):
        assert _browser(app, environ, remember=remember).get("/admin/").status_code == 302
