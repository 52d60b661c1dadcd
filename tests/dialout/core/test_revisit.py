"""The leader decides an invite another replica wrote or changed from its row, as the reconcile would."""

from __future__ import annotations

import pytest

from bot.dialout.core.outcomes import Actor, CancelOutcome
from tests.dialout.core.fakes import ScriptedProvider
from tests.dialout.core.test_invites import World


@pytest.fixture
def leader(clock) -> World:
    return World(clock, ScriptedProvider())


async def test_an_invite_scheduled_elsewhere_gets_its_job_at_its_due_time(leader: World) -> None:
    invite = await leader.schedule("+8613800138001", in_minutes=30)
    leader.scheduler.jobs.clear()  # as if another replica had stored it
    await leader.invites.revisit(invite.id or 0)
    assert leader.scheduler.jobs == {invite.id: invite.due_at}


async def test_an_invite_cancelled_elsewhere_loses_its_job_and_dials_nobody(leader: World) -> None:
    invite = await leader.schedule("+8613800138001", in_minutes=30)
    assert await leader.invites.cancel(invite.id or 0, Actor("U1")) is CancelOutcome.CANCELLED
    leader.scheduler.jobs[invite.id or 0] = invite.due_at  # the leader's job, set before the cancel
    await leader.invites.revisit(invite.id or 0)
    assert leader.scheduler.jobs == {}
    assert leader.provider.requests == []


async def test_revisiting_an_invite_that_does_not_exist_changes_nothing(leader: World) -> None:
    await leader.invites.revisit(999)
    assert leader.scheduler.jobs == {}
