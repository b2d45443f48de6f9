"""Public version history of policies: each earlier text, with the dates it applied and
the corrections made while it was in force (cms.content.policies)."""

from datetime import date

from flask import abort, render_template

from ..content.models import Page
from ..content.policies import current_corrections, earlier_policy_versions
from ..content.render import as_plain_paragraphs, render_markdown
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
    """Earlier versions of a policy page, newest first (for the page template)."""
    return earlier_policy_versions(page)


@bp.app_template_global()
def policy_corrections(page) -> list:
    """When the current version of a policy was corrected (for the page template)."""
    return current_corrections(page)


@bp.route("/<slug>/versions")
def policy_history(slug):
    """The list of a policy's versions and the dates they took effect."""
    page = _policy(slug)
    return render_template(
        "public/policy_versions.html", page=page, versions=earlier_policy_versions(page),
        version=None, corrections=current_corrections(page),
    )  # fmt: skip


@bp.route("/<slug>/versions/<day>")
def policy_history_version(slug, day):
    """The text of a policy as it was when an earlier version ended."""
    page = _policy(slug)
    try:
        effective = date.fromisoformat(day)
    except ValueError:
        abort(404)
    versions = earlier_policy_versions(page)
    version = next((v for v in versions if v.effective_date == effective), None) or abort(404)
    newer = [v.effective_date for v in versions if v.effective_date > effective]
    return render_template(
        "public/policy_versions.html", page=page, versions=versions, version=version,
        version_html=_rendered(version.revision.body), corrections=current_corrections(page),
        until=min(newer) if newer else page.effective_date,
    )  # fmt: skip
