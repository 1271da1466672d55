"""Open calls: a brand opens a call on a published campaign, creators who fit apply with a
price and a pitch, the brand selects by hand or lets the optimiser pick the best set.

**The application's price is binding.** The creator named it, so selecting an application
creates the offer (``source: open_call``) already accepted, with its sponsorship and the
money committed in the ledger, in one transaction, after re-checking every rule a new offer
obeys (campaign open, block list, one offer per creator and campaign, creator open, category,
currency, sponsored-share cap, capacity, the weekly offer cap across all channels, competitor
exclusivity, slots and budget). A refusal is a 409 that says which rule and why.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api import open_call_examples as oc
from api.auth import BEARER_SECURITY, current_brand, current_creator, require
from api.params import ID
from collaborations import open_calls
from collaborations.guardrails import OfferRules
from core.money import Money
from extensions import db, payment_provider
from schemas.campaigns import CampaignOfferSchema
from schemas.common import PageQuerySchema, page_of
from schemas.open_calls import (
    ApplicantSchema,
    ApplicationInputSchema,
    ApplicationQuerySchema,
    ApplicationSchema,
    AutoSelectionSchema,
    AutoSelectQuerySchema,
    OpenCallForCreatorSchema,
    OpenCallInputSchema,
    OpenCallSchema,
)

blp = Blueprint(
    "open_calls",
    __name__,
    description="Open calls (small contests): creators apply with a binding price and a "
    "pitch; the brand selects by hand or by the optimiser.",
)

GUARDRAIL_409 = ex.error_doc(
    409,
    "A rule refuses it (the message says which): closed call, campaign, block list, one offer "
    "per creator, creator closed, category, currency, sponsored share, capacity, weekly offer "
    "cap, exclusivity, slots, budget.",
    "This creator has no capacity left this week (work in progress and offers awaiting their "
    "answer use it).",
)


def _rules() -> OfferRules:
    return OfferRules.from_config(current_app.config)


def _max_days() -> int:
    return int(current_app.config["OPEN_CALL_MAX_DAYS"])


@blp.route(f"/campaigns/<{ID}:campaign_id>/open-call")
class CampaignOpenCall(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, OpenCallSchema, example=oc.OPEN_CALL)
    @blp.alt_response(404, **ex.error_doc(404, "No call on this campaign of yours."))
    def get(self, campaign_id: int) -> Any:
        """The campaign's open call: its closing time, status and applications by status."""
        return open_calls.get_open_call(db.session, current_brand(), campaign_id)

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(OpenCallInputSchema, example=oc.OPEN_CALL_INPUT)
    @blp.response(201, OpenCallSchema, example=oc.OPEN_CALL)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "The campaign is not published, or already has a call (one per campaign: PATCH "
            "its closing time).",
            "This campaign already has an open call; change its closing time instead.",
        ),
    )
    def post(self, data: dict[str, Any], campaign_id: int) -> Any:
        """Open a call on a published campaign until `closes_at`: creators who fit see it
        and apply with a price (binding if selected) and a pitch. At `closes_at` the
        applicants not selected are told."""
        return open_calls.open_call(
            db.session, current_brand(), campaign_id, data["closes_at"], max_days=_max_days()
        )

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(OpenCallInputSchema, example=oc.OPEN_CALL_INPUT)
    @blp.response(200, OpenCallSchema, example=oc.OPEN_CALL)
    @blp.alt_response(409, **ex.error_doc(409, "The call is closed.", "This open call is closed."))
    def patch(self, data: dict[str, Any], campaign_id: int) -> Any:
        """Move an open call's closing time (same limits as opening it)."""
        return open_calls.reschedule_open_call(
            db.session, current_brand(), campaign_id, data["closes_at"], max_days=_max_days()
        )


@blp.route(f"/campaigns/<{ID}:campaign_id>/open-call/close")
class CampaignOpenCallClose(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, OpenCallSchema, example=oc.CLOSED_OPEN_CALL)
    @blp.alt_response(409, **ex.error_doc(409, "The call is closed.", "This open call is closed."))
    def post(self, campaign_id: int) -> Any:
        """Close the call now: applications still submitted are not selected, and each of
        those applicants is told."""
        return open_calls.close_open_call_now(db.session, current_brand(), campaign_id)


@blp.route("/creators/me/open-calls")
class MyOpenCalls(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(OpenCallForCreatorSchema), example=ex.page(oc.OPEN_CALL_FOR_CREATOR))
    def get(self, page: int, page_size: int) -> Any:
        """Open calls you fit, best fit first: open now, in a category you take, within the
        follower range, your fit to the target at least MATCH_MIN_FIT (the matching's fit
        model), not from a brand that blocked you; with the brief, a budget-per-creator hint,
        the closing time, your fit and whether you applied. Empty while you are not open to
        paid work."""
        return open_calls.list_open_calls_for_creator(
            db.session,
            current_creator(),
            min_fit=float(current_app.config["MATCH_MIN_FIT"]),
            page=page,
            page_size=page_size,
        )


