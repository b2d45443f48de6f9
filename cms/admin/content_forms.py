"""Forms of the writing screens: posts and pages, notices, categories, media.

Fields check the shape of input (dates, numbers); the service functions check the
content, and their ValidationError messages are attached to the same fields.
"""

import json

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..content.fields import (
    MAX_BODY,
    MAX_CATEGORY_NAME,
    MAX_DESCRIPTION,
    MAX_EXCERPT,
    MAX_META,
    MAX_SLUG,
    MAX_TITLE,
)
from ..core import clock
from ..core.addresses import MAX_EMAIL
from ..core.validation import MAX_URL
from ..media.service import MAX_ALT
from ..site.menu import MAX_LABEL
from ..site.notices import MAX_LINK_LABEL
from ..site.settings import MAX_LINK_NAME, MAX_PER_PAGE, TEXT_LIMITS
from .seo_tags_fields import SeoTagsFields, media_choice
from .time_fields import LocalDateField, LocalDateTimeField


class Limit(Length):
    """At most `limit` characters, counted as the browser's maxlength (which this renders) and
    the stored text count them: a line break is one character, not the two a form sends."""

    def __init__(self, limit: int):
        super().__init__(max=limit)

    def __call__(self, form, field):
        length = len((field.data or "").replace("\r\n", "\n"))
        if length > self.max:
            raise ValidationError(
                f"This is too long: at most {self.max:,} characters (it has {length:,})."
            )


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable without a mouse or JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def not_in_the_past(form, field):
    """A newly entered time must be in the future (an unchanged one may stay)."""
    if field.data is None or field.data == getattr(form, "original_time", None):
        return
    if field.data <= clock.utcnow():
        raise ValidationError(
            "This time has already passed. Choose a future time, or leave it empty to publish now."
        )


def expected_version(form: FlaskForm) -> str | None:
    """The version a save starts from: the one the form was loaded with or, after "Keep
    mine" on a conflict screen, the one that screen showed. None (no version): no check."""
    if request.form.get("overwrite"):
        return request.form.get("theirs_version") or None
    return form.version.data or None


def chosen_action(default: str = "save") -> str:
    """The button pressed: "Keep mine" on a conflict screen repeats the refused action."""
    return request.form.get("overwrite") or request.form.get("action", default)


def loaded_state(form: FlaskForm) -> dict | None:
    """The state a form says it was loaded with (its `loaded` field), or None if unreadable."""
    try:
        loaded = json.loads(form.loaded.data or "")
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


class EntryForm(SeoTagsFields, FlaskForm):
    """One form to create and edit posts and pages."""

    version = HiddenField()  # cms.content.versions.entry_version of what the form was loaded with
    title = StringField("Title", validators=[Limit(MAX_TITLE)])
    slug = StringField(
        "Address (slug)",
        validators=[Limit(MAX_SLUG)],
        description="Lower-case letters, digits and hyphens; empty: from title.",
    )
    categories = CheckboxListField("Categories", coerce=str, validate_choice=False)
    excerpt = TextAreaField(
        "Excerpt",
        validators=[Limit(MAX_EXCERPT)],
        description="Shown in lists and feeds. Leave empty to use the start of the text.",
    )
    meta_description = TextAreaField(
        "Meta description", validators=[Limit(MAX_META)], description="For search engines."
    )
    status = SelectField(
        "Status",
        choices={"draft": "Draft (not public)", "published": "Published"},
        validate_choice=False,
    )
    published_at = LocalDateTimeField(
        "Publish time",
        validators=[not_in_the_past],
        description="In the practice's time zone. A future time schedules it; empty: now.",
    )
    featured_image = SelectField("Featured image", coerce=str, validate_choice=False)
    is_policy = BooleanField("This page is a policy (shows its effective date and history)")
    effective_date = LocalDateField("Effective date")
    body = TextAreaField("Text (Markdown)", validators=[Limit(MAX_BODY)])

    def service_data(self) -> dict:
        """The fields as the service functions expect them."""
        skip = {"csrf_token", "version"}
        data = {name: f.data for name, f in self._fields.items() if name not in skip}
        if "categories" in data:
            data["categories"] = [c for c in data["categories"] or [] if c]
        if "featured_image" in data:
            data["featured_image"] = media_choice(data["featured_image"])
        return self.seo_tags_data(data)


class NoticeForm(FlaskForm):
    version = HiddenField()  # cms.site.notices.notice_version
    body = TextAreaField("Text (Markdown)")
    link_label = StringField("Link text", validators=[Length(max=MAX_LINK_LABEL)])
    link_url = StringField(
        "Link address",
        description="https://…, /a-page or mailto:…",
        validators=[Length(max=MAX_URL)],
    )
    link_page = SelectField("Or link to a page", coerce=int, validate_choice=False)
    starts_at = LocalDateTimeField("Show from", description="Empty: straight away.")
    ends_at = LocalDateTimeField("Show until", description="Empty: until switched off.")


