"""Content API list cost at 100 and 10,000 posts (in process, Flask test client).

Usage: .venv/bin/python bench/bench_api.py [--repeat 300]

Builds two throwaway sites (a few posts through cms.content.service, the rest bulk-inserted),
then times GET /api/v1/posts?limit=20 on the first page, on a deep page (keyset cursor
near the end) and filtered by a category, and prints the median per request and the
ratio 10,000 / 100. Keyset paging should keep every ratio near 1.

Both sites are measured in alternating rounds and by CPU time of this process, so a busy
machine slows both alike instead of skewing the ratio. The page cache is off, so every
request does the full work (served, the same answers come from the cache like pages).
The sites are removed afterwards.
"""

import argparse
import base64
import shutil
import statistics
import tempfile
import time
from datetime import timedelta

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.content import service as services
from cms.content.categories import save_category
from cms.core import clock
from cms.core.db import configure, db

SIZES = (100, 10_000)
CATEGORIES = 4
URLS = ("first page", "deep page", "category")
ROUNDS = 10


def build(count: int):
    """A site of `count` published posts in a fresh instance folder; returns the app."""
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-api-"),
                      "SECRET_KEY": "bench", "DEMO_CONTENT": False, "PAGE_CACHE": False,
                      "SITE_URL": "http://localhost"})  # fmt: skip
    with app.app_context():
        db.connect(reuse_if_open=True)
        cats = [save_category({"name": f"Topic {n}"}, actor=SYSTEM) for n in range(CATEGORIES)]
        sample = [services.save_post({"title": f"Real post {n}", "status": "published",
                                      "body": "Some *Markdown* text.\n\n" * 40,
                                      "categories": [cats[n].slug]}, actor=SYSTEM)
                  for n in range(3)]  # fmt: skip
        body, html, excerpt = sample[0].body, sample[0].body_html, sample[0].excerpt
        start = clock.utcnow() - timedelta(days=1)
        posts, links = [], []
        for n in range(count - len(sample)):
            when = start - timedelta(minutes=37 * n)
            posts.append((f"Bulk post {n}", f"bulk-post-{n}", body, html, excerpt, "", "published",
                          when, when, when))  # fmt: skip
        with db.atomic():
            db.connection().executemany(
                "INSERT INTO post (title, slug, body, body_html, excerpt, meta_description, "
                "status, published_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(*p[:7], *(t.strftime("%Y-%m-%d %H:%M:%S") for t in p[7:])) for p in posts],
            )
            ids = [r[0] for r in db.execute_sql("SELECT id FROM post WHERE slug LIKE 'bulk-%'")]
            links = [(pid, cats[pid % CATEGORIES].id) for pid in ids]
            db.connection().executemany(
                "INSERT INTO post_category (post_id, category_id) VALUES (?, ?)", links
            )
        deep = db.execute_sql(
            "SELECT published_at, id FROM post ORDER BY published_at DESC, id DESC "
            "LIMIT 1 OFFSET ?",
            (count - 30,),
        ).fetchone()
        key = f"{deep[0].replace('-', '').replace(' ', '').replace(':', '')}.{deep[1]}"
        cursor = base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")
        slug = cats[1].slug
    db.close()
    return app, dict(
        zip(
            URLS,
            [
                "/api/v1/posts?limit=20",
                f"/api/v1/posts?limit=20&cursor={cursor}",
                f"/api/v1/posts?limit=20&category={slug}",
            ],
            strict=True,
        )
    )


def measure(app, url: str, repeat: int) -> list[float]:
    """CPU seconds of each of `repeat` requests, after a warm-up."""
    client = app.test_client()
    for _ in range(10):
        response = client.get(url)
        assert response.status_code == 200 and len(response.get_json()["items"]) == 20, url
    times = []
    for _ in range(repeat):
        started = time.process_time()
        client.get(url)
        times.append(time.process_time() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    sites = {}
    for size in SIZES:
        started = time.perf_counter()
        sites[size] = build(size)
        print(f"built {size:,} posts in {time.perf_counter() - started:.1f} s")
    samples = {size: {name: [] for name in URLS} for size in SIZES}
    for _ in range(ROUNDS):
        for size, (app, urls) in sites.items():
            configure(app.config["DATABASE"])  # one database is open at a time
            for name, url in urls.items():
                samples[size][name] += measure(app, url, max(1, args.repeat // ROUNDS))
            db.close()
    small, large = SIZES
    print("\nmedian CPU per request, GET /api/v1/posts?limit=20 (in process, test client)")
    print(f"{'':<14}{small:>10,} posts{large:>12,} posts{'ratio':>8}")
    for name in URLS:
        a = statistics.median(samples[small][name]) * 1000
        b = statistics.median(samples[large][name]) * 1000
        print(f"{name:<14}{a:>13.2f} ms{b:>15.2f} ms{b / a:>8.2f}")
    for app, _ in sites.values():
        shutil.rmtree(app.instance_path, ignore_errors=True)


if __name__ == "__main__":
    main()
