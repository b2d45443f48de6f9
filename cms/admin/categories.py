"""Categories: create, rename, merge, trash and restore (posts keep their other categories)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from peewee import JOIN, fn
from wtforms import SelectField

from ..content import presence
from ..content.categories import (
    merge_categories,
    restore_category,
    save_category,
    trash_category,
)
from ..content.models import Category, PostCategory
from ..content.records import CategoryTrash
from ..content.revisions import compare
from ..content.versions import category_version
from ..core.security import row_id
from ..core.validation import StaleError, ValidationError
from .blueprint import bp
from .content_forms import CategoryForm, ConfirmForm, MergeForm, expected_version, show_errors

CATEGORY_FIELDS = (("name", "Name"), ("slug", "Address (slug)"))


class CategoryParentForm(CategoryForm):
    """A category's name, slug and description, and the category it sits under."""

    parent = SelectField(
        "Sits under",
        coerce=str,
        validate_choice=False,
        description="Its page then also lists under the parent's, which shows its posts too.",
    )


def tree(categories) -> list[tuple[Category, int]]:
    """Categories in tree order (each under its parent, by name) with their depth."""
    under: dict = {}
    for c in categories:
        under.setdefault(c.parent_id, []).append(c)
    known = {c.id for c in categories}
    out, seen = [], set()

    def walk(parent_id, depth):
        for c in under.get(parent_id, []):
            if c.id not in seen:
                seen.add(c.id)
                out.append((c, depth))
                walk(c.id, depth + 1)

    walk(None, 0)
    for c in categories:  # under a parent left out of `categories`
        if c.parent_id not in known:
            walk(c.parent_id, 0)
    return out


def tree_choices(categories) -> dict[str, str]:
    """Checkbox choices in tree order, each named with the categories above it
    ("Mental health › Anxiety"), so two children of the same name stay apart."""
    names = {c.id: c for c in categories}

    def path(c, hops=0):
        above = names.get(c.parent_id)
        return c.name if above is None or hops > 10 else f"{path(above, hops + 1)} › {c.name}"

    return {str(c.id): path(c) for c, _depth in tree(categories)}


def _category_form(category: Category | None = None) -> CategoryParentForm:
    if category is None:
        form = CategoryParentForm()
    else:
        form = CategoryParentForm(
            obj=category, version=category_version(category), parent=str(category.parent_id or "")
        )
    below = set(category.family_ids()) if category else set()
    choices = {"": "Nothing (a top-level category)"}
    for c, depth in tree(list(Category.select().order_by(Category.name))):
        if c.id not in below:
            choices[str(c.id)] = "— " * depth + c.name
    form.parent.choices = choices
    return form


def _with_counts():
    return (
        Category.select(Category, fn.COUNT(PostCategory.id).alias("post_count"))
        .join(PostCategory, on=(PostCategory.category == Category.id), join_type=JOIN.LEFT_OUTER)
        .group_by(Category.id)
        .order_by(Category.name)
    )


def _actor():
    return current_user._get_current_object()


def _get(category_id: int) -> Category:
    return Category.get_or_none(Category.id == category_id) or abort(404)


def _merge_form(category: Category) -> MergeForm:
    form = MergeForm()
    others = Category.select().where(Category.id != category.id).order_by(Category.name)
    form.target.choices = {c.id: c.name for c in others}
    return form


@bp.route("/categories", methods=["GET", "POST"])
def category_list():
    """All categories with their number of posts, and a form to add one."""
    form = _category_form()
    if form.validate_on_submit():
        try:
            category = save_category(form.data, actor=_actor())
        except ValidationError as exc:
            show_errors(form, exc.errors)
        else:
            flash(f"The category “{category.name}” was added.")
            return redirect(url_for("admin.category_list"))
    return render_template(
        "admin/categories.html", form=form, categories=tree(list(_with_counts())),
        trashed=list(CategoryTrash.select().order_by(CategoryTrash.id.desc())),
    )  # fmt: skip


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id):
    """Rename a category (its old address redirects), or merge or delete it."""
    category, conflict = _get(category_id), None
    form = _category_form(category)
    if form.validate_on_submit():
        try:
            save_category(
                form.data, category, expected_version=expected_version(form), actor=_actor()
            )
        except StaleError as exc:
            conflict = _conflict(exc, form.data)
        except ValidationError as exc:
            show_errors(form, exc.errors)
        else:
            flash("The category was saved.")
            return redirect(url_for("admin.category_list"))
    presence.mark("category", category.id, current_user)
    page = render_template(
        "admin/categories_edit.html", form=form, category=category, conflict=conflict,
        merge_form=_merge_form(category), delete_form=ConfirmForm(),
        editing=presence.describe(presence.others("category", category.id, current_user)),
    )  # fmt: skip
    return page, 409 if conflict else 200


def _conflict(stale: StaleError, data: dict) -> dict:
    current = stale.current
    theirs = {"name": current.name, "slug": current.slug, "description": current.description}
    yours = {name: (data.get(name) or "").strip() for name in theirs}
    yours["slug"] = yours["slug"] or current.slug  # empty keeps the slug
    return {
        **compare(theirs, yours, CATEGORY_FIELDS, "description"), "version": stale.version,
        "action": "save", "who": "Someone else", "when": None,
    }  # fmt: skip


@bp.route("/categories/<int:category_id>/merge", methods=["POST"])
def category_merge(category_id):
    """Move every post of this category into another one, then remove this one."""
    category = _get(category_id)
    form = _merge_form(category)
    if form.validate_on_submit():
        target_id = row_id(form.target.data)
        target = target_id and Category.get_or_none(Category.id == target_id)
        if target is None:
            flash("Choose a category to merge into.", "error")
            return redirect(url_for("admin.category_edit", category_id=category.id))
        try:
            merge_categories(category, target, actor=_actor())
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
            return redirect(url_for("admin.category_edit", category_id=category.id))
        flash(f"“{category.name}” was merged into “{target.name}”.")
    return redirect(url_for("admin.category_list"))


@bp.route("/categories/<int:category_id>/delete", methods=["GET", "POST"])
def category_delete(category_id):
    """Ask, then move a category to the trash; its posts keep their other categories."""
    category, form = _get(category_id), ConfirmForm()
    if form.validate_on_submit():
        trash_category(category, actor=_actor())
        flash(f"The category “{category.name}” was moved to the trash. Its posts are still there.")
        return redirect(url_for("admin.category_list"))
    return render_template("admin/categories_delete.html", category=category, form=form)


@bp.route("/categories/trash/<int:trash_id>/restore", methods=["POST"])
def category_restore(trash_id):
    """Bring a trashed category back, with its posts that still exist."""
    trashed = CategoryTrash.get_or_none(CategoryTrash.id == trash_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            category = restore_category(trashed, actor=_actor())
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            flash(f"The category “{category.name}” was restored with its posts.")
    return redirect(url_for("admin.category_list"))
