"""The rules every stored string and every date or time meets, whichever door it came by.

Text: Unicode in NFC; line and paragraph breaks normalised (a single-line field makes them
spaces, a multi-line one makes them "\\n"); any other control character, a byte-order mark
or a character XML cannot carry is refused with a message saying where it is; a required
text needs at least one visible character.

Times: one ISO 8601 parser and one year range for the editor, the Admin API and imports.
A time typed in the practice's time zone that the clocks skip is refused, naming the change;
one the clocks show twice is refused until the writer says which of the two is meant.
"""

import hashlib
import json
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, tzinfo

# Breaks a paste can carry (Word's line break is \v): spaces on one line, newlines on many.
_BREAKS = "\t\n\r\v\f\x85\u2028\u2029"
_LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
_SPACES = re.compile(f"[ {_BREAKS}]+")
# C0 and C1 controls (other than the breaks above), DEL, lone surrogates, the byte-order
# mark, and U+FFFE/U+FFFF, which XML 1.0 cannot carry.
_REFUSED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_REFUSED_MULTI = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
# Letters that show nothing: Hangul fillers and the blank Braille pattern (invisible names).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})

MIN_YEAR, MAX_YEAR = 1900, 9998  # 9998: a time in any zone still converts to UTC
OUT_OF_RANGE = f"That date is out of range: use a year from {MIN_YEAR} to {MAX_YEAR}."
BAD_TIME = "Use a date and time such as 2026-05-01T09:00."
BAD_MOMENT = "Use a date and time with its offset from UTC, such as 2026-05-01T09:00:00Z."
BAD_DATE = "Use a date such as 2026-05-01."
NO_OFFSET = (
    "Give the time with its offset from UTC, such as 2026-05-01T09:00:00Z or "
    "2026-05-01T09:00:00-04:00: a time without one could mean any time zone."
)


def has_visible(text: str) -> bool:
    """True if the text shows at least one character (not only spaces or invisible ones)."""
    return any(unicodedata.category(c) not in _INVISIBLE and c not in _BLANK_LETTERS for c in text)


def _control_message(text: str, match: re.Match) -> str:
    before = text[max(0, match.start() - 20) : match.start()].split("\n")[-1].strip()
    where = f"after “{before}”" if before else "at the start of a line"
    return (
        f"This text holds an invisible control character (U+{ord(match.group()):04X}) "
        f"{where}. Delete it (or type that part again) and save."
    )


def _clean(value, field, errors, *, multi, limit, required, refuse, strip) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, "This must be text.")
        return ""
    if multi:
        text, refused = _LINE_BREAKS.sub("\n", value), _REFUSED_MULTI
    else:
        text, refused = _SPACES.sub(" ", value), _REFUSED
    found = refused.search(text)
    if found and refuse:
        errors.setdefault(field, _control_message(text, found))
        return text
    text = unicodedata.normalize("NFC", refused.sub("", text))
    text = text.strip() if strip else text
    if not has_visible(text):
        if required and text:
            errors.setdefault(field, f"{required} (What was typed shows nothing on screen.)")
        elif required:
            errors.setdefault(field, required)
        text = "" if strip else text
    if limit is not None and len(text) > limit:
        errors.setdefault(
            field, f"This is too long: at most {limit:,} characters (it has {len(text):,})."
        )
    return text


def single_line(
    value, field: str, errors: dict, *, limit: int | None = None, required: str | None = None,
    refuse: bool = True,
) -> str:  # fmt: skip
    """A one-line text (a title, a name, a label, an address) under the text rule.

    Breaks and runs of spaces become one space; the ends are trimmed. A problem is put in
    errors[field] (the first one only); `required` is the message for an empty or invisible
    value. refuse=False removes control characters instead of refusing them (text a visitor
    cannot see, or a value kept from before this rule).
    """
    return _clean(
        value, field, errors, multi=False, limit=limit, required=required, refuse=refuse,
        strip=True,
    )  # fmt: skip


def multi_line(
    value, field: str, errors: dict, *, limit: int | None = None, required: str | None = None,
    refuse: bool = True, strip: bool = True,
) -> str:  # fmt: skip
    """A text of several lines (a post's body, an excerpt, a description) under the text rule.

    CRLF, CR and the other breaks become "\\n"; tabs stay. As single_line otherwise; strip=False
    keeps the whitespace at the ends (Markdown source).
    """
    return _clean(
        value, field, errors, multi=True, limit=limit, required=required, refuse=refuse,
        strip=strip,
    )  # fmt: skip


class TimeProblem(ValueError):
    """A date or time that cannot be stored; str() is the message for the writer."""


class NonexistentTime(TimeProblem):
    """A local time the clocks skip (the spring-forward hour)."""


class AmbiguousTime(TimeProblem):
    """A local time the clocks show twice; `choices` are (fold, label) for the two readings."""

    def __init__(self, message: str, choices: list[tuple[int, str]]):
        super().__init__(message)
        self.choices = choices


def _in_range(moment) -> None:
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise TimeProblem(OUT_OF_RANGE)


