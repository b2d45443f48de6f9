"""Public paths of rows shown at an address made of their slug."""

from urllib.parse import quote


class AtSlug:
    """A row shown at a public path made of its slug: URL is the path's pattern."""

    URL = "/{}"

    @classmethod
    def url_of(cls, slug: str) -> str:
        """The public path of the row with this slug, percent-encoded like url_for."""
        return cls.URL.format(quote(slug, safe=""))

    @property
    def url(self) -> str:
        return self.url_of(self.slug)
