"""The audit trail through the real core services (in-memory store, scripted provider): each action once,
with the right actor and details, and a call's outcome recorded once however often its invite is re-told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from bot.dialout.bulk_store import SqlBulkStore
from bot.dialout.core.audit import SYSTEM, AuditAction, AuditEvent, AuditingNotifier, SubjectKind, mask_numbers
from bot.dialout.core.invites import DialingRules, InviteService
from bot.dialout.core.launches import BulkLaunches, LaunchOutcome
from bot.dialout.core.models import CallEvent, Invite, InviteChange, Target, TargetKind
from bot.dialout.core.outcomes import (
    Actor,
    CancelOutcome,
    DialNowOutcome,
    Editing,
    EditOutcome,
    HangUpOutcome,
    RedialOutcome,
)
from bot.dialout.core.pacing import Pacer
from bot.dialout.core.pausing import BulkDialling, PauseOutcome
from bot.dialout.core.reminder_requests import NumberChangeOutcome, ReminderRequests
from bot.dialout.core.status import StatusService
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy
from bot.kernel.states import CallState, FailReason
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier, RecordingScheduler, ScriptedProvider
from tests.dialout.core.test_paced_sending import MemoryPauses

AMY, BOB = "+8613800138001", "+8613800138002"


class InMemoryAuditLog:
    """The AuditLog port as a list; a `once_key` seen before is refused, as the SQL store does."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def record(self, event: AuditEvent) -> bool:
        if event.once_key is not None and any(e.once_key == event.once_key for e in self.events):
            return False
        self.events.append(event)
        return True

    async def between(self, since: datetime, until: datetime, team_id: str | None = None) -> Sequence[AuditEvent]:
        return [e for e in self.events if since <= e.at < until and team_id in (None, e.team_id)]


class AuditedWorld:
    def __init__(self, clock: FakeClock) -> None:
        self.store = InMemoryInviteStore()
        self.slack = RecordingNotifier()
        self.log = InMemoryAuditLog()
        self.provider = ScriptedProvider()
        self.clock = clock
        notifier = AuditingNotifier(self.slack, self.log, self.store, clock)
        self.status = StatusService(self.store, notifier, clock, {self.provider.name: self.provider.info})
        self.invites = InviteService(
            self.store,
            RecordingScheduler(),
            notifier,
            {self.provider.name: self.provider},
            self.status,
            clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
            rules=DialingRules(grace_s=600, unknown_give_up_s=300, stuck_send_s=120),
        )

    async def schedule(self, *numbers: str, in_minutes: float = 30) -> Invite:
        now = self.clock.now()
        invite = Invite(
            team_id="T1",
            channel_id="C",
            created_by="U1",
            provider=self.provider.name,
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=now + timedelta(minutes=in_minutes),
            tz="Asia/Shanghai",
            created_at=now,
        )
        return await self.invites.schedule(invite, [Party(PartyKind.PHONE, n) for n in numbers])

    def lines(self) -> list[tuple[str, str, str]]:
        return [(e.actor, e.action.value, e.subject_kind.value) for e in self.log.events]

    async def call_id(self, invite: Invite) -> str:
        return f"call-{(await self.store.attempts(invite.id or 0))[0].id}"


@pytest.fixture
def world(clock) -> AuditedWorld:
    return AuditedWorld(clock)


async def test_scheduling_editing_and_cancelling_are_each_recorded_once_with_who_and_before_after(
    world: AuditedWorld,
) -> None:
    invite = await world.schedule(AMY)
    editing = await world.invites.editing(invite.id or 0, Actor("U2", privileged=True))
    assert isinstance(editing, Editing)
    later = invite.due_at + timedelta(hours=1)
    change = InviteChange(world.provider.name, invite.target, later, (Party(PartyKind.PHONE, BOB),))
    edited = await world.invites.edit(invite.id or 0, Actor("U2", privileged=True), editing.version, change)
    assert edited.outcome is EditOutcome.EDITED
    assert await world.invites.cancel(invite.id or 0, Actor("U1")) is CancelOutcome.CANCELLED
    assert world.lines() == [("U1", "scheduled", "invite"), ("U2", "edited", "invite"), ("U1", "cancelled", "invite")]
    scheduled, edit, _ = world.log.events
    assert scheduled.team_id == "T1" and scheduled.details["parties"] == 1
    assert edit.details["before"]["due_at"] == invite.due_at.isoformat()
    assert edit.details["after"]["due_at"] == later.isoformat()
    assert (edit.details["added"], edit.details["removed"]) == (1, 1)
    assert all(e.subject_id == str(invite.id) for e in world.log.events)
    assert len(world.slack.created) == 1 and len(world.slack.notices) == 2  # Slack is still told everything


async def test_dial_now_and_each_calls_outcome_are_recorded_once_with_duration(world: AuditedWorld) -> None:
    invite = await world.schedule(AMY)
    assert await world.invites.dial_now(invite.id or 0, Actor("U1")) is DialNowOutcome.DIALLING
    call = await world.call_id(invite)
    await world.status.apply(CallEvent("fake", call, CallState.ANSWERED, dedupe_key="a"))
    world.clock.advance(seconds=95)
    await world.status.apply(CallEvent("fake", call, CallState.COMPLETED, dedupe_key="c"))
    await world.invites.watch()  # the invite is told again: nothing new is recorded
    assert world.lines() == [
        ("U1", "scheduled", "invite"),
        ("U1", "dialled_now", "invite"),
        (SYSTEM, "call_ended", "call"),
    ]
    ended = world.log.events[-1]
    assert ended.details["state"] == "completed" and ended.details["number"] == AMY
    assert ended.details["provider"] == "fake" and ended.details["duration_s"] == 95


