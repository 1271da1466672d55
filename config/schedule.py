"""Every periodic job, declared once, in UTC.

Production: ``rq cron config/rq_cron.py`` (one scheduler process) enqueues them for the
``rq worker`` processes. Embedded mode has no scheduler: run ``flask --app app match run``
(or the jobs' commands) from the system's cron instead.
"""

from __future__ import annotations

from dataclasses import dataclass

WEEKLY_RUN_HOUR_UTC = 6  # the weekly matching runs on Monday at 06:00 UTC


@dataclass(frozen=True)
class PeriodicJob:
    func: str  # dotted path of the job function
    cron: str  # cron expression, UTC
    queue: str = "default"


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("matching.jobs.weekly_matching_job", f"0 {WEEKLY_RUN_HOUR_UTC} * * 1", "matching"),
    # Catch-up: if the scheduler was down on Monday morning, this week's run starts within the
    # hour after it is back (a week that already ran is left alone).
    PeriodicJob("matching.jobs.weekly_matching_job", "20 * * * *", "matching"),
    # Incremental runs (a campaign published, a creator opting in) that failed or were lost
    # are queued again within minutes, a few times at most.
    PeriodicJob("matching.jobs.retry_incremental_runs_job", "*/10 * * * *", "matching"),
    # Orphans: runs, payouts and refunds whose RQ job vanished with Redis or whose worker was
    # killed are queued again within about three minutes (see README, "Jobs").
    PeriodicJob("matching.jobs.recover_orphaned_runs_job", "* * * * *"),
    PeriodicJob("payments.jobs.requeue_lost_payment_jobs_job", "* * * * *"),
    PeriodicJob("matching.jobs.expire_offers_job", "*/15 * * * *"),
    # Notifications: new ones are routed and mailed right after their commit; this sweep sends
    # what that missed and the retries that fell due (emails and webhooks, with backoff).
    PeriodicJob("notifications.jobs.deliver_notifications_job", "* * * * *"),
    PeriodicJob("payments.jobs.pay_pending_payouts_job", "40 * * * *"),
    PeriodicJob("payments.jobs.retry_pending_refunds_job", "45 * * * *"),
    # Reminders 24 h ahead: offers about to expire, open calls about to close (each once).
    PeriodicJob("collaborations.reminder_jobs.send_reminders_job", "*/15 * * * *"),
    # Open calls past their closing time: applicants not selected are told (once).
    PeriodicJob("collaborations.open_call_jobs.close_open_calls_job", "*/5 * * * *"),
    # Authenticity: sponsored posts age out of the window; daily, before Monday's matching.
    PeriodicJob("collaborations.authenticity_jobs.recompute_sponsored_shares_job", "30 5 * * *"),
    # Approvals that end: delivered posts nobody reviewed in AUTO_APPROVE_DAYS are approved
    # and paid (once, even beside a brand's approval; see collaborations/approvals.py).
    PeriodicJob("collaborations.approval_jobs.auto_approve_job", "5 * * * *"),
    # Tracking-link clicks counted in Redis reach the database (and the report) within a minute.
    PeriodicJob("results.jobs.flush_clicks_job", "* * * * *"),
    # Trend reports: this ISO week's interest shares, rewritten daily (a week keeps the state of
    # its last day, Sunday 23:50 UTC) and missing past demand weeks derived from campaigns.
    PeriodicJob("trends.jobs.snapshot_trends_job", "50 23 * * *"),
)


def register_with_rq() -> None:
    """Register ``PERIODIC_JOBS`` with RQ's cron scheduler."""
    from rq import cron

    from queueing import resolve

    for job in PERIODIC_JOBS:
        cron.register(resolve(job.func), job.queue, cron=job.cron, name=f"{job.func} {job.cron}")
