"""Notices: their text, link and time window, the on/off switches with availability, and
the defaults a new site starts with.

Editors change the text and link of notices; the switches, availability, the time window
and the crisis notice are the administrator's, at every door.
"""

from datetime import datetime

from ..accounts.actors import NotAllowed, actor_role, require_admin
from ..audit import record, writes
from ..content.links import is_safe_link, url_scheme
from ..content.models import Page
from ..content.sanitize import TooComplex
from ..core import clock
from ..core.db import db
from ..core.validation import (
    MAX_URL,
    StaleError,
    TimeProblem,
    ValidationError,
    check_version,
    multi_line,
    parse_datetime,
    single_line,
    version_token,
)
from .models import AVAILABILITY_STATES, Notice, save_settings
from .notice_html import render_notice
from .settings import BOTH_CHANGED, stored_settings

MAX_NOTICE = 2000
MAX_LINK_LABEL = 80
ALWAYS_SHOWN = "The crisis notice is always shown, so it has no time window; leave this empty."
NOTICE_VERSIONED = ("body", "link_label", "link_url", "link_page_id", "starts_at", "ends_at",
                    "updated_at")  # fmt: skip
# What save_notice writes: never the switch, which save_switches owns.
NOTICE_WRITES = (Notice.body, Notice.body_html, Notice.link_label, Notice.link_url,
                 Notice.link_page, Notice.starts_at, Notice.ends_at, Notice.updated_at)  # fmt: skip


def notice_version(notice: Notice, switch: bool = False) -> str:
    """The version of a notice's text, link and time window; with switch=True also of its
    on/off switch (the Admin API's ETag). The edit form leaves the switch alone."""
    state = [notice.id, *(getattr(notice, name) for name in NOTICE_VERSIONED)]
    return version_token(*state, notice.enabled) if switch else version_token(*state)


def switch_state() -> dict:
    """Availability, where its notice shows, and every notice's switch as stored now:
    what the switches screen shows."""
    enabled = {str(n.id): n.enabled for n in Notice.select(Notice.id, Notice.enabled)}
    stored = stored_settings()
    return {
        "availability": stored["availability"],
        "everywhere": stored["availability_everywhere"],
        "enabled": enabled,
    }


def check_notice_access(notice: Notice, actor) -> None:
    """Raise NotAllowed unless the actor may edit this notice (the crisis notice: admins)."""
    if notice.always_shown:
        require_admin(actor, "change the crisis notice")
    elif actor_role(actor) is None:
        raise NotAllowed("Only a signed-in account can change a notice.")


def _same_minute(value, stored):
    """A time given to the minute (as the form shows it) that matches the stored one keeps it."""
    whole = isinstance(value, datetime) and value.second == value.microsecond == 0
    if whole and isinstance(stored, datetime) and value == stored.replace(second=0, microsecond=0):
        return stored
    return value


def _notice_text(data: dict, field: str, notice: Notice, errors: dict, **rule) -> str:
    """A notice's text field under the text rule (what is kept from before is cleaned)."""
    check = multi_line if field == "body" else single_line
    return check(
        data.get(field, getattr(notice, field)), field, errors, refuse=field in data, **rule
    )


def _notice_time(data: dict, field: str, stored, errors: dict):
    """A time of the notice's window, naive UTC; one given to the minute keeps the stored
    seconds when it is the same minute."""
    try:
        value = parse_datetime(data.get(field, stored))
    except TimeProblem as problem:
        errors[field] = str(problem)
        return stored
    return _same_minute(value, stored)


def describe_notice(notice: Notice) -> str:
    """'notice 4: Online therapy banner' for log targets."""
    return f"notice {notice.id}: {notice.label}"


@writes("notice.update", what="change notices")
def save_notice(
    notice: Notice, data: dict, *, actor, keep_past: bool = False, expected_version=None,
    updated_at: datetime | None = None,
) -> Notice:  # fmt: skip
    """Change a notice's text, link and time window (times are naive UTC).

    Editors change the text and link; the time window decides whether a notice shows, so
    like the switches it is the administrator's. keep_past (imports) accepts an end that
    has already passed, and updated_at (imports) is kept as the time of the change.
    expected_version (a notice_version) refuses the change with StaleError if the notice
    was saved since.
    """
    with db.atomic():
        notice = _save_notice(notice, data, actor, keep_past, expected_version, updated_at)
        record("notice.update", describe_notice(notice), actor)
    return notice


def _save_notice(notice, data: dict, actor, keep_past: bool, expected_version, updated_at=None):
    check_notice_access(notice, actor)
    errors = {}
    body = _notice_text(
        data, "body", notice, errors, limit=MAX_NOTICE, required="A notice needs some text."
    )
    link_label = _notice_text(data, "link_label", notice, errors, limit=MAX_LINK_LABEL)
    link_url = _notice_text(data, "link_url", notice, errors, limit=MAX_URL)
    page_id = data.get("link_page", notice.link_page_id) or None
    unsafe = link_url and (not is_safe_link(link_url) or url_scheme(link_url) == "network-path")
    if unsafe and "link_url" not in errors:
        errors["link_url"] = "Use a web address (https://…), a path such as /contact, or mailto:."
    if page_id is not None and (
        type(page_id) is not int or not Page.select().where(Page.id == page_id).exists()
    ):
        errors["link_page"] = "No such page."
    # The crisis notice keeps no time window (one stored by an older version is dropped).
    stored = (None, None) if notice.always_shown else (notice.starts_at, notice.ends_at)
    starts = _notice_time(data, "starts_at", stored[0], errors)
    ends = _notice_time(data, "ends_at", stored[1], errors)
    if (starts, ends) != stored and actor_role(actor) != "admin":
        raise NotAllowed("Only an administrator can change when a notice shows.")
    for key, value in (("starts_at", starts), ("ends_at", ends)):
        if value is not None and notice.always_shown:
            errors[key] = ALWAYS_SHOWN
    if isinstance(ends, datetime) and "ends_at" not in errors:
        if isinstance(starts, datetime) and ends <= starts:
            errors["ends_at"] = "The end must come after the start."
        elif ends <= clock.utcnow() and ends != notice.ends_at and not keep_past:
            errors["ends_at"] = "This time has already passed."
    if errors:
        raise ValidationError(errors)
    try:
        body_html = render_notice(body)
    except TooComplex as exc:
        raise ValidationError({"body": str(exc)}) from None
    with db.atomic():
        current = Notice.get_by_id(notice.id)
        check_version(expected_version, notice_version(current), current)
        if notice_version(current) != notice_version(notice):  # saved meanwhile, unchecked:
            return _save_notice(current, data, actor, keep_past, None, updated_at)  # apply to it
        notice.body, notice.body_html, notice.link_label = body, body_html, link_label
        notice.link_url, notice.link_page = link_url, page_id
        notice.starts_at, notice.ends_at = starts, ends
        notice.updated_at = updated_at or clock.utcnow()
        notice.save(only=NOTICE_WRITES)
    return notice


