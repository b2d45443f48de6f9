"""Public version history of policies: each earlier text, with the dates it applied."""

from datetime import date

from flask import abort, render_template

from ..content.models import Page
from ..content.render import as_plain_paragraphs, render_markdown
from ..content.revisions import policy_version, policy_versions
from ..content.sanitize import TooComplex
from .blueprint import bp


def _policy(slug: str) -> Page:
    page = Page.public_by_slug(slug)
    if page is None or not page.is_policy:
        abort(404)
    return page


def _rendered(body: str) -> str:
    try:
        return render_markdown(body, preview=True)  # a reader waits: the shorter budget
    except TooComplex:
        return as_plain_paragraphs(body)


@bp.app_template_global()
def earlier_versions(page) -> list:
    """Earlier published versions of a policy page (for the page template)."""
    return policy_versions(page)


@bp.route("/<slug>/versions")
def policy_history(slug):
    """The list of a policy's versions and the dates they took effect."""
    page = _policy(slug)
    return render_template(
        "public/policy_versions.html", page=page, versions=policy_versions(page), version=None
    )


@bp.route("/<slug>/versions/<day>")
def policy_history_version(slug, day):
    """The text of a policy as it was from an earlier effective date."""
    page = _policy(slug)
    try:
        effective = date.fromisoformat(day)
    except ValueError:
        abort(404)
    versions = policy_versions(page)
    version = policy_version(page, effective) or abort(404)
    newer = [v.effective_date for v in versions if v.effective_date > effective]
    return render_template(
        "public/policy_versions.html", page=page, versions=versions, version=version,
        version_html=_rendered(version.body),
        until=min(newer) if newer else page.effective_date,
    )  # fmt: skip
