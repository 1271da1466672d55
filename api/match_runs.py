"""Operators start and watch match runs: the weekly (global) ones and incremental ones."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate, validates_schema
from sqlalchemy import select

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, require
from api.params import ID
from core.pagination import paginate
from extensions import db
from matching import runs
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from schemas.common import PageQuerySchema, StrictSchema, page_of

blp = Blueprint(
    "match_runs", __name__, description="Operators: the weekly and the incremental matching."
)
_RUN_ID = validate.Range(min=1, max=2_147_483_647)


class MatchRunRequestSchema(StrictSchema):
    week = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{4}-W\d{2}$", error="Use the ISO form YYYY-Www."),
        metadata={
            "description": "ISO week of a weekly run, the current one or a past one (default: "
            "the current week). A week that has not started is refused.",
            "example": "2026-W48",
        },
    )
    campaign_id = fields.Integer(
        load_default=None,
        validate=_RUN_ID,
        metadata={
            "description": "Instead of a week: match this published campaign now against the "
            "current week's residual market (an incremental run; retries a failed one)."
        },
    )
    creator_id = fields.Integer(
        load_default=None,
        validate=_RUN_ID,
        metadata={
            "description": "Instead of a week: match this open creator now against every "
            "published campaign (an incremental run; retries a failed one)."
        },
    )

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_: Any) -> None:
        given = [k for k in ("week", "campaign_id", "creator_id") if data.get(k) is not None]
        if len(given) > 1:
            raise ma.ValidationError(
                "Give a week, a campaign_id or a creator_id, not several.", given[-1]
            )


class MatchRunScopeSchema(ma.Schema):
    campaign_id = fields.Integer(
        metadata={"description": "The campaign an incremental run matched."}
    )
    creator_id = fields.Integer(metadata={"description": "The creator an incremental run matched."})


class MatchRunBoundSchema(ma.Schema):
    """The proven upper bound the run's gap is measured against, and where it comes from."""

    value = fields.Float(
        metadata={
            "description": "Proven upper bound on the value of any assignment of the whole "
            "market (every eligible pair not offered before), the same as the run's `bound`."
        }
    )
    source = fields.String(
        metadata={
            "description": "`whole-market LP`: column generation's certified bound on the "
            "whole market; `whole-market pricing at the shards' LP prices`: a sharded run's, "
            "one pass over the whole market at the shards' prices; `candidate-set LP`: only "
            "the solver's candidate pairs (no pricing pass ran)."
        }
    )
    gap = fields.Float(metadata={"description": "(value - objective) / value."})
    candidate_bound = fields.Float(
        metadata={
            "description": "The bound over the candidate pairs the solver saw (at most "
            "`value` up to rounding: the candidates are part of the market)."
        }
    )
    candidate_gap = fields.Float(
        metadata={"description": "(candidate_bound - objective) / candidate_bound."}
    )
    pricing_seconds = fields.Float(
        metadata={"description": "Seconds spent pricing the market (column generation)."}
    )


class MatchRunHealthSchema(ma.Schema):
    """Who got the run's offers and what fair exposure cost (README, "Fair exposure")."""

    eligible_creators = fields.Integer(
        metadata={"description": "Creators with at least one candidate pair in this run."}
    )
    offered_creators = fields.Integer(
        metadata={"description": "Distinct creators who got at least one offer."}
    )
    offered_share = fields.Float(
        metadata={"description": "offered_creators / eligible_creators (0-1)."}
    )
    koc_offer_share = fields.Float(
        metadata={
            "description": "Share of the run's offers that went to small creators (followers "
            "at or below MATCH_KOC_MAX_FOLLOWERS)."
        }
    )
    koc_floor = fields.Float(
        allow_none=True,
        metadata={
            "description": "The fair-exposure setting the run used: the largest share of "
            "value it was allowed to give up (MATCH_FAIR_EXPOSURE_MAX_COST), null when fair "
            "exposure was off."
        },
    )
    koc_floor_cost = fields.Float(
        metadata={
            "description": "The value fair exposure really gave up: 1 - value / best value "
            "found without it (0-1, never above koc_floor; 0 when off)."
        }
    )
    top_decile_budget_share = fields.Float(
        metadata={
            "description": "Share of the run's spend that went to the top tenth of the "
            "offered creators (by their spend in this run)."
        }
    )
    max_offers_per_creator = fields.Integer(
        metadata={"description": "The most offers one creator got in this run."}
    )
    bound = fields.Nested(
        MatchRunBoundSchema,
        allow_none=True,
        metadata={
            "description": "The whole-market bound and its gap (null for runs written before "
            "it was recorded)."
        },
    )


class MatchRunSchema(ma.Schema):
    id = fields.Integer()
    week = fields.String()
    kind = fields.Enum(
        MatchRunKind,
        by_value=True,
        metadata={
            "description": "`weekly`: the global run of the week. `incremental`: one campaign "
            "or one creator against the week's residual market."
        },
    )
    scope = fields.Nested(
        MatchRunScopeSchema,
        metadata={"description": "What an incremental run matched; empty for a weekly run."},
    )
    status = fields.Enum(MatchRunStatus, by_value=True)
    stage = fields.String()
    progress = fields.Integer(metadata={"description": "Percent done."})
    objective = fields.Float(
        allow_none=True,
        metadata={"description": "Total value (thousands of engaged target people)."},
    )
    bound = fields.Float(
        allow_none=True,
        metadata={
            "description": "Proven upper bound on the objective over the whole market "
            "(`health.bound` says how it was computed)."
        },
    )
    gap = fields.Float(allow_none=True, metadata={"description": "(bound - objective) / bound."})
    seconds = fields.Float(allow_none=True)
    solver_status = fields.String(allow_none=True)
    candidates = fields.Integer(
        allow_none=True, metadata={"description": "Candidate pairs the solver saw."}
    )
    offers = fields.Integer(attribute="offers_created", allow_none=True)
    shards = fields.Integer()
    attempts = fields.Integer()
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    health = fields.Nested(
        MatchRunHealthSchema,
        allow_none=True,
        metadata={"description": "The run's health figures; null until it has succeeded."},
    )


@blp.route("/match-runs")
class MatchRuns(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(MatchRunRequestSchema, example=ex.MATCH_RUN_REQUEST)
    @blp.response(202, MatchRunSchema, example=ex.QUEUED_MATCH_RUN)
    def post(self, data: dict[str, Any]) -> Any:
        """Start a week's matching (once per week: asking again returns the same run), or an
        incremental run for one campaign or creator."""
        if data["campaign_id"] is not None or data["creator_id"] is not None:
            run, _ = runs.request_incremental_run(
                db.session, campaign_id=data["campaign_id"], creator_id=data["creator_id"]
            )
            return run
        run, _ = runs.request_run(db.session, data["week"] or runs.current_week())
        return run

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(MatchRunSchema), example=ex.page(ex.MATCH_RUN))
    def get(self, page: int, page_size: int) -> Any:
        """All runs, weekly and incremental, newest first."""
        return paginate(db.session, select(MatchRun).order_by(MatchRun.id.desc()), page, page_size)


@blp.route(f"/match-runs/<{ID}:run_id>")
class MatchRunItem(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, MatchRunSchema, example=ex.MATCH_RUN)
    def get(self, run_id: int) -> Any:
        """A run's status, progress and solver figures."""
        return runs.get_run(db.session, run_id)
