"""The processes a benchmark run starts: the project's gunicorn, the bare Flask floor in a
gunicorn of its own, nginx serving a static file, nginx as a micro-caching proxy; and wrk.

CPU per request is read from /proc: the user + system time of a server's worker
processes before and after a wrk run, divided by the requests wrk completed.
"""

import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, deadline: float) -> float:
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return time.monotonic()
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"no answer from {url}")


def wrk(url: str, seconds: int, server=None) -> dict:
    """wrk with 2 threads and 8 connections: rps, p50, p99 (ms), and CPU ms per request
    of `server`'s workers when given."""
    before = server.cpu_ms() if server else 0.0
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    used = server.cpu_ms() - before if server else 0.0

    def latency(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "non2xx": int(errors.group(1)) if errors else 0,
        "cpu_ms": used / requests if server and requests else None,
    }


def _cpu_ms(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # a worker that was just replaced
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total * TICK_MS


def worker_settings() -> list[str]:
    """gunicorn.conf.py's worker settings as command-line options (for the floor)."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return [
        f"--workers={conf['workers']}",
        f"--worker-class={conf['worker_class']}",
        f"--threads={conf['threads']}",
        f"--keep-alive={conf['keepalive']}",
        f"--max-requests={conf['max_requests']}",
        f"--access-logformat={conf['access_log_format']}",
    ]


def _empty_config(folder: Path) -> Path:
    """A config file with nothing in it, so the floor does not read ./gunicorn.conf.py."""
    path = folder / "bench-floor.conf.py"
    path.write_text("")
    return path


class Gunicorn:
    """A gunicorn on a free port: the project (bench.wsgi:app with gunicorn.conf.py), or
    with `floor=True` the bare Flask app under the same worker settings."""

    def __init__(self, instance: Path, floor: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            CMS_INSTANCE_PATH=str(instance),
            CMS_SECRET_KEY="b" * 64,
            CMS_SITE_URL=self.url,
            PYTHONPATH=str(ROOT),
        )
        if floor:
            options, app, probe = (
                [*worker_settings(), "-c", str(_empty_config(instance))],
                "bench.floor_app:app",
                "/1",
            )
        else:
            options, app, probe = (
                ["-c", str(ROOT / "gunicorn.conf.py")],
                "bench.wsgi:app",
                "/robots.txt",
            )
        log = instance / ("bench-floor.log" if floor else "bench-gunicorn.log")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{self.port}",
             "--access-logfile", "-", "--error-logfile", str(log), app],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.first_response_s = wait_for(self.url + probe, started + 300) - started

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def cpu_ms(self) -> float:
        """CPU milliseconds used so far by the worker processes."""
        return _cpu_ms(self.workers())

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class Nginx:
    """nginx with 2 workers: a static file of `size` bytes at /page.html, and when
    `upstream` is given, a micro-caching proxy to it at /proxy/ with the deploy kit's
    cache directives (deploy/nginx-practice-cms.conf): lifetimes from the app's
    Cache-Control, stale while updating, one request at a time to the app per page."""

    def __init__(self, size: int, upstream: str | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        (self.dir / "page.html").write_bytes(b"x" * size)
        self.dir.chmod(0o755)  # nginx workers run as an unprivileged user
        self.port = free_port()
        proxy = ""
        if upstream:
            proxy = (
                f"proxy_cache_path {self.dir}/cache levels=1 keys_zone=micro:1m max_size=64m;\n"
                f"upstream app {{ server {upstream.removeprefix('http://')}; keepalive 8; }}\n"
            )
        host = (upstream or "").removeprefix("http://")
        location = (
            "location /proxy/ { proxy_pass http://app/; proxy_http_version 1.1;"
            f' proxy_set_header Connection ""; proxy_set_header Host {host};'
            " proxy_cache micro; proxy_cache_key $scheme$host$request_uri;"
            " proxy_cache_use_stale updating; proxy_cache_background_update on;"
            " proxy_cache_lock on; proxy_cache_lock_timeout 5s; proxy_cache_revalidate on; }"
            if upstream
            else ""
        )
        conf = self.dir / "nginx.conf"
        conf.write_text(
            f"worker_processes 2; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;\n"
            "events { worker_connections 256; }\n"
            f"http {{ access_log off; {proxy}"
            f"server {{ listen 127.0.0.1:{self.port}; root {self.dir}; {location} }} }}\n"
        )
        self.process = subprocess.Popen(
            ["nginx", "-p", str(self.dir), "-c", str(conf), "-g", "daemon off;"]
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/page.html"
        try:
            wait_for(self.url, time.monotonic() + 10)
        except RuntimeError:
            self.stop()
            raise

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def cpu_ms(self) -> float:
        return _cpu_ms(self.workers())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
