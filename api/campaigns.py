"""Brands' campaigns."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api.auth import BEARER_SECURITY, current_brand, require
from api.schemas.campaigns import (
    CampaignInputSchema,
    CampaignOfferQuerySchema,
    CampaignOfferSchema,
    CampaignPatchSchema,
    CampaignQuerySchema,
    CampaignReportSchema,
    CampaignSchema,
    CampaignSponsorshipQuerySchema,
    CampaignSponsorshipSchema,
    FundCampaignResultSchema,
)
from api.schemas.common import page_of
from campaigns import services
from collaborations import services as collaborations
from extensions import db

blp = Blueprint("campaigns", __name__, description="A brand's campaigns and their life cycle.")


@blp.route("/campaigns")
class Campaigns(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignSchema))
    def get(self, page: int, page_size: int, status: Any) -> Any:
        """List your campaigns, newest first."""
        return services.list_campaigns(
            db.session, current_brand(), page=page, page_size=page_size, status=status
        )

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignInputSchema)
    @blp.response(201, CampaignSchema)
    def post(self, fields: dict[str, Any]) -> Any:
        """Create a draft campaign."""
        return services.create_campaign(db.session, current_brand(), fields)


@blp.route("/campaigns/<int:campaign_id>")
class CampaignItem(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CampaignSchema)
    def get(self, campaign_id: int) -> Any:
        """Read one of your campaigns."""
        return services.get_campaign(db.session, current_brand(), campaign_id)

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignPatchSchema(partial=True))
    @blp.response(200, CampaignSchema)
    @blp.alt_response(409, description="The campaign's state does not allow this change.")
    def patch(self, changes: dict[str, Any], campaign_id: int) -> Any:
        """Change fields; budget and targeting only while it is a draft."""
        return services.update_campaign(db.session, current_brand(), campaign_id, changes)

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(204)
    @blp.alt_response(409, description="Only drafts can be deleted.")
    def delete(self, campaign_id: int) -> None:
        """Delete a draft."""
        services.delete_campaign(db.session, current_brand(), campaign_id)


@blp.route("/campaigns/<int:campaign_id>/fund")
class CampaignFund(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, FundCampaignResultSchema)
    @blp.alt_response(409, description="Only drafts can be funded.")
    def post(self, campaign_id: int) -> Any:
        """Fund a draft: budget plus the platform fee (ledger mode settles at once)."""
        campaign, payment = services.fund_campaign(
            db.session,
            current_brand(),
            campaign_id,
            provider=current_app.config["PAYMENTS_PROVIDER"],
            fee_bps=current_app.config["PLATFORM_FEE_BPS"],
        )
        return {"campaign": campaign, "payment": payment}


def _transition(name: str, doc: str, service: Any) -> None:
    """Register ``POST /campaigns/{id}/<name>`` for a plain state transition."""

    def post(self: MethodView, campaign_id: int) -> Any:
        return service(db.session, current_brand(), campaign_id)

    post.__doc__ = doc
    view = type(
        f"Campaign{name.title()}",
        (MethodView,),
        {
            "decorators": [require(Role.BRAND)],
            "post": blp.doc(security=BEARER_SECURITY)(
                blp.response(200, CampaignSchema)(
                    blp.alt_response(409, description="The campaign's state does not allow it.")(
                        post
                    )
                )
            ),
        },
    )
    blp.route(f"/campaigns/<int:campaign_id>/{name}")(view)


_transition(
    "publish", "Open a funded campaign to the next weekly matching.", services.publish_campaign
)
_transition("cancel", "Cancel; what is not committed goes back to you.", services.cancel_campaign)
_transition(
    "complete",
    "Close a published campaign; the unspent rest goes back.",
    services.complete_campaign,
)


@blp.route("/campaigns/<int:campaign_id>/offers")
class CampaignOffers(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignOfferQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignOfferSchema))
    def get(self, campaign_id: int, **query: Any) -> Any:
        """The campaign's offers: creator, fit, price, the explanation and status."""
        campaign = services.get_campaign(db.session, current_brand(), campaign_id)
        return collaborations.list_campaign_offers(db.session, campaign, **query)


@blp.route("/campaigns/<int:campaign_id>/sponsorships")
class CampaignSponsorships(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignSponsorshipQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignSponsorshipSchema))
    def get(self, campaign_id: int, **query: Any) -> Any:
        """The campaign's sponsorships; delivered posts waiting for your review come first."""
        campaign = services.get_campaign(db.session, current_brand(), campaign_id)
        return collaborations.list_campaign_sponsorships(db.session, campaign, **query)


@blp.route("/campaigns/<int:campaign_id>/report")
class CampaignReport(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CampaignReportSchema)
    def get(self, campaign_id: int) -> Any:
        """Spend, commitments, what is left, sponsorships by status and reach."""
        campaign = services.get_campaign(db.session, current_brand(), campaign_id)
        return collaborations.campaign_report(db.session, campaign)
