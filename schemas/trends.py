"""Trend reports: the query (``GET /trends``) and the report."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from trends.services import CHANGE_THRESHOLD, DEFAULT_WEEKS, MAX_WEEKS, MIN_CONTRIBUTORS

CATEGORY_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"


class TrendQuerySchema(ma.Schema):
    """``?category=&weeks=``"""

    category = fields.String(
        load_default=None,
        validate=validate.Regexp(CATEGORY_PATTERN, error="Not a category key."),
        metadata={
            "description": "A campaign category (e.g. skincare): creators who accept it and "
            "campaigns in it. Leave out for the whole platform.",
            "example": "skincare",
        },
    )
    weeks = fields.Integer(
        load_default=DEFAULT_WEEKS,
        validate=validate.Range(min=1, max=MAX_WEEKS),
        metadata={
            "description": "How many ISO weeks, the current one (measured live) last.",
            "example": DEFAULT_WEEKS,
        },
    )


_SHARE_LIST = fields.List(
    fields.Float(allow_none=True),
    metadata={
        "description": f"Per week (as in `weeks`), 0–1; null where fewer than {MIN_CONTRIBUTORS} "
        "creators (or campaigns) have the tag: suppressed, never estimated."
    },
)


class TagTrendSchema(ma.Schema):
    tag = fields.String(metadata={"description": "An interest tag found in the data."})
    shares = _SHARE_LIST
    change = fields.Float(
        allow_none=True,
        metadata={
            "description": "Last shown share minus first shown share in the window (null with "
            "fewer than two shown weeks)."
        },
    )
    direction = fields.String(
        allow_none=True,
        metadata={
            "description": f"rising, falling (a change of ±{CHANGE_THRESHOLD} or more) or "
            "steady; null with fewer than two shown weeks."
        },
    )


class SideTrendSchema(ma.Schema):
    side = fields.String(validate=validate.OneOf(["audience", "demand"]))
    weighting = fields.String(
        metadata={
            "description": "followers: Σ followers × share / Σ followers over open creators; "
            "campaigns: the mean over live campaigns' targets, each counted once (budgets are "
            "in different currencies and would let one brand decide the figure)."
        }
    )
    population = fields.List(
        fields.Integer(allow_none=True),
        metadata={
            "description": f"Creators (or campaigns) measured per week; null below {MIN_CONTRIBUTORS}."
        },
    )
    tags = fields.List(fields.Nested(TagTrendSchema), metadata={"description": "Latest first."})


class TrendMoveSchema(ma.Schema):
    side = fields.String(validate=validate.OneOf(["audience", "demand"]))
    tag = fields.String()
    change = fields.Float()


class TrendReportSchema(ma.Schema):
    category = fields.String(allow_none=True)
    weeks = fields.List(
        fields.Date(),
        metadata={"description": "The Monday of each ISO week, oldest first."},
    )
    current_week = fields.Date(
        metadata={"description": "The last week: measured live, not from a snapshot."}
    )
    min_contributors = fields.Integer(
        metadata={"description": "No figure is drawn from fewer creators (or campaigns)."}
    )
    change_threshold = fields.Float(
        metadata={"description": "The change (0–1) that counts as rising or falling."}
    )
    audience = fields.Nested(
        SideTrendSchema, metadata={"description": "Open creators' audiences (supply)."}
    )
    demand = fields.Nested(
        SideTrendSchema, metadata={"description": "Campaigns' target audiences (demand)."}
    )
    rising = fields.List(fields.Nested(TrendMoveSchema), metadata={"description": "Largest first."})
    falling = fields.List(
        fields.Nested(TrendMoveSchema), metadata={"description": "Largest fall first."}
    )
