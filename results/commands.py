"""Operators' commands for results: ``flask --app app metrics import FILE`` and
``flask --app app jobs flush-clicks`` (embedded installations have no scheduler)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import session_scope
from extensions import db
from results.metrics import CsvMetricsImporter, import_metrics


@click.group("metrics", cls=AppGroup)
def metrics_group() -> None:
    """Post metrics: snapshots of delivered posts' counts."""


@metrics_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def metrics_import(file: click.File) -> None:
    """Import snapshots from a CSV file with the header
    sponsorship_id,measured_at,views,likes,comments,saves,shares (one transaction; rows
    refused are listed and skipped; exits non-zero if any was refused)."""
    with session_scope(db.session_factory) as session:
        result = import_metrics(session, CsvMetricsImporter(file))  # type: ignore[arg-type]
    click.echo(f"{result.created} snapshots imported, {result.flagged} of them flagged.")
    for where, message in result.errors:
        click.echo(f"{where}: {message}", err=True)
    if result.errors:
        raise SystemExit(1)


@click.command("flush-clicks")
def flush_clicks() -> None:
    """Move tracking-link clicks counted in Redis into the database."""
    from results.jobs import flush_clicks_job

    click.echo(f"{flush_clicks_job()} clicks stored.")
