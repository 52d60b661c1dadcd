"""Several replicas on one PostgreSQL database: every claim is won exactly once.

Runs whenever PostgreSQL is reachable at CONFBOT_TEST_DATABASE_URL (or the machine's default,
postgresql://postgres@127.0.0.1:5432/test); skips with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.dialout.core.limits import Claim, DailyQuota, DailyUse, day_bounds
from bot.dialout.core.models import Invite, Target, TargetKind
from bot.dialout.slack.notifier import InviteRow
from bot.dialout.store import SqlInviteStore
from bot.kernel import db
from bot.kernel.outbox import SqlOutbox
from bot.kernel.people import Party, PartyKind
from tests.conftest import PG_DEFAULT, PG_ENV, RecordedStatement, create_pg_schema, drop_pg_schema, record_pg_migrations

URL = os.environ.get(PG_ENV, PG_DEFAULT)
REPLICAS = 4


def _reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {URL}: {exc.__class__.__name__}"


_SKIP = _reachable()
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")


@pytest.fixture(scope="module")
def migrations() -> tuple[RecordedStatement, ...]:
    return record_pg_migrations(URL)


@pytest.fixture
async def replicas(migrations: tuple[RecordedStatement, ...]) -> AsyncIterator[list[SqlInviteStore]]:
    schema = create_pg_schema(URL, migrations)
    engines = [db.create_engine(URL, schema=schema) for _ in range(REPLICAS)]
    yield [SqlInviteStore(e) for e in engines]
    for engine in engines:
        await engine.dispose()
    drop_pg_schema(URL, schema)


async def _invite(store: SqlInviteStore, parties: int) -> Invite:
    now = datetime.now(UTC)
    return await store.add_invite(
        Invite(
            team_id="T",
            channel_id="C",
            created_by="U",
            provider="sandbox",
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=now - timedelta(seconds=1),
            tz="UTC",
            created_at=now,
        ),
        [Party(PartyKind.PHONE, f"+86138{i:08d}") for i in range(parties)],
    )


async def test_due_invite_is_claimed_by_exactly_one_replica(replicas: list[SqlInviteStore]) -> None:
    for _ in range(20):
        invite = await _invite(replicas[0], 1)
        now = datetime.now(UTC)
        won = await asyncio.gather(*(r.claim_due_invite(invite.id or 0, now, None) for r in replicas))
        assert sum(w is not None for w in won) == 1


async def test_each_call_is_claimed_for_sending_exactly_once(replicas: list[SqlInviteStore]) -> None:
    invite = await _invite(replicas[0], 50)
    attempts = await replicas[0].attempts(invite.id or 0)
    now = datetime.now(UTC)
    results = await asyncio.gather(*(r.claim_attempt_for_sending(a.id or 0, now) for a in attempts for r in replicas))
    assert sum(results) == len(attempts)


async def test_outbox_rows_are_leased_to_one_worker_at_a_time(replicas: list[SqlInviteStore]) -> None:
    outboxes = [SqlOutbox(r.engine) for r in replicas]
    now = datetime.now(UTC)
    for i in range(40):
        await outboxes[0].enqueue(InviteRow.NOTICE, now, thread_key="invite:1", invite_id=1, payload={"n": i})
    assert await outboxes[1].enqueue(InviteRow.ROSTER, now, thread_key="invite:1", invite_id=1, coalesce_for=1)
    assert not await outboxes[2].enqueue(  # coalesced
        InviteRow.ROSTER, now, thread_key="invite:1", invite_id=1, coalesce_for=1
    )
    leased = await asyncio.gather(*(o.lease_due(now, limit=100, lease_s=60) for o in outboxes))
    ids = [item.id for batch in leased for item in batch]
    assert len(ids) == len(set(ids)) == 41


async def test_rows_a_stopping_replica_gives_back_are_taken_at_once_by_another(replicas: list[SqlInviteStore]) -> None:
    stopping, other = SqlOutbox(replicas[0].engine), SqlOutbox(replicas[1].engine)
    now = datetime.now(UTC)
    for i in range(5):
        await stopping.enqueue(InviteRow.NOTICE, now, thread_key="invite:1", invite_id=1, payload={"n": i})
    held = await stopping.lease_due(now, limit=100, lease_s=60)
    assert await other.lease_due(now, limit=100, lease_s=60) == []
    await stopping.release(held)
    assert sorted(item.id for item in await other.lease_due(now, limit=100, lease_s=60)) == sorted(i.id for i in held)


async def test_replicas_claiming_at_once_never_place_more_calls_than_the_daily_limit(
    replicas: list[SqlInviteStore],
) -> None:
    invite = await _invite(replicas[0], 40)
    attempts = await replicas[0].attempts(invite.id or 0)
    now = datetime.now(UTC)
    start, end = day_bounds(now, "UTC")
    quota = DailyQuota("T", "U", start, end, per_user=0, per_workspace=7)
    results = await asyncio.gather(*(r.claim_attempt_within(a.id or 0, now, quota) for a in attempts for r in replicas))
    assert results.count(Claim.CLAIMED) == 7
    assert await replicas[1].daily_use(quota) == DailyUse(7, 7)