@blp.route(f"/open-calls/<{ID}:campaign_id>/applications")
class OpenCallApplications(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(ApplicationInputSchema, example=oc.APPLICATION_INPUT)
    @blp.response(201, ApplicationSchema, example=oc.APPLICATION)
    @blp.alt_response(
        404, **ex.error_doc(404, "No open call for that campaign.", "Open call not found.")
    )
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "The call is closed, you applied already (one application per campaign), you "
            "have an offer for it, or your settings exclude it (closed to paid work, category, "
            "currency, follower range, no fit).",
            "You already applied to this open call.",
        ),
    )
    def post(self, data: dict[str, Any], campaign_id: int) -> Any:
        """Apply to an open call with your price for one post and a pitch. The price is
        binding: if the brand selects you, it is the agreed price and the sponsorship starts
        at once (nothing more to accept). You can withdraw until the brand selects."""
        price = Money(data["price"]["amount"], data["price"]["currency"])
        return open_calls.apply_to_open_call(
            db.session, current_creator(), campaign_id, price=price, pitch=data["pitch"]
        )


@blp.route("/creators/me/applications")
class MyApplications(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(ApplicationSchema), example=ex.page(oc.APPLICATION))
    def get(self, page: int, page_size: int) -> Any:
        """Your applications to open calls, newest first."""
        return open_calls.list_creator_applications(
            db.session, current_creator(), page=page, page_size=page_size
        )


@blp.route(f"/applications/<{ID}:application_id>/withdraw")
class ApplicationWithdraw(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, ApplicationSchema, example=oc.WITHDRAWN_APPLICATION)
    @blp.alt_response(
        404, **ex.error_doc(404, "Not an application of yours.", "Application not found.")
    )
    @blp.alt_response(409, **ex.error_doc(409, "Only submitted applications can be withdrawn."))
    def post(self, application_id: int) -> Any:
        """Withdraw your application before the brand selects it."""
        return open_calls.withdraw_application(db.session, current_creator(), application_id)


@blp.route(f"/campaigns/<{ID}:campaign_id>/applications")
class CampaignApplications(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(ApplicationQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(ApplicantSchema), example=ex.page(oc.APPLICANT))
    def get(self, campaign_id: int, **query: Any) -> Any:
        """Applicants side by side, submitted first and by expected value: fit, expected
        engaged target audience, the binding price, price per engaged person, reliability,
        pitch and status."""
        return open_calls.list_applicants(db.session, current_brand(), campaign_id, **query)


@blp.route(f"/applications/<{ID}:application_id>/select")
class ApplicationSelect(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(201, CampaignOfferSchema, example=oc.SELECTED_OFFER)
    @blp.alt_response(
        404, **ex.error_doc(404, "Not an application to your campaigns.", "Application not found.")
    )
    @blp.alt_response(409, **GUARDRAIL_409)
    def post(self, application_id: int) -> Any:
        """Select an application. Its price is binding (the creator named it), so this creates
        the offer (`source: open_call`) already **accepted**, with its sponsorship and the
        price committed in the ledger, in one transaction — after every guardrail of a new
        offer is checked again with the rows locked."""
        return open_calls.select_application(
            db.session,
            current_brand(),
            application_id,
            rules=_rules(),
            provider=payment_provider(),
        )


@blp.route(f"/campaigns/<{ID}:campaign_id>/applications/auto-select")
class ApplicationsAutoSelect(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(AutoSelectQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, AutoSelectionSchema, example=oc.AUTO_SELECTION)
    @blp.alt_response(404, **ex.error_doc(404, "No call on this campaign of yours."))
    @blp.alt_response(409, **GUARDRAIL_409)
    def post(self, campaign_id: int, dry_run: bool) -> Any:
        """Pick the best set: the matching optimiser (OR-Tools/HiGHS, the same `solve()`)
        over the submitted applicants, maximising expected engaged target audience within the
        campaign's remaining budget and slots (rates = the applications' prices; applicants a
        guardrail refuses are left out first). Answers the choice and why: reach, budget used,
        who was left out and why. `?dry_run=true` only proposes; otherwise every chosen
        application is selected (as by /select), all or none."""
        settings = open_calls.SolverSettings.from_config(current_app.config)
        return open_calls.auto_select(
            db.session,
            current_brand(),
            campaign_id,
            rules=_rules(),
            provider=payment_provider(),
            settings=settings,
            dry_run=dry_run,
        )
