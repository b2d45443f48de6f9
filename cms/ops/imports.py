"""What imports created (so a second run adds nothing twice) and their summary."""

from collections import Counter
from dataclasses import dataclass, field

from peewee import CharField, DateTimeField, IntegerField

from ..core import clock
from ..core.db import BaseModel


class ImportedItem(BaseModel):
    """Something an import created, keyed by where it came from."""

    source = CharField()
    source_id = CharField()
    kind = CharField()
    object_id = IntegerField()
    created_at = DateTimeField(default=clock.utcnow)

    class Meta:
        indexes = ((("source", "source_id"), True),)


@dataclass
class Summary:
    """What an import did: counts, what was skipped and why, and what was changed."""

    imported: Counter = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # imported, but not public
    redirects: list[tuple[str, str]] = field(default_factory=list)  # old -> new address
    menu: list[str] = field(default_factory=list)  # what became of the header menu
    dry_run: bool = False

    def lines(self) -> list[str]:
        """Human-readable report."""
        counts = self.imported + Counter(redirects=len(self.redirects))
        done = ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "nothing"
        out = ["Dry run: nothing was changed. An import would do this."] if self.dry_run else []
        out.append(f"{'Would import' if self.dry_run else 'Imported'}: {done}.")
        if self.held:
            out.append(f"Not public ({len(self.held)}), check each before publishing:")
            out += [f"  - {what}: {reason}" for what, reason in self.held]
        reasons = Counter(reason for _, reason in self.skipped)
        out += [f"Skipped {n}: {reason}" for reason, n in reasons.most_common()]
        out += [f"  - {what}: {reason}" for what, reason in self.skipped]
        out += self.menu
        out += [f"Note: {note}" for note in self.notes]
        out += [f"Redirect: {old} -> {new}" for old, new in self.redirects]
        return out


def record(source: str, source_id: str, kind: str, object_id: int) -> None:
    """Remember that source_id from source became this object."""
    ImportedItem.replace(
        source=source, source_id=source_id, kind=kind, object_id=object_id
    ).execute()


def recorded(source: str, source_id: str, model):
    """The object an earlier import made from source_id, if it still exists."""
    row = ImportedItem.get_or_none(
        (ImportedItem.source == source) & (ImportedItem.source_id == source_id)
    )
    return model.get_or_none(model.id == row.object_id) if row else None
