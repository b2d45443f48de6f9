"""Faults: concurrent readers and writers, writers killed mid-write, a full or read-only disk.

Every acknowledged write (a writer prints a post's id only after its transaction
committed; a visitor's message counts once the server answered 303) must be in the
database afterwards, which must pass SQLite's own integrity checks.
"""

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar

import pytest

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content.models import Post
from cms.core.db import db
from tests.helpers.contact import contact_form
from tests.helpers.live import ROOT, LiveServer, prepare_instance

SECONDS = 8  # how long readers and writers run together
KILLS = 60  # writer processes killed with SIGKILL at random moments
READ_PATHS = ["/", "/blog/", "/archive", "/search?q=therapy", "/feed.xml", "/category/faq"]

# A writer: publishes posts and revises each once, printing each acknowledgement only
# after the service call (and so its transaction) returned.
WRITER = r"""
import sys, time
from cms import create_app
from cms.core.db import db
from cms.accounts.actors import SYSTEM
from cms.content.service import save_post
instance, seconds, tag = sys.argv[1], float(sys.argv[2]), sys.argv[3]
app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "faults"})
with app.app_context():
    db.connect(reuse_if_open=True)
    ends, n = time.monotonic() + seconds, 0
    while time.monotonic() < ends:
        title = f"{tag} {n}"
        post = save_post({"title": title, "body": f"Body of {title}", "status": "published",
                          "categories": ["faq"]}, actor=SYSTEM)
        print("post", post.id, title, flush=True)
        save_post({"body": f"Revised {title}"}, post, actor=SYSTEM)
        print("revision", post.id, flush=True)
        n += 1
"""

# Imports the app once, then forks one writer per line read from stdin (as gunicorn forks
# workers); the test kills each child with SIGKILL at a random moment.
FORK_WRITER = r"""
import os, sys
from cms import create_app
from cms.core.db import db
from cms.accounts.actors import SYSTEM
from cms.content.service import save_post
from cms.content.render import render_markdown
app = create_app({"INSTANCE_PATH": sys.argv[1], "SECRET_KEY": "faults"})
render_markdown("*warm*")  # load the Markdown parser and sanitizer once, before forking
db.close()
for cycle in sys.stdin:
    pid = os.fork()
    if pid == 0:
        with app.app_context():
            db.connect(reuse_if_open=True)
            n = 0
            while True:
                title = f"crash {cycle.strip()} {n}"
                post = save_post({"title": title, "body": "x " * n, "status": "published",
                                  "categories": ["faq"]}, actor=SYSTEM)
                print("post", post.id, title, flush=True)
                n += 1
    print("child", pid, flush=True)
    print("reaped", os.waitpid(pid, 0)[1], flush=True)
"""


ACK_LINE = re.compile(r"^(post \d+ .+|revision \d+)$")


class Acks:
    """Writes the writers and visitors were told succeeded."""

    def __init__(self):
        self.posts: dict[int, str] = {}
        self.revisions: Counter[int] = Counter()
        self.messages: list[str] = []
        self.lock = threading.Lock()

    def read_line(self, line: str) -> None:
        if not ACK_LINE.match(line.strip()):
            return  # a line cut short by a kill: the writer never finished saying it
        kind, _, rest = line.strip().partition(" ")
        if kind == "post":
            post_id, _, title = rest.partition(" ")
            self.posts[int(post_id)] = title
            self.revisions[int(post_id)] += 1
        elif kind == "revision":
            self.revisions[int(rest)] += 1


def lost_writes(path, acks: Acks, app=None) -> list[str]:
    """Acknowledged writes missing from the database (read with plain sqlite3)."""
    lost = []
    with sqlite3.connect(path) as conn:
        rows = dict(conn.execute("SELECT id, title FROM post WHERE status = 'published'"))
        revisions = dict(
            conn.execute("SELECT object_id, COUNT(*) FROM revision WHERE kind = 'post' GROUP BY 1")
        )
    for post_id, title in acks.posts.items():
        if rows.get(post_id) != title:
            lost.append(f"post {post_id} {title!r}")
        if revisions.get(post_id, 0) < acks.revisions[post_id]:
            lost.append(f"revisions of post {post_id}")
    if acks.messages:
        stored = stored_markers(app)
        lost += [f"message {m}" for m in acks.messages if m not in stored]
    return lost


