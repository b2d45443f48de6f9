"""In-process measurements: CPU per uncached page, and the cost of saving a post by step."""

import random
import statistics
import time
from pathlib import Path

from bench.build_site import make_body
from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content.models import Post
from cms.content.records import Revision
from cms.content.render import markdown_only, plain_text
from cms.content.sanitize import clean_html
from cms.content.search_index import SearchEntry
from cms.content.service import save_post
from cms.core.db import db


def _app(instance: Path, **config):
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "SITE_URL": "http://127.0.0.1",
            **config,
        }
    )
    return app


def uncached_cpu_ms(instance: Path, runs: int = 200) -> float:
    """Median CPU milliseconds to render a post page that is not in the page cache.

    Each request asks for a different post, as visitors arriving from search do, so
    every one misses the page cache (the cheap site-wide memos stay warm, as in use).
    """
    app = _app(instance)
    client = app.test_client()
    with app.app_context():
        db.connect(reuse_if_open=True)
        count = Post.select().count()
        step = max(1, count // runs)
        slugs = [p.slug for p in Post.select(Post.slug).order_by(Post.id)][::step][:runs]
    assert client.get(f"/blog/{slugs[0]}").status_code == 200
    samples = []
    for slug in slugs[1:]:
        start = time.process_time()
        response = client.get(f"/blog/{slug}")
        samples.append((time.process_time() - start) * 1000)
        assert response.headers.get("X-Cache") == "miss"
    db.close()
    return statistics.median(samples)


def cold_route_ms(instance: Path, paths: dict[str, str], runs: int = 40) -> dict:
    """Per route, with PAGE_CACHE=false: median CPU ms of a render with the site chrome
    memoized ("cold"), of the first render after a change (every memo dropped first:
    "after change"), and the number of SQL statements one render runs.

    The change check itself (PRAGMA data_version on the open connection) is not counted:
    it is not a query of the page.
    """
    from cms.core.cache import page_cache

    app = _app(instance, PAGE_CACHE=False)
    client = app.test_client()
    result = {}
    for name, path in paths.items():
        client.get(path)
        cold, changed = [], []
        for _ in range(runs):
            start = time.process_time()
            client.get(path)
            cold.append((time.process_time() - start) * 1000)
            page_cache.clear()
            start = time.process_time()
            client.get(path)
            changed.append((time.process_time() - start) * 1000)
        result[name] = {
            "cold_ms": statistics.median(cold),
            "changed_ms": statistics.median(changed),
            "queries": _queries(client, path),
        }
    db.close()
    return result


def _queries(client, path: str) -> int:
    """SQL statements one (memoized) render of `path` runs."""
    client.get(path)
    counted = []
    execute = db.execute_sql
    db.execute_sql = lambda sql, *args, **kwargs: (
        counted.append(sql) or execute(sql, *args, **kwargs)
    )
    try:
        client.get(path)
    finally:
        del db.execute_sql  # back to the class's method
    return len(counted)


def fifty_kb_body(seed: int) -> str:
    """About 50 KB of realistic Markdown."""
    rng, parts = random.Random(seed), []
    while sum(len(p) for p in parts) < 50_000:
        parts.append(make_body(rng))
    return "\n\n".join(parts)[:50_000]


def save_timings(instance: Path, runs: int = 7) -> dict:
    """Median milliseconds per step of saving a 50 KB post (render, sanitize, write...)."""
    app = _app(instance)
    samples = {
        "markdown render": [],
        "sanitize (bleach)": [],
        "plain text for search": [],
        "database write (post, revision, search index, cache bump)": [],
        "total save_post()": [],
    }
    saved = []
    with app.app_context():
        db.connect(reuse_if_open=True)
        for n in range(runs):
            body = fifty_kb_body(n)
            t0 = time.perf_counter()
            html = markdown_only(body)
            t1 = time.perf_counter()
            cleaned = clean_html(html)
            t2 = time.perf_counter()
            plain_text(cleaned)
            t3 = time.perf_counter()
            saved.append(
                save_post(
                    {"title": f"Benchmark post {n}", "body": body, "status": "published"},
                    actor=SYSTEM,
                )
            )
            t4 = time.perf_counter()
            steps = [t1 - t0, t2 - t1, t3 - t2]
            for name, seconds in zip(samples, steps, strict=False):
                samples[name].append(seconds * 1000)
            total = (t4 - t3) * 1000
            samples["database write (post, revision, search index, cache bump)"].append(
                max(0.0, total - sum(steps) * 1000)
            )
            samples["total save_post()"].append(total)
        _remove(saved)  # leave the built site as it was, for the next run
    db.close()
    return {"runs": runs, "steps": {k: statistics.median(v) for k, v in samples.items()}}


def _remove(posts) -> None:
    ids = [p.id for p in posts]
    with db.atomic():
        SearchEntry.forget("post", ids)
        Revision.delete().where((Revision.kind == "post") & Revision.object_id.in_(ids)).execute()
        Post.delete().where(Post.id.in_(ids)).execute()
