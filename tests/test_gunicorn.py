"""README's production command, run for real: ``gunicorn -w 2 -k gthread --threads 8
'app:create_app()'`` on a
migrated database in production mode answers the spec and an authenticated route, with HSTS,
and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"  # installed by the test extra


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(
    base: str, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any, Any]:
    headers = {"Content-Type": "application/json", "X-Forwarded-Proto": "https"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response), response.headers
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc), exc.headers


@pytest.mark.skipif(
    not GUNICORN.exists(), reason="gunicorn is not installed (the test extra has it)"
)
def test_documented_gunicorn_command_serves_the_app(tmp_path):
    env = {
        **os.environ,
        "DANDELION_ENV": "production",
        "SECRET_KEY": "gunicorn-test-" + "s" * 32,
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "prod.sqlite"),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL"):
        env.pop(name, None)
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr

    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [str(GUNICORN), "-w", "2", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
         "app:create_app()"],  # fmt: skip
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                status, spec, headers = call(base, "GET", "/api/v1/openapi.json")
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        assert status == 200 and spec["info"]["title"] == "Dandelion API"
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert headers["X-Content-Type-Options"] == "nosniff"

        signup = {"name": "Glow Labs", "email": "glow@example.com", "password": PASSWORD}
        status, body, _ = call(base, "POST", "/api/v1/brands", signup)
        assert status == 201, body
        login = {"email": signup["email"], "password": PASSWORD}
        status, body, headers = call(base, "POST", "/api/v1/tokens", login)
        assert status == 201, body
        assert headers["Cache-Control"] == "no-store"
        status, page, headers = call(base, "GET", "/api/v1/campaigns", token=body["token"])
        assert status == 200 and page["items"] == [] and page["total"] == 0, page
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert headers["Cache-Control"] == "no-store"
        status, _, _ = call(base, "GET", "/api/v1/campaigns", token="not-a-token")
        assert status == 401
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            returncode = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
        log.seek(0)
        output = log.read()
        log.close()
    assert returncode == 0, output
    assert "Shutting down: Master" in output
