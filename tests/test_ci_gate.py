"""The CI gate (tests/ci_gate.py), run on small test files in a pytest of their own: with CI on,
a skip or a non-strict xfail fails the run; PostgreSQL-only tests are deselected on SQLite."""

from __future__ import annotations

import pytest

PROBES = """
import pytest

def test_runs():
    pass

def test_skips():
    pytest.skip("something is missing")

@pytest.mark.xfail(reason="known", strict=True)
def test_strict_xfail():
    assert False

@pytest.mark.postgresql_only
def test_on_postgresql_only():
    pass
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    def run(source: str, *, ci: str = "true", database: str = "", **files: str):
        monkeypatch.setenv("CI", ci)
        monkeypatch.setenv("TEST_DATABASE_URL", database)
        pytester.makepyfile(test_probe=source, **files)
        return pytester.runpytest("-p", "tests.ci_gate", "-p", "no:cacheprovider", "-rs")

    return run


def test_a_skip_fails_a_ci_run_and_is_listed(run):
    result = run(PROBES)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=1, xfailed=1, deselected=1)
    result.stdout.fnmatch_lines(
        [
            "*CI: tests that did not run fail the run*",
            "test_probe.py::test_skips (call, skipped): something is missing",
        ]
    )


def test_outside_ci_a_skip_is_only_reported(run):
    result = run(PROBES, ci="false")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=1, xfailed=1, deselected=1)


def test_a_module_that_skips_itself_fails_a_ci_run(run):
    result = run("import pytest\npytest.importorskip('not_installed_here')\ndef test_x(): pass\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["test_probe.py: could not import 'not_installed_here'*"])


@pytest.mark.parametrize(
    "xfail",
    [
        "@pytest.mark.xfail(strict=False)\ndef test_x(): assert False",
        "def test_x(): pytest.xfail('later')",
    ],
)
def test_an_xfail_that_is_not_strict_fails_a_ci_run(run, xfail):
    result = run(f"import pytest\n{xfail}\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["test_probe.py::test_x (call, xfail without strict=True)*"])


def test_postgresql_only_tests_run_on_postgresql_and_are_deselected_on_sqlite(run):
    body = "import pytest\n@pytest.mark.postgresql_only\ndef test_x(): pass\ndef test_y(): pass\n"
    on_sqlite = run(body)
    assert on_sqlite.ret == pytest.ExitCode.OK
    on_sqlite.assert_outcomes(passed=1, deselected=1)
    on_sqlite.stdout.fnmatch_lines(["1 PostgreSQL-only tests deselected: this run is on SQLite*"])
    on_postgresql = run(body, database="postgresql://postgres@127.0.0.1:5432/unused")
    assert on_postgresql.ret == pytest.ExitCode.OK
    on_postgresql.assert_outcomes(passed=2)
