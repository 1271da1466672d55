"""What every dashboard page's layout needs: the navigation and its review badge."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from dashboard import queries
from dashboard.auth import current_brand
from dashboard.blueprint import bp
from dashboard.forms import LogoutForm
from dashboard.presenters import key_label
from extensions import db


@bp.context_processor
def _layout() -> dict[str, Any]:
    context: dict[str, Any] = {"waiting_reviews": 0}
    if current_user.is_authenticated:
        context["logout_form"] = LogoutForm()
        if current_user.is_brand:
            context["waiting_reviews"] = queries.waiting_review_total(db.session, current_brand())
    return context


@bp.app_template_filter("audience_key")
def _audience_key(key: str, part: str) -> str:
    """``18-24`` → ``18–24``, ``1`` → ``Tier 1``: profile keys as people read them."""
    return key_label(part, key)
