"""Operators manage the taxonomy: add categories and interest tags, retire and restore them."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from core.errors import DomainError
from dashboard.auth import operator_required
from dashboard.blueprint import bp, discard_changes
from dashboard.forms import AddCategoryForm, AddTagForm, SelectChoice
from extensions import current_taxonomy, db
from taxonomy import services

ACTIONS = {
    "retire-tag": (services.set_tag_active, False, "Interest {} retired: stored profiles keep it."),
    "restore-tag": (services.set_tag_active, True, "Interest {} can be chosen again."),
    "retire-category": (services.set_category_active, False, "Category {} retired."),
    "restore-category": (services.set_category_active, True, "Category {} can be chosen again."),
}


@bp.route("/operator/taxonomy", methods=["GET", "POST"])
@operator_required
def taxonomy() -> Any:
    """Every category with its interests; forms to add either, buttons to retire or restore."""
    tag_form = AddTagForm(prefix="tag")
    category_form = AddCategoryForm(prefix="category")
    vocabulary = current_taxonomy()
    tag_form.category.choices = [
        SelectChoice(c.slug, c.name()) for c in vocabulary.categories if c.active
    ]
    status = 200
    if request.method == "POST":
        form = tag_form if tag_form.submit.data else category_form
        if form.validate_on_submit():
            try:
                if form is tag_form:
                    services.add_tag(
                        db.session, form.slug.data or "", form.category.data or "",
                        {"en": form.name.data or ""},
                    )  # fmt: skip
                else:
                    services.add_category(
                        db.session, form.slug.data or "", {"en": form.name.data or ""}
                    )
            except DomainError as exc:
                discard_changes()
                for name, messages in (exc.errors or {"slug": [exc.message]}).items():
                    field = getattr(form, "name" if name == "names" else name, form.slug)
                    field.errors = [*field.errors, *messages]
                status = 422
            else:
                kind = "Interest" if form is tag_form else "Category"
                flash(f"{kind} {form.slug.data.strip().lower()} added: usable now.", "success")
                return redirect(url_for("dashboard.taxonomy"), code=303)
        else:
            status = 422
    return render_template(
        "dashboard/operator/taxonomy.html",
        taxonomy=vocabulary,
        groups=vocabulary.tags_by_category(active_only=False, include_empty=True),
        tag_form=tag_form,
        category_form=category_form,
    ), status


@bp.post("/operator/taxonomy/<any(" + ",".join(f'"{a}"' for a in ACTIONS) + "):action>/<slug>")
@operator_required
def taxonomy_action(action: str, slug: str) -> Any:
    """Retire or restore one tag or category."""
    fn, active, message = ACTIONS[action]
    try:
        fn(db.session, slug, active)
    except DomainError:
        discard_changes()
        abort(404)
    flash(message.format(slug), "success")
    return redirect(
        url_for("dashboard.taxonomy") + f"#cat-{request.form.get('category', '')}", code=303
    )
