"""Inbound's outbox sender: the call's thread parent shows the call as it is when the message goes out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator.server import SlackEmulator
from bot.inbound.core.answer import QueryOutcome
from bot.inbound.core.calls import InboundCall, InboundLeg
from bot.inbound.slack.blocks import InboundView, build_inbound_thread
from bot.inbound.slack.sender import InboundOutbox, InboundSender
from bot.inbound.store.calls import SqlInboundCalls
from bot.kernel.outbox import SqlOutbox
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState
from bot.loopback import LoopbackServer
from bot.slack.outbox_worker import SlackOutboxWorker

TOKEN = "xoxb-sender-test"
CHANNEL = "C0CALLS"
VIEW = InboundView(locale="en", mask_numbers=True)


class CallsChangingMidSend(SqlInboundCalls):
    """The store while the CTI platform reports: `change` lands just after the sender has read the call."""

    change: Callable[[int], Awaitable[None]] | None = None

    async def get_call(self, call_id: int) -> InboundCall | None:
        call = await super().get_call(call_id)
        change, self.change = self.change, None
        if change is not None:
            await change(call_id)
        return call


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackEmulator, AsyncWebClient]]:
    emulator = SlackEmulator(TOKEN, channels=[CHANNEL])
    server = LoopbackServer(emulator.app)
    await server.start()
    yield emulator, AsyncWebClient(token=TOKEN, base_url=f"{server.url}/api/")
    await server.stop()


async def test_a_change_landing_while_the_parent_is_sent_is_shown_not_lost(engine, clock, slack) -> None:
    emulator, client = slack
    outbox, calls, wake = SqlOutbox(engine), CallsChangingMidSend(engine), asyncio.Event()
    worker = SlackOutboxWorker(outbox, client, clock, wake)
    InboundSender(calls, worker, outbox, VIEW).register()
    notifier = InboundOutbox(outbox, clock, wake)
    ringing = InboundCall(
        "VCC", "call-1", "sid", "cid", "13812341234", "4001234567", QueryOutcome.ROUTED, CHANNEL, clock.now()
    )
    call, _, _ = await calls.create_call(
        ringing, [InboundLeg(0, 0, Party(PartyKind.PHONE, "+8613900000001"), "13900000001")]
    )
    assert call.id is not None
    await notifier.call_changed(call.id)
    stale, _ = build_inbound_thread(call, await calls.legs(call.id), VIEW)

    async def the_call_ends(call_id: int) -> None:
        async with calls.transaction() as tx:
            assert await tx.move_call(call_id, CallState.QUEUED, CallState.CANCELLED, clock.now(), "22")
        await notifier.call_changed(call_id)  # coalesced into the row being sent, as the switchboard's would be

    calls.change = the_call_ends
    while await worker.deliver_due():
        pass
    ended = await calls.get_call(call.id)
    assert ended is not None and ended.state is CallState.CANCELLED
    expected, _ = build_inbound_thread(ended, await calls.legs(call.id), VIEW)
    [parent] = emulator.channel_messages(CHANNEL)
    assert expected != stale and parent.text == expected
