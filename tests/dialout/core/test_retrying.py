"""Retries placed by the invite service on the SQL store, with a scripted provider and a clock moved by hand.

Each story goes through the same paths as a live invite: the provider's answer or its events fail a
call, a retry row is queued with its due time, and the periodic watch places it through the per-call claim.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.models import CallEvent, Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor, CancelOutcome
from bot.dialout.core.ports import PlacedCall, ProviderError
from bot.dialout.core.retries import parse_retry
from bot.dialout.store import SqlInviteStore
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.kernel.tables import CallAttemptRow
from tests.conftest import FakeClock
from tests.dialout.core.fakes import ScriptedProvider
from tests.dialout.core.test_invites import World

AMY = "+8613900000001"


@pytest.fixture
def sql_world(clock: FakeClock, engine) -> World:
    return World(clock, ScriptedProvider(), SqlInviteStore(engine))  # type: ignore[arg-type]


async def _dialling(world: World, policy: str, *numbers: str, max_duration_s: int | None = None) -> Invite:
    now = world.clock.now()
    invite = await world.invites.schedule(
        Invite(
            team_id="T",
            channel_id="C",
            created_by="U1",
            provider=world.provider.name,
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=now,
            tz="Asia/Shanghai",
            created_at=now,
            max_duration_s=max_duration_s,
            retry=parse_retry(policy),
        ),
        [Party(PartyKind.PHONE, n) for n in numbers],
    )
    assert invite.id is not None
    await world.invites.fire(invite.id)
    return invite


async def _report(world: World, state: CallState, reason: FailReason | None = None) -> None:
    """The provider's event for the newest call it placed."""
    call_id = world.provider.requests[-1].calls[-1].attempt_id
    await world.status.apply(
        CallEvent(world.provider.name, f"call-{call_id}", state, f"{call_id}:{state.value}", reason=reason)
    )


async def _states(world: World, invite: Invite) -> list[tuple[CallState, FailReason | None]]:
    return [(a.state, a.reason) for a in await world.store.attempts(invite.id or 0)]


async def test_busy_twice_then_answered_dials_three_times_and_nobody_after_joining(sql_world: World) -> None:
    world = sql_world
    invite = await _dialling(world, "busy=3x2m", AMY)
    await _report(world, CallState.FAILED, FailReason.BUSY)
    await world.invites.watch()
    assert world.provider.dialled == [AMY]  # not before its time
    world.clock.advance(minutes=2)
    await world.invites.watch()
    await _report(world, CallState.FAILED, FailReason.BUSY)
    world.clock.advance(minutes=2)
    await world.invites.watch()
    await _report(world, CallState.ANSWERED)
    await _report(world, CallState.COMPLETED)
    world.clock.advance(minutes=10)
    await world.invites.watch()
    assert world.provider.dialled == [AMY, AMY, AMY]
    assert await _states(world, invite) == [
        (CallState.FAILED, FailReason.BUSY),
        (CallState.FAILED, FailReason.BUSY),
        (CallState.COMPLETED, None),
    ]
    marks = [a.retry for a in await world.store.attempts(invite.id or 0)]
    assert [(m.number, m.limit) if m else None for m in marks] == [None, (1, 3), (2, 3)]
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]


async def test_no_answer_three_times_gives_up_after_its_two_retries(sql_world: World) -> None:
    world = sql_world
    invite = await _dialling(world, "noanswer=2x1m", AMY)
    for _ in range(3):
        await _report(world, CallState.FAILED, FailReason.NO_ANSWER)
        world.clock.advance(minutes=1)
        await world.invites.watch()
    world.clock.advance(hours=1)
    await world.invites.watch()
    assert world.provider.dialled == [AMY] * 3
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]
    assert world.notifier.notices[-1][1].kind.value == "summary"


async def test_the_summary_waits_for_a_queued_retry(sql_world: World) -> None:
    world = sql_world
    invite = await _dialling(world, "busy=1x5m", AMY)
    await _report(world, CallState.FAILED, FailReason.BUSY)
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DIALING  # type: ignore[union-attr]
    assert not [n for n in world.notifier.notices if n[1].kind.value == "summary"]


@pytest.mark.parametrize("reason", [FailReason.REJECTED, FailReason.INVALID_NUMBER, FailReason.BARRED])
async def test_refused_calls_are_never_retried(sql_world: World, reason: FailReason) -> None:
    world = sql_world
    invite = await _dialling(world, "busy=3x1m noanswer=3x1m error=3x1m", AMY)
    await _report(world, CallState.FAILED, reason)
    world.clock.advance(hours=1)
    await world.invites.watch()
    assert world.provider.dialled == [AMY]
    assert len(await world.store.attempts(invite.id or 0)) == 1


async def test_an_unknown_outcome_is_never_retried(sql_world: World) -> None:
    world = sql_world
    world.provider.error = ProviderError("timeout", "no answer in time", maybe_sent=True)
    invite = await _dialling(world, "busy=3x1m noanswer=3x1m error=3x1m", AMY)
    world.provider.error = None
    world.clock.advance(seconds=400)  # past unknown_give_up_s: failed(unknown)
    await world.invites.watch()
    world.clock.advance(hours=1)
    await world.invites.watch()
    assert await _states(world, invite) == [(CallState.FAILED, FailReason.UNKNOWN)]
    assert world.provider.dialled == [AMY]


