"""Two replicas, 200 invites due in the same minute, the leader killed with SIGKILL midway.

Issue 11's real-process story at its full size: every process real (two `confbot serve` replicas on
one PostgreSQL schema, the simulated provider in a process of its own), the Slack emulator and a
webhook front (a load balancer) in this one. All 200 invites are typed before their minute, half on
each replica, and come due at the same instant; once the provider has placed half the calls the
leader is killed. The follower takes over, sends what was never sent and again what the dead leader
had claimed without recording an answer (the simulator places a call sent twice under one attempt
once), and finishes every invite. Then: every party dialled exactly once, every invite done, every
thread a parent, the roster first, the summary last, each reply once.
Skips when PostgreSQL is not reachable (see test_claims_pg).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer
from tests.conftest import PG_ENV, create_pg_schema, drop_pg_schema
from tests.e2e.harness import wait_for
from tests.pg.test_claims_pg import _SKIP
from tests.pg.test_replica_faults_pg import FAST_RECOVERY, outbox_drained
from tests.pg.test_replicas_pg import (
    API_KEY,
    SECRET,
    TOKEN,
    URL,
    WEBHOOK_SECRET,
    free_port,
    front,
    invite_statuses,
    numbers,
    replica,
    scheduler_of,
)

pytestmark = [
    pytest.mark.skipif(_SKIP is not None, reason=_SKIP or ""),
    pytest.mark.skipif(
        PG_ENV not in os.environ,
        reason=f"minutes long: runs once, in the PostgreSQL pass of .ci/run ({PG_ENV} set)",
    ),
]
INVITES = 200
ZONE = ZoneInfo("Asia/Shanghai")
LEAD_S = 40  # typing and storing 200 invites on two replicas takes well under this


def due_minute(now: datetime) -> datetime:
    """The first whole minute at least LEAD_S ahead, in the asker's zone."""
    return (now + timedelta(seconds=LEAD_S + 60)).astimezone(ZONE).replace(second=0, microsecond=0)


async def placed(http: httpx.AsyncClient, sandbox: str) -> list[str]:
    """The numbers the provider placed calls to, as its own API lists them."""
    answer = await http.get(f"{sandbox}/calls", headers={"authorization": f"Bearer {API_KEY}"})
    answer.raise_for_status()
    return [call["to"] for call in answer.json()["calls"]]


async def test_two_hundred_invites_due_together_are_each_dialled_once_when_the_leader_dies_midway(tmp_path) -> None:
    schema = create_pg_schema(URL)
    database_url = f"{URL}?options={quote(f'-csearch_path={schema}')}"
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    ports = [free_port(), free_port()]
    webhooks = LoopbackServer(front([f"http://127.0.0.1:{p}" for p in ports]))
    for server in (slack, webhooks):
        await server.start()
    sandbox_port = free_port()
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    with (tmp_path / "sandbox.log").open("wb") as sandbox_log:
        provider = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.pg.sandbox_process",
            str(sandbox_port),
            f"{webhooks.url}/webhooks/",
            API_KEY,
            WEBHOOK_SECRET,
            "50",
            stdout=sandbox_log,
            stderr=sandbox_log,
        )
    drivers = [SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack.url) for port in ports]
    urls = (database_url, slack.url, sandbox, webhooks.url)
    http = httpx.AsyncClient(timeout=30.0, trust_env=False)

    async def provider_up() -> bool:
        try:
            return await placed(http, sandbox) == []
        except httpx.HTTPError:
            return False

    async def stored() -> bool:
        return len(await invite_statuses(schema)) == INVITES

    async def ended() -> bool:
        return set(await invite_statuses(schema)) == {"done"}

    async def summaries_posted() -> bool:
        return sum(1 for p in emulator.channel_messages("C1") if thread_summaries(p.ts)) == INVITES

    def thread_summaries(ts: str) -> list[str]:
        return [m.text for m in emulator.thread("C1", ts)[1:] if "of 2 joined" in m.text and "Roster" not in m.text]

    try:
        await wait_for(provider_up, timeout=30, what="the simulator's process to answer")
        async with replica(tmp_path, "a", *urls, ports[0], **FAST_RECOVERY) as leader:
            assert await scheduler_of(ports[0]) == "leader"
            async with replica(tmp_path, "b", *urls, ports[1], **FAST_RECOVERY):
                due = due_minute(datetime.now(ZONE))

                async def type_invite(invite: int) -> None:
                    text = f"{', '.join(numbers(invite))} into conf {invite} at {due:%H:%M}"
                    answer = await drivers[invite % 2].slash(text, user_id="U1", channel_id="C1")
                    assert answer.status_code == 200

                for batch in range(0, INVITES, 10):
                    await asyncio.gather(*(type_invite(i) for i in range(batch, batch + 10)))
                await wait_for(stored, timeout=LEAD_S, what="every invite to be stored before its minute")
                assert datetime.now(ZONE) < due, "the invites were stored too late to come due together"

                wait_s = (due - datetime.now(ZONE)).total_seconds() + 60
                await wait_for(_at_least(http, sandbox, INVITES), timeout=wait_s, what="half the calls to be placed")
                leader.kill()
                await leader.wait()

                await wait_for(lambda: second_leads(ports[1]), timeout=15, what="the follower to take over")
                await wait_for(_at_least(http, sandbox, 2 * INVITES), timeout=120, what="every party to be dialled")
                await wait_for(ended, timeout=120, what="every invite to end")
                await wait_for(summaries_posted, timeout=120, what="every thread's summary")
                await wait_for(lambda: outbox_drained(schema), timeout=60, what="the outbox to drain")
            dialled = Counter(await placed(http, sandbox))
    finally:
        await http.aclose()
        for driver in drivers:
            await driver.aclose()
        if provider.returncode is None:
            provider.kill()
        await provider.wait()
        for server in (webhooks, slack):
            await server.stop()
        print("invites:", Counter(await invite_statuses(schema)), "calls:", Counter(await attempt_states(schema)))
        drop_pg_schema(URL, schema)

    expected = {f"+86{n}" for invite in range(INVITES) for n in numbers(invite)}
    assert set(dialled) == expected and set(dialled.values()) == {1}, dialled.most_common(3)
    parents = emulator.channel_messages("C1")
    assert len(parents) == INVITES, len(parents)
    for parent in parents:
        replies = [m.text for m in emulator.thread("C1", parent.ts)[1:]]
        assert len(replies) == len(set(replies)), replies  # each reply once
        assert replies[0].startswith("Roster"), replies  # the roster first…
        assert thread_summaries(parent.ts) == [replies[-1]], replies  # …and one summary, last
    assert all(m.thread_ts in {p.ts for p in parents} for m in emulator.messages["C1"] if m.thread_ts)


def _at_least(http: httpx.AsyncClient, sandbox: str, count: int) -> Callable[[], Awaitable[bool]]:
    """Whether the provider has placed at least `count` calls."""

    async def reached() -> bool:
        try:
            return len(await placed(http, sandbox)) >= count
        except httpx.TimeoutException:
            return False  # the simulator is busy playing calls: ask again

    return reached


async def attempt_states(schema: str) -> list[str]:
    """Every call's state and reason (what a failure report shows)."""
    conninfo = URL.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(conninfo, options=f"-csearch_path={schema}") as conn:
        cursor = await conn.execute("SELECT state || ':' || coalesce(reason, '') FROM call_attempts")
        return [row[0] for row in await cursor.fetchall()]


async def second_leads(port: int) -> bool:
    return await scheduler_of(port) == "leader"
