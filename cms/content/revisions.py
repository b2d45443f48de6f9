"""Readable differences between revisions, the public version history of policies, and how
long revisions are kept."""

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from peewee import fn

from ..core import clock
from ..core.templating import local_time
from .models import Category, Page, Post
from .policies import earlier_policy_versions
from .records import Revision
from .revision_terms import term_changes

FIELDS = (
    ("title", "Title"),
    ("slug", "Address (slug)"),
    ("status", "Status"),
    ("published_at", "Publish time"),
    ("effective_date", "Effective date"),
    ("excerpt", "Excerpt"),
    ("meta_description", "Meta description"),
)
CONTEXT = 2


@dataclass
class Line:
    """One line of a diff: op is ' ', '-' or '+'; parts are (text, changed) pairs."""

    op: str
    parts: list = field(default_factory=list)


def _words(text: str) -> list[str]:
    return re.findall(r"\s+|\w+|[^\w\s]", text)


def _pair(old: str, new: str) -> tuple[Line, Line]:
    """Two versions of one line, with the changed words marked."""
    a, b = _words(old), _words(new)
    minus, plus = Line("-"), Line("+")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            minus.parts.append(("".join(a[i1:i2]), op != "equal"))
        if j2 > j1:
            plus.parts.append(("".join(b[j1:j2]), op != "equal"))
    return minus, plus