async def test_a_request_that_never_reached_the_provider_is_retried_with_backoff(sql_world: World) -> None:
    world = sql_world
    world.provider.error = ProviderError("connect_failed", "could not connect", reason=FailReason.NETWORK)
    invite = await _dialling(world, "error=2x30s", AMY)
    marks = [a.retry for a in await world.store.attempts(invite.id or 0)]
    assert marks[1] is not None and marks[1].at == world.clock.now() + timedelta(seconds=30)
    world.clock.advance(seconds=30)
    await world.invites.watch()
    marks = [a.retry for a in await world.store.attempts(invite.id or 0)]
    assert marks[2] is not None and marks[2].at == world.clock.now() + timedelta(seconds=60)  # doubled
    world.clock.advance(seconds=60)
    await world.invites.watch()
    assert world.provider.dialled == [AMY] * 3
    assert len(await world.store.attempts(invite.id or 0)) == 3


async def test_a_retry_is_not_placed_after_cancel(sql_world: World) -> None:
    world = sql_world
    invite = await _dialling(world, "busy=3x1m", AMY, "+8613900000002")
    await _report(world, CallState.FAILED, FailReason.BUSY)  # the second number's call
    assert await world.invites.cancel(invite.id or 0, Actor("U1")) is CancelOutcome.HANGING_UP
    world.clock.advance(minutes=5)
    await world.invites.watch()
    assert world.provider.dialled == [AMY, "+8613900000002"]
    assert (await _states(world, invite))[-1] == (CallState.CANCELLED, None)


class _HangsUpLater(ScriptedProvider):
    """Accepts a hang-up and reports how the call ended later, by event (as most providers do)."""

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        self.cancelled.append(call)
        return None


async def test_a_failure_after_hang_up_queues_no_retry(clock: FakeClock, engine: AsyncEngine) -> None:
    world = World(clock, _HangsUpLater(), SqlInviteStore(engine))  # type: ignore[arg-type]
    invite = await _dialling(world, "busy=3x1m", AMY)
    await world.invites.hang_up(invite.id or 0, Actor("U1"))
    await _report(world, CallState.FAILED, FailReason.BUSY)
    world.clock.advance(minutes=5)
    await world.invites.watch()
    assert world.provider.dialled == [AMY]
    assert len(await world.store.attempts(invite.id or 0)) == 1


async def test_no_retry_is_queued_past_the_invites_maximum_duration(sql_world: World) -> None:
    world = sql_world
    invite = await _dialling(world, "busy=3x10m", AMY, max_duration_s=300)
    await _report(world, CallState.FAILED, FailReason.BUSY)
    assert len(await world.store.attempts(invite.id or 0)) == 1
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]


async def test_a_retry_due_after_the_party_joined_another_way_is_withdrawn(sql_world: World) -> None:
    world = sql_world
    invite = await _dialling(world, "busy=3x1m", AMY)
    await _report(world, CallState.FAILED, FailReason.BUSY)
    first = (await world.store.attempts(invite.id or 0))[0]
    # The row says the party joined on its first call after all (what a late provider report leaves).
    table = CallAttemptRow.__table__  # type: ignore[attr-defined]
    async with world.store.engine.begin() as conn:  # type: ignore[attr-defined]
        await conn.execute(update(table).where(table.c.id == first.id).values(answered_at=world.clock.now()))
    world.clock.advance(minutes=1)
    await world.invites.watch()
    assert world.provider.dialled == [AMY]
    assert (await _states(world, invite))[-1] == (CallState.CANCELLED, None)


async def test_two_services_on_one_database_place_a_due_retry_once(clock: FakeClock, engine) -> None:
    provider = ScriptedProvider()
    first = World(clock, provider, SqlInviteStore(engine))  # type: ignore[arg-type]
    second = World(clock, provider, SqlInviteStore(engine))  # type: ignore[arg-type]
    invite = await _dialling(first, "busy=1x1m", AMY)
    await _report(first, CallState.FAILED, FailReason.BUSY)
    clock.advance(minutes=1)
    await asyncio.gather(first.invites.watch(), second.invites.watch(), first.invites.watch())
    assert provider.dialled == [AMY, AMY]
    assert len(await first.store.attempts(invite.id or 0)) == 2


async def test_settling_between_a_failure_and_its_retry_queues_the_retry_instead_of_finishing(
    sql_world: World,
) -> None:
    # The dial that placed the call settles right after the call failed, before the failure's own
    # retry was queued (two writes, another task in between): the invite must not finish there.
    world = sql_world
    invite = await _dialling(world, "busy=1x1m", AMY)
    call = (await world.store.attempts(invite.id or 0))[0]
    moved = await world.store.transition(
        call.id or 0,
        call.state,
        CallState.FAILED,
        reason=FailReason.BUSY,
        code="busy",
        detail=None,
        at=world.clock.now(),
    )
    assert moved
    assert not await world.status.settle(invite.id or 0)
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DIALING  # type: ignore[union-attr]
    world.clock.advance(minutes=1)
    await world.invites.watch()
    assert world.provider.dialled == [AMY, AMY]
