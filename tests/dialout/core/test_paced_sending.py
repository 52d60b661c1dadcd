"""Sending a bulk invite at its pace, on a fake clock: one loop per invite however often the reconcile
or Resume asks, no pace turn wasted, and a pause that holds the rest until Resume sends them once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

from bot.dialout.core.invites import InviteService
from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor
from bot.dialout.core.pacing import Pacer
from bot.dialout.core.pausing import BulkDialling, PauseOutcome
from bot.dialout.core.status import StatusService
from bot.kernel.people import Party, PartyKind
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier, RecordingScheduler, ScriptedProvider


class FakeTime:
    """Monotonic seconds; a sleeper moves them to the slot it waited for (slots are booked in order)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now = max(self.now, self.now + seconds)
        await asyncio.sleep(0)


class MemoryPauses:
    """The PauseStore port over the in-memory invite store's rows."""

    def __init__(self, store: InMemoryInviteStore) -> None:
        self.store = store

    async def set_paused(self, invite_id: int, paused_at: datetime | None, by: str | None) -> bool:
        invite = self.store._invites[invite_id]
        if invite.status is not InviteStatus.DIALING or (invite.paused_at is None) == (paused_at is None):
            return False
        self.store._invites[invite_id] = replace(invite, paused_at=paused_at, paused_by=by)
        return True


class Bulk:
    def __init__(self, clock: FakeClock) -> None:
        self.time = FakeTime()
        self.store = InMemoryInviteStore()
        self.provider = ScriptedProvider()
        self.clock = clock
        notifier = RecordingNotifier()
        status = StatusService(self.store, notifier, clock, {self.provider.name: self.provider.info})
        self.pacer = Pacer({"fake": 60}, burst=10, monotonic=self.time.monotonic, sleep=self.time.sleep)
        self.invites = InviteService(
            self.store,
            RecordingScheduler(),
            notifier,
            {self.provider.name: self.provider},
            status,
            clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
            pacer=self.pacer,
        )
        self.bulk = BulkDialling(self.invites, MemoryPauses(self.store), notifier, clock)

    async def invite(self, n: int) -> Invite:
        now = self.clock.now()
        return await self.invites.schedule(
            Invite(
                team_id="T",
                channel_id="C",
                created_by="U1",
                provider="fake",
                target=Target(TargetKind.CONFERENCE, "42"),
                due_at=now + timedelta(minutes=5),
                tz="UTC",
                created_at=now,
            ),
            [Party(PartyKind.PHONE, f"+86138{i:08d}") for i in range(n)],
        )

    def dialled(self) -> list[str]:
        return [c.party.address for r in self.provider.requests for c in r.calls]


async def test_a_reconcile_during_a_paced_send_leaves_it_to_the_running_loop(clock) -> None:
    world = Bulk(clock)
    invite = await world.invite(30)
    clock.advance(minutes=5)
    sending = asyncio.create_task(world.invites.fire(invite.id or 0))
    while len(world.provider.requests) < 12:
        await asyncio.sleep(0)
    await world.invites.rebuild()  # the 30 s reconcile: returns at once instead of sending alongside
    assert not sending.done()
    await sending
    assert sorted(world.dialled()) == sorted(f"+86138{i:08d}" for i in range(30))
    assert world.time.now - 1000.0 == 20.0  # 10 at once, then 20 at one a second: no turn wasted


async def test_paused_calls_wait_and_resume_sends_each_once(clock) -> None:
    world = Bulk(clock)
    invite = await world.invite(30)
    clock.advance(minutes=5)
    sending = asyncio.create_task(world.invites.fire(invite.id or 0))
    while len(world.provider.requests) < 15:
        await asyncio.sleep(0)
    assert await world.bulk.pause(invite.id or 0, Actor("U1")) is PauseOutcome.PAUSED
    assert await world.bulk.pause(invite.id or 0, Actor("U1")) is PauseOutcome.ALREADY_PAUSED
    assert await world.bulk.resume(invite.id or 0, Actor("U2")) is PauseOutcome.NOT_ALLOWED
    await sending  # the loop ends: nothing more may go out
    held = len(world.dialled())
    assert held < 30
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DIALING  # type: ignore[union-attr]
    assert await world.bulk.resume(invite.id or 0, Actor("U1", privileged=True)) is PauseOutcome.RESUMED
    await world.invites.place_added(invite.id or 0)
    assert sorted(world.dialled()) == sorted(f"+86138{i:08d}" for i in range(30))
    assert await world.bulk.resume(invite.id or 0, Actor("U1")) is PauseOutcome.NOT_PAUSED
