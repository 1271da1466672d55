"""Tracking links: who clicked, once per client per minute, bots left out; and the flush of
clicks counted in Redis into the database.

Counting (``ClickRecorder``), two implementations behind one interface:

- **Redis** (production, ``REDIS_URL``): one Lua script per click, one round trip — ``SET
  seen:<sponsorship>:<client> <click id> NX EX 60`` and, when it was not seen, ``XADD`` the
  click to a stream. The web request answers only after Redis has the click, so a web worker
  dying loses nothing it acknowledged. :func:`flush_clicks` reads the stream with a consumer
  group, inserts the batch (``click_id`` is unique: a batch read twice inserts nothing twice),
  commits, and only then acknowledges and deletes it: a flush worker dying mid-batch leaves
  it pending, and the next flush (every minute) reads it again. What Redis itself holds
  between flushes is as durable as Redis is configured (``appendonly yes`` with ``everysec``:
  at most about a second).
- **SQL** (embedded mode, no Redis): an insert per click in its own short transaction, after
  a look-up of the same client's click in the last minute.

A client is a keyed hash (HMAC-SHA256 with ``SECRET_KEY``) of the address and the User-Agent:
no raw IP is stored anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from campaigns.models import Campaign
from collaborations.models import Sponsorship
from core.db import utcnow
from results.models import Click

log = logging.getLogger(__name__)
REPEAT_WINDOW_S = 60
STREAM = "dandelion:clicks"
GROUP = "flush"
CONSUMER = "flusher"
FLUSH_BATCH = 2_000
CLICK_PARAM = "dandelion_click"
# Crawlers, link previews, uptime checks and scripts: not people.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|telegram|skype|"
    r"headless|phantom|puppeteer|playwright|selenium|lighthouse|pingdom|uptime|monitor|"
    r"curl|wget|python-|httpclient|okhttp|go-http|java/|libwww|scrapy|axios|node-fetch",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    """An obvious bot: no User-Agent, or one that says it is a crawler, preview or script."""
    return not user_agent or BOT_PATTERN.search(user_agent) is not None


def client_hash(secret: bytes, address: str, user_agent: str) -> str:
    """The client's identity for repeat detection: a keyed hash, never the address itself."""
    digest = hmac.new(secret, f"{address}\n{user_agent}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def new_click_id(code: str) -> str:
    """``<tracking code>.<random>``: a conversion names its sponsorship even before the click
    reaches the database."""
    return f"{code}.{secrets.token_hex(6)}"


def code_of_click(click_id: str) -> str:
    """The tracking code a click id starts with."""
    return click_id.partition(".")[0]


@dataclass(frozen=True)
class Target:
    """Where a code leads: its sponsorship and the campaign's landing URL."""

    sponsorship_id: int
    landing_url: str | None


def find_target(session: Session, code: str) -> Target | None:
    """The sponsorship and landing URL of a tracking code (None: no such code)."""
    row = session.execute(
        select(Sponsorship.id, Campaign.landing_url)
        .join(Campaign, Campaign.id == Sponsorship.campaign_id)
        .where(Sponsorship.tracking_code == code)
    ).one_or_none()
    return Target(row[0], row[1]) if row is not None else None


class ClickRecorder(Protocol):
    """Counts a click unless the same client clicked the same link within a minute."""

    def record(self, sponsorship_id: int, code: str, client: str, now: datetime) -> str:
        """The click id: a new one if counted, the earlier one for a repeat."""
        ...


class SqlClickRecorder:
    """An insert per counted click (embedded mode)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, sponsorship_id: int, code: str, client: str, now: datetime) -> str:
        with self.engine.begin() as conn:
            earlier = conn.execute(
                select(Click.click_id)
                .where(
                    Click.sponsorship_id == sponsorship_id,
                    Click.client_hash == client,
                    Click.clicked_at > now - timedelta(seconds=REPEAT_WINDOW_S),
                )
                .limit(1)
            ).scalar()
            if earlier is not None:
                return str(earlier)
            click_id = new_click_id(code)
            conn.execute(
                insert(Click).values(
                    click_id=click_id,
                    sponsorship_id=sponsorship_id,
                    client_hash=client,
                    clicked_at=now,
                )
            )
            return click_id


# KEYS[1] seen key, KEYS[2] stream; ARGV: click id, window s, sponsorship, client, time.
_RECORD_LUA = """
local earlier = redis.call('GET', KEYS[1])
if earlier then return earlier end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('XADD', KEYS[2], '*', 'c', ARGV[1], 's', ARGV[3], 'h', ARGV[4], 't', ARGV[5])
return ARGV[1]
"""


class RedisClickRecorder:
    """One Lua call per click: dedupe and append to the stream atomically (production).

    Redis unreachable: the click goes to ``fallback`` (an insert), so it is not lost."""

    def __init__(self, redis: Any, fallback: SqlClickRecorder) -> None:
        self.redis = redis
        self.fallback = fallback
        self._script = redis.register_script(_RECORD_LUA)

    def record(self, sponsorship_id: int, code: str, client: str, now: datetime) -> str:
        from redis.exceptions import ConnectionError, TimeoutError

        try:
            return self._record(sponsorship_id, code, client, now)
        except (ConnectionError, TimeoutError):
            log.warning("Redis unreachable: click on %s inserted directly", code)
            return self.fallback.record(sponsorship_id, code, client, now)

    def _record(self, sponsorship_id: int, code: str, client: str, now: datetime) -> str:
        result = self._script(
            keys=[f"dandelion:seen:{sponsorship_id}:{client}", STREAM],
            args=[
                new_click_id(code),
                REPEAT_WINDOW_S,
                sponsorship_id,
                client,
                f"{now.timestamp():.6f}",
            ],
        )
        return result.decode() if isinstance(result, bytes) else str(result)


def ensure_group(redis: Any) -> None:
    """Create the stream's consumer group once (an existing one is kept)."""
    try:
        redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except Exception as exc:  # BUSYGROUP: it exists
        if "BUSYGROUP" not in str(exc):
            raise


def read_batch(redis: Any, count: int = FLUSH_BATCH) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """The next batch: first what an earlier flush read but did not acknowledge, then new."""
    ensure_group(redis)
    for start in ("0", ">"):
        reply = redis.xreadgroup(GROUP, CONSUMER, {STREAM: start}, count=count)
        entries = [e for _, items in reply or [] for e in items if e[1]]
        if entries:
            return entries
    return []


def acknowledge(redis: Any, entry_ids: Iterable[bytes]) -> None:
    """The batch is committed in the database: drop it from the stream."""
    ids = list(entry_ids)
    if ids:
        pipe = redis.pipeline()
        pipe.xack(STREAM, GROUP, *ids)
        pipe.xdel(STREAM, *ids)
        pipe.execute()


def store_clicks(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert clicks, skipping click ids already stored (a batch read again); flushes."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        maker(Click)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["click_id"])
        .returning(Click.id)
    )
    inserted = len(session.execute(stmt).all())  # rowcount is -1 for this on psycopg
    session.flush()
    return inserted


def batch_rows(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> list[dict[str, Any]]:
    """Stream entries as click rows."""
    rows = []
    for _, fields in entries:
        rows.append(
            {
                "click_id": fields[b"c"].decode(),
                "sponsorship_id": int(fields[b"s"]),
                "client_hash": fields[b"h"].decode(),
                "clicked_at": datetime.fromtimestamp(float(fields[b"t"]), tz=utcnow().tzinfo),
            }
        )
    return rows