def text_diff(old: str, new: str) -> list[Line | None]:
    """Line diff with changed words marked; None stands for skipped unchanged lines."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    out: list[Line | None] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT):
        if out:
            out.append(None)
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                out.extend(Line(" ", [(line, False)]) for line in a[i1:i2])
                continue
            pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
            removed, added = [], []
            for k in range(pairs):
                minus, plus = _pair(a[i1 + k], b[j1 + k])
                removed.append(minus)
                added.append(plus)
            removed += [Line("-", [(line, True)]) for line in a[i1 + pairs : i2]]
            added += [Line("+", [(line, True)]) for line in b[j1 + pairs : j2]]
            out.extend(removed + added)
    return out


def _field(thing, name: str):
    return thing.get(name) if isinstance(thing, dict) else getattr(thing, name, None)


def field_changes(old, new, fields=FIELDS) -> list[tuple[str, str, str]]:
    """(label, old value, new value) for each short field that differs (revisions or dicts)."""
    changes = []
    for name, label in fields:
        before, after = _field(old, name), _field(new, name)
        if before != after:
            changes.append((label, "" if before is None else str(before), str(after or "")))
    return changes


def revision_changes(old: Revision, new: Revision) -> list[tuple[str, str, str]]:
    """The short fields two revisions differ in, their tags, categories and SEO fields too."""
    return field_changes(old, new) + term_changes(old, new)


def compare(theirs: dict, yours: dict, fields, text: str = "body") -> dict:
    """What a refused save (yours) differs in from what is stored now (theirs): the short
    fields, a line diff of the text, and both texts."""
    return {
        "fields": field_changes(theirs, yours, fields),
        "lines": text_diff(theirs.get(text) or "", yours.get(text) or ""),
        "theirs": theirs.get(text) or "",
        "yours": yours.get(text) or "",
    }


def readable(value) -> str:
    """A stored value as a person reads it (times in the practice's time zone)."""
    if isinstance(value, datetime):
        local = local_time(value)
        return f"{local.day} {local:%B %Y, %H:%M}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


ENTRY_FIELDS = (*FIELDS, ("categories", "Categories"), ("is_policy", "Policy page"))


def entry_sides(current, data: dict) -> tuple[dict, dict]:
    """A stored post or page and a refused save of it, as readable values to compare."""
    names = [name for name, _ in ENTRY_FIELDS if name not in ("categories", "is_policy")]
    theirs = {name: readable(getattr(current, name, None)) for name in names}
    yours = {name: readable(data.get(name)) for name in names}
    theirs["body"], yours["body"] = current.body, data.get("body") or ""
    if not current.excerpt_typed:  # made from the text: the form shows it empty, so here too
        theirs["excerpt"] = readable("")
    if isinstance(current, Post):
        ids = [int(c) for c in data.get("categories") or [] if str(c).isdigit()]
        chosen = Category.select().where(Category.id.in_(ids)).order_by(Category.name)
        theirs["categories"] = ", ".join(c.name for c in current.category_list)
        yours["categories"] = ", ".join(c.name for c in chosen)
    else:
        theirs["is_policy"] = readable(current.is_policy)
        yours["is_policy"] = readable(bool(data.get("is_policy")))
    return theirs, yours


def policy_versions(page: Page) -> list[Revision]:
    """Earlier published versions of a policy, one per effective date, newest first: each
    as it stood when it ended (cms.content.policies)."""
    return [version.revision for version in earlier_policy_versions(page)]


def policy_version(page: Page, effective: date) -> Revision | None:
    """The last published text of a policy that had this effective date."""
    return next((r for r in policy_versions(page) if r.effective_date == effective), None)


PRUNE_BATCH = 500  # ids per DELETE (well under SQLite's limit on bound values)


def _kept(rows: list, cutoff: datetime, now: datetime) -> set[int]:
    """The revisions of one post or page to keep, from its rows newest first."""
    keep, weeks, newest, shown = {rows[0][0]}, set(), set(), set()  # first: the current state
    newer_effective = object()
    for row_id, created_at, status, effective, published_at in rows:
        if status == "published" and effective is not None and effective != newer_effective:
            keep.add(row_id)  # the text a policy version had when it ended (its public page)
        newer_effective = effective if status == "published" else newer_effective
        week = created_at.isocalendar()[:2]
        if created_at >= cutoff or week not in weeks:
            keep.add(row_id)  # recent, or the newest of its week
        weeks.add(week)
        if status != "published" or effective is None:
            continue
        # A policy's public history (policy_versions) shows the newest published text of
        # each effective date that is already public; keep it, and a newer scheduled one.
        if effective not in newest:
            newest.add(effective)
            keep.add(row_id)
        if effective not in shown and published_at is not None and published_at <= now:
            shown.add(effective)
            keep.add(row_id)
    return keep


def prune_revisions(now: datetime | None = None) -> int:
    """Delete old revisions (config REVISION_KEEP_DAYS); return how many were deleted.

    Every revision of the last N days stays; before that, the newest of each week. The
    current state of each post and page and the earlier versions a policy page shows
    publicly always stay. Runs with the retention purge (cms.messages.service).
    """
    now = now or clock.utcnow()
    cutoff = now - timedelta(days=max(1, int(current_app.config["REVISION_KEEP_DAYS"])))
    # Only posts and pages with two revisions in one week, one of them past the cutoff, can
    # lose any (the Monday of a revision's ISO week names the week): one grouped scan, so an
    # hourly run with nothing due stays cheap however long the history.
    week = fn.date(Revision.created_at, "weekday 0", "-6 days")
    due = (
        Revision.select(Revision.kind, Revision.object_id)
        .group_by(Revision.kind, Revision.object_id, week)
        .having((fn.COUNT(Revision.id) > 1) & (fn.MIN(Revision.created_at) < cutoff))
    )
    doomed: list[int] = []
    for kind, object_id in set(due.tuples()):
        rows = list(
            Revision.history(kind, object_id)
            .select(
                Revision.id, Revision.created_at, Revision.status, Revision.effective_date,
                Revision.published_at,
            )
            .tuples()
        )  # fmt: skip
        keep = _kept(rows, cutoff, now)
        doomed += [row[0] for row in rows if row[0] not in keep]
    for start in range(0, len(doomed), PRUNE_BATCH):
        batch = doomed[start : start + PRUNE_BATCH]
        Revision.delete().where(Revision.id.in_(batch)).execute()
    return len(doomed)
