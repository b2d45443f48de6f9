"""Date and time fields of the editor's forms: times typed in the practice's time zone, stored
as naive UTC, with the clocks' changes made explicit (a skipped time refused, a doubled one
chosen from its two readings)."""

from datetime import datetime

from markupsafe import Markup
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.widgets import TextInput

from ..core.templating import local_time, site_zone
from ..core.validation import AmbiguousTime, TimeProblem, parse_date, parse_datetime


class DateTimeLocalInput(TextInput):
    """A datetime-local input; when the time typed happens twice (the clocks go back), the
    two readings follow it as radio buttons to choose from."""

    input_type = "datetime-local"

    def __call__(self, field, **kwargs):
        html = super().__call__(field, **kwargs)
        if not field.fold_choices:
            return html
        option = Markup(
            '<label><input type="radio" name="{}-fold" value="{}" id="{}-fold-{}"{}> {}</label>'
        )
        options = Markup("").join(
            option.format(
                field.name, n, field.id, n, Markup(" checked") if n == field.fold else "", label
            )
            for n, label in field.fold_choices
        )
        return Markup(
            '{}<fieldset class="choices" id="{}-fold"><legend>Which one?</legend>{}</fieldset>'
        ).format(html, field.id, options)


class DateInput(TextInput):
    input_type = "date"


class LocalDateTimeField(Field):
    """A time typed in the practice's time zone; `data` is naive UTC (as stored).

    A time the clocks skip is refused; one they show twice is refused until one of the two
    readings is chosen (the `<name>-fold` radio buttons), unless it is the stored time.
    """

    widget = DateTimeLocalInput()
    fold_choices: list = []
    fold: int | None = None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return local_time(self.data).strftime("%Y-%m-%dT%H:%M") if self.data else ""

    def process(self, formdata, data=unset_value, extra_filters=None):
        # Two inputs: the time, and (when asked for) which of two equal times is meant.
        fold = formdata.get(f"{self.name}-fold") if formdata is not None else None
        self.fold = int(fold) if fold in ("0", "1") else None
        super().process(formdata, data, extra_filters)

    def _stored_fold(self, text: str) -> int | None:
        """The reading of the stored time, when the form sends it back unchanged."""
        stored = local_time(self.object_data) if isinstance(self.object_data, datetime) else None
        if stored is not None and stored.strftime("%Y-%m-%dT%H:%M") == text.replace(" ", "T"):
            return stored.fold
        return None

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        try:
            self.data = parse_datetime(text, zone=site_zone())
        except AmbiguousTime as problem:
            self.fold_choices = problem.choices  # shown with the form, the chosen one ticked
            self.fold = self.fold if self.fold is not None else self._stored_fold(text)
            if self.fold is None:
                raise ValueError(str(problem)) from None
            self.data = parse_datetime(text, zone=site_zone(), fold=self.fold)
        except TimeProblem as problem:
            raise ValueError(str(problem)) from None


class LocalDateField(Field):
    """A calendar date (YYYY-MM-DD)."""

    widget = DateInput()

    def _value(self):
        return self.raw_data[0] if self.raw_data else (self.data.isoformat() if self.data else "")

    def process_formdata(self, valuelist):
        self.data = None
        try:
            self.data = parse_date((valuelist[0] if valuelist else "").strip())
        except TimeProblem as problem:
            raise ValueError(str(problem)) from None
