"""Brands' campaigns."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, current_brand, require
from api.params import ID
from campaigns import services
from collaborations import services as collaborations
from extensions import db, payment_provider
from results.report import campaign_results, report_with_results
from schemas.campaigns import (
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
from schemas.common import page_of

blp = Blueprint("campaigns", __name__, description="A brand's campaigns and their life cycle.")


@blp.route("/campaigns")
class Campaigns(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignSchema), example=ex.page(ex.CAMPAIGN))
    def get(self, page: int, page_size: int, status: Any) -> Any:
        """List your campaigns, newest first."""
        return services.list_campaigns(
            db.session, current_brand(), page=page, page_size=page_size, status=status
        )

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignInputSchema, example=ex.CAMPAIGN_INPUT)
    @blp.response(201, CampaignSchema, example=ex.CAMPAIGN)
    def post(self, fields: dict[str, Any]) -> Any:
        """Create a draft campaign."""
        return services.create_campaign(db.session, current_brand(), fields)


@blp.route(f"/campaigns/<{ID}:campaign_id>")
class CampaignItem(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CampaignSchema, example=ex.PUBLISHED_CAMPAIGN)
    def get(self, campaign_id: int) -> Any:
        """Read one of your campaigns."""
        return services.get_campaign(db.session, current_brand(), campaign_id)

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignPatchSchema(partial=True), required=False, example=ex.CAMPAIGN_PATCH)
    @blp.response(200, CampaignSchema, example={**ex.CAMPAIGN, **ex.CAMPAIGN_PATCH})
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "The campaign's state does not allow this change.",
            "A published campaign cannot be edited.",
        ),
    )
    def patch(self, changes: dict[str, Any], campaign_id: int) -> Any:
        """Change fields; budget and targeting only while it is a draft."""
        return services.update_campaign(db.session, current_brand(), campaign_id, changes)

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(204)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "Only drafts can be deleted.",
            "Only drafts can be deleted; cancel the campaign instead.",
        ),
    )
    def delete(self, campaign_id: int) -> None:
        """Delete a draft."""
        services.delete_campaign(db.session, current_brand(), campaign_id)


@blp.route(f"/campaigns/<{ID}:campaign_id>/fund")
class CampaignFund(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, FundCampaignResultSchema, example=ex.FUND_RESULT)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "Only drafts can be funded.",
            "Only drafts can be funded; this campaign is published.",
        ),
    )
    def post(self, campaign_id: int) -> Any:
        """Fund a draft: budget plus the platform fee (ledger mode settles at once)."""
        campaign, funding = services.fund_campaign(
            db.session,
            current_brand(),
            campaign_id,
            provider=payment_provider(),
            fee_bps=current_app.config["PLATFORM_FEE_BPS"],
        )
        return {"campaign": campaign, "payment": funding}


@blp.route(f"/campaigns/<{ID}:campaign_id>/publish")
class CampaignPublish(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CampaignSchema, example=ex.PUBLISHED_CAMPAIGN)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "Only funded campaigns can be published.",
            "Only funded campaigns can be published; this campaign is draft.",
        ),
    )
    def post(self, campaign_id: int) -> Any:
        """Open a funded campaign to matching (at once, against this week's open creators)."""
        return services.publish_campaign(
            db.session,
            current_brand(),
            campaign_id,
            match_now=current_app.config["MATCH_INCREMENTAL"],
        )


@blp.route(f"/campaigns/<{ID}:campaign_id>/cancel")
class CampaignCancel(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CampaignSchema, example=ex.CANCELLED_CAMPAIGN)
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "Completed or cancelled campaigns cannot be cancelled.",
            "A completed campaign cannot be cancelled.",
        ),
    )
    def post(self, campaign_id: int) -> Any:
        """Cancel; open offers are withdrawn and what is not committed goes back to you."""
        return services.cancel_campaign(
            db.session, current_brand(), campaign_id, provider=payment_provider()
        )


@blp.route(f"/campaigns/<{ID}:campaign_id>/complete")
class CampaignComplete(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CampaignSchema, example=ex.COMPLETED_CAMPAIGN)
    @blp.alt_response(409, **ex.error_doc(409, "Only published campaigns can be completed."))
    def post(self, campaign_id: int) -> Any:
        """Close a published campaign; the unspent rest goes back to you."""
        return services.complete_campaign(
            db.session, current_brand(), campaign_id, provider=payment_provider()
        )


@blp.route(f"/campaigns/<{ID}:campaign_id>/offers")
class CampaignOffers(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignOfferQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignOfferSchema), example=ex.page(ex.CAMPAIGN_OFFER))
    def get(self, campaign_id: int, **query: Any) -> Any:
        """Every offer of the campaign, from every run and channel, newest first: creator,
        fit, price, the explanation, status and source (filter with ?status= and ?source=)."""
        campaign = services.get_campaign(db.session, current_brand(), campaign_id)
        return collaborations.list_campaign_offers(db.session, campaign, **query)


@blp.route(f"/campaigns/<{ID}:campaign_id>/sponsorships")
class CampaignSponsorships(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CampaignSponsorshipQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignSponsorshipSchema), example=ex.page(ex.CAMPAIGN_SPONSORSHIP))
    def get(self, campaign_id: int, **query: Any) -> Any:
        """The campaign's sponsorships; delivered posts waiting for your review come first."""
        campaign = services.get_campaign(db.session, current_brand(), campaign_id)
        return collaborations.list_campaign_sponsorships(db.session, campaign, **query)


@blp.route(f"/campaigns/<{ID}:campaign_id>/report")
class CampaignReport(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CampaignReportSchema, example=ex.CAMPAIGN_REPORT)
    def get(self, campaign_id: int) -> Any:
        """Spend, commitments, what is left, the platform fee and its refund, sponsorships by
        status and reach.

        Every figure that is a forecast (computed from what creators report about their
        audience, not measured on the posts) is named ``forecast_*``; amounts are integers in
        minor units of ``currency``; ``series[].at`` are ISO 8601 date-times (UTC)."""
        campaign = services.get_campaign(db.session, current_brand(), campaign_id)
        report = collaborations.campaign_report(db.session, campaign)
        return report_with_results(report, campaign_results(db.session, campaign))
