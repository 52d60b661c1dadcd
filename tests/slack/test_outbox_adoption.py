"""A row whose worker died after Slack took its message is delivered once: found by its metadata, adopted.

The dead worker is played by what it leaves behind when SIGKILLed at `outbox.after_send`: the row
leased and never settled, the message in Slack (posted as the worker posts, naming its row). A live
worker takes the row over once the lease runs out. The real-process version, with two replicas and
the kill, is tests/pg/test_replica_faults_pg.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.emulator.server import SlackEmulator
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox, outbox
from bot.kernel.posting import Rendered, Where
from bot.loopback import LoopbackServer
from bot.slack.outbox_worker import SlackOutboxWorker
from bot.slack.poster import OUTBOX_EVENT, SlackPoster
from tests.conftest import FakeClock
from tests.e2e.harness import wait_for

TOKEN = "xoxb-adoption-test"
LEASE_S = 15.0


class Row(OutboxKind):
    PARENT = "adopt-parent"
    REPLY = "adopt-reply"


@dataclass
class Kept:
    """The store side of one kept message: where it is and what it says now."""

    text: str
    ts: str | None = None


@dataclass
class Rig:
    emulator: SlackEmulator
    client: AsyncWebClient
    outbox: SqlOutbox
    clock: FakeClock
    worker: SlackOutboxWorker
    parent: Kept

    async def die_after_posting(self, text: str, thread_ts: str | None = None) -> OutboxItem:
        """A worker leases the due row, Slack takes its message, and the worker is killed there."""
        [item] = await self.outbox.lease_due(self.clock.now(), limit=1, lease_s=LEASE_S)
        await SlackPoster(self.client).post("C1", text, thread_ts=thread_ts, row=item.id)
        self.clock.advance(seconds=LEASE_S + 1)  # its lease runs out: the row is free to take over
        return item

    async def status(self, item: OutboxItem) -> str:
        async with self.outbox.engine.connect() as conn:
            return str((await conn.execute(select(outbox.c.status).where(outbox.c.id == item.id))).scalar_one())


@pytest.fixture
async def rig(engine) -> AsyncIterator[Rig]:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    server = LoopbackServer(emulator.app)
    await server.start()
    client = AsyncWebClient(token=TOKEN, base_url=f"{server.url}/api/")
    box, clock = SqlOutbox(engine), FakeClock(datetime.now(UTC))  # rows made now, as Slack's ts are
    worker = SlackOutboxWorker(box, client, clock, asyncio.Event(), lease_s=LEASE_S)
    parent = Kept("v1")

    async def send_parent(item: OutboxItem) -> None:
        async def render() -> Rendered:
            return parent.text, []

        async def remember(ts: str) -> None:
            parent.ts = ts

        await worker.messages.post_or_update(item, Where("C1", parent.ts), render, remember)

    async def send_reply(item: OutboxItem) -> None:
        await worker.messages.post_reply(item, "C1", item.payload["text"], thread_ts=parent.ts)

    worker.add_handler(Row.PARENT, send_parent)
    worker.add_handler(Row.REPLY, send_reply)
    yield Rig(emulator, client, box, clock, worker, parent)
    await server.stop()


async def test_a_parent_posted_by_a_worker_that_died_is_adopted_and_edited_to_the_fresh_render(rig) -> None:
    await rig.outbox.enqueue(Row.PARENT, rig.clock.now(), thread_key="t", coalesce_for=1)
    item = await rig.die_after_posting("v1")
    rig.parent.text = "v2"  # changed while nobody delivered
    assert await rig.worker.deliver_due()
    [message] = rig.emulator.channel_messages("C1")
    assert rig.parent.ts == message.ts  # remembered: the next change edits it
    assert message.text == "v2" and message.edits == 1
    assert rig.emulator.calls["chat.postMessage"] == 1 and rig.emulator.calls["conversations.history"] == 1
    assert await rig.status(item) == "sent"


async def test_a_reply_posted_by_a_worker_that_died_is_adopted_not_posted_again(rig) -> None:
    rig.parent.ts = (await rig.client.chat_postMessage(channel="C1", text="parent"))["ts"]
    for n in range(3):  # other replies around it in the thread: only its own row's message counts
        await rig.client.chat_postMessage(channel="C1", text=f"chat {n}", thread_ts=rig.parent.ts)
    await rig.outbox.enqueue(Row.REPLY, rig.clock.now(), thread_key="t", payload={"text": "3 of 4 joined"})
    item = await rig.die_after_posting("3 of 4 joined", thread_ts=rig.parent.ts)
    assert await rig.worker.deliver_due()
    replies = [m.text for m in rig.emulator.thread("C1", rig.parent.ts)[1:]]
    assert replies.count("3 of 4 joined") == 1
    assert rig.emulator.calls["conversations.replies"] == 1
    assert await rig.status(item) == "sent"


async def test_a_kept_message_update_taken_over_is_simply_made_again_without_looking(rig) -> None:
    rig.parent.ts = (await rig.client.chat_postMessage(channel="C1", text="v1"))["ts"]
    await rig.outbox.enqueue(Row.PARENT, rig.clock.now(), thread_key="t", coalesce_for=1)
    [item] = await rig.outbox.lease_due(rig.clock.now(), limit=1, lease_s=LEASE_S)
    await rig.client.chat_update(channel="C1", ts=rig.parent.ts, text="v2")  # the dead worker's edit
    rig.clock.advance(seconds=LEASE_S + 1)
    rig.parent.text = "v3"
    assert await rig.worker.deliver_due()
    [message] = rig.emulator.channel_messages("C1")
    assert message.text == "v3" and message.edits == 2  # chat.update is idempotent: no look-up needed
    assert rig.emulator.calls["conversations.history"] == rig.emulator.calls["conversations.replies"] == 0
    assert await rig.status(item) == "sent"


async def test_a_row_taken_over_whose_message_never_reached_slack_is_posted_once(rig) -> None:
    rig.parent.ts = (await rig.client.chat_postMessage(channel="C1", text="parent"))["ts"]
    await rig.outbox.enqueue(Row.REPLY, rig.clock.now(), thread_key="t", payload={"text": "called"})
    await rig.outbox.lease_due(rig.clock.now(), limit=1, lease_s=LEASE_S)  # died before Slack answered
    rig.clock.advance(seconds=LEASE_S + 1)
    assert await rig.worker.deliver_due()
    assert [m.text for m in rig.emulator.thread("C1", rig.parent.ts)[1:]] == ["called"]
    assert rig.emulator.calls["conversations.replies"] == 1


async def test_normal_delivery_names_its_row_in_the_message_and_never_looks(rig) -> None:
    await rig.outbox.enqueue(Row.PARENT, rig.clock.now(), thread_key="t", coalesce_for=1)
    await rig.outbox.enqueue(Row.REPLY, rig.clock.now(), thread_key="t", payload={"text": "hello"})
    assert await rig.worker.deliver_due()
    parent, reply = rig.emulator.thread("C1", rig.parent.ts or "")
    rows = [m.metadata["event_payload"]["row"] for m in (parent, reply) if m.metadata is not None]
    assert [m.metadata["event_type"] for m in (parent, reply) if m.metadata is not None] == [OUTBOX_EVENT] * 2
    assert len(set(rows)) == 2
    assert rig.emulator.calls["conversations.history"] == rig.emulator.calls["conversations.replies"] == 0


async def test_when_slack_will_not_let_it_look_the_row_is_posted_again_rather_than_lost(rig, caplog) -> None:
    rig.parent.ts = (await rig.client.chat_postMessage(channel="C1", text="parent"))["ts"]
    await rig.outbox.enqueue(Row.REPLY, rig.clock.now(), thread_key="t", payload={"text": "called"})
    item = await rig.die_after_posting("called", thread_ts=rig.parent.ts)
    rig.emulator.fail_next("conversations.replies", status=200, error="missing_scope", retry_after=None)
    assert await rig.worker.deliver_due()
    assert [m.text for m in rig.emulator.thread("C1", rig.parent.ts)[1:]] == ["called", "called"]  # at least once
    assert await rig.status(item) == "sent"
    assert "missing_scope" in caplog.text


async def test_a_rate_limited_look_up_retries_the_row_later_instead_of_posting_blind(rig) -> None:
    rig.parent.ts = (await rig.client.chat_postMessage(channel="C1", text="parent"))["ts"]
    await rig.outbox.enqueue(Row.REPLY, rig.clock.now(), thread_key="t", payload={"text": "called"})
    item = await rig.die_after_posting("called", thread_ts=rig.parent.ts)
    rig.emulator.fail_next("conversations.replies", retry_after=2)
    assert await rig.worker.deliver_due()
    assert await rig.status(item) == "pending"
    rig.clock.advance(seconds=2)
    assert await rig.worker.deliver_due()
    assert [m.text for m in rig.emulator.thread("C1", rig.parent.ts)[1:]] == ["called"]
    assert await rig.status(item) == "sent"


async def test_a_slow_delivery_keeps_its_row_by_renewing_the_lease_while_it_is_in_flight(engine) -> None:
    box, clock = SqlOutbox(engine), FakeClock(datetime.now(UTC))
    slack = AsyncWebClient(token=TOKEN, base_url="http://127.0.0.1:9/api/")  # the sender here never calls it
    worker = SlackOutboxWorker(box, slack, clock, asyncio.Event(), lease_s=0.3)  # a beat every 0.1 s
    sending, answer = asyncio.Event(), asyncio.Event()

    async def slow_slack(item: OutboxItem) -> None:
        sending.set()
        await answer.wait()

    async def leased_until() -> datetime:
        async with engine.connect() as conn:
            found = (await conn.execute(select(outbox.c.leased_until))).scalar_one()
        return found if found.tzinfo else found.replace(tzinfo=UTC)

    worker.add_handler(Row.REPLY, slow_slack)
    await box.enqueue(Row.REPLY, clock.now(), thread_key="t", payload={"text": "x"})
    delivering = asyncio.create_task(worker.deliver_due())
    await asyncio.wait_for(sending.wait(), 5)
    for _ in range(3):  # well past the first lease, one step at a time
        clock.advance(seconds=1)

        async def renewed() -> bool:
            return await leased_until() > clock.now()

        await wait_for(renewed, timeout=5, what="the heartbeat to renew the lease")
        assert await box.lease_due(clock.now(), limit=10, lease_s=0.3) == []  # nobody else takes it
    answer.set()
    assert await asyncio.wait_for(delivering, 5)
    assert await box.pending_count() == 0