def parse_date(value) -> date | None:
    """A calendar date from a date or 'YYYY-MM-DD'; None for None or ''."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise TimeProblem(BAD_DATE) from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TimeProblem(BAD_DATE)
    _in_range(value)
    return value


def parse_datetime(
    value, *, zone: tzinfo | None = None, fold: int | None = None, offset_required: bool = False
) -> datetime | None:
    """A moment as naive UTC (as stored), from a datetime or an ISO 8601 string.

    A time with an offset is converted; one without is local to `zone` when given (the
    editor), refused when offset_required (the Admin API), else already UTC (the server's
    own doors: commands, imports). None or '' is None.
    """
    if value is None or value == "":
        return None
    bad = BAD_MOMENT if offset_required else BAD_TIME
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "Z" if text.endswith("z") else text)
        except ValueError:
            raise TimeProblem(bad) from None
    if not isinstance(value, datetime):
        raise TimeProblem(bad)
    _in_range(value)
    if value.tzinfo is None and offset_required:
        raise TimeProblem(NO_OFFSET)
    if value.tzinfo is None and zone is not None:
        return local_to_utc(value, zone, fold)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _offset_at(moment: datetime, zone: tzinfo) -> timedelta:
    return moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()


def _transition(local: datetime, zone: tzinfo) -> datetime:
    """The UTC minute the offset changes, near a local time the change skips or repeats."""
    after = local.replace(tzinfo=zone, fold=1).utcoffset()
    low, high = sorted((local - after, local - local.replace(tzinfo=zone, fold=0).utcoffset()))
    while high - low > timedelta(minutes=1):  # at most a few hours apart: a dozen steps
        middle = low + (high - low) / 2
        low, high = (low, middle) if _offset_at(middle, zone) == after else (middle, high)
    return high.replace(second=0, microsecond=0)


def _change(local: datetime, zone: tzinfo, verb: str) -> str:
    """'at 02:00 EST the clocks go forward to 03:00 EDT (daylight saving time begins)'."""
    moment = _transition(local, zone)
    before = (moment - timedelta(minutes=1)).replace(tzinfo=UTC).astimezone(zone)
    after = moment.replace(tzinfo=UTC).astimezone(zone)
    edge = before + timedelta(minutes=1)
    if after.dst() != before.dst():
        why = "daylight saving time " + ("begins" if after.dst() else "ends")
    else:
        why = "the time zone's offset changes"
    return f"at {edge:%H:%M} {before:%Z} the clocks go {verb} to {after:%H:%M %Z} ({why})"


def _offset(moment: datetime) -> str:
    """'−04:00' (a true minus sign), '+05:30'."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def local_to_utc(local: datetime, zone: tzinfo, fold: int | None = None) -> datetime:
    """A wall-clock time in `zone` as naive UTC; refuses skipped times and, unless `fold`
    (0: the first, 1: the second) says which, repeated ones."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        name = getattr(zone, "key", str(zone))
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != local.replace(fold=0):
            raise NonexistentTime(
                f"{local:%H:%M} does not exist on {_day(local)} in {name}: "
                f"{_change(local, zone, 'forward')}. Choose another time."
            )
        if fold not in (0, 1):
            choices = [
                (n, f"{local:%H:%M} {moment:%Z} (the {order}, UTC{_offset(moment)})")
                for n, moment, order in ((0, first, "first"), (1, second, "second"))
            ]
            raise AmbiguousTime(
                f"{local:%H:%M} happens twice on {_day(local)} in {name}: "
                f"{_change(local, zone, 'back')}. Choose which {local:%H:%M} you mean.",
                choices,
            )
        first = second if fold == 1 else first
    return first.astimezone(UTC).replace(tzinfo=None)


class ValidationError(ValueError):
    """Bad input; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ConflictError(ValidationError):
    """The slug (or another unique value) is already taken."""


class StaleError(ConflictError):
    """Someone else changed the thing since the version this change started from.

    `current` is the thing as stored now (read under the write lock) and `version` its
    version, so a door can show both sides or answer 412 with the current ETag; `errors`
    names the fields both sides changed where only changed fields are saved.
    """

    def __init__(self, current, version: str, errors: dict[str, str] | None = None):
        super().__init__(errors or {"version": STALE})
        self.current, self.version = current, version


MAX_URL = 500  # a link address anywhere: notices, the menu, social links
STALE = "Someone else saved a change since this was opened; nothing was saved."


def version_token(*state) -> str:
    """A short fingerprint of a state (an ETag, a form's loaded version): same state, same token."""
    raw = json.dumps(state, default=str, sort_keys=True)
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def check_version(expected, version: str, current) -> None:
    """Raise StaleError unless `version` is `expected` (or one of them); None checks nothing.

    Call it under the write lock (inside db.atomic()), with `version` read there, so of two
    saves from the same loaded version exactly one wins.
    """
    if expected is None:
        return
    if version not in ({expected} if isinstance(expected, str) else set(expected)):
        raise StaleError(current, version)