class SwitchesForm(FlaskForm):
    loaded = HiddenField()  # JSON of cms.site.notices.switch_state: only changed switches are saved
    availability = RadioField("Availability for new clients", validate_choice=False)
    shown = CheckboxListField("Notices switched on", coerce=int, validate_choice=False)


class CategoryForm(FlaskForm):
    version = HiddenField()  # cms.content.versions.category_version
    name = StringField("Name", validators=[Limit(MAX_CATEGORY_NAME)])
    slug = StringField(
        "Address (slug)", validators=[Limit(MAX_SLUG)], description="Empty: made from the name."
    )
    description = TextAreaField("Description", validators=[Limit(MAX_DESCRIPTION)])


class MergeForm(FlaskForm):
    target = SelectField("Merge into", coerce=int, validate_choice=False)


class ConfirmForm(FlaskForm):
    """A bare form: the CSRF token behind a confirmation button."""


class UploadForm(FlaskForm):
    file = FileField("Image (JPEG, PNG or WebP)")
    alt = TextAreaField(
        "Description (alt text)",
        description="What the image shows, for people who use a screen reader.",
        validators=[Length(max=MAX_ALT)],
    )


class AltForm(FlaskForm):
    alt = TextAreaField("Description (alt text)", validators=[Length(max=MAX_ALT)])


def show_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Attach a service's ValidationError messages to the matching fields of a form."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


class SocialLinkForm(Form):
    label = StringField(
        "Name", validators=[Length(max=MAX_LINK_NAME)], render_kw={"autocomplete": "off"}
    )
    url = StringField("Address (https://…)", validators=[Length(max=MAX_URL)])


class SettingsForm(FlaskForm):
    """Site and practitioner details; the keys are those of cms.site.models.DEFAULT_SETTINGS."""

    loaded = HiddenField()  # JSON of cms.site.settings.setting_tokens: only changes are saved
    site_title = StringField("Site title", validators=[Length(max=TEXT_LIMITS["site_title"])])
    tagline = StringField("Tagline", validators=[Length(max=TEXT_LIMITS["tagline"])])
    practitioner_name = StringField(
        "Practitioner's name", validators=[Length(max=TEXT_LIMITS["practitioner_name"])]
    )
    credentials = StringField(
        "Credentials",
        description="For example: MA, RP",
        validators=[Length(max=TEXT_LIMITS["credentials"])],
    )
    registration_college = StringField(
        "Regulatory college", validators=[Length(max=TEXT_LIMITS["registration_college"])]
    )
    registration_number = StringField(
        "Registration number", validators=[Length(max=TEXT_LIMITS["registration_number"])]
    )
    contact_email = StringField("Contact e-mail", validators=[Length(max=MAX_EMAIL)])
    phone = StringField("Phone", validators=[Length(max=TEXT_LIMITS["phone"])])
    city = StringField("City", validators=[Length(max=TEXT_LIMITS["city"])])
    office_address = TextAreaField("Office address")
    show_office_address = BooleanField("Show the office address on the site")
    office_hours = StringField("Office hours", validators=[Length(max=TEXT_LIMITS["office_hours"])])
    show_office_hours = BooleanField("Show the office hours on the site")
    social_links = FieldList(FormField(SocialLinkForm), min_entries=4, max_entries=8)
    accent_color = StringField("Accent colour", description="A dark colour, such as #2f5d62.")
    logo_media_id = SelectField("Logo", coerce=str, validate_choice=False)
    favicon_media_id = SelectField("Favicon", coerce=str, validate_choice=False)
    timezone = SelectField("Time zone", validate_choice=False)
    posts_per_page = StringField(
        "Posts per page",
        render_kw={"maxlength": len(str(MAX_PER_PAGE))},  # stored as a number
    )
    editors_can_read_messages = BooleanField("Editors may read contact messages")

    def settings_data(self) -> dict:
        """The submitted values, keyed like the settings."""
        skip = {"csrf_token", "loaded"}
        data = {name: f.data for name, f in self._fields.items() if name not in skip}
        data["social_links"] = [dict(link) for link in data["social_links"]]
        return data


class MenuItemForm(Form):
    label = StringField("Label", validators=[Length(max=MAX_LABEL)])
    target = SelectField("Leads to", validate_choice=False)
    url = StringField("Address (for “another address”)", validators=[Length(max=MAX_URL)])
    position = StringField("Order")
    remove = BooleanField("Remove")


class MenuForm(FlaskForm):
    version = HiddenField()  # cms.site.menu.menu_version
    items = FieldList(FormField(MenuItemForm), min_entries=1, max_entries=20)
