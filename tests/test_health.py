"""/healthz: 200 with a small JSON body while the database answers, 503 when it does not."""

from cms.core.db import configure, db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_unavailable_database_is_503_json(app, tmp_path):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    configure(str(broken))
    try:
        response = app.test_client().get("/healthz")
    finally:
        configure(app.config["DATABASE"])
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable"}
    assert "Set-Cookie" not in response.headers


def test_missing_tables_are_503(app, tmp_path):
    configure(str(tmp_path / "empty.sqlite3"))
    try:
        response = app.test_client().get("/healthz")
    finally:
        db.close()
        configure(app.config["DATABASE"])
    assert response.status_code == 503
