"""A brand's settings: how the dashboard writes and reads its amounts, where notifications go."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from wtforms import SelectField, SubmitField

from accounts.services import set_brand_locale
from core.money import SUPPORTED_LOCALES, format_money, locale_name
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, browser_locale
from dashboard.forms import SafeForm
from dashboard.views.notifications import settings_context
from extensions import db

BROWSER = ""


class SettingsForm(SafeForm):
    locale = SelectField("How you write amounts", choices=[])
    submit = SubmitField("Save settings")


def _choices() -> list[tuple[str, str]]:
    browser = browser_locale()
    sample = 450_000  # 4,500.00 EUR
    return [
        (
            BROWSER,
            f"As my browser says (now {locale_name(browser)}: "
            f"{format_money(sample, 'EUR', browser)})",
        )
    ] + [
        (code, f"{locale_name(code)}: {format_money(sample, 'EUR', code)}")
        for code in SUPPORTED_LOCALES
    ]


@bp.route("/settings", methods=["GET", "POST"])
@brand_required
def settings() -> Any:
    """Choose the number format of amounts (budgets, prices) instead of the browser's."""
    brand = current_brand()
    form = SettingsForm()
    form.locale.choices = _choices()
    if form.validate_on_submit():
        set_brand_locale(db.session, brand, form.locale.data or None)
        flash("Settings saved: amounts are written and read this way from now on.", "success")
        return redirect(url_for("dashboard.settings"), code=303)
    if not form.is_submitted():
        form.locale.data = brand.locale or BROWSER
    status = 422 if form.is_submitted() else 200
    return render_template(
        "dashboard/settings.html", form=form, nav="settings", **settings_context()
    ), status
