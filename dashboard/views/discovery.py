"""Find creators: the brand searches open creators by audience, ranked by fit to a campaign.

A GET form over the same service and the same marshmallow rules as ``GET /api/v1/creators``;
prices are typed in major units (``120`` EUR) and converted to minor units here.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import render_template, request, url_for

from campaigns import services as campaigns
from collaborations import discovery
from collaborations.discovery import DEFAULT_LEANING_SHARE
from core.audience import FIXED_KEYS
from core.errors import InvalidInput
from core.money import CURRENCIES, AmountError, parse_amount
from core.pagination import MAX_PAGE_SIZE, Page
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, current_locale
from dashboard.presenters import key_label
from extensions import current_taxonomy, db
from schemas.discovery import CreatorSearchQuerySchema

PAGE_SIZE = 12
LEAN_CHOICES = (0.3, 0.5, 0.7)
RATE_CHOICES = (0.5, 0.8, 0.9)
# Form fields that are not the API's own names, and the API field each one feeds.
_FORM_NAMES = {"min_rate": "min_price", "max_rate": "max_price"}
_LEAN_FIELDS = ("min_gender_share", "min_city_tier_share", "min_age_share")
_PASSED = (
    "category", "min_followers", "max_followers", "currency", "gender", "min_reply_rate",
    "min_on_time_rate", "page",
)  # fmt: skip


def _price(raw: str, currency: str, field: str, errors: dict[str, list[str]]) -> int | None:
    """A price typed in major units as the brand's locale writes it, in minor units."""
    if not raw.strip():
        return None
    try:
        return parse_amount(raw, currency, current_locale())
    except AmountError as exc:
        errors[field] = [str(exc)]
        return None


def _query(args: Any, campaign_currency: str | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The API's query from the form's fields (empty fields left out)."""
    errors: dict[str, list[str]] = {}
    query: dict[str, Any] = {k: args[k] for k in _PASSED if args.get(k, "").strip()}
    if args.get("campaign_id", "").strip():
        query["campaign_id"] = args["campaign_id"]
        query.pop("currency", None)  # the campaign's currency applies
    for name in ("interest", "city_tier", "age"):
        values = [v for v in args.getlist(name) if v.strip()]
        if values:
            query[name] = values
    if args.get("verified"):
        query["verified"] = "true"
    currency = campaign_currency or args.get("currency") or "EUR"
    for api_name, form_name in _FORM_NAMES.items():
        amount = _price(args.get(form_name, ""), currency, form_name, errors)
        if amount is not None:
            query[api_name] = amount
            if campaign_currency is None:
                query["currency"] = currency
    lean = args.get("lean", "").strip()
    if lean:
        for name in _LEAN_FIELDS:
            query[name] = lean
    return query, errors


@bp.get("/creators", endpoint="find_creators")
@brand_required
def find_creators() -> Any:
    """Search open creators; with a campaign chosen, ranked by fit to its target."""
    brand = current_brand()
    choices = campaigns.list_campaigns(db.session, brand, page_size=MAX_PAGE_SIZE).items
    args = request.args
    if "campaign_id" not in args and choices:
        # First visit: rank for the newest campaign (choose "no campaign" to browse).
        args = args.copy()
        args["campaign_id"] = str(choices[0].id)
    chosen = next((c for c in choices if str(c.id) == args.get("campaign_id", "").strip()), None)
    query, errors = _query(args, chosen.currency if chosen else None)
    results: Page[Any] | None = None
    if not errors:
        try:
            loaded = CreatorSearchQuerySchema().load({**query, "page_size": PAGE_SIZE})
            results = discovery.search_creators(
                db.session,
                brand,
                loaded["filters"],
                campaign_id=loaded["campaign_id"],
                page=loaded["page"],
                page_size=loaded["page_size"],
            )
        except ma.ValidationError as exc:
            errors = {_FORM_NAMES.get(k, k): _messages(v) for k, v in exc.messages.items()}
        except InvalidInput as exc:
            errors = {_FORM_NAMES.get(k, k): v for k, v in exc.errors.items()}
    # The next page keeps every filter, and the campaign choice even when it is "none".
    kept = {
        k: v
        for k, v in args.lists()
        if k != "page" and (k == "campaign_id" or any(x.strip() for x in v))
    }
    taxonomy = current_taxonomy()
    return render_template(
        "dashboard/creators/find.html",
        nav="find",
        args=args,
        campaigns=choices,
        campaign=chosen,
        results=results,
        errors=errors,
        page_url=lambda page: url_for("dashboard.find_creators", **kept, page=page),
        categories=[(c.slug, c.name()) for c in taxonomy.categories if c.active],
        interest_groups=[
            (c.name(), [(t.slug, t.name()) for t in tags])
            for c, tags in taxonomy.tags_by_category()
        ],
        genders=FIXED_KEYS["gender"],
        city_tiers=[(k, key_label("city_tiers", k)) for k in FIXED_KEYS["city_tiers"]],
        ages=[(k, key_label("age", k)) for k in FIXED_KEYS["age"]],
        currencies=sorted(CURRENCIES),
        lean_choices=LEAN_CHOICES,
        default_lean=DEFAULT_LEANING_SHARE,
        rate_choices=RATE_CHOICES,
    )


def _messages(value: Any) -> list[str]:
    """marshmallow's messages for one field (a list, or a dict per list index) as a list."""
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    return [str(m) for m in value] if isinstance(value, list) else [str(value)]
