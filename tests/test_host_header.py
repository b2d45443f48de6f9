"""The Host header: only trusted hosts are answered, and none reaches another visitor's page."""

import secrets

import pytest

from cms import create_app
from cms.core.db import db
from cms.core.security import ProductionConfigError, key_bits

EVIL = "evil.example"
# Every kind of answer that holds absolute addresses (canonical, og:url, JSON-LD, Atom,
# the sitemap, robots.txt, the Content API's `url` and `next` fields).
ABSOLUTE = ["/", "/blog/", "/feed.xml", "/sitemap.xml", "/sitemap-pages.xml", "/robots.txt",
            "/api/v1/posts?limit=1", "/api/v1/settings"]  # fmt: skip


def _app(tmp_path, **config):
    return create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
         "WTF_CSRF_ENABLED": False, **config}
    )  # fmt: skip


@pytest.fixture
def site(tmp_path):
    app = _app(tmp_path, SITE_URL="https://practice.example", PROPAGATE_EXCEPTIONS=False)
    yield app
    db.close()


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/"), ("GET", "/blog/"), ("GET", "/no-such-page"), ("GET", "/admin/"),
     ("GET", "/admin/login"), ("POST", "/admin/login"), ("POST", "/contact"),
     ("GET", "/?p=1"), ("GET", "/healthz"), ("GET", "/static/css/site.css")],
)  # fmt: skip
def test_an_untrusted_host_gets_a_clear_400_page(site, method, path):
    response = site.test_client().open(path, method=method, headers={"Host": EVIL})
    assert response.status_code == 400 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "does not answer to the address" in body and EVIL not in body
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_untrusted_host_gets_problem_json_from_the_api(site, method):
    client = site.test_client()
    for path in ("/api/v1/posts", "/api/v1/admin/posts", "/api/v1/openapi.json"):
        response = client.open(path, method=method, headers={"Host": EVIL})
        assert response.status_code == 400, path
        assert response.mimetype == "application/problem+json"
        assert "does not answer to the address" in response.get_json()["detail"]


@pytest.mark.parametrize("host", ["practice.example", "127.0.0.1:8000", "localhost"])
def test_the_site_and_loopback_names_are_answered(site, host):
    """SITE_URL's host; and gunicorn's own address, as nginx and health checks use it."""
    client = site.test_client()
    assert client.get("/healthz", headers={"Host": host}).status_code == 200
    page = client.get("/", headers={"Host": host}).get_data(as_text=True)
    assert '<link rel="canonical" href="https://practice.example/">' in page


@pytest.mark.parametrize("host", ["practice.example.evil.example", "evil.example:443", "", "a b"])
def test_look_alike_hosts_are_refused(site, host):
    assert site.test_client().get("/", headers={"Host": host}).status_code == 400


def test_with_site_url_no_address_follows_the_request(site):
    """The loopback names are trusted, so nothing may be built from them either."""
    client = site.test_client()
    for path in ABSOLUTE:
        body = client.get(path, headers={"Host": "127.0.0.1"}).get_data(as_text=True)
        assert "127.0.0.1" not in body and "localhost" not in body, path
        assert "https://practice.example/" in body, path


def test_without_site_url_forged_hosts_never_reach_other_visitors(tmp_path):
    """Development setup (no SITE_URL, no TRUSTED_HOSTS): any Host is answered, but its
    pages are cached apart, so a forged request cannot poison what others get."""
    app = _app(tmp_path)
    client = app.test_client()
    for path in ABSOLUTE:
        for _ in range(3):  # as an attacker would repeat it, to fill the cache
            forged = client.get(path, headers={"Host": EVIL}).get_data(as_text=True)
        assert EVIL in forged, path  # the forger gets its own links back, nobody else
        honest = client.get(path, headers={"Host": "practice.example"})
        assert EVIL not in honest.get_data(as_text=True), path
        assert "http://practice.example/" in honest.get_data(as_text=True), path
    again = client.get("/", headers={"Host": "practice.example"})
    assert again.headers["X-Cache"] == "hit"  # still cached, per host
    https = client.get("/", base_url="https://practice.example").get_data(as_text=True)
    assert '<link rel="canonical" href="https://practice.example/">' in https  # and scheme
    db.close()


def test_trusted_hosts_alone_serve_each_host_its_own_links(tmp_path):
    app = _app(tmp_path, TRUSTED_HOSTS=["practice.example", "praxis.example"])
    client = app.test_client()
    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    first = client.get("/", headers={"Host": "praxis.example"}).get_data(as_text=True)
    second = client.get("/", headers={"Host": "practice.example"}).get_data(as_text=True)
    assert 'href="http://praxis.example/"' in first
    assert 'href="http://practice.example/"' in second and "praxis" not in second
    db.close()


def test_trusted_hosts_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CMS_TRUSTED_HOSTS", "practice.example, praxis.example")
    app = _app(tmp_path)
    assert app.config["TRUSTED_HOSTS"] == [
        "practice.example", "praxis.example", "localhost", "127.0.0.1",
    ]  # fmt: skip
    assert app.test_client().get("/", headers={"Host": EVIL}).status_code == 400
    db.close()


def _production(tmp_path, **config):
    return create_app({"INSTANCE_PATH": str(tmp_path), "ENV": "production", **config})


def test_production_refuses_to_start_without_an_address(tmp_path):
    with pytest.raises(ProductionConfigError, match="SITE_URL") as refused:
        _production(tmp_path)
    assert "TRUSTED_HOSTS" in str(refused.value)
    with pytest.raises(ProductionConfigError, match="not a web address"):
        _production(tmp_path, SITE_URL="example.org")


@pytest.mark.parametrize(
    "config", [{"SITE_URL": "https://practice.example"}, {"TRUSTED_HOSTS": ["practice.example"]}]
)
def test_production_starts_with_site_url_or_trusted_hosts(tmp_path, config):
    app = _production(tmp_path, **config)
    assert "practice.example" in app.config["TRUSTED_HOSTS"]
    assert app.test_client().get("/", headers={"Host": EVIL}).status_code == 400
    db.close()


@pytest.mark.parametrize(
    "key",
    ["a" * 32, "ab" * 16, "0123456789abcdef" * 2, "passwordpasswordpasswordpassword",
     "abcdefghabcdefghabcdefghabcdefgh"],
)  # fmt: skip
def test_production_refuses_low_entropy_secret_keys(tmp_path, key):
    with pytest.raises(ProductionConfigError, match="too predictable"):
        _production(tmp_path, SITE_URL="https://practice.example", SECRET_KEY=key)


def test_generated_keys_always_pass_the_entropy_check(tmp_path):
    lowest = min(key_bits(secrets.token_hex(32)) for _ in range(5000))
    assert lowest > 128 + 50  # far from the limit: no generated key is ever refused
    app = _production(tmp_path, SITE_URL="https://practice.example")
    assert key_bits(app.config["SECRET_KEY"]) >= 128
    db.close()


def test_the_page_cache_keeps_to_its_byte_budget():
    """Each host (and query string) makes a new key: memory stays bounded all the same."""
    from flask import Response

    from cms.core.cache import PageCache

    cache = PageCache(max_entries=100, max_bytes=10_000)
    for n in range(50):
        cache.put(f"http://host{n}.example/", Response(b"x" * 1000))
    assert cache.size <= 10_000 and len(cache.entries) == 10
    assert cache.get("http://host49.example/") and not cache.get("http://host0.example/")
    cache.put("http://host49.example/", Response(b"y" * 10))  # replacing an entry
    assert cache.size == 9 * 1000 + 10
