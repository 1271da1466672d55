"""Meeting directly and naming a price: a brand's invitations, a creator's counter-offers."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, current_brand, current_creator, require
from api.params import ID
from collaborations import invitations, negotiation
from collaborations.guardrails import OfferRules
from extensions import db, payment_provider
from schemas.campaigns import CampaignOfferSchema, CampaignSponsorshipSchema
from schemas.creators import OfferSchema
from schemas.negotiation import CounterAnswerSchema, CounterInputSchema, InvitationInputSchema

blp = Blueprint(
    "negotiation",
    __name__,
    description="Invitations (a brand offers its campaign to a creator it chose) and "
    "counter-offers (a creator names a price; the brand accepts or declines it).",
)

# The rule a refusal names, in ``errors.rule`` of the one error shape.
GUARDRAIL_RULES = (
    "campaign_closed, blocked, already_offered, creator_closed, category, currency, "
    "sponsored_share, capacity, offer_cap, exclusivity, slots, budget"
)


def _rules() -> OfferRules:
    return OfferRules.from_config(current_app.config)


@blp.route(f"/campaigns/<{ID}:campaign_id>/invitations")
class Invitations(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(InvitationInputSchema, example=ex.INVITATION_INPUT)
    @blp.response(201, CampaignOfferSchema, example=ex.INVITATION)
    @blp.alt_response(
        404,
        **ex.error_doc(
            404,
            "Not one of your campaigns, or a creator you cannot see (not open to paid work "
            "and never offered by you).",
            "Creator not found.",
        ),
    )
    @blp.alt_response(
        409,
        description="A rule refused the invitation; `errors.rule` names it ("
        + GUARDRAIL_RULES
        + ") and `message` says why.",
        schema=ex.ErrorSchema,
        example=ex.error_payload(
            409,
            "This creator has no capacity left this week (work in progress and offers awaiting "
            "their answer use it).",
            {"rule": ["capacity"]},
        ),
    )
    def post(self, data: dict[str, Any], campaign_id: int) -> Any:
        """Invite a creator to a published campaign: an offer with `source: invite`, at their
        rate or the price you propose, with your message.

        The same rules as a matched offer hold, and a refusal names its rule: the campaign is
        published and not over; the creator is not on your block list and has no offer for
        this campaign yet; they are open to paid work, take the campaign's category and are
        paid in its currency; their measured sponsored share is under the platform's cap; they
        have capacity left (work in progress and offers awaiting an answer use it) and received
        fewer than the weekly offer cap (matching, invitations and open calls together); they
        are not tied to a competitor in the campaign's competitor group; the campaign has a
        slot and the budget for the price (offers awaiting an answer hold theirs). Nothing is
        committed until the creator accepts."""
        return invitations.invite_creator(
            db.session,
            current_brand(),
            campaign_id,
            data["creator_id"],
            message=data["message"],
            price=data["price"],
            rules=_rules(),
        )


@blp.route(f"/offers/<{ID}:offer_id>/counter")
class OfferCounter(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CounterInputSchema, example=ex.COUNTER_INPUT)
    @blp.response(200, OfferSchema, example=ex.COUNTERED_OFFER)
    @blp.alt_response(404, **ex.error_doc(404, "Not an offer of yours.", "Offer not found."))
    @blp.alt_response(
        409,
        description="The offer does not await your answer (expired, answered, withdrawn, "
        "already countered), the campaign cannot pay that price (`errors.rule`: budget), or "
        f"the offer took its {negotiation.MAX_COUNTERS_PER_OFFER} counters (counter_limit).",
        schema=ex.ErrorSchema,
        example=ex.error_payload(
            409,
            "The campaign cannot pay 9,000.00 EUR: at most 4,200.00 EUR is left for this offer.",
            {"rule": ["budget"]},
        ),
    )
    def post(self, data: dict[str, Any], offer_id: int) -> Any:
        """Answer an offer with your price and a note: it becomes `countered`, and the brand
        accepts or declines by the new expiry (`OFFER_TTL_DAYS` from now). At most
        three counters per offer; the price is in the offer's currency and within what the
        campaign can still pay."""
        return negotiation.counter_offer(
            db.session,
            current_creator(),
            offer_id,
            price=data["price"],
            message=data["message"],
            rules=_rules(),
        )


@blp.route(f"/offers/<{ID}:offer_id>/counter/accept")
class CounterAccept(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CounterAnswerSchema, required=False, example=ex.COUNTER_ANSWER)
    @blp.response(201, CampaignSponsorshipSchema, example=ex.COUNTER_SPONSORSHIP)
    @blp.alt_response(404, **ex.error_doc(404, "Not an offer of yours.", "Offer not found."))
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "No live counter, or capacity, exclusivity, budget or slots no longer allow it.",
            "This offer has no counter to answer; it expired before you answered.",
        ),
    )
    def post(self, data: dict[str, Any], offer_id: int) -> Any:
        """Accept the creator's counter: a sponsorship at the counter price, committed in the
        ledger now (the creator already agreed to it), under the same checks as an accepted
        offer."""
        return negotiation.accept_counter(
            db.session,
            current_brand(),
            offer_id,
            provider=payment_provider(),
            message=(data or {}).get("message"),
        )


@blp.route(f"/offers/<{ID}:offer_id>/counter/decline")
class CounterDecline(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CounterAnswerSchema, required=False, example=ex.COUNTER_ANSWER)
    @blp.response(200, CampaignOfferSchema, example=ex.COUNTER_DECLINED_OFFER)
    @blp.alt_response(404, **ex.error_doc(404, "Not an offer of yours.", "Offer not found."))
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "No live counter to decline.",
            "This offer has no counter to answer; it awaits the creator's answer to your price.",
        ),
    )
    def post(self, data: dict[str, Any], offer_id: int) -> Any:
        """Decline the creator's counter: your price stands again (status `proposed`) with a
        fresh expiry; the creator may accept it, decline it or counter again."""
        return negotiation.decline_counter(
            db.session,
            current_brand(),
            offer_id,
            rules=_rules(),
            message=(data or {}).get("message"),
        )
