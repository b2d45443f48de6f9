"""gunicorn settings for a small VPS (1-2 cores, 1 GB RAM): `gunicorn app:app` reads this file
from the working directory. Override any of them for one run with GUNICORN_CMD_ARGS, e.g.
GUNICORN_CMD_ARGS="--bind=127.0.0.1:8001".

Why sync workers: a request here is short and CPU-bound (a cached page, or a render that
reads one local SQLite file), nothing waits on slow network services, and nginx buffers
slow clients in front. Measured on a 2-core machine, 2-3 sync worker processes serve the
most pages per second; more workers only add context switches and memory, threads add
contention on the GIL, and waitress was 2-3x slower.
"""

import multiprocessing
import os
import subprocess
import sys

bind = "127.0.0.1:8000"  # only the reverse proxy on this machine talks to gunicorn
worker_class = "sync"
workers = min(3, multiprocessing.cpu_count() + 1)  # 2 on one core, 3 on two or more
threads = 1
# No preload: each worker imports the app itself, so no SQLite connection (or anything
# else with a file handle) is ever opened in the master and shared across fork().
preload_app = False
timeout = 30  # a request that takes longer is stuck; the master replaces the worker
graceful_timeout = 20  # finish requests in flight on restart (systemctl reload sends HUP)
keepalive = 5  # the proxy reuses its connections to gunicorn
# Recycle workers now and then so a slow leak can never exhaust a 1 GB machine; the
# jitter keeps them from restarting at the same moment. Not too often: when a post is
# shared widely a worker serves ~1,500 cached pages a second, and each restart costs a
# fresh import and an empty page cache (at 5,000 the benchmark saw restarts every 3 s).
max_requests = 100_000
max_requests_jitter = 10_000
# Logs go to the journal. The access log leaves out client addresses, user agents and
# referrers: readers' privacy (docs/deploy.md).
accesslog = "-"
access_log_format = '"%(r)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
proc_name = "practice-cms"


def _listen_url(binds) -> str:
    """http://host:port of the first TCP address gunicorn binds (for printed links)."""
    tcp = [b for b in binds if not b.startswith(("unix:", "fd://"))]
    return f"http://{tcp[0]}" if tcp else ""


def on_starting(server):
    """Prepare the site (schema, keys, demo content, setup link) once, before any worker.

    In a child process, so that the master never imports the app or opens the database,
    and a site that cannot start stops here with its reason instead of three workers
    failing to boot. The workers then find everything done (create_app would also wait
    for one another on the instance's lock); they must not log a new setup link, since a
    new one voids the one just logged. A complete site on a read-only or full disk is
    prepared without writing, so it starts and serves readers (cms/ops/bootstrap.py).
    """
    child = subprocess.run(
        [sys.executable, "-c", "from cms import create_app; create_app()"],
        cwd=server.cfg.chdir,  # where the workers import the app
        env={**os.environ, "CMS_LISTEN_URL": _listen_url(server.cfg.bind)},
    )
    if child.returncode:
        raise RuntimeError("the site could not be prepared (see above); no worker was started")
    os.environ["CMS_SETUP_LINK"] = "false"  # read by the workers' create_app
