"""Use another number's compare-and-set in SQL: one waiting call changes, and only while it waits.

Runs on SQLite, and on PostgreSQL when CONFBOT_TEST_DATABASE_URL is set; the race with the run's
claim is played here too (either the change or the claim wins, never a change the run missed).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.models import InviteStatus
from bot.dialout.reminder_store import SqlReminderStore
from bot.dialout.store import SqlInviteStore
from bot.dialout.store import invites as invite_rows
from bot.kernel.states import CallState
from tests.dialout.test_store import ALICE, BOB, NOW, add

NEW = "+8613800138999"


async def test_a_waiting_call_of_a_scheduled_invite_changes_once_from_the_number_it_was_read_with(
    engine: AsyncEngine,
) -> None:
    invites, reminders = SqlInviteStore(engine), SqlReminderStore(engine)
    invite = await add(invites, ALICE, BOB, due_in_s=3600)
    assert invite.id is not None
    alice, bob = await invites.attempts(invite.id)
    assert alice.id is not None and bob.id is not None
    later = NOW + timedelta(minutes=1)
    assert await reminders.change_unsent_number(alice.id, ALICE.address, NEW, later)
    assert not await reminders.change_unsent_number(alice.id, ALICE.address, "+8613800138777", later)  # read stale
    fresh = await invites.get_attempt(alice.id)
    assert fresh is not None and fresh.party.address == NEW and fresh.party.slack_user_id == "U1"
    assert (await invites.get_attempt(bob.id)).party.address == BOB.address  # type: ignore[union-attr]


async def test_no_change_once_the_call_was_claimed_cancelled_or_the_invite_left_scheduled(engine: AsyncEngine) -> None:
    invites, reminders = SqlInviteStore(engine), SqlReminderStore(engine)
    sent = await add(invites, ALICE, due_in_s=3600)
    skipped = await add(invites, ALICE, due_in_s=3600)
    dialling = await add(invites, ALICE, due_in_s=0)
    [sent_call] = await invites.attempts(sent.id or 0)
    [skipped_call] = await invites.attempts(skipped.id or 0)
    [dialling_call] = await invites.attempts(dialling.id or 0)
    assert sent_call.id and skipped_call.id and dialling_call.id
    assert await invites.claim_attempt_for_sending(sent_call.id, NOW)
    assert await invites.cancel_unsent(skipped_call.id, NOW)
    assert await invites.claim_due_invite(dialling.id or 0, NOW, None) is not None
    for call in (sent_call, skipped_call, dialling_call):
        assert not await reminders.change_unsent_number(call.id or 0, ALICE.address, NEW, NOW)
        fresh = await invites.get_attempt(call.id or 0)
        assert fresh is not None and fresh.party.address == ALICE.address


async def run(invites: SqlInviteStore, invite_id: int) -> str:
    """The run as InviteService.fire does it: claim the invite, then read its waiting calls."""
    await invites.claim_due_invite(invite_id, NOW, None)
    [read] = await invites.attempts(invite_id)
    return read.party.address


async def test_a_change_racing_the_runs_claim_is_either_dialled_or_refused(engine: AsyncEngine) -> None:
    invites, reminders = SqlInviteStore(engine), SqlReminderStore(engine)
    for _ in range(5):
        invite = await add(invites, ALICE, due_in_s=0)
        assert invite.id is not None
        [call] = await invites.attempts(invite.id)
        assert call.id is not None

        changed, dialled = await asyncio.gather(
            reminders.change_unsent_number(call.id, ALICE.address, NEW, NOW), run(invites, invite.id)
        )
        assert dialled == (NEW if changed else ALICE.address)
        final = await invites.get_invite(invite.id)
        assert final is not None and final.status is InviteStatus.DIALING
        assert (await invites.get_attempt(call.id)).state is CallState.QUEUED  # type: ignore[union-attr]


async def test_only_invites_inside_their_own_reminder_window_are_due_for_a_reminder(engine: AsyncEngine) -> None:
    invites, reminders = SqlInviteStore(engine), SqlReminderStore(engine)

    async def scheduled(due_in_min: float, remind_minutes: int) -> int:
        invite = await add(invites, ALICE, due_in_s=due_in_min * 60)
        assert invite.id is not None
        async with engine.begin() as conn:  # as /dial `remind Nm` stores it
            await conn.execute(
                update(invite_rows).where(invite_rows.c.id == invite.id).values(remind_minutes=remind_minutes)
            )
        return invite.id

    ten_in_five = await scheduled(5, 10)  # its reminder was due 5 minutes ago
    ten_in_fifteen = await scheduled(15, 10)  # not for another 5 minutes
    day_in_hours = await scheduled(20 * 60, 24 * 60)  # a day's lead: already due
    none = await scheduled(1, 0)  # no reminder asked for
    past = await scheduled(-1, 10)  # its run has come: no reminder any more
    due = [i.id for i in await reminders.reminders_due(NOW)]
    assert due == [ten_in_five, day_in_hours]
    assert {ten_in_fifteen, none, past}.isdisjoint(due)
    assert await reminders.claim_reminder(ten_in_five, NOW + timedelta(minutes=5), NOW)
    assert [i.id for i in await reminders.reminders_due(NOW)] == [day_in_hours]
