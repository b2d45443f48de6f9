"""The list of what a refused form needs fixed, for the summary at the top of every form
(templates/admin/_form_macros.html): each field's label, its id to link to, the message."""

from dataclasses import dataclass

from .blueprint import bp

NOT_LINKED = ("CSRFTokenField", "HiddenField")


@dataclass(frozen=True)
class FieldError:
    label: str
    target: str  # the id of the field (or group) the summary links to; "" for none
    message: str


def _label(field) -> str:
    """The field's label as the form shows it ("Social links", not WTForms' "Social Links")."""
    text = field.label.text if field.label is not None else field.name
    return text.capitalize() if field.type == "FieldList" else text


def _inner(entries, prefix: str, numbered: bool) -> list[FieldError]:
    """Errors of the fields inside a list of rows (FieldList) or one sub-form (FormField)."""
    found = []
    for index, entry in enumerate(entries):
        where = f"{prefix}, row {index + 1}" if numbered else prefix
        for sub in entry.form if entry.type == "FormField" else [entry]:
            messages = sub.errors if isinstance(sub.errors, list) else []
            found += [
                FieldError(f"{where}: {_label(sub)}", sub.id, m)
                for m in messages
                if isinstance(m, str)
            ]
    return found


@bp.app_template_global()
def form_errors(form) -> list[FieldError]:
    """Every error of a form, in the order of its fields, then the form's own."""
    found = []
    for field in form:
        label = _label(field)
        target = "" if field.type in NOT_LINKED else field.id
        if field.type == "FieldList":
            found += [FieldError(label, field.id, m) for m in field.errors if isinstance(m, str)]
            found += _inner(field.entries, label, numbered=True)
        elif field.type == "FormField":
            found += _inner([field], label, numbered=False)
        else:
            found += [FieldError(label, target, m) for m in field.errors if isinstance(m, str)]
    found += [FieldError("", "", m) for m in getattr(form, "form_errors", [])]
    return found
