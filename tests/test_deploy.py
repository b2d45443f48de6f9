"""docs/deploy.md followed on this machine up to the point that needs a public domain.

Taken from the guide and the deploy/ files as written: instance/config.py, the
create-user command, the systemd unit's environment and ExecStart (gunicorn with
gunicorn.conf.py), the nginx site, and the cron backup line. Adapted only where a test
must: the repository stands in for /srv/practice-cms (already cloned, venv present), a
temporary instance folder, free ports on 127.0.0.1, plain HTTP instead of certificates,
and nginx run as this test's own process.
"""

import getpass
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NGINX = "/usr/sbin/nginx"
GUIDE = (ROOT / "docs" / "deploy.md").read_text()
PASSWORD = "a long deploy test password"

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _guide_command(marker: str) -> str:
    """The guide's command line containing marker, as the cms user would run it."""
    (line,) = [ln for ln in GUIDE.splitlines() if marker in ln and ln.startswith(("# ", "15 "))]
    line = line.removeprefix("# ").removeprefix("sudo -u cms ")
    line = re.sub(r"^15 3 \* \* \* ", "", line)  # the cron schedule
    return line.replace("/srv/practice-cms", str(ROOT))


def _unit() -> tuple[dict, list[str]]:
    """Environment and ExecStart of deploy/practice-cms.service."""
    env, exec_start = {}, None
    for line in (ROOT / "deploy" / "practice-cms.service").read_text().splitlines():
        if line.startswith("Environment="):
            key, value = line.removeprefix("Environment=").split("=", 1)
            env[key] = value
        elif line.startswith("ExecStart="):
            exec_start = line.removeprefix("ExecStart=").replace("/srv/practice-cms", str(ROOT))
    return env, exec_start.split()


def _blocks(text: str) -> list[str]:
    """Top-level statements and blocks of an nginx file (comments removed)."""
    text = re.sub(r"#[^\n]*", "", text)
    blocks, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append(text[start : i + 1].strip())
                start = i + 1
        elif char == ";" and depth == 0:
            blocks.append(text[start : i + 1].strip())
            start = i + 1
    return [b for b in blocks if b]


def nginx_config(tmp: Path, port: int, upstream: int) -> str:
    """deploy/nginx-practice-cms.conf with the main HTTPS server on plain HTTP for the test."""
    site = (ROOT / "deploy" / "nginx-practice-cms.conf").read_text()
    kept = []
    for block in _blocks(site):
        if block.startswith("server") and "location / {" not in block:
            continue  # the redirecting servers need the real domain
        kept.append(block)
    text = "\n".join(kept)
    replacements = [
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{port};"),
        (r"listen \[::\]:443 ssl http2;", ""),
        (r"\n\s*ssl_[^;]+;", ""),
        (r"127\.0\.0\.1:8000", f"127.0.0.1:{upstream}"),
        (r"/var/log/nginx/", f"{tmp}/"),
        (r"/var/cache/nginx/", f"{tmp}/"),
    ]
    for pattern, value in replacements:
        text, count = re.subn(pattern, value, text)
        assert count, f"deploy/nginx-practice-cms.conf no longer contains {pattern}"
    temp = " ".join(f"{name}_temp_path {tmp}/{name};" for name in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    return (
        f"{user}\nworker_processes 1;\nevents {{ worker_connections 64; }}\n"
        f"http {{\ninclude /etc/nginx/mime.types;\n{temp}\n{text}\n}}\n"
    )


def _wait(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in 30 s:\n{log.read_text()}")


def _get(url: str, data: bytes | None = None, headers: dict | None = None):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    request.add_header("X-Forwarded-For", request.headers.get("X-forwarded-for", "6.6.6.6"))
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.headers, response.read()


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """The site served as the guide describes (once for this module)."""
    tmp_path = tmp_path_factory.mktemp("deploy")
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    config = re.search(r"<<'CONFIG'\n(.*?)\nCONFIG", GUIDE, re.S).group(1)
    (instance / "config.py").write_text(config + "\n")
    env = dict(os.environ, CMS_INSTANCE_PATH=str(instance))
    env.pop("CMS_SECRET_KEY", None)
    create_user = _guide_command("cms create-user")
    result = subprocess.run(  # noqa: S602 (the guide's own command line)
        create_user, shell=True, cwd=ROOT, env=env, input=PASSWORD + "\n",
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (instance / "secret_key").exists() and (instance / "cms.sqlite3").exists()

    unit_env, exec_start = _unit()
    app_port, web_port = _free_port(), _free_port()
    server_env = dict(env, **unit_env, GUNICORN_CMD_ARGS=f"--bind=127.0.0.1:{app_port}")
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        gunicorn = subprocess.Popen(
            exec_start, cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT
        )
    (tmp_path / "nginx.conf").write_text(nginx_config(tmp_path, web_port, app_port))
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-e", str(tmp_path / "nginx-error.log"),
         "-g", f"daemon off; pid {tmp_path / 'nginx.pid'};"],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "nginx.out", "w"),  # noqa: SIM115
    )  # fmt: skip
    try:
        _wait(f"http://127.0.0.1:{app_port}/healthz", gunicorn, log)
        _wait(f"http://127.0.0.1:{web_port}/healthz", nginx, tmp_path / "nginx.out")
        yield {
            "url": f"http://127.0.0.1:{web_port}",
            "env": env,
            "instance": instance,
            "gunicorn_log": log,
            "access_log": tmp_path / "practice-cms.access.log",
        }
    finally:
        _stop(nginx)
        _stop(gunicorn)


