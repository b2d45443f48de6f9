"""A policy's versions as readers and clients rely on them: each effective date's text as it
stood when that version ended, and the corrections made to it while it was in force.

A version is a run of published texts with the same effective date; saving the policy with
the same date again corrects that version (and is listed publicly as a correction), a new
date starts a new version and ends the one before. An ended version is never rewritten:
a text saved later with an old date starts a run of its own, and the earlier version's
page keeps showing what was in force then.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from ..core import clock
from .models import Page
from .records import Revision

NEW_VERSION, CORRECTION = "new", "correction"
ASK = "This policy is public: say whether this change is a new version or a correction."
NEW_NEEDS_DATE = "A new version needs its own effective date, later than {current}."
CORRECTION_KEEPS_DATE = (
    "A correction keeps the effective date {current}. For a new date, choose “a new version”."
)


@dataclass
class PolicyVersion:
    effective_date: date
    revision: Revision  # its text when it ended (the newest text, for the current version)
    corrections: list[datetime] = field(default_factory=list)  # when it was corrected


def policy_timeline(page: Page) -> list[PolicyVersion]:
    """Every public version of a policy, oldest first (the last one is the current text)."""
    if not page.is_policy:
        return []
    rows = (
        Revision.select()
        .where(
            (Revision.kind == "page")
            & (Revision.object_id == page.id)
            & (Revision.status == "published")
            & ~Revision.autosave
            & Revision.effective_date.is_null(False)
            & (Revision.published_at <= clock.utcnow())
        )
        .order_by(Revision.created_at, Revision.id)
    )
    versions: list[PolicyVersion] = []
    for revision in rows:
        current = versions[-1] if versions else None
        if current is None or revision.effective_date != current.effective_date:
            versions.append(PolicyVersion(revision.effective_date, revision))
            continue
        if (revision.body, revision.title) != (current.revision.body, current.revision.title):
            current.corrections.append(revision.created_at)
        current.revision = revision
    return versions


def earlier_policy_versions(page: Page) -> list[PolicyVersion]:
    """The versions that have ended, newest first, one per effective date (the first)."""
    ended = policy_timeline(page)[:-1] if page.effective_date else policy_timeline(page)
    by_day: dict[date, PolicyVersion] = {}
    for version in ended:  # a date used again later keeps its first, ended, version here
        by_day.setdefault(version.effective_date, version)
    return sorted(by_day.values(), key=lambda v: v.effective_date, reverse=True)


def current_corrections(page: Page) -> list[datetime]:
    """When the policy's current version was corrected since it took effect."""
    timeline = policy_timeline(page)
    if timeline and timeline[-1].effective_date == page.effective_date:
        return timeline[-1].corrections
    return []


def policy_change_errors(page: Page | None, data: dict, choice: str | None) -> dict:
    """What the editor must answer before a public policy's text changes: a new version
    (with a later effective date) or a correction (with the same date)."""
    public = page is not None and page.is_policy and page.is_visible and page.effective_date
    if not public or not data.get("is_policy", True):
        return {}

    def text(value) -> str:
        return (value or "").replace("\r\n", "\n").strip()

    changed = (text(data.get("body")), text(data.get("title"))) != (
        text(page.body),
        text(page.title),
    )
    new_date = data.get("effective_date")
    if not changed and new_date in (None, page.effective_date):
        return {}
    current = page.effective_date.strftime("%-d %B %Y")
    if choice == NEW_VERSION:
        if new_date is None or new_date <= page.effective_date:
            return {"effective_date": NEW_NEEDS_DATE.format(current=current)}
        return {}
    if choice == CORRECTION:
        if new_date not in (None, page.effective_date):
            return {"effective_date": CORRECTION_KEEPS_DATE.format(current=current)}
        return {}
    return {"policy_change": ASK}
