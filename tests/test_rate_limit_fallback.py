"""Redis down: rate-limited routes fall back to in-memory counting (never 500) and go back to
Redis once it answers again. A real ``redis-server`` is started, killed and restarted here."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.conftest import PASSWORD
from tests.e2e.dashboard_helpers import Dash

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisProcess:
    """A throwaway ``redis-server`` on one port, which the test can stop and start again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.client = redis.Redis(port=port, socket_timeout=1)

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client.ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
        self.client.connection_pool.disconnect()

    def limit_keys(self) -> list[bytes]:
        return list(self.client.scan_iter("LIMITS*"))


@pytest.fixture
def redis_server() -> Iterator[RedisProcess]:
    server = RedisProcess(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_rate_limited_routes_survive_redis_going_down_and_coming_back(make_app, redis_server):
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{redis_server.port}/0",
        RATELIMIT_TOKENS="3 per minute",
        RATELIMIT_SIGNUP="50 per minute",
        RATELIMIT_LOGIN="50 per minute",
    )
    client = app.test_client()
    login = {"email": "glow@example.com", "password": PASSWORD}

    def signup(n: int) -> Any:
        body = {"name": f"Brand {n}", "email": f"brand{n}@example.com", "password": PASSWORD}
        return client.post("/api/v1/brands", json=body)

    # Before: Redis counts.
    assert client.post("/api/v1/brands", json={"name": "Glow", **login}).status_code == 201
    for _ in range(3):
        assert client.post("/api/v1/tokens", json=login).status_code == 201
    assert client.post("/api/v1/tokens", json=login).status_code == 429
    assert redis_server.limit_keys()

    # During: Redis is gone; every rate-limited route still answers, counted in memory.
    redis_server.kill()
    statuses = [client.post("/api/v1/tokens", json=login).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]  # the limit still holds, counted afresh
    assert signup(1).status_code == 201
    dash = Dash(app)
    assert dash.signup("Dash Brand", "dash@example.com").status_code in (200, 302, 303)
    dash_login = Dash(app).login("dash@example.com")
    assert dash_login.status_code in (200, 302, 303), dash_login.status_code

    # After: Redis is back on the same port (empty); the limiter returns to it on its own.
    redis_server.start()
    deadline = time.monotonic() + 90  # flask-limiter re-checks with backoff, at most ~32 s
    statuses = []
    while not redis_server.limit_keys():
        assert time.monotonic() < deadline, "the limiter never went back to Redis"
        statuses.append(signup(100 + len(statuses)).status_code)
        time.sleep(0.25)
    assert set(statuses) <= {201, 429}, statuses
    # Redis counts again, from zero: its data went with the old process.
    for _ in range(3):
        assert client.post("/api/v1/tokens", json=login).status_code == 201
    assert client.post("/api/v1/tokens", json=login).status_code == 429
    assert len(redis_server.limit_keys()) >= 2  # the sign-up and the token limits
