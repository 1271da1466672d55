"""Deferred jobs leave only when the whole transaction commits, never at a savepoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

import queueing
from core import jobs
from extensions import db


@pytest.fixture
def dispatched(app: Flask) -> Iterator[list[str]]:
    ran: list[str] = []
    jobs.set_dispatcher(lambda job: ran.append(job.job_id))
    try:
        yield ran
    finally:
        jobs.set_dispatcher(queueing.dispatch)  # what create_app installs


def test_a_released_savepoint_does_not_dispatch_the_outer_transactions_jobs(
    app: Flask, dispatched: list[str]
) -> None:
    with app.app_context():
        session = db.session
        jobs.defer_job(session, "notifications.jobs.deliver_notifications_job", job_id="a")
        with session.begin_nested():
            jobs.defer_job(session, "notifications.jobs.deliver_notifications_job", job_id="b")
        assert dispatched == []  # the outer transaction is still open: nothing may run yet
        session.commit()
        assert dispatched == ["a", "b"]


def test_a_rollback_after_a_savepoint_drops_its_jobs(app: Flask, dispatched: list[str]) -> None:
    with app.app_context():
        session = db.session
        with session.begin_nested():
            jobs.defer_job(session, "notifications.jobs.deliver_notifications_job", job_id="c")
        session.rollback()
        session.commit()
        assert dispatched == []


def test_a_savepoint_rolled_back_keeps_the_outer_transactions_jobs(
    app: Flask, dispatched: list[str]
) -> None:
    """A caught insert race (a SAVEPOINT rolled back) must not lose what the transaction
    asked for before it: the payout or the delivery job of the approval still runs."""
    with app.app_context():
        session = db.session
        jobs.defer_job(session, "notifications.jobs.deliver_notifications_job", job_id="d")
        savepoint = session.begin_nested()
        savepoint.rollback()
        session.commit()
        assert dispatched == ["d"]
