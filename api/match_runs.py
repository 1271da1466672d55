"""Operators start and watch the weekly match runs."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, require
from api.params import ID
from core.pagination import paginate
from extensions import db
from matching import runs
from matching.models import MatchRun, MatchRunStatus
from schemas.common import PageQuerySchema, StrictSchema, page_of

blp = Blueprint("match_runs", __name__, description="Operators: the weekly matching.")


class MatchRunRequestSchema(StrictSchema):
    week = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{4}-W\d{2}$", error="Use the ISO form YYYY-Www."),
        metadata={"description": "ISO week; defaults to the current one.", "example": "2026-W48"},
    )


class MatchRunSchema(ma.Schema):
    id = fields.Integer()
    week = fields.String()
    status = fields.Enum(MatchRunStatus, by_value=True)
    stage = fields.String()
    progress = fields.Integer(metadata={"description": "Percent done."})
    objective = fields.Float(
        allow_none=True,
        metadata={"description": "Total value (thousands of engaged target people)."},
    )
    bound = fields.Float(
        allow_none=True, metadata={"description": "Proven upper bound on the objective."}
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


@blp.route("/match-runs")
class MatchRuns(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(MatchRunRequestSchema, example=ex.MATCH_RUN_REQUEST)
    @blp.response(202, MatchRunSchema, example=ex.QUEUED_MATCH_RUN)
    def post(self, data: dict[str, Any]) -> Any:
        """Start a week's matching (once per week: asking again returns the same run)."""
        run, _ = runs.request_run(db.session, data["week"] or runs.iso_week(date.today()))
        return run

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(MatchRunSchema), example=ex.page(ex.MATCH_RUN))
    def get(self, page: int, page_size: int) -> Any:
        """All runs, newest first."""
        return paginate(db.session, select(MatchRun).order_by(MatchRun.id.desc()), page, page_size)


@blp.route(f"/match-runs/<{ID}:run_id>")
class MatchRunItem(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, MatchRunSchema, example=ex.MATCH_RUN)
    def get(self, run_id: int) -> Any:
        """A run's status, progress and solver figures."""
        return runs.get_run(db.session, run_id)
