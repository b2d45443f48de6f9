"""A worker that only serves readers does not load what only writers need.

Beautiful Soup, lxml, markdownify (pasting), bleach and markdown-it (saving text), Pillow
(uploads) and segno (two-step QR codes) add ~15 MB to every worker; they load on first
use. Checked in fresh interpreters: one makes the instance (a first start renders the demo
content, so it loads them), the next starts on it as a worker does, and serves a post.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITERS_ONLY = ("bs4", "lxml", "markdownify", "bleach", "markdown_it", "PIL", "segno")
WORKER = f"""
import json, sys
import app
client = app.app.test_client()
assert client.get("/").status_code == 200
slug = client.get("/api/v1/posts?limit=1").json["items"][0]["slug"]
assert client.get("/blog/" + slug).status_code == 200
print(json.dumps([name for name in {WRITERS_ONLY!r} if name in sys.modules]))
"""


def _python(code: str, instance: Path) -> str:
    env = dict(os.environ, CMS_INSTANCE_PATH=str(instance), CMS_SECRET_KEY="reader-memory")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_readers_worker_leaves_the_writers_libraries_unloaded(tmp_path):
    first = _python(WORKER, tmp_path)  # the first start: demo content rendered
    assert set(json.loads(first)) & {"bleach", "markdown_it"}  # so the check can see them
    assert json.loads(_python(WORKER, tmp_path)) == []
