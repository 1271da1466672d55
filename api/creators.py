"""What a creator does through the API: profile, opt-in, offers, sponsorships, payouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts import profiles, public_profile
from accounts.models import Creator, Role
from api import examples as ex
from api.auth import (
    BEARER_SECURITY,
    bearer_token,
    current_brand,
    current_caller,
    current_creator,
    refuse_other_roles,
    require,
    require_caller,
)
from api.params import ID
from collaborations import creator_reads, eligibility, read_cache
from collaborations import services as collaborations
from collaborations.guardrails import OfferRules
from core.db import utcnow
from extensions import db, limiter, payment_provider
from payments import onboarding
from payments import service as payments
from schemas import creator_reads as fast_json
from schemas.common import PageQuerySchema, page_of
from schemas.creators import (
    AvailabilitySchema,
    CreatorProfilePatchSchema,
    CreatorProfileSchema,
    DeclineSchema,
    DeliverableSchema,
    OfferQuerySchema,
    OfferSchema,
    PayoutAccountSchema,
    PayoutSchema,
    SponsorshipQuerySchema,
    SponsorshipSchema,
)
from schemas.public_profiles import PublicProfileQuerySchema, PublicProfileSchema

# Ids in paths stay within the database's integer keys: a larger one is a 404, not a 500.

blp = Blueprint(
    "creators", __name__, description="Creators: profile, opt-in, offers, sponsorships, payouts."
)

READ_BODIES = read_cache.EXTENSION
# The creator's hot reads have no rate limit; without this flask-limiter still resolves their
# (empty) limits on every request, a tenth of the request's time. Give either a limit and
# remove it from here.
UNLIMITED_READS = frozenset({"creators.Me", "creators.MyOffers"})


@limiter.request_filter
def _unlimited_reads() -> bool:
    return request.method == "GET" and request.endpoint in UNLIMITED_READS


@dataclass
class _Profile:
    """The creator row plus the figures the platform computes (reliability, eligibility)."""

    creator: Creator
    reliability: collaborations.Reliability
    offer_eligibility: eligibility.OfferEligibility

    def __getattr__(self, name: str) -> Any:
        return getattr(self.creator, name)


def _share_window() -> int:
    return int(current_app.config["SPONSORED_SHARE_WINDOW_DAYS"])


def _profile(creator: Creator) -> _Profile:
    return _Profile(
        creator,
        collaborations.reliability(db.session, creator.id),
        eligibility.offer_eligibility(
            db.session,
            creator,
            now=utcnow(),
            rules=OfferRules.from_config(current_app.config),
            window_days=_share_window(),
        ),
    )


@blp.route("/creators/me")
class Me(MethodView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CreatorProfileSchema, example=ex.PROFILE)
    def get(self) -> Any:
        """Your profile, with the reliability figures the platform keeps."""
        # The caller's statement, then the body kept for its key (collaborations.read_cache)
        # or one more statement (collaborations/creator_reads.py); the JSON is
        # CreatorProfileSchema's.
        now, token = utcnow(), bearer_token()
        caller = creator_reads.read_caller(db.reads, token, now)
        refuse_other_roles(caller.role, (Role.CREATOR,))
        bodies, key = _read_bodies(), read_cache.profile_key(caller, now)
        body = bodies.get(key)
        if body is None:
            profile = creator_reads.read_profile(
                db.reads,
                token,
                now=now,
                rules=OfferRules.from_config(current_app.config),
                window_days=_share_window(),
            )
            body = jsonify(fast_json.profile_json(profile)).get_data()
            bodies.put(key, body)
        return _json_body(body)

    @require(Role.CREATOR)
    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CreatorProfilePatchSchema, required=False, example=ex.PROFILE_PATCH)
    @blp.response(200, CreatorProfileSchema, example=ex.PROFILE)
    def patch(self, changes: dict[str, Any]) -> Any:
        """Update your profile: audience, rate card, capacity, recent posts and the rest.

        Reporting `recent_posts_30d` recomputes your `sponsored_share` at once."""
        return _profile(
            profiles.update_profile(
                db.session, current_creator(), changes, share_window_days=_share_window()
            )
        )


@blp.route(f"/creators/<{ID}:creator_id>")
class PublicCreator(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PublicProfileQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PublicProfileSchema, example=ex.PUBLIC_PROFILE)
    @blp.alt_response(
        404,
        **ex.error_doc(
            404,
            "Unknown, or not open to paid work and never offered by you; or `campaign_id` "
            "is not one of your campaigns.",
            "Creator not found.",
        ),
    )
    def get(self, creator_id: int, campaign_id: int | None) -> Any:
        """A creator's public profile and reliability; with `campaign_id`, the audience fit."""
        return public_profile.get_public_profile(
            db.session, current_brand(), creator_id, campaign_id=campaign_id
        )


@blp.route("/creators/me/availability")
class Availability(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, AvailabilitySchema, example=ex.AVAILABILITY)
    def get(self) -> Any:
        """Whether you are open to paid collaborations (a lapsed opt-in reads as closed)."""
        return profiles.get_availability(current_creator())

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(AvailabilitySchema, example=ex.AVAILABILITY_INPUT)
    @blp.response(200, AvailabilitySchema, example=ex.AVAILABILITY)
    def put(self, data: dict[str, Any]) -> Any:
        """Open or close yourself to offers; closing keeps the work you accepted."""
        return profiles.set_availability(
            db.session,
            current_creator(),
            **data,
            match_now=current_app.config["MATCH_INCREMENTAL"],
        )


