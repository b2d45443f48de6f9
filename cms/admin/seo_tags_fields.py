"""The writing form's tags and SEO fields, as a mixin of EntryForm: a post's tags (typed,
separated by commas), and a post's or page's SEO title and social image."""

from wtforms import SelectField, StringField

from ..content.fields import MAX_SEO_TITLE, MAX_TAG_NAME, MAX_TAGS


def media_choice(value: str | None):
    """A media select's value as the services take it: an id (int), or None for none."""
    value = value or ""
    number = value.isascii() and value.isdigit() and len(value) < 19  # SQLite's INTEGER
    return int(value) if number else (value or None)


class SeoTagsFields:
    """Fields mixed into EntryForm (see templates/admin/_seo_tags_fields.html)."""

    tags = StringField(
        "Tags",
        description="Separate tags with commas, such as: anxiety, sleep. New ones are added.",
        render_kw={"maxlength": MAX_TAGS * (MAX_TAG_NAME + 2), "autocomplete": "off"},
    )
    seo_title = StringField(
        "Title for search engines and sharing",
        description="Shown in search results and social media instead of the title. "
        "Empty: the title.",
        render_kw={"maxlength": MAX_SEO_TITLE},
    )
    social_image = SelectField(
        "Image for social media",
        coerce=str,
        validate_choice=False,
        description="Shown when the address is shared. None: the featured image, if any.",
    )

    def prepare_seo_tags(self, kind: str, images: dict[str, str]) -> None:
        """Fill the image choices; pages have no tags."""
        self.social_image.choices = images
        if kind != "posts":
            del self.tags

    def seo_tags_data(self, data: dict) -> dict:
        """The submitted tags and SEO fields as the services take them."""
        if "social_image" in data:
            data["social_image"] = media_choice(data["social_image"])
        return data


def seo_tags_initial(entry) -> dict:
    """The starting values of these fields for a post or page (None: a new one)."""
    if entry is None:
        return {"seo_title": "", "social_image": "", "tags": ""}
    values = {"seo_title": entry.seo_title, "social_image": str(entry.social_image_id or "")}
    if hasattr(entry, "tag_list"):
        values["tags"] = ", ".join(t.name for t in entry.tag_list)
    return values
