"""Reminders through the emulator: posted N minutes before a run (a clock the test moves), once across
a restart, none when off or when the run is sooner; its buttons (Dial now, Postpone, Skip) for those
allowed and those not, fresh and stale, in English and Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.dialout.core.models import Invite, InviteStatus
from bot.emulator.server import Message
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, CHANNEL, LI, Harness, wait_for
from tests.e2e.test_thread_buttons import buttons, click


class MovableClock:
    """Real time plus an offset the test moves: the bot's waits still pass, its calendar jumps."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def reminders(harness: Harness, invite: Invite) -> list[Message]:
    assert invite.thread_ts
    thread = harness.emulator.thread(CHANNEL, invite.thread_ts)[1:]
    return [m for m in thread if ids.POSTPONE_ACTION in buttons(m)]


async def scheduled(harness: Harness, text: str, user: str = AMY) -> Invite:
    await harness.dial(text, user=user)
    await wait_for(lambda: len(harness.parents()) == 1, what="the parent")

    async def threaded() -> bool:
        return (await harness.only_invite()).roster_ts is not None

    await wait_for(threaded, what="the roster in the thread")
    return await harness.only_invite()


async def reminder_of(harness: Harness, invite: Invite) -> Message:
    await wait_for(lambda: len(reminders(harness, invite)) == 1, what="the reminder")
    return reminders(harness, invite)[0]


