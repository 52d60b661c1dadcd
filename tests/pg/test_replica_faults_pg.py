"""Two replicas, and the leader dies at each point where a crash could break a promise.

Real processes on one PostgreSQL schema. A 20-party invite is typed on replica A, which leads; A
is armed to SIGKILL itself (bot/kernel/failpoints.py) at one point of its work: with calls claimed
but not sent, with the provider's answer not yet recorded, with a Slack post made but not marked
sent, or with the thread parent posted but its ts not remembered (only a look in Slack for the
message naming its outbox row keeps that one from being posted twice). Replica B takes over, the
dead one's outbox rows too. Whatever the point: everybody is dialled exactly once (the simulator
places a call sent twice under one attempt once, so a send cut off is sent again), the invite ends,
every party ends in a final state, and Slack gets each message once.
Skips when PostgreSQL is not reachable (see test_claims_pg).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import psycopg
import pytest

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.kernel import failpoints
from bot.loopback import LoopbackServer
from bot.sandbox.server import SandboxTelco
from tests.conftest import create_pg_schema, drop_pg_schema
from tests.e2e.harness import wait_for
from tests.pg.test_claims_pg import _SKIP
from tests.pg.test_replicas_pg import (
    API_KEY,
    SECRET,
    TOKEN,
    URL,
    WEBHOOK_SECRET,
    free_port,
    front,
    replica,
    scheduler_of,
)

pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")
PARTIES = [f"138001{n:05d}" for n in range(20)]  # the simulator's outcome follows the last digit
# Short enough for a test, as an operator could set them: a send whose answer was never recorded is
# unknown after 3 s, and an unknown call without news is failed(unknown) 4 s later.
FAST_RECOVERY = {"STUCK_SEND_S": "3", "UNKNOWN_GIVE_UP_S": "4", "COMMAND_LEASE_S": "3"}
FINAL = {"completed", "failed", "cancelled"}


async def outbox_drained(schema: str) -> bool:
    """Whether no Slack post is left pending."""
    conninfo = URL.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(conninfo, options=f"-csearch_path={schema}") as conn:
        cursor = await conn.execute("SELECT count(*) FROM slack_outbox WHERE status = 'pending'")
        row = await cursor.fetchone()
        return row is not None and row[0] == 0


def is_summary(text: str) -> bool:
    """The run's summary reply ("<@U1> 12 of 20 joined · …"); the roster reply says "N of 20 joined" too."""
    return "of 20 joined" in text and not text.startswith("Roster")


async def attempts(schema: str) -> list[tuple[str, str]]:
    conninfo = URL.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(conninfo, options=f"-csearch_path={schema}") as conn:
        cursor = await conn.execute("SELECT state, coalesce(reason, '') FROM call_attempts ORDER BY position")
        return [(row[0], row[1]) for row in await cursor.fetchall()]


async def invite_status(schema: str) -> list[str]:
    conninfo = URL.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(conninfo, options=f"-csearch_path={schema}") as conn:
        cursor = await conn.execute("SELECT status FROM invites")
        return [row[0] for row in await cursor.fetchall()]


@pytest.mark.parametrize(
    "point",
    [
        failpoints.DIAL_AFTER_CLAIM,
        failpoints.DIAL_AFTER_PLACE,
        failpoints.OUTBOX_AFTER_SEND,
        failpoints.OUTBOX_AFTER_POST,
    ],
)
async def test_the_leader_killed_at_each_point_leaves_nobody_dialled_twice_and_every_invite_ended(
    tmp_path, point: str
) -> None:
    schema = create_pg_schema(URL)
    database_url = f"{URL}?options={quote(f'-csearch_path={schema}')}"
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    ports = [free_port(), free_port()]
    webhooks = LoopbackServer(front([f"http://127.0.0.1:{p}" for p in ports]))
    telco = SandboxTelco(API_KEY, WEBHOOK_SECRET, speed=20, callback_prefix=f"{webhooks.url}/webhooks/")
    sandbox = LoopbackServer(telco.app)
    for server in (slack, webhooks, sandbox):
        await server.start()
    driver = SlackDriver(f"http://127.0.0.1:{ports[0]}", SECRET, slack.url)
    urls = (database_url, slack.url, sandbox.url, webhooks.url)

    async def ended() -> bool:
        return await invite_status(schema) == ["done"]

    try:
        async with replica(tmp_path, "a", *urls, ports[0], FAILPOINTS=point, **FAST_RECOVERY) as leader:
            assert await scheduler_of(ports[0]) == "leader"
            async with replica(tmp_path, "b", *urls, ports[1], **FAST_RECOVERY):
                answer = await driver.slash(f"{', '.join(PARTIES)} into conf 42 now", user_id="U1", channel_id="C1")
                assert answer.status_code == 200
                await wait_for(lambda: leader.returncode is not None, timeout=20, what=f"replica A to die at {point}")
                await wait_for(ended, timeout=40, what="the invite to end on replica B")
                await wait_for(
                    lambda: any(
                        is_summary(m.text)
                        for p in emulator.channel_messages("C1")
                        for m in emulator.thread("C1", p.ts)[1:]
                    ),
                    timeout=40,
                    what="the summary",
                )
                # Every row delivered, the dead replica's leased ones too (taken over once their lease ran out).
                await wait_for(lambda: outbox_drained(schema), timeout=40, what="the outbox to drain")
    finally:
        await driver.aclose()
        for server in (sandbox, webhooks, slack):
            await server.stop()
        await telco.aclose()
        rows = await attempts(schema)
        drop_pg_schema(URL, schema)
    dialled = Counter(call.to for call in telco.calls.values())
    # Everybody exactly once: a send the dead leader claimed, or made without recording its answer, is
    # sent again under the same attempt, which the simulator places once (ProviderInfo.places_idempotently).
    assert set(dialled.values()) == {1} and len(dialled) == len(PARTIES), dialled
    assert all(state in FINAL for state, _ in rows), rows
    assert len(rows) == len(PARTIES)
    parents = emulator.channel_messages("C1")
    assert len(parents) == 1, [p.text for p in parents]
    replies = [m.text for m in emulator.thread("C1", parents[0].ts)[1:]]
    assert len(replies) == len(set(replies)), replies  # each reply once
    assert all(m.thread_ts == parents[0].ts for m in emulator.messages["C1"][1:]), emulator.messages["C1"]
    summaries = [text for text in replies if is_summary(text)]
    assert len(summaries) == 1, replies