def test_guide_serves_the_site_through_nginx(deployed):
    url = deployed["url"]
    status, headers, body = _get(url + "/")
    assert status == 200
    assert "<html" in body.decode()
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers.get("Set-Cookie") is None  # readers get no cookie
    status, headers, body = _get(url + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})

    status, headers, _ = _get(url + "/admin/login")
    assert status == 200 and headers["Cache-Control"] == "private, no-store"
    assert "Secure" in headers["Set-Cookie"]  # production: the session cookie is HTTPS-only

    home = _get(url + "/")[2].decode()
    stylesheet = re.search(r'href="(/static/css/site\.css\?v=\w+)"', home).group(1)
    status, headers, _ = _get(url + stylesheet)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert _get(url + "/static/css/site.css")[1]["Cache-Control"] == "public, max-age=86400"

    status, _, _ = _get(url + "/admin/login", data=b"x" * (17 * 1024 * 1024))
    assert status == 413  # nginx's limit, the same as the app's
    fields = b"&".join([b"field=" + b"x" * (1024 * 1024)] * 15)  # each within the app's limits
    status, _, _ = _get(url + "/admin/login", data=fields)
    assert status == 400  # under the limit: reaches the app, which refuses the form

    access_log = deployed["access_log"].read_text()
    assert '"GET /healthz HTTP/1.1" 200' in access_log
    assert "127.0.0.1" not in access_log and "6.6.6.6" not in access_log


def test_forwarded_for_from_clients_cannot_dodge_throttling(deployed):
    statuses = set()
    for n in range(40):  # a new made-up address each time, as an attacker would send
        status, _, _ = _get(
            deployed["url"] + "/api/v1/admin/posts",
            headers={"Authorization": "Bearer wrong", "X-Forwarded-For": f"10.0.{n}.1"},
        )
        statuses.add(status)
    assert statuses == {401, 429}  # all counted against the one real address


def test_guide_backup_command_runs_next_to_the_live_site(deployed):
    result = subprocess.run(  # noqa: S602 (the guide's own cron line)
        _guide_command("cms backup --keep 14"), shell=True, cwd=ROOT, env=deployed["env"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (archive,) = (deployed["instance"] / "backups").glob("cms-backup-*.tar.gz")
    assert archive.stat().st_size > 0
    assert _get(deployed["url"] + "/healthz")[0] == 200
