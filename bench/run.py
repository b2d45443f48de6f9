"""The benchmark suite: sites of 100 / 10,000 / 100,000 posts under gunicorn, loaded by wrk.

Usage: python bench/run.py [--sizes 100,1000,10000,100000] [--seconds 3] [--out FILE]

One run starts, per site size and side by side: the project's gunicorn (gunicorn.conf.py),
a bare Flask app (bench/floor_app.py, nothing from cms) in a gunicorn of its own with the
same worker settings (the framework floor), and nginx serving a static file of the post
page's bytes and proxying the project with a 1 s micro-cache. It prints every target
ratio, flagged met or not; see docs/performance.md. Requires wrk and nginx.
"""

import argparse
import re
import shutil
import sqlite3
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.build_site import build  # noqa: E402
from bench.inprocess import cold_route_ms, save_timings, uncached_cpu_ms  # noqa: E402
from bench.servers import Gunicorn, Nginx, wrk  # noqa: E402

CACHE_DIR = ROOT / "bench" / "results" / "sites"
# Targets: (what, limit, True when a higher figure is better).
TARGETS = {
    "cached/floor req/s": (0.9, True),
    "cached/floor CPU": (1.15, False),
    "cold CPU ms": (3.0, False),
    "proxied/nginx static": (0.5, True),
    "cold 100k/100": (1.5, False),
    "save 50 KB ms": (300.0, False),
}


def flag(target: str, value: float) -> str:
    limit, higher = TARGETS[target]
    met = value >= limit if higher else value <= limit
    return f"{'met' if met else 'NOT MET'} ({'>=' if higher else '<='} {limit:g})"


def site_for(size: int) -> Path:
    """A cached built site of `size` posts (built on first use, and timed)."""
    target = CACHE_DIR / f"site-{size}"
    if not (target / "cms.sqlite3").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        seconds = build(target, size)
        print(f"built a site of {size} posts in {seconds:.1f} s", file=sys.stderr)
    return target


