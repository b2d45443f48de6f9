"""What the writing form's buttons do: one primary button whose label and effect follow the
publish time (publish now, schedule, update), "Save draft" or "Unpublish" beside it, and the
confirmation that names the time. The server decides from the submitted fields, so the form
does the same with or without JavaScript (static/js/editor.js only relabels the button)."""

from ..core import clock
from ..core.templating import local_time

PRIMARY = ("primary", "publish")  # "publish": the button's older name, same effect
SAVING_ACTIONS = (*PRIMARY, "draft", "save", "unpublish")


def short_time(value) -> str:
    """'Tue 2 Dec, 09:00' in the practice's time zone."""
    local = local_time(value)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}" if local else ""


def is_live(entry) -> bool:
    """Published and already public (not waiting for its time)."""
    return bool(entry and entry.status == "published" and not entry.is_scheduled)


def primary_label(entry, chosen) -> str:
    """The primary button's label for the time in the form (naive UTC, or None)."""
    if chosen is not None and chosen > clock.utcnow():
        return f"Schedule for {short_time(chosen)}"
    return "Update" if is_live(entry) else "Publish now"


def button_state(entry, chosen) -> dict:
    """What the form's buttons show, and what static/js/editor.js needs to relabel them."""
    now = local_time(clock.utcnow())
    return {
        "label": primary_label(entry, chosen),
        "live": is_live(entry),
        "now": now.strftime("%Y-%m-%dT%H:%M"),
    }


def apply_action(action: str, data: dict, entry) -> None:
    """Set status and time in the service data for the button pressed.

    A future time in the form is kept by every button: the primary button schedules for
    it, "Save draft" keeps it on the draft. "save" (no button of today's form) keeps the
    status field as sent, for scripts written against the older form.
    """
    chosen = data.get("published_at")
    future = chosen is not None and chosen > clock.utcnow()
    if action in PRIMARY:
        data["status"] = "published"
        if not future and not is_live(entry):
            data["published_at"] = clock.utcnow()  # publish now; a past draft time is stale
        elif not future and chosen is None:
            data["published_at"] = entry.published_at  # emptied on a live entry: keep its time
    elif action in ("draft", "unpublish"):
        data["status"] = "draft"


def saved_message(entry) -> str:
    """The confirmation after a save, naming the time."""
    if entry.status == "draft":
        if entry.published_at and entry.published_at > clock.utcnow():
            when = short_time(entry.published_at)
            return f"Saved as a draft (not public). The time {when} is kept for when you publish."
        return "Saved as a draft (not public)."
    if entry.is_scheduled:
        return f"Scheduled for {short_time(entry.published_at)}. It is not public until then."
    return f"Published on {short_time(entry.published_at)}."
