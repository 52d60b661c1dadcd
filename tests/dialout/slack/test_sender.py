"""Dial-out's outbox sender: the thread parent shows the invite as it is when the message goes out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.dialout.slack.notifier import InviteSender, OutboxNotifier, RenderSettings
from bot.dialout.slack.thread import View, build_parent
from bot.dialout.store import SqlInviteStore
from bot.emulator.server import SlackEmulator
from bot.kernel.outbox import SqlOutbox
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from bot.slack.directory import SlackDirectory
from bot.slack.outbox_worker import SlackOutboxWorker

TOKEN = "xoxb-sender-test"
CHANNEL = "C0DIAL"


class InvitesChangingMidSend(SqlInviteStore):
    """The store while the core works: `change` lands just after the sender has read the invite."""

    change: Callable[[int], Awaitable[None]] | None = None

    async def get_invite(self, invite_id: int) -> Invite | None:
        invite = await super().get_invite(invite_id)
        change, self.change = self.change, None
        if change is not None:
            await change(invite_id)
        return invite


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackEmulator, AsyncWebClient]]:
    emulator = SlackEmulator(TOKEN, channels=[CHANNEL])
    server = LoopbackServer(emulator.app)
    await server.start()
    yield emulator, AsyncWebClient(token=TOKEN, base_url=f"{server.url}/api/")
    await server.stop()


async def test_a_change_landing_while_the_parent_is_sent_is_shown_not_lost(engine, clock, slack) -> None:
    emulator, client = slack
    outbox, store, notifier = (
        SqlOutbox(engine),
        InvitesChangingMidSend(engine),
        OutboxNotifier(SqlOutbox(engine), clock),
    )
    worker = SlackOutboxWorker(outbox, client, clock, notifier.wake)
    InviteSender(worker, outbox, store, clock, {}, RenderSettings()).register()
    scheduled = Invite(
        team_id="T",
        channel_id=CHANNEL,
        created_by="U1",
        provider="sandbox",
        target=Target(TargetKind.CONFERENCE, "42"),
        due_at=clock.now() + timedelta(hours=1),
        tz="UTC",
        created_at=clock.now(),
    )
    invite = await store.add_invite(scheduled, [Party(PartyKind.PHONE, "+8613800138001")])
    assert invite.id is not None
    await notifier.invite_created(invite.id)
    view = View(locale="en", mask_numbers=True, now=clock.now(), provider_title="sandbox", provider="sandbox")
    stale, _ = build_parent(invite, await store.attempts(invite.id), view)

    async def cancelled(invite_id: int) -> None:
        assert await store.set_invite_status(invite_id, InviteStatus.CANCELLED, expected=InviteStatus.SCHEDULED)
        await notifier.invite_changed(invite_id)  # coalesced into the rows being sent, as the core's would be

    store.change = cancelled
    while await worker.deliver_due():
        pass
    now = await store.get_invite(invite.id)
    assert now is not None and now.status is InviteStatus.CANCELLED
    expected, _ = build_parent(now, await store.attempts(invite.id), view)
    [parent] = emulator.channel_messages(CHANNEL)
    assert expected != stale and parent.text == expected


async def test_the_parent_counts_calls_live_while_dialling_and_names_its_creator_without_a_mention(
    engine, clock, slack
) -> None:
    emulator, client = slack
    emulator.add_user("U1", name="amy")
    outbox, store = SqlOutbox(engine), SqlInviteStore(engine)
    notifier = OutboxNotifier(outbox, clock)
    worker = SlackOutboxWorker(outbox, client, clock, notifier.wake, min_update_interval_s=0.0)
    InviteSender(worker, outbox, store, clock, {}, RenderSettings(), directory=SlackDirectory(client)).register()
    due = Invite(
        team_id="T",
        channel_id=CHANNEL,
        created_by="U1",
        provider="sandbox",
        target=Target(TargetKind.CONFERENCE, "42"),
        due_at=clock.now(),
        tz="UTC",
        created_at=clock.now(),
    )
    parties = [Party(PartyKind.PHONE, f"+861380013800{i}") for i in range(3)]
    invite = await store.add_invite(due, parties)
    assert invite.id is not None and await store.claim_due_invite(invite.id, clock.now(), None)
    await notifier.invite_created(invite.id)
    while await worker.deliver_due():
        pass
    [parent] = emulator.channel_messages(CHANNEL)
    assert "0/3 dialled · 0 of 3 joined" in parent.text and "by amy" in parent.text

    first = (await store.attempts(invite.id))[0]
    assert first.id is not None
    for old, new in ((CallState.QUEUED, CallState.RINGING), (CallState.RINGING, CallState.ANSWERED)):
        assert await store.transition(first.id, old, new, reason=None, code=None, detail=None, at=clock.now())
    await notifier.calls_changed(invite.id)
    while await worker.deliver_due():
        pass
    [parent] = emulator.channel_messages(CHANNEL)
    assert "1/3 dialled · 1 of 3 joined" in parent.text
    assert "<@" not in parent.text and "<@" not in str(parent.blocks)


async def test_failures_arriving_in_bursts_get_one_reply_once_they_stop_coming(engine, clock, slack) -> None:
    emulator, client = slack
    outbox, store = SqlOutbox(engine), SqlInviteStore(engine)
    notifier = OutboxNotifier(outbox, clock, failures_quiet_s=10.0)
    worker = SlackOutboxWorker(outbox, client, clock, notifier.wake, min_update_interval_s=0.0)
    InviteSender(worker, outbox, store, clock, {}, RenderSettings()).register()
    due = Invite(
        team_id="T",
        channel_id=CHANNEL,
        created_by="U1",
        provider="sandbox",
        target=Target(TargetKind.CONFERENCE, "42"),
        due_at=clock.now(),
        tz="UTC",
        created_at=clock.now(),
    )
    invite = await store.add_invite(due, [Party(PartyKind.PHONE, f"+861380013800{i}") for i in range(4)])
    assert invite.id is not None and await store.claim_due_invite(invite.id, clock.now(), None)
    await notifier.invite_created(invite.id)

    async def deliver() -> list[str]:
        while await worker.deliver_due():
            pass
        parent = emulator.channel_messages(CHANNEL)[0]
        return [m.text for m in emulator.thread(CHANNEL, parent.ts)[1:] if not m.text.startswith("Roster")]

    async def fail(position: int) -> None:
        attempt = (await store.attempts(invite.id or 0))[position]
        assert attempt.id is not None
        assert await store.transition(
            attempt.id,
            CallState.QUEUED,
            CallState.FAILED,
            reason=FailReason.BUSY,
            code=None,
            detail=None,
            at=clock.now(),
        )
        await notifier.calls_failed(invite.id or 0)

    await deliver()
    await fail(0)
    clock.advance(seconds=6)
    await fail(1)  # within the quiet period: the reply waits again
    clock.advance(seconds=6)
    assert await deliver() == []
    await fail(2)
    clock.advance(seconds=9)
    assert await deliver() == []
    clock.advance(seconds=2)  # ten quiet seconds since the last failure
    assert await deliver() == ["3 calls didn't connect:\n• 138****8000: busy\n• 138****8001: busy\n• 138****8002: busy"]
    clock.advance(seconds=60)
    assert len(await deliver()) == 1
