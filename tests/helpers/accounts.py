"""Signing in through the form with the test client, and two-step codes."""

import re
from datetime import UTC, timedelta

import pyotp

from cms.core import clock

PASSWORD = "correct horse battery"


def sign_in(client, email="admin@example.org", password=PASSWORD, environ=None, **extra):
    """Post the sign-in form (from the given client address)."""
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, **extra},
        environ_base=environ or {},
    )


def enable_two_step(client) -> tuple[str, list[str]]:
    """Switch two-step sign-in on for the signed-in account: (secret, recovery codes)."""
    page = client.get("/admin/account/two-step").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)[1]
    assert "otpauth://totp/" in page and "<svg" in page  # URI and QR, made on the server
    done = client.post(
        "/admin/account/two-step",
        data={"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD},
    )
    assert done.status_code == 200
    codes = re.findall(
        r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.get_data(as_text=True)
    )
    assert len(codes) == 10
    return secret, codes


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator's code on the site's clock, `steps_ahead` 30-second steps on."""
    moment = clock.utcnow().replace(tzinfo=UTC) + timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(secret).at(moment)
