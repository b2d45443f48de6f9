"""The benchmark suite: sites of 100 / 10,000 / 100,000 posts under gunicorn, loaded by wrk.

Usage: python bench/run.py [--sizes 100,10000,100000] [--seconds 5] [--out FILE]

Prints a Markdown table per site size: requests/s and p50/p99 latency per page, the same
for a constant route of the same body size in the same server (the framework floor) and
for nginx serving a static file of that size (the physical limit), with the ratios; then
the ratio 100,000 / 100 posts per page, resident memory per worker, time from start to
first response, uncached CPU per request, and the time to save a 50 KB post, by step.
Requires wrk and nginx (apt-get install wrk nginx).
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.build_site import build  # noqa: E402
from bench.inprocess import save_timings, uncached_cpu_ms, uncached_route_ms  # noqa: E402

CACHE_DIR = ROOT / "bench" / "results" / "sites"


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


def wrk(url: str, seconds: int) -> dict:
    """Run wrk with 2 threads and 8 connections; return rps, p50, p99 (ms)."""
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "non2xx": int(errors.group(1)) if errors else 0,
    }


class Gunicorn:
    """gunicorn with the production config, serving bench.wsgi:app on a free port."""

    def __init__(self, instance: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            CMS_INSTANCE_PATH=str(instance),
            CMS_SECRET_KEY="b" * 64,
            CMS_SITE_URL=self.url,
            PYTHONPATH=str(ROOT),
        )
        config = (
            ["-c", str(ROOT / "gunicorn.conf.py")]
            if (ROOT / "gunicorn.conf.py").exists()
            else ["--workers", "2"]
        )
        started = time.monotonic()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *config,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                "--error-logfile",
                str(instance / "bench-gunicorn.log"),
                "bench.wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        self.first_response_s = wait_for(self.url + "/robots.txt", started + 60) - started

    def worker_rss_mb(self) -> list[float]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class Nginx:
    """nginx serving one static file, the physical limit on this machine."""

    def __init__(self, size: int):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        (self.dir / "page.html").write_bytes(b"x" * size)
        self.dir.chmod(0o755)  # nginx workers run as an unprivileged user
        self.port = free_port()
        conf = self.dir / "nginx.conf"
        conf.write_text(
            f"worker_processes 2; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;\n"
            "events { worker_connections 256; }\n"
            f"http {{ access_log off; server {{ listen 127.0.0.1:{self.port}; root {self.dir};"
            " } }\n"
        )
        self.process = subprocess.Popen(
            ["nginx", "-p", str(self.dir), "-c", str(conf), "-g", "daemon off;"]
        )
        self.url = f"http://127.0.0.1:{self.port}/page.html"
        try:
            wait_for(self.url, time.monotonic() + 10)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def site_for(size: int) -> Path:
    """A cached built site of `size` posts (built on first use)."""
    target = CACHE_DIR / f"site-{size}"
    if not (target / "cms.sqlite3").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        print(f"building a site of {size} posts...", file=sys.stderr)
        build(target, size)
    return target


def routes(instance: Path, url: str) -> dict[str, str]:
    """The pages to measure, with real slugs and a deep keyset cursor."""
    import sqlite3

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
    pages = {
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
    return {name: url + path for name, path in pages.items()}


def body_size(url: str) -> int:
    try:
        return len(urllib.request.urlopen(url, timeout=10).read())
    except urllib.error.HTTPError as exc:
        return len(exc.read())


def measure(size: int, seconds: int) -> dict:
    """All figures for one site size."""
    instance = site_for(size)
    server = Gunicorn(instance)
    result = {"size": size, "first_response_s": server.first_response_s, "pages": {}}
    try:
        for name, url in routes(instance, server.url).items():
            length = body_size(url)
            page = wrk(url, seconds)
            floor = wrk(f"{server.url}/_floor/{length}", seconds)
            result["pages"][name] = {"bytes": length, **page, "floor_rps": floor["rps"]}
        result["worker_rss_mb"] = server.worker_rss_mb()
    finally:
        server.stop()
    post_len = result["pages"]["post"]["bytes"]
    nginx = Nginx(post_len)
    try:
        result["nginx"] = {"bytes": post_len, **wrk(nginx.url, seconds)}
    finally:
        nginx.stop()
    result["uncached_post_cpu_ms"] = uncached_cpu_ms(instance)
    paths = {
        name: url.removeprefix(server.url) for name, url in routes(instance, server.url).items()
    }
    result["uncached_ms"] = uncached_route_ms(instance, paths)
    return result


def report(results: list[dict]) -> str:
    lines = []
    for r in results:
        lines += [
            f"\n### {r['size']:,} posts\n",
            "| page | bytes | req/s | p50 ms | p99 ms | floor req/s | page/floor | non-2xx |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, p in r["pages"].items():
            lines.append(
                f"| {name} | {p['bytes']} | {p['rps']:.0f} | {p['p50']:.2f} | "
                f"{p['p99']:.2f} | {p['floor_rps']:.0f} | "
                f"{p['rps'] / p['floor_rps']:.2f} | {p['non2xx']} |"
            )
        n = r["nginx"]
        post = r["pages"]["post"]
        lines += [
            f"\nnginx static file of {n['bytes']} bytes: {n['rps']:.0f} req/s "
            f"(p50 {n['p50']:.2f} ms); cached post page / nginx = {post['rps'] / n['rps']:.3f}",
            f"resident memory per worker after the run: "
            f"{', '.join(f'{m:.1f} MB' for m in r['worker_rss_mb'])}",
            f"start to first response: {r['first_response_s']:.2f} s",
            f"uncached post page CPU per request (median of in-process renders): "
            f"{r['uncached_post_cpu_ms']:.2f} ms",
        ]
    if len(results) > 1:
        small, big = results[0], results[-1]
        lines += [
            f"\n### {big['size']:,} / {small['size']:,} posts\n",
            "Served p50 latency ratio (cached pages, from wrk), and CPU per request with the "
            "page itself not in the cache (in-process, median):\n",
            f"| page | served p50 ratio | uncached ms, {small['size']:,} | "
            f"uncached ms, {big['size']:,} | uncached ratio |",
            "|---|---|---|---|---|",
        ]
        for name in small["pages"]:
            ratio = big["pages"][name]["p50"] / small["pages"][name]["p50"]
            a, b = small["uncached_ms"][name], big["uncached_ms"][name]
            lines.append(f"| {name} | {ratio:.2f} | {a:.2f} | {b:.2f} | {b / a:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.md"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = [measure(size, args.seconds) for size in sizes]
    text = report(results)
    timings = save_timings(site_for(sizes[-1]))
    text += (
        f"\n\n### saving a 50 KB post with {sizes[-1]:,} posts (median of "
        f"{timings['runs']} saves)\n\n| step | ms |\n|---|---|\n"
    )
    text += "\n".join(f"| {step} | {ms:.1f} |" for step, ms in timings["steps"].items())
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")
    print(f"\n(written to {args.out})", file=sys.stderr)


if __name__ == "__main__":
    main()