@writes("notices.switch", admin=True, what="switch notices and availability")
def save_switches(
    state: str, shown_ids, *, actor, loaded: dict | None = None, everywhere: bool | None = None
) -> None:
    """Set the availability state, which notices are switched on and, unless everywhere is
    None, whether the availability notice shows on every public page or only on the home
    and contact pages (administrators only).

    Any availability notice among `shown_ids` switches them all on (they take turns by
    state); the crisis notice stays on whatever is asked. With loaded (the switch_state a
    screen started from) only what differs from it is switched, and StaleError names the
    switches someone else changed meanwhile.
    """
    with db.atomic():
        _save_switches(state, shown_ids, loaded, everywhere)
        where = {None: "", True: ", on every page", False: ", on home and contact"}
        record("notices.switch", AVAILABILITY_STATES[state] + where[everywhere], actor)


def _save_switches(state: str, shown_ids, loaded: dict | None, everywhere=None) -> None:
    if not isinstance(state, str) or state not in AVAILABILITY_STATES:
        raise ValidationError({"availability": "Choose one of the availability states."})
    if everywhere not in (None, True, False):
        raise ValidationError({"everywhere": "This must be true or false."})
    shown = {int(i) for i in shown_ids or [] if str(i).isdigit()}
    with db.atomic():
        notices = list(Notice.select())
        availability_shown = any(n.id in shown for n in notices if n.availability_state)
        wanted = {
            str(n.id): n.always_shown
            or (availability_shown if n.availability_state else n.id in shown)
            for n in notices
        }
        if loaded is None:
            wanted_state = state
        else:
            wanted_state, wanted = _own_switches(state, wanted, switch_state(), loaded)
        if wanted_state is not None:
            save_settings({"availability": wanted_state})
        if everywhere is not None and _own_scope(everywhere, loaded):
            save_settings({"availability_everywhere": everywhere})
        for notice in notices:
            enabled = wanted.get(str(notice.id), notice.enabled)
            if notice.enabled != enabled:
                notice.enabled = enabled
                notice.save(only=[Notice.enabled])


def _own_switches(state: str, wanted: dict, current: dict, loaded: dict):
    """(state or None, {notice: on}) of what a screen changed from what it loaded (notices
    it did not show are left alone); StaleError if someone else changed the same switch
    meanwhile, to something else."""
    was = loaded.get("enabled") if isinstance(loaded.get("enabled"), dict) else {}
    mine = {key: on for key, on in wanted.items() if key in was and on != was[key]}
    both = {
        f"notice-{key}": BOTH_CHANGED
        for key, on in mine.items()
        if current["enabled"].get(key) not in (was.get(key), on)
    }
    own_state = state if state != loaded.get("availability") else None
    if own_state and current["availability"] not in (loaded.get("availability"), own_state):
        both["availability"] = BOTH_CHANGED
    if both:
        raise StaleError(current, version_token(current), both)
    return own_state, mine


def _own_scope(everywhere: bool, loaded: dict | None) -> bool:
    """Whether a screen changed where the availability notice shows: what it loaded, or
    without that what is stored, differs (one yes/no: two changes cannot cross)."""
    was = (loaded or {}).get("everywhere", stored_settings()["availability_everywhere"])
    return everywhere != was


@writes("notice.update", "notices.switch", what="change notices")
def update_notice(notice: Notice, data: dict, *, actor, expected_version=None) -> Notice:
    """Change a notice and switch it on or off ("enabled"), all or nothing.

    expected_version (a notice_version with switch=True) refuses the change with
    StaleError if the notice changed since.
    """
    data = dict(data)
    enabled = data.pop("enabled", None)
    if enabled is not None:
        require_admin(actor, "switch notices on and off")
        if notice.availability_state:
            raise ValidationError(
                {"enabled": "Availability notices follow the availability setting; change that."}
            )
    with db.atomic():
        current = Notice.get_by_id(notice.id)
        check_version(expected_version, notice_version(current, switch=True), current)
        if data:
            notice = _save_notice(notice, data, actor, False, None)
        if enabled is not None:
            state = switch_state()  # the other switches as they are now, left as they are
            others = [int(key) for key, on in state["enabled"].items() if on]
            shown = [i for i in others if i != notice.id] + ([notice.id] if enabled else [])
            _save_switches(state["availability"], shown, state)
        action = "notice.update" if data else "notices.switch"
        switched = "" if enabled is None else f" (switched {'on' if enabled else 'off'})"
        record(action, describe_notice(notice) + switched, actor)
    return notice
