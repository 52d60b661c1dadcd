"""Replicas on one PostgreSQL schema elect one leader, and another takes over when it is gone.

Two engines in one process stand for two replicas; each campaigns on a connection of its own.
Skips when PostgreSQL is not reachable (see test_claims_pg).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel import db
from bot.kernel.leadership import LEADER_LOCK_SPACE, Announcer, Leadership
from tests.conftest import PG_DEFAULT, PG_ENV, create_pg_schema, drop_pg_schema
from tests.e2e.harness import wait_for
from tests.pg.test_claims_pg import _SKIP

URL = os.environ.get(PG_ENV, PG_DEFAULT)
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")
CHANNEL = "confbot_test_invites"


@dataclass
class Replica:
    """One replica's view of its leadership: what it was told, in order."""

    engine: AsyncEngine
    leadership: Leadership
    told: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)

    async def start(self) -> None:
        async def elected() -> None:
            self.told.append("elected")

        async def hear(payload: str) -> None:
            self.heard.append(payload)

        await self.leadership.start(
            on_elected=elected, on_deposed=lambda: self.told.append("deposed"), listen={CHANNEL: hear}
        )


@pytest.fixture
async def schema() -> AsyncIterator[str]:
    name = create_pg_schema(URL)
    yield name
    drop_pg_schema(URL, name)


@pytest.fixture
async def replicas(schema: str) -> AsyncIterator[list[Replica]]:
    made = []
    for _ in range(2):
        engine = db.create_engine(URL, schema=schema)
        made.append(Replica(engine, Leadership(engine, retry_every_s=0.2, check_every_s=0.1)))
    yield made
    for replica in made:
        await replica.leadership.stop()
        await replica.engine.dispose()


def lock_holder(schema: str) -> int | None:
    """The backend pid holding `schema`'s leader lock, read from pg_locks."""
    with psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s::int::oid AND objid = hashtext(%s)::oid",
            (LEADER_LOCK_SPACE, schema),
        ).fetchone()
        return row[0] if row else None


def terminate(pid: int) -> None:
    with psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


async def test_of_two_replicas_exactly_one_leads(replicas: list[Replica], schema: str) -> None:
    first, second = replicas
    await first.start()
    await second.start()
    await asyncio.sleep(0.5)  # several of the follower's attempts go by
    assert (first.leadership.leading, second.leadership.leading) == (True, False)
    assert (first.told, second.told) == (["elected"], [])
    assert lock_holder(schema) is not None


async def test_a_leader_whose_connection_is_cut_stops_leading_and_the_other_takes_over(
    replicas: list[Replica], schema: str
) -> None:
    first, second = replicas
    await first.start()
    await second.start()
    holder = lock_holder(schema)
    assert holder is not None and first.leadership.leading
    terminate(holder)
    await wait_for(lambda: first.told == ["elected", "deposed"], timeout=3, what="the old leader to step down")
    await wait_for(lambda: second.told == ["elected"], timeout=5, what="the follower to take over")
    assert lock_holder(schema) not in {None, holder}
    await asyncio.sleep(0.5)  # the old leader campaigns again, and loses
    assert not first.leadership.leading and first.told == ["elected", "deposed"]


async def test_a_leader_that_stops_hands_over_to_the_other(replicas: list[Replica]) -> None:
    first, second = replicas
    await first.start()
    await second.start()
    await first.leadership.stop()
    assert first.told == ["elected", "deposed"]
    await wait_for(lambda: second.leadership.leading, timeout=5, what="the follower to take over")


async def test_the_leader_hears_what_a_follower_announces(replicas: list[Replica], schema: str) -> None:
    first, second = replicas
    await first.start()
    await second.start()
    announcer = Announcer(second.engine, CHANNEL)
    announcer.start()
    try:
        announcer.announce("17")
        announcer.announce("18")
        await wait_for(lambda: first.heard == ["17", "18"], timeout=5, what="the leader to hear both, in order")
    finally:
        await announcer.stop()
    assert second.heard == []  # a follower does not listen


async def test_a_replica_that_finds_the_lock_taken_leads_once_it_is_free(schema: str) -> None:
    engine = db.create_engine(URL, schema=schema)
    replica = Replica(engine, Leadership(engine, retry_every_s=0.2, check_every_s=0.1))
    blocker = db.create_engine(URL, schema=schema)
    try:
        async with blocker.connect() as conn:  # another session holds the lock, then goes away
            raw = await conn.get_raw_connection()
            pg = raw.driver_connection
            assert isinstance(pg, psycopg.AsyncConnection)
            await pg.execute("SELECT pg_advisory_lock(%s::int, hashtext(current_schema()))", (LEADER_LOCK_SPACE,))
            await replica.start()
            assert not replica.leadership.leading
            await pg.execute("SELECT pg_advisory_unlock(%s::int, hashtext(current_schema()))", (LEADER_LOCK_SPACE,))
        await wait_for(lambda: replica.leadership.leading, timeout=5, what="the replica to lead once the lock is free")
    finally:
        await replica.leadership.stop()
        await engine.dispose()
        await blocker.dispose()


async def test_a_leader_still_starting_to_lead_steps_down_at_once_when_its_connection_is_cut(
    replicas: list[Replica], schema: str
) -> None:
    first, second = replicas  # `first` is given a rebuild that does not end by itself
    rebuilding = asyncio.Event()
    finish = asyncio.Event()
    told: list[str] = []

    async def slow_rebuild() -> None:  # a rebuild dialling a long backlog
        told.append("elected")
        rebuilding.set()
        await finish.wait()

    await second.start()  # leads at once; `first` will take over from it
    await first.leadership.start(on_elected=slow_rebuild, on_deposed=lambda: told.append("deposed"), listen={})
    await second.leadership.stop()
    await wait_for(rebuilding.is_set, timeout=5, what="the other replica to lead and start rebuilding")
    holder = lock_holder(schema)
    assert holder is not None
    terminate(holder)
    await wait_for(lambda: told == ["elected", "deposed"], timeout=3, what="the rebuilding leader to step down")
    finish.set()
