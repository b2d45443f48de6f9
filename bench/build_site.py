"""Build a synthetic site of N posts into an instance folder, quickly.

Usage: python bench/build_site.py INSTANCE_DIR N

Bodies are realistic Markdown (2-6 KB) rendered once per variant through the real
pipeline; rows are bulk-inserted in one transaction, with the search index filled too.
"""

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

from cms import create_app
from cms.content.render import make_excerpt, plain_text, render_markdown
from cms.core import clock
from cms.core.db import db

WORDS = [
    "therapy",
    "anxiety",
    "relationship",
    "boundaries",
    "grief",
    "sleep",
    "habit",
    "session",
    "client",
    "privacy",
    "practice",
    "wellbeing",
    "stress",
    "change",
    "trust",
    "feeling",
    "support",
    "family",
    "work",
    "rest",
    "balance",
    "listening",
    "courage",
    "routine",
    "reflection",
    "growth",
    "calm",
    "breathing",
    "evidence",
    "approach",
]
CATEGORIES = [
    "FAQ",
    "Psychotherapy",
    "Resources",
    "Wellbeing",
    "Anxiety",
    "Grief",
    "Relationships",
    "Work",
    "Sleep",
    "Parenting",
    "Online therapy",
    "News",
]


def _paragraph(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def make_body(rng: random.Random) -> str:
    """A Markdown body of a few KB with headings, lists, emphasis and links."""
    parts = [_paragraph(rng)]
    for _ in range(rng.randint(2, 5)):
        parts.append(f"## {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)}")
        parts.append(_paragraph(rng))
        parts.append("\n".join(f"- **{rng.choice(WORDS)}** {rng.choice(WORDS)}" for _ in range(3)))
        parts.append(f"See [the policy](/social-media-policy) and *{rng.choice(WORDS)}*.")
    return "\n\n".join(parts)


def build(instance: Path, count: int, seed: int = 7) -> float:
    """Create the site; return the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "DEMO_CONTENT": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        variants = []
        for _ in range(20):
            body = make_body(rng)
            html = render_markdown(body)
            variants.append((body, html, make_excerpt(html), plain_text(html)))
        with db.atomic():
            cat_ids = []
            for name in CATEGORIES:
                slug = name.lower().replace(" ", "-")
                row = db.execute_sql("SELECT id FROM category WHERE slug = ?", (slug,)).fetchone()
                if row is None:
                    db.execute_sql(
                        "INSERT INTO category (name, slug, description) VALUES (?, ?, '')",
                        (name, slug),
                    )
                    row = db.execute_sql("SELECT last_insert_rowid()").fetchone()
                cat_ids.append(row[0])
            start = clock.utcnow() - timedelta(days=1)
            posts, links, search = [], [], []
            first_id = (db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM post").fetchone()[0]) + 1
            for n in range(count):
                pid = first_id + n
                body, html, excerpt, text = variants[n % len(variants)]
                title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} notes {pid}"
                when = (start - timedelta(minutes=37 * n)).strftime("%Y-%m-%d %H:%M:%S")
                posts.append(
                    (
                        pid,
                        title,
                        f"post-{pid}",
                        body,
                        html,
                        excerpt,
                        "",
                        "published",
                        when,
                        when,
                        when,
                    )
                )
                for cat in rng.sample(cat_ids, rng.randint(1, 3)):
                    links.append((pid, cat))
                search.append((pid * 2, title, text, "post", pid))
            db.execute_sql("DROP TRIGGER IF EXISTS post_insert_bump")  # one bump, not 100,000
            db.connection().executemany(
                "INSERT INTO post (id, title, slug, body, body_html, excerpt, meta_description,"
                " status, published_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                posts,
            )
            db.connection().executemany(
                "INSERT INTO post_category (post_id, category_id) VALUES (?, ?)", links
            )
            db.connection().executemany(
                "INSERT INTO search_entry (rowid, title, body, kind, ref) VALUES (?, ?, ?, ?, ?)",
                search,
            )
            db.execute_sql(
                'CREATE TRIGGER "post_insert_bump" AFTER INSERT ON "post" BEGIN UPDATE '
                '"site_state" SET "version" = "version" + 1 WHERE "id" = 1; END'
            )
            db.execute_sql("UPDATE site_state SET version = version + 1 WHERE id = 1")
        db.execute_sql("ANALYZE")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    target, n = Path(sys.argv[1]).resolve(), int(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    print(f"built {n} posts in {build(target, n):.1f} s -> {target}")
