"""In CI every collected test must run: a skip fails the session, and so does an xfail that
is not strict.

CI is on when the ``CI`` environment variable says so (``.ci/run`` exports ``CI=true``; any
value but "", "0", "false" or "no"). A skip there means a part of the suite did not run - a
missing Chromium, Playwright, gunicorn or redis-server - and a green run would hide it.

Tests that only mean something on PostgreSQL carry ``@pytest.mark.postgresql_only``: on
SQLite they are deselected (and counted at the end), never skipped, on every run.
"""

from __future__ import annotations

import os

import pytest

POSTGRESQL_ONLY = "postgresql_only"


def ci_is_on() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def on_postgresql() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith(("postgresql:", "postgres:"))


class SkipGate:
    """Collects what did not run; fails the session for it when CI is on."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.not_run: list[str] = []  # "nodeid: why"
        self.strict_xfail: set[str] = set()
        self.deselected_on_sqlite = 0

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if not on_postgresql():
            kept = [item for item in items if item.get_closest_marker(POSTGRESQL_ONLY) is None]
            dropped = [item for item in items if item.get_closest_marker(POSTGRESQL_ONLY)]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
                items[:] = kept
                self.deselected_on_sqlite = len(dropped)
        default_strict = bool(config.getini("xfail_strict"))
        for item in items:
            marks = list(item.iter_markers("xfail"))
            if marks and all(m.kwargs.get("strict", default_strict) for m in marks):
                self.strict_xfail.add(item.nodeid)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped:
            self.not_run.append(f"{report.nodeid}: {_reason(report)}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        wasxfail = hasattr(report, "wasxfail")
        if wasxfail and report.nodeid in self.strict_xfail:
            return  # a strict xfail that failed as it says: allowed
        if report.skipped or wasxfail:
            kind = "xfail without strict=True" if wasxfail else "skipped"
            self.not_run.append(f"{report.nodeid} ({report.when}, {kind}): {_reason(report)}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        quiet = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)  # all skipped: 5
        if self.strict and self.not_run and session.exitstatus in quiet:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.deselected_on_sqlite:
            terminalreporter.write_line(
                f"{self.deselected_on_sqlite} PostgreSQL-only tests deselected: this run is on "
                "SQLite (TEST_DATABASE_URL=postgresql://... runs them)"
            )
        if self.strict and self.not_run:
            terminalreporter.section("CI: tests that did not run fail the run", red=True)
            for line in self.not_run:
                terminalreporter.write_line(line)


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail) or "(no reason)"
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{POSTGRESQL_ONLY}: runs on PostgreSQL only; deselected on SQLite, never skipped",
    )
    config.pluginmanager.register(SkipGate(strict=ci_is_on()), "dandelion-skip-gate")
