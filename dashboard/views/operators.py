"""Operators: match runs with their progress and solver figures; start a run; reset tokens."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for

from accounts.password_reset import issue_reset_token
from core.errors import DomainError
from core.weeks import week_of
from dashboard import queries
from dashboard.auth import operator_required
from dashboard.blueprint import bp, discard_changes, page_arg
from dashboard.forms import IssueResetForm, StartRunForm
from extensions import db
from matching import runs
from matching.models import MatchRunStatus

ACTIVE = (MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)


@bp.route("/operator/runs", methods=["GET", "POST"], endpoint="match_runs")
@operator_required
def match_runs() -> Any:
    """Every match run (weekly and incremental), newest first, and the form to start one."""
    form = StartRunForm()
    status = 200
    if form.validate_on_submit():
        week = (form.week.data or "").strip()
        try:
            run, queued = runs.request_run(db.session, week)
        except DomainError as exc:
            discard_changes()
            form.week.errors = [*form.week.errors, *exc.errors.get("week", [exc.message])]
            status = 422
        else:
            if queued:
                flash(f"Match run for the {week_of(week)} ({week}) started.", "success")
            else:
                flash(
                    f"The run for the {week_of(week)} ({week}) already exists "
                    f"({run.status.value}).",
                    "info",
                )
            return redirect(url_for("dashboard.match_run", run_id=run.id), code=303)
    elif form.is_submitted():
        status = 422
    this_week = runs.current_week()
    if not form.is_submitted():
        form.week.data = this_week
    form.week.description = (
        f"This week is {this_week} ({week_of(this_week)}). A week is matched once; a failed "
        "run can be started again."
    )
    page = queries.list_runs(db.session, page_arg())
    refresh = any(r.status in ACTIVE for r in page.items)
    names = _scope_names(page.items)
    return render_template(
        "dashboard/operator/runs.html", form=form, page=page, refresh=refresh, names=names
    ), status


def _scope_names(runs_: list[Any], campaign_ids: list[Any] | None = None) -> queries.Names:
    """Names for the campaigns and creators incremental runs (and outcomes) mention."""
    scopes = [r.scope or {} for r in runs_]
    return queries.names_for(
        db.session,
        [s["campaign_id"] for s in scopes if s.get("campaign_id")] + (campaign_ids or []),
        [s["creator_id"] for s in scopes if s.get("creator_id")],
    )


@bp.get("/operator/runs/<int(min=1, max=2147483647):run_id>")
@operator_required
def match_run(run_id: int) -> Any:
    """One run: progress while it works, then the solver's figures and per-campaign outcome."""
    run = queries.run_without_details(db.session, run_id)
    if run is None:
        abort(404)
    total, campaigns = queries.run_campaign_outcomes(db.session, run)
    names = _scope_names([run], [c.get("campaign") for c in campaigns])
    return render_template(
        "dashboard/operator/run.html",
        run=run,
        names=names,
        campaigns=campaigns,
        campaign_total=total,
        refresh=run.status in ACTIVE,
        health=run.health,
        koc_max_followers=current_app.config["MATCH_KOC_MAX_FOLLOWERS"],
    )


@bp.route("/operator/reset-tokens", methods=["GET", "POST"])
@operator_required
def reset_tokens() -> Any:
    """Issue a one-time password reset token for an account (shown once)."""
    form = IssueResetForm()
    token = None
    status = 200
    if form.validate_on_submit():
        try:
            token = issue_reset_token(db.session, form.email.data or "")
        except DomainError as exc:
            discard_changes()
            form.email.errors = [*form.email.errors, exc.message]
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("dashboard/operator/reset_tokens.html", form=form, token=token), status