def stored_markers(app) -> set[str]:
    """The markers of every stored contact message, decrypted (exact, so v0-1 is not v0-10)."""
    from cms.messages.models import Message

    with app.app_context():
        db.connect(reuse_if_open=True)
        text = "\n".join(str(m.contents) for m in Message.select())
    db.close()
    return set(re.findall(r"marker (\S+?)\. ", text))


def integrity_problems(path) -> list[str]:
    """What SQLite's own checks find wrong (empty when the file is sound)."""
    with sqlite3.connect(path) as conn:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [str(r) for r in conn.execute("PRAGMA foreign_key_check")]
        try:
            conn.execute("INSERT INTO search_entry(search_entry) VALUES('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems.append(f"full-text index: {exc}")
    return problems


class Traffic:
    """Reader and visitor threads against a live server, recording every status."""

    def __init__(self, url: str, acks: Acks):
        self.url, self.acks = url, acks
        self.statuses: Counter[int] = Counter()
        self.stop = threading.Event()

    def _get(self, opener, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(self.url + path, body, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        with self.acks.lock:
            self.statuses[status] += 1
        return status, text

    def reader(self, seed: int) -> None:
        opener, rnd = urllib.request.build_opener(), random.Random(seed)
        while not self.stop.is_set():
            self._get(opener, rnd.choice(READ_PATHS))

    def visitor(self, name: str) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        n = 0
        while not self.stop.is_set():
            marker = f"{name}-{n}"
            _, page = self._get(opener, "/contact")
            status, _ = self._get(opener, "/contact", contact_form(page, marker))
            if status == 200:  # urllib followed the 303 to /contact/sent
                with self.acks.lock:
                    self.acks.messages.append(marker)
            n += 1


@pytest.mark.slow
def test_readers_writers_and_visitors_together(tmp_path, report):
    prepare_instance(tmp_path)
    env = {"CMS_CONTACT_MIN_SECONDS": "0", "CMS_CONTACT_RATE_LIMIT": "1000000"}
    server = LiveServer(tmp_path, env=env)
    acks, traffic = Acks(), None
    try:
        traffic = Traffic(server.url, acks)
        threads = [threading.Thread(target=traffic.reader, args=(i,)) for i in range(4)]
        threads += [threading.Thread(target=traffic.visitor, args=(f"v{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(tmp_path), str(SECONDS), f"writer{i}"],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for i in range(2)
        ]  # fmt: skip
        outputs = [w.communicate(timeout=SECONDS + 60) for w in writers]
        traffic.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        for line in "".join(out for out, _ in outputs).splitlines():
            acks.read_line(line)
        newest = max(acks.posts)
        published = urllib.request.urlopen(  # noqa: S310
            f"{server.url}/blog/{acks.posts[newest].replace(' ', '-')}", timeout=10
        )
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text()
    report(
        "concurrency",
        f"{sum(traffic.statuses.values())} requests {dict(traffic.statuses)}, "
        f"{len(acks.posts)} posts and {acks.revisions.total()} revisions by 2 writer "
        f"processes, {len(acks.messages)} contact messages, in {SECONDS} s",
    )
    assert [w.returncode for w in writers] == [0, 0], [err[-2000:] for _, err in outputs]
    assert "locked" not in log and "Traceback" not in log, log[-3000:]
    assert all(status < 500 for status in traffic.statuses), traffic.statuses
    assert published.status == 200
    assert len(acks.posts) > 10 and len(acks.messages) > 5
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "faults"})
    assert lost_writes(tmp_path / "cms.sqlite3", acks, app) == []
    assert integrity_problems(tmp_path / "cms.sqlite3") == []

    # Negative control: the same check must notice a lost post and a lost message, even
    # the first message (v0-0), whose marker other markers (v0-0x) begin with.
    with sqlite3.connect(tmp_path / "cms.sqlite3") as conn:
        conn.execute("DELETE FROM post WHERE id = ?", (newest,))
        conn.execute("DELETE FROM message WHERE id = (SELECT MIN(id) FROM message)")
    lost = lost_writes(tmp_path / "cms.sqlite3", acks, app)
    assert f"post {newest} {acks.posts[newest]!r}" in lost
    assert len([item for item in lost if item.startswith("message ")]) == 1, lost


def _read_until(stream, word: str, acks: Acks) -> str:
    """Read the fork writer's lines up to the zygote's `word` line; keep acks.

    A writer killed in the middle of printing leaves a partial line, which the zygote's
    next line continues ("post reaped 9"): that partial acknowledgement does not count.
    """
    while line := stream.readline():
        before, found, after = line.partition(word + " ")
        if found and (not before or not ACK_LINE.match(before)):
            return after.strip()
        acks.read_line(line)
    raise AssertionError(f"the fork writer stopped before saying {word!r}")


@pytest.mark.slow
def test_writers_killed_mid_write_lose_nothing_acknowledged(tmp_path, report):
    prepare_instance(tmp_path)
    seed = random.randrange(10**6)
    rnd, acks, killed, mid_run = random.Random(seed), Acks(), 0, 0
    zygote = subprocess.Popen(
        [sys.executable, "-c", FORK_WRITER, str(tmp_path)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, bufsize=1,
    )  # fmt: skip
    try:
        for cycle in range(KILLS):
            zygote.stdin.write(f"{cycle}\n")
            zygote.stdin.flush()
            child = int(_read_until(zygote.stdout, "child", acks))
            before = len(acks.posts)
            if cycle % 2:
                # Every other kill lands after the writer's first acknowledged write, so
                # a loaded machine (a slow writer) cannot make every kill land too early.
                while len(acks.posts) == before and (line := zygote.stdout.readline()):
                    acks.read_line(line)
            time.sleep(rnd.uniform(0.002, 0.06))
            os.kill(child, signal.SIGKILL)
            status = int(_read_until(zygote.stdout, "reaped", acks))
            killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            mid_run += len(acks.posts) > before  # it had committed, and was writing on
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
    errors = zygote.stderr.read()
    report(
        "crash safety",
        f"{killed} of {KILLS} writers killed with SIGKILL (seed {seed}), {mid_run} of them "
        f"after acknowledged writes; {len(acks.posts)} acknowledged posts all present",
    )
    assert killed == KILLS and "Traceback" not in errors, errors[-3000:]
    assert mid_run >= KILLS // 2, "too few kills landed while the writer was writing"
    assert integrity_problems(tmp_path / "cms.sqlite3") == []
    assert lost_writes(tmp_path / "cms.sqlite3", acks) == []
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "faults"})
    client = app.test_client()
    newest = max(acks.posts)
    assert client.get("/").status_code == 200
    assert client.get(f"/blog/{acks.posts[newest].replace(' ', '-')}").status_code == 200
    db.close()


# Conditions SQLite really reports on the app's own connection (tests run as root, which
# file permissions do not stop): query_only gives SQLITE_READONLY; a page cap the
# database has reached gives SQLITE_FULL, "database or disk is full".
DISK_CONDITIONS = {
    "read-only": ("PRAGMA query_only = ON", "PRAGMA query_only = OFF"),
    "full": ("PRAGMA max_page_count = {pages}", "PRAGMA max_page_count = 1073741823"),
}


@pytest.mark.parametrize("condition", sorted(DISK_CONDITIONS))
def test_full_or_read_only_database_gives_503_and_recovers(app, client, auth, condition):
    from cms.accounts.tokens import create_token

    app.config.update(CONTACT_MIN_SECONDS=0)
    start, end = DISK_CONDITIONS[condition]
    auth.login()  # signed in (and a token made) before the disk fails
    with app.app_context():
        bearer = {
            "Authorization": f"Bearer {create_token('faults', 'content:write', actor=SYSTEM)[1]}"
        }
        db.connect(reuse_if_open=True)  # the connection this thread's requests reuse
        db.execute_sql("VACUUM")  # no free pages left: the message must grow the file
        pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
        db.execute_sql(start.format(pages=pages))

    page = client.get("/contact").get_data(as_text=True)
    refused = client.post("/contact", data=contact_form(page, "during"))
    assert refused.status_code == 503
    assert "briefly unavailable" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] and refused.mimetype == "text/html"
    assert client.get("/").status_code == 200  # readers are not affected
    draft = {"title": "Written while the disk failed", "body": "x " * 4000}
    editor = client.post("/admin/posts/new", data=draft)
    assert editor.status_code == 503 and "briefly unavailable" in editor.get_data(as_text=True)
    api = client.post("/api/v1/admin/posts", json=draft, headers=bearer)
    assert api.status_code == 503 and api.mimetype == "application/problem+json"

    with app.app_context():
        db.execute_sql(end)
    assert not Post.select().where(Post.title == draft["title"]).exists()  # nothing half-saved
    assert client.post("/api/v1/admin/posts", json=draft, headers=bearer).status_code == 201
    page = client.get("/contact").get_data(as_text=True)
    accepted = client.post("/contact", data=contact_form(page, "after"))
    assert accepted.status_code == 303
    stored = stored_markers(app)
    assert "after" in stored and "during" not in stored