def routes(instance: Path) -> dict[str, str]:
    """The pages to measure (paths), with real slugs and a deep keyset cursor."""
    conn = sqlite3.connect(instance / "cms.sqlite3")
    count = conn.execute("SELECT COUNT(*) FROM post").fetchone()[0]
    slug = conn.execute(
        "SELECT slug FROM post ORDER BY id LIMIT 1 OFFSET ?", (count // 2,)
    ).fetchone()[0]
    cat_id, cat_slug, in_cat = conn.execute(
        "SELECT c.id, c.slug, COUNT(*) n FROM category c JOIN post_category pc"
        " ON pc.category_id = c.id GROUP BY c.id ORDER BY n DESC LIMIT 1"
    ).fetchone()
    deep = conn.execute(
        "SELECT p.published_at, p.id FROM post p JOIN post_category pc ON pc.post_id = p.id"
        " WHERE pc.category_id = ? ORDER BY p.published_at DESC, p.id DESC LIMIT 1 OFFSET ?",
        (cat_id, max(0, int(in_cat * 0.9))),
    ).fetchone()
    conn.close()
    cursor = re.sub(r"\D", "", deep[0])[:14] + f"-{deep[1]}"
    return {
        "home": "/",
        "post": f"/blog/{slug}",
        "category": f"/category/{cat_slug}",
        "category (deep)": f"/category/{cat_slug}?before={cursor}",
        "search": "/search?q=anxiety+sleep",
        "feed": "/feed.xml",
        "sitemap": "/sitemap.xml",
        "sitemap part": "/sitemap-posts-1.xml",
        "api list": "/api/v1/posts?limit=20",
        "404": "/blog/no-such-post",
    }


def body_size(url: str) -> int:
    try:
        return len(urllib.request.urlopen(url, timeout=10).read())
    except urllib.error.HTTPError as exc:
        return len(exc.read())


def measure(size: int, seconds: int) -> dict:
    """All figures for one site size."""
    instance = site_for(size)
    paths = routes(instance)
    server, floor = Gunicorn(instance), Gunicorn(instance, floor=True)
    result = {"size": size, "first_response_s": server.first_response_s, "pages": {}}
    try:
        for name, path in paths.items():
            length = body_size(server.url + path)
            page = wrk(server.url + path, seconds, server)
            bare = wrk(f"{floor.url}/{length}", seconds, floor)
            result["pages"][name] = {"bytes": length, **page, "floor": bare}
        post = result["pages"]["post"]
        result["in_app_floor"] = wrk(f"{server.url}/_floor/{post['bytes']}", seconds, server)
        nginx = Nginx(post["bytes"], upstream=server.url)
        try:
            result["nginx"] = wrk(nginx.url, seconds, nginx)
            result["proxied"] = wrk(nginx.base + "/proxy" + paths["post"], seconds, nginx)
        finally:
            nginx.stop()
        result["worker_rss_mb"] = server.worker_rss_mb()
    finally:
        server.stop()
        floor.stop()
    result["uncached_post_cpu_ms"] = uncached_cpu_ms(instance)
    result["cold"] = cold_route_ms(instance, paths)
    return result


def report(results: list[dict]) -> str:
    lines = []
    for r in results:
        lines += [
            f"\n### {r['size']:,} posts\n",
            "| page | bytes | req/s | CPU ms/req | floor req/s | floor CPU ms | req/s ratio "
            "| CPU ratio | cold CPU ms | after change ms | queries | non-2xx |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, p in r["pages"].items():
            f, c = p["floor"], r["cold"][name]
            lines.append(
                f"| {name} | {p['bytes']} | {p['rps']:.0f} | {p['cpu_ms']:.3f} | "
                f"{f['rps']:.0f} | {f['cpu_ms']:.3f} | {p['rps'] / f['rps']:.2f} | "
                f"{p['cpu_ms'] / f['cpu_ms']:.2f} | {c['cold_ms']:.2f} | {c['changed_ms']:.2f} "
                f"| {c['queries']} | {p['non2xx']} |"
            )
        post, n, px, app = r["pages"]["post"], r["nginx"], r["proxied"], r["in_app_floor"]
        lines += [
            "",
            f"- cached post / bare Flask floor, req/s: {post['rps'] / post['floor']['rps']:.2f} "
            + flag("cached/floor req/s", post["rps"] / post["floor"]["rps"]),
            f"- cached post / bare Flask floor, CPU per request: "
            f"{post['cpu_ms'] / post['floor']['cpu_ms']:.2f} "
            + flag("cached/floor CPU", post["cpu_ms"] / post["floor"]["cpu_ms"]),
            f"- cached post / in-app constant route (app overhead), req/s: "
            f"{post['rps'] / app['rps']:.2f}; in-app route {app['rps']:.0f} req/s, "
            f"{app['cpu_ms']:.3f} ms CPU",
            f"- nginx static file of {post['bytes']} bytes: {n['rps']:.0f} req/s, "
            f"{n['cpu_ms']:.3f} ms CPU; cached post / nginx static = {post['rps'] / n['rps']:.3f}",
            f"- post through the nginx micro-cache: {px['rps']:.0f} req/s, {px['cpu_ms']:.3f} "
            f"ms nginx CPU, {px['non2xx']} non-2xx; "
            f"proxied / nginx static = {px['rps'] / n['rps']:.2f} "
            + flag("proxied/nginx static", px["rps"] / n["rps"]),
            *(
                f"- cold CPU, {name}: {r['cold'][name]['cold_ms']:.2f} ms "
                + flag("cold CPU ms", r["cold"][name]["cold_ms"])
                + f"; first render after a change {r['cold'][name]['changed_ms']:.2f} ms "
                + flag("cold CPU ms", r["cold"][name]["changed_ms"])
                for name in ("home", "post")
            ),
            f"- uncached post page, a different post each request (page cache on, chrome "
            f"memoized): {r['uncached_post_cpu_ms']:.2f} ms",
            f"- resident memory per worker after the run: "
            f"{', '.join(f'{m:.1f} MB' for m in r['worker_rss_mb'])}",
            f"- start to first response: {r['first_response_s']:.2f} s",
        ]
    if len(results) > 1:
        lines += _scaling(results)
    return "\n".join(lines)


def _scaling(results: list[dict]) -> list[str]:
    small, big = results[0], results[-1]
    sizes = " | ".join(f"{r['size']:,}" for r in results)
    lines = [
        f"\n### how cost grows: cold CPU ms per page at {sizes} posts\n",
        f"| page | {sizes} | {big['size']:,} / {small['size']:,} | target |",
        "|---|" + "---|" * (len(results) + 2),
    ]
    for name in small["pages"]:
        figures = [r["cold"][name]["cold_ms"] for r in results]
        ratio = figures[-1] / figures[0]
        cells = " | ".join(f"{v:.2f}" for v in figures)
        lines.append(f"| {name} | {cells} | {ratio:.2f} | {flag('cold 100k/100', ratio)} |")
    lines += [
        f"\ncached req/s per page at {sizes} posts: "
        + "; ".join(
            f"{name} " + " / ".join(f"{r['pages'][name]['rps']:.0f}" for r in results)
            for name in small["pages"]
        )
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.md"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.monotonic()
    results = [measure(size, args.seconds) for size in sizes]
    text = report(results)
    timings = save_timings(site_for(sizes[-1]))
    total = timings["steps"]["total save_post()"]
    text += (
        f"\n\n### saving a 50 KB post with {sizes[-1]:,} posts (median of "
        f"{timings['runs']} saves): {total:.0f} ms {flag('save 50 KB ms', total)}\n\n"
        "| step | ms |\n|---|---|\n"
    )
    text += "\n".join(f"| {step} | {ms:.1f} |" for step, ms in timings["steps"].items())
    text += f"\n\n(run took {time.monotonic() - started:.0f} s)"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")
    print(f"\n(written to {args.out})", file=sys.stderr)


if __name__ == "__main__":
    main()
