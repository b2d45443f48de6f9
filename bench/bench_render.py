"""Rendering cost of hostile bodies: each construct at two sizes, to show it is linear.

Usage: python bench/bench_render.py [--sizes 50000,200000] [--only NAME,...]

For each case, a body of about each size (200,000 characters is MAX_BODY) goes through
render_markdown, as a save does (Markdown, library images, the sanitizer), within the
save's time budget. Prints a Markdown table of seconds per size and the ratio of the
last to the first: linear work grows with the size (about 4 from 50,000 to 200,000),
quadratic work with its square (about 16). "refused" is a body the bounds turn away
(nesting, elements, attributes, time), with the time the refusal took. The target: every
construct rendered is linear (a ratio of at most 1.5 times the ratio of the sizes; 6 for
the default sizes); the exit status is 1 when one is not, and the table says which.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cms import create_app  # noqa: E402
from cms.content.render import render_markdown  # noqa: E402
from cms.content.sanitize import TooComplex  # noqa: E402
from cms.core.db import db  # noqa: E402


def _repeat(unit: str, n: int, head: str = "", tail: str = "") -> str:
    return head + unit * max(1, (n - len(head) - len(tail)) // len(unit)) + tail


CASES = {
    "ordinary post (reference)": lambda n: _repeat(
        "## A heading\n\nSome *text* with a [link](/about) and **bold** words.\n\n"
        "- one item\n- another item\n\n",
        n,
    ),
    "nested > quotes": lambda n: _repeat(">", n, tail=" deep\n"),
    "nested lists": lambda n: "".join("  " * i + "- item\n" for i in range(int(n**0.5))),
    "emphasis runs *a": lambda n: _repeat("*a ", n),
    "unclosed ** runs": lambda n: _repeat("**", n),
    "nested emphasis *a **b": lambda n: _repeat("*a **b ", n),
    "entity chain in a link": lambda n: _repeat("amp;", n, head="[x](&", tail="#106;avascript:x)"),
    "entity chain in raw href": lambda n: _repeat("amp;", n, head='<a href="&', tail='">x</a>'),
    "one long line": lambda n: _repeat("word ", n),
    "many links": lambda n: _repeat("[a](https://example.org/a) ", n),
    "many library images": lambda n: "".join(
        f"![image {i}](/media/{i}/photo.jpg)\n" for i in range(n // 32)
    ),
    'unclosed <img src="/media/': lambda n: _repeat('<img src="/media/1/a ', n, head="<div>\n"),
    "<img without >": lambda n: _repeat('<img src="/media/1/a" ', n, head="<div>\n"),
    "table rows": lambda n: _repeat("|c|d|\n", n, head="|a|b|\n|-|-|\n"),
    "table columns": lambda n: "|a" * (n // 6) + "|\n" + "|-" * (n // 6) + "|\n",
    "open brackets [": lambda n: _repeat("[", n),
    "open image brackets ![": lambda n: _repeat("![", n),
    "backtick runs": lambda n: "".join("`" * (i % 50 + 1) + "a" for i in range(n // 26)),
    "unclosed <b>": lambda n: _repeat("<b>x", n),
    "unclosed distinct <b title>": lambda n: "".join(f'<b title="{i}">x' for i in range(n // 16)),
    "unclosed <b> reopened per paragraph": lambda n: (
        "<div>\n<p>"
        + "".join(f'<b title="{i}">' for i in range(90))
        + _repeat("<p>y</p>", n - 2000)
    ),
    "nested <blockquote>": lambda n: _repeat("<blockquote>", n),
    "text misplaced in a <table>": lambda n: _repeat("<b>x</b>", n, head="<table>"),
    "a tag with many attributes": lambda n: (
        "<div>\n<b " + " ".join(f"a{i}" for i in range(n // 7)) + ">x</b>"
    ),
    'quotes "': lambda n: _repeat('"', n),
    "ampersands &": lambda n: _repeat("&", n),
    "less-than signs <": lambda n: _repeat("<", n),
    "noncharacters U+FDD0": lambda n: _repeat("\ufdd0", n),
    "headings": lambda n: _repeat("# h\n", n),
    "code fences": lambda n: _repeat("```\n", n),
    "autolinks": lambda n: _repeat("<https://example.org/> ", n),
    "reference links": lambda n: (
        "".join(f"[r{i}]: /u{i}\n" for i in range(n // 24))
        + "".join(f"[r{i}] " for i in range(n // 48))
    ),
}


def measure(text: str) -> tuple[float, str]:
    """Seconds render_markdown took, and '' or the reason it refused the text."""
    started = time.perf_counter()
    try:
        render_markdown(text)
        outcome = ""
    except TooComplex as exc:
        outcome = str(exc)
    return time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--only", default="", help="comma-separated case names")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    wanted = [c for c in args.only.split(",") if c] or list(CASES)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench", "DEMO_CONTENT": False})
        with app.app_context():
            db.connect(reuse_if_open=True)
            header = " | ".join(f"{s:,} chars" for s in sizes)
            print(f"| case | {header} | ratio |")
            print("|---" * (len(sizes) + 2) + "|")
            target, slow = 1.5 * sizes[-1] / sizes[0], []
            for name in wanted:
                cells, times = [], []
                for size in sizes:
                    seconds, refused = measure(CASES[name](size)[:size])
                    times.append(seconds)
                    cells.append(f"{seconds:.3f} s" + (" refused" if refused else ""))
                ratio = times[-1] / times[0] if times[0] > 0.001 else float("nan")
                verdict = ""
                if ratio > target and not refused:
                    verdict = " (above the target)"
                    slow.append(name)
                print(f"| {name} | {' | '.join(cells)} | {ratio:.1f}{verdict} |", flush=True)
            db.close()
    print(f"\ntarget: ratio <= {target:.1f}; above it: {', '.join(slow) or 'none'}")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