async def test_the_reminder_comes_n_minutes_before_the_run_and_mentions_only_the_creator(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite = await scheduled(harness, "13800138001, <@U0BOB> into conf 42 in 2 hours")
        clock.advance(hours=1, minutes=49)
        await harness.wait_watch_rounds(3)
        assert reminders(harness, invite) == []
        clock.advance(minutes=2)
        reminder = await reminder_of(harness, invite)
        assert reminder.text.startswith(f"<@{AMY}> Reminder: invite #1 dials 2 people into conference 42 in 9 min")
        assert reminder.text.count("<@") == 1
        assert buttons(reminder) == [ids.DIAL_NOW_ACTION, ids.POSTPONE_ACTION, ids.CANCEL_INVITE_ACTION]
        assert "This invite runs once: Skip cancels it." in str(reminder.blocks)
        assert (await harness.only_invite()).reminded_at is not None


async def test_a_reminder_is_sent_once_across_a_restart(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite = await scheduled(harness, "13800138001 into conf 42 in 2 hours remind 30m")
        clock.advance(hours=1, minutes=31)
        await reminder_of(harness, invite)
        await harness.restart_bot()
        await harness.wait_watch_rounds(5)
        clock.advance(minutes=5)
        await harness.wait_watch_rounds(5)
        assert len(reminders(harness, invite)) == 1


async def test_no_reminder_when_off_by_default_when_asked_off_or_when_the_run_is_sooner(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock, reminder_minutes=0) as harness:
        await harness.dial("13800138001 into conf 42 in 2 hours")
        await harness.dial("13800138002 into conf 43 in 2 hours remind off")
        await harness.dial("13800138003 into conf 44 in 5 minutes remind 10m")
        await harness.dial("13800138004 into conf 45 in 2 hours remind 15m")  # asked for: the only one
        await wait_for(lambda: len(harness.parents()) == 4, what="four parents")
        clock.advance(hours=1, minutes=50)
        await harness.wait_watch_rounds(3)
        invites = await harness.services.store.recent_invites(CHANNEL, 10)
        reminded = sorted(i.target.id for i in invites if i.reminded_at is not None)
        assert reminded == ["45"]
        await wait_for(lambda: sum(ids.POSTPONE_ACTION in buttons(m) for m in _all(harness)) == 1, what="one reply")


def _all(harness: Harness) -> list[Message]:
    return harness.emulator.messages[CHANNEL]


async def test_dial_now_on_the_reminder_dials_at_once(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite = await scheduled(harness, "13800138001 into conf 42 in 2 hours")
        clock.advance(hours=1, minutes=51)
        await click(harness, await reminder_of(harness, invite), ids.DIAL_NOW_ACTION, AMY)
        assert await harness.wait_ephemeral(AMY, 2) == "Dialling invite #1 now."
        done = await harness.wait_done()
        assert done.fired_by == AMY and harness.sandbox_dials("+8613800138001") == 1


async def test_postpone_moves_the_run_ten_minutes_and_says_so_in_the_thread(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite = await scheduled(harness, "13800138001 into conf 42 in 2 hours")
        clock.advance(hours=1, minutes=51)
        reminder = await reminder_of(harness, invite)
        await click(harness, reminder, ids.POSTPONE_ACTION, BOB)
        refusal = await harness.wait_ephemeral(BOB)
        assert refusal == f"Only the person who created invite #1 (<@{AMY}>) or a workspace admin may do that."
        await click(harness, reminder, ids.POSTPONE_ACTION, AMY)
        assert await harness.wait_ephemeral(AMY, 2) == "Invite #1 is postponed by 10 minutes."
        moved = await harness.only_invite()
        assert moved.due_at == invite.due_at + timedelta(minutes=10)
        assert moved.status is InviteStatus.SCHEDULED
        await wait_for(
            lambda: any(r.startswith("Postponed 10 min by amy: now at") for r in harness.replies_text(moved)),
            what="the postponed notice",
        )
        assert harness.sandbox_dials() == 0


async def test_skip_cancels_the_one_off_run_and_a_stale_postpone_says_so_in_chinese(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock, default_locale="zh") as harness:
        invite = await scheduled(harness, "13800138001 呼入 会议 42 2小时后 提前15分钟提醒", user=LI)
        assert invite.remind_minutes == 15
        clock.advance(hours=1, minutes=46)
        reminder = await reminder_of(harness, invite)
        assert reminder.text.startswith(f"<@{LI}> 提醒：第 1 号邀请将在 14 分钟后")
        await click(harness, reminder, ids.CANCEL_INVITE_ACTION, LI)
        assert await harness.wait_ephemeral(LI, 2) == "第 1 号邀请已取消。"
        assert (await harness.only_invite()).status is InviteStatus.CANCELLED
        await click(harness, reminder, ids.POSTPONE_ACTION, LI)
        assert await harness.wait_ephemeral(LI, 3) == "第 1 号邀请已不在计划中（已取消或已错过），未做推迟。"
        await click(harness, reminder, ids.DIAL_NOW_ACTION, LI)
        await harness.wait_ephemeral(LI, 4)
        assert harness.sandbox_dials() == 0


async def test_a_bad_reminder_is_refused_and_nothing_is_scheduled(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 in 2 hours remind 5 parsecs")
    assert "remind 15m" in await harness.wait_ephemeral(AMY)
    await harness.dial("13800138001 into conf 42 in 2 hours remind 3d", user=LI)
    assert "提前15分钟提醒" in await harness.wait_ephemeral(LI)
    assert await harness.services.store.recent_invites(CHANNEL, 5) == []


async def test_remind_dm_messages_each_mentioned_person_and_skip_me_withdraws_only_their_call(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite = await scheduled(harness, f"<@{BOB}>, <@{LI}>, 13800138001 into conf 42 in 2 hours remind dm")
        assert invite.remind_dm
        clock.advance(hours=1, minutes=51)
        await reminder_of(harness, invite)
        await wait_for(
            lambda: len(harness.emulator.direct_messages(BOB)) == len(harness.emulator.direct_messages(LI)) == 1,
            what="a DM to each mentioned person",
        )
        assert harness.emulator.direct_messages(AMY) == []  # the creator has the thread reply
        to_bob = harness.emulator.direct_messages(BOB)[0]
        assert to_bob.text.startswith("You'll be called at ")
        assert to_bob.text.endswith(" on 139****0011 for conference 42 (invite #1).")
        assert harness.emulator.direct_messages(LI)[0].text.startswith("将于 ")
        await click(harness, to_bob, ids.SKIP_ME_ACTION, LI)
        assert await harness.wait_ephemeral(LI) == "第 1 号邀请中的这通电话不是你的：只有被呼叫的人可以跳过。"
        await click(harness, to_bob, ids.SKIP_ME_ACTION, BOB)
        assert await harness.wait_ephemeral(BOB) == "You won't be called for invite #1; everyone else still is."
        await click(harness, to_bob, ids.SKIP_ME_ACTION, BOB)
        assert (await harness.wait_ephemeral(BOB, 2)).startswith("Your call of invite #1 is no longer scheduled")
        await wait_for(
            lambda: "bob asked not to be called this time." in harness.replies_text(invite), what="the thread notice"
        )
        await click(harness, harness.parents()[0], ids.DIAL_NOW_ACTION, AMY)
        await harness.wait_done()
        assert harness.sandbox_dials("+8613900000011") == 0
        assert harness.sandbox_dials("+8613900000002") == 1 and harness.sandbox_dials("+8613800138001") == 1


async def test_without_remind_dm_nobody_gets_a_direct_message(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite = await scheduled(harness, f"<@{BOB}> into conf 42 in 2 hours")
        clock.advance(hours=1, minutes=51)
        await reminder_of(harness, invite)
        await harness.wait_watch_rounds(3)
        assert harness.emulator.direct_messages(BOB) == [] and harness.emulator.calls["conversations.open"] == 0