@blp.route("/creators/me/offers")
class MyOffers(MethodView):
    decorators = [require_caller(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    # An instance, not the class: webargs would build the schema again on every request.
    @blp.arguments(OfferQuerySchema(), location="query", as_kwargs=True)
    @blp.response(200, page_of(OfferSchema), example=ex.page(ex.OFFER))
    def get(self, **query: Any) -> Any:
        """Your offers inbox, newest first."""
        # The caller's statement (require_caller), then the page kept for its key
        # (collaborations.read_cache) or one more statement (collaborations/creator_reads.py);
        # the JSON is page_of(OfferSchema)'s.
        caller, bodies = current_caller(), _read_bodies()
        key = read_cache.inbox_key(
            caller,
            status=query.get("status"),
            page=query.get("page", 1),
            page_size=query.get("page_size", 20),
        )
        body = bodies.get(key)
        if body is None:
            now = utcnow()
            page = creator_reads.read_offers(db.reads, caller, now=now, **query)
            body = jsonify(fast_json.offers_page_json(page, now)).get_data()
            if not any(item.text_written_now for item in page.items):
                bodies.put(key, body)
        return _json_body(body)


def _read_bodies() -> read_cache.BodyCache:
    """This app's kept bodies of the creator's hot reads (one cache per process and app)."""
    return current_app.extensions[READ_BODIES]  # type: ignore[no-any-return]


def _json_body(body: bytes) -> Any:
    return current_app.response_class(body, mimetype=current_app.json.mimetype)  # type: ignore[attr-defined]


@blp.route(f"/offers/<{ID}:offer_id>/accept")
class OfferAccept(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(201, SponsorshipSchema, example=ex.SPONSORSHIP)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "Expired, already answered, or capacity/exclusivity/budget no longer hold.",
            "This offer has expired.",
        ),
    )
    def post(self, offer_id: int) -> Any:
        """Accept an offer: it becomes a sponsorship."""
        return collaborations.accept_offer(
            db.session, current_creator(), offer_id, provider=payment_provider()
        )


@blp.route(f"/offers/<{ID}:offer_id>/decline")
class OfferDecline(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(DeclineSchema, required=False, example=ex.DECLINE)
    @blp.response(200, OfferSchema, example=ex.DECLINED_OFFER)
    @blp.alt_response(
        409, **ex.error_doc(409, "Expired or already answered.", "This offer was already accepted.")
    )
    def post(self, data: dict[str, Any], offer_id: int) -> Any:
        """Decline an offer, optionally saying why."""
        return collaborations.decline_offer(
            db.session, current_creator(), offer_id, data.get("reason")
        )


@blp.route("/creators/me/sponsorships")
class MySponsorships(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(SponsorshipQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(SponsorshipSchema), example=ex.page(ex.SPONSORSHIP))
    def get(self, **query: Any) -> Any:
        """Your sponsorships, newest first."""
        return collaborations.list_sponsorships(db.session, current_creator(), **query)


@blp.route(f"/sponsorships/<{ID}:sponsorship_id>/deliverable")
class Deliverable(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(DeliverableSchema, example=ex.DELIVERABLE)
    @blp.response(200, SponsorshipSchema, example=ex.DELIVERED_SPONSORSHIP)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "Nothing to deliver in this state.",
            "This sponsorship is approved; nothing to deliver.",
        ),
    )
    def post(self, data: dict[str, Any], sponsorship_id: int) -> Any:
        """Hand in your published, labelled post for the brand's review."""
        return collaborations.submit_deliverable(
            db.session,
            current_creator(),
            sponsorship_id,
            **data,
            share_window_days=_share_window(),
            auto_approve_days=int(current_app.config["AUTO_APPROVE_DAYS"]),
        )


@blp.route("/creators/me/payouts")
class MyPayouts(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(PayoutSchema), example=ex.page(ex.PAYOUT))
    def get(self, **query: Any) -> Any:
        """What you were paid, per sponsorship."""
        return payments.list_payouts(db.session, current_creator(), **query)


@blp.route("/creators/me/payout-account")
class MyPayoutAccount(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, PayoutAccountSchema, example=ex.PAYOUT_ACCOUNT)
    def get(self) -> Any:
        """Whether you can receive payouts yet."""
        return onboarding.payout_account(current_creator(), payment_provider())

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, PayoutAccountSchema, example=ex.PAYOUT_ACCOUNT)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "Payouts are settled outside Dandelion here (ledger mode).",
            "Payouts are settled outside Dandelion on this installation.",
        ),
    )
    def post(self) -> Any:
        """Start or continue payout onboarding: returns a link to Stripe's onboarding."""
        home = request.host_url.rstrip("/")
        return onboarding.start_onboarding(
            db.session,
            current_creator(),
            payment_provider(),
            return_url=f"{home}/api/v1/creators/me/payout-account",
            refresh_url=f"{home}/api/v1/creators/me/payout-account",
        )