async def test_an_invite_fired_at_its_time_is_dialled_by_the_system_and_hang_up_names_who(
    world: AuditedWorld,
) -> None:
    invite = await world.schedule(AMY, in_minutes=0)
    await world.invites.fire(invite.id or 0)
    await world.status.apply(CallEvent("fake", await world.call_id(invite), CallState.ANSWERED, dedupe_key="a"))
    assert await world.invites.hang_up(invite.id or 0, Actor("U3", privileged=True)) is HangUpOutcome.HANGING_UP
    actions = [(actor, action) for actor, action, _ in world.lines()]
    assert actions[:3] == [("U1", "scheduled"), (SYSTEM, "dialled"), ("U3", "hung_up")]


def test_numbers_are_masked_but_ids_and_times_are_not() -> None:
    assert mask_numbers(f"called {AMY} at 2026-12-01") == "called +86*********01 at 2026-12-01"
    assert mask_numbers("invite 17") == "invite 17"
    assert SubjectKind.CALL.value == "call" and AuditAction.CALL_ENDED.value == "call_ended"


async def test_a_bulk_launch_confirmed_or_cancelled_is_recorded_with_who_pressed(world: AuditedWorld, engine) -> None:
    launches = BulkLaunches(SqlBulkStore(engine), world.invites, Pacer({}), world.clock, 1, world.log)
    now = world.clock.now()
    invite = Invite(
        "T1", "C", "U1", world.provider.name, Target(TargetKind.CONFERENCE, "42"), now, "UTC", created_at=now
    )
    parties = [Party(PartyKind.PHONE, n) for n in (AMY, BOB)]
    kept, _ = await launches.hold(invite, parties)
    dropped, _ = await launches.hold(invite, parties)
    assert (await launches.confirm(kept, Actor("U1"))).outcome is LaunchOutcome.CONFIRMED
    assert (await launches.confirm(kept, Actor("U1"))).outcome is LaunchOutcome.ALREADY_CONFIRMED  # not recorded
    assert await launches.cancel(dropped, Actor("U1")) is LaunchOutcome.CANCELLED
    assert world.lines() == [
        ("U1", "scheduled", "invite"),
        ("U1", "launch_confirmed", "launch"),
        ("U1", "launch_cancelled", "launch"),
    ]
    assert world.log.events[1].details["parties"] == 2


async def test_another_number_is_recorded_with_the_old_and_new_number_and_who_asked(clock) -> None:
    from tests.dialout.core.test_reminder_requests import BOB, NEW, Directory, locale_of

    store, log = InMemoryInviteStore(), InMemoryAuditLog()
    now = clock.now()
    target = Target(TargetKind.CONFERENCE, "42")
    invite = await store.add_invite(
        Invite("T1", "C", "U0AMY", "sandbox", target, now + timedelta(minutes=10), "UTC", created_at=now), [BOB]
    )
    requests = ReminderRequests(
        store, store, RecordingNotifier(), Directory(), clock, DialingPolicy(), locale_of, "en", "UTC", audit=log
    )
    [bob] = await store.attempts(invite.id or 0)
    reply = await requests.use_another_number(invite.id or 0, bob.id or 0, "U0BOB", "138 0013 8999")
    assert reply.outcome is NumberChangeOutcome.CHANGED
    bad = await requests.use_another_number(invite.id or 0, bob.id or 0, "U0BOB", "12345")
    assert bad.outcome is not NumberChangeOutcome.CHANGED  # refused: nothing recorded
    [changed] = log.events
    assert (changed.actor, changed.action, changed.subject_id) == ("U0BOB", AuditAction.NUMBER_CHANGED, str(bob.id))
    assert (changed.details["before"], changed.details["after"]) == (BOB.address, NEW)


async def test_pause_and_resume_are_recorded_with_who_pressed_each(world: AuditedWorld) -> None:
    bulk = BulkDialling(world.invites, MemoryPauses(world.store), world.slack, world.clock, world.log)
    invite = await world.schedule(AMY, BOB, in_minutes=0)
    await world.invites.fire(invite.id or 0)
    assert await bulk.pause(invite.id or 0, Actor("U1")) is PauseOutcome.PAUSED
    assert await bulk.pause(invite.id or 0, Actor("U1")) is PauseOutcome.ALREADY_PAUSED  # not recorded
    assert await bulk.resume(invite.id or 0, Actor("U4", privileged=True)) is PauseOutcome.RESUMED
    assert [(a, x) for a, x, _ in world.lines() if x in {"paused", "resumed"}] == [("U1", "paused"), ("U4", "resumed")]


async def test_redial_names_who_pressed_it_and_the_failed_call_and_its_retry_are_each_recorded(
    world: AuditedWorld,
) -> None:
    invite = await world.schedule(AMY, in_minutes=0)
    await world.invites.fire(invite.id or 0)
    busy = CallEvent("fake", await world.call_id(invite), CallState.FAILED, reason=FailReason.BUSY, dedupe_key="b")
    await world.status.apply(busy)
    assert await world.invites.redial_failed(invite.id or 0, Actor("U1"), DialingPolicy()) is RedialOutcome.REDIALLING
    actions = [(actor, action) for actor, action, _ in world.lines()]
    assert actions[:4] == [("U1", "scheduled"), (SYSTEM, "dialled"), (SYSTEM, "call_ended"), ("U1", "redialled")]
    assert world.log.events[2].details["reason"] == "busy"
    assert world.log.events[3].details == {"n": 1}
