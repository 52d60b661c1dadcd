"""The dialing policy's limits through the emulator, as Slack sends them (signed slash commands,
block_actions, view_submission): each rule refuses at read time naming itself; daily limits and
quiet hours hold again when calls are placed (the thread names who was not dialled and why); an
invite over APPROVAL_OVER waits for an admin's Approve or Decline."""

from __future__ import annotations

import copy
import csv
import io
from datetime import UTC, datetime, timedelta

from bot.dialout.audit_store import SqlAuditLog
from bot.dialout.core.audit import AuditAction
from bot.dialout.core.audit_export import build_audit_csv
from bot.dialout.core.models import InviteStatus
from bot.dialout.core.outcomes import Actor
from bot.emulator.render import render_blocks
from bot.kernel.states import CallState, FailReason
from bot.slack import ids
from tests.e2e.harness import AMY, LI, Harness, wait_for
from tests.e2e.test_dial_form import TARGET, WHEN, open_by_slash
from tests.e2e.test_dial_form import submit as submit_form
from tests.e2e.test_edit_and_add_people import NUMBERS, open_add, submit
from tests.e2e.test_reminders import MovableClock
from tests.e2e.test_thread_buttons import buttons, click, scheduled_parent

BOSS = "U0BOSS"
US = "+14155552671"  # San Francisco: read on America/Los_Angeles' clock
CN = "+8613800138001"  # Asia/Shanghai


def clock_at(hour: int, minute: int = 0) -> MovableClock:
    """Real time moved back so that it is now `hour:minute` UTC (today's, or yesterday's if that is yet to come).

    Never forward: the scheduler runs jobs on the real clock, so an invite due "now" on a clock
    moved forward would wait out the offset in real time (these stories failed in the UTC morning).
    """
    clock = MovableClock()
    now = datetime.now(UTC)
    moved = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    clock.offset = (moved if moved <= now else moved - timedelta(days=1)) - now
    return clock


async def invites_stored(harness: Harness) -> int:
    return len(await harness.services.store.recent_invites("C0OPS", 50))


# --- refused when read ---------------------------------------------------------------------------


async def test_more_parties_than_the_policy_allows_is_refused_naming_the_rule_and_the_limit(test_db) -> None:
    async with Harness(test_db, max_parties_per_invite=2) as harness:
        await harness.dial("13800138001, 13800138002, 13800138003 into conf 42 in 2 hours")
        answer = await harness.wait_ephemeral()
        assert "policy.max_parties" in answer and "at most 2 in one invite" in answer and "3 people" in answer
        await harness.dial("13800138001, 13800138002, 13800138003 into conf 42 in 2 hours", user=LI)
        assert "policy.max_parties" in await harness.wait_ephemeral(LI) and "最多 2 人" in harness.ephemerals(LI)[0]
        assert await invites_stored(harness) == 0


async def test_the_dial_form_with_more_parties_than_allowed_gets_the_rule_under_its_people(test_db) -> None:
    async with Harness(test_db, max_parties_per_invite=2) as harness:
        view = await open_by_slash(harness, LI)
        inputs = {TARGET: "42", NUMBERS: "13800138001\n13800138002\n13800138003", WHEN: "in 10 minutes"}
        answer = await submit_form(harness, view, inputs, LI)
        assert answer is not None and answer["response_action"] == "errors"
        assert "policy.max_parties" in answer["errors"]["dial_form_people"]
        assert "最多 2 人" in answer["errors"]["dial_form_people"]
        assert await invites_stored(harness) == 0


async def test_add_people_that_would_exceed_the_parties_limit_is_refused_on_the_form(test_db) -> None:
    async with Harness(test_db, max_parties_per_invite=2) as harness:
        parent = await scheduled_parent(harness, "13800138001, 13800138002 into conf 42 in 2 hours")
        answer = await submit(harness, await open_add(harness, parent), {NUMBERS: "13800138003"})
        assert answer is not None and "policy.max_parties" in answer["errors"]["dial_form_people"]
        assert len(await harness.services.store.attempts(1)) == 2


async def test_a_users_daily_limit_refuses_an_invite_due_today_naming_what_is_left(test_db) -> None:
    clock = clock_at(4)  # noon in Shanghai: the day does not end during the test
    async with Harness(test_db, clock=clock, daily_dial_limit_per_user=3, default_tz="Asia/Shanghai") as harness:
        await harness.dial("13800138001, 13800138002 into conf 42 now")
        await harness.wait_done()
        await harness.dial("13800138003, 13800138004 into conf 42 now")
        answer = await harness.wait_ephemeral(AMY, 2)
        assert "policy.daily_user" in answer and "only 1 of your 3 a day remain" in answer
        await harness.dial("13800138003, 13800138004 into conf 42 now", user=LI)  # another person's allowance
        await wait_for(lambda: harness.sandbox_dials() == 4, what="li's calls")
        assert await invites_stored(harness) == 2


async def test_the_workspaces_daily_limit_counts_everyones_calls(test_db) -> None:
    async with Harness(test_db, clock=clock_at(12), daily_dial_limit_per_workspace=2) as harness:
        await harness.dial("13800138001, 13800138002 into conf 42 now", user=LI)
        await harness.wait_done()
        await harness.dial("13800138003 into conf 42 now")
        answer = await harness.wait_ephemeral(AMY)
        assert "policy.daily_workspace" in answer and "only 0 of this workspace's 2 a day remain" in answer
        assert harness.sandbox_dials() == 2


async def test_quiet_hours_refuse_a_time_quiet_for_a_us_callee_while_a_chinese_one_is_dialled(test_db) -> None:
    clock = clock_at(6)  # 22:00 in San Francisco, 14:00 in Shanghai
    async with Harness(test_db, clock=clock, quiet_hours="21:00-08:00") as harness:
        await harness.dial(f"{US} into conf 42 now")
        answer = await harness.wait_ephemeral()
        assert "policy.quiet_hours" in answer and "21:00-08:00" in answer and "America/Los_Angeles" in answer
        await harness.dial(f"{CN} into conf 42 now")
        await harness.wait_done()
        assert harness.sandbox_dials(CN) == 1 and harness.sandbox_dials(US) == 0


# --- held when dialled -----------------------------------------------------------------------------


async def test_a_daily_limit_reached_at_dial_time_leaves_the_rest_undialled_and_the_thread_names_them(
    harness: Harness,
) -> None:
    await harness.dial("13800138001, 13800138002, 13800138003 into conf 42 in 2 hours")
    await harness.wait_ephemeral()
    invite = await harness.only_invite()
    await harness.stop_bot()
    harness.overrides.update(daily_dial_limit_per_user=2)  # lowered after it was scheduled
    services = await harness.start_bot()
    await services.invites.dial_now(invite.id or 0, Actor(invite.created_by))
    done = await harness.wait_done()
    calls = await services.store.attempts(done.id or 0)
    refused = [a for a in calls if a.state is CallState.FAILED]
    assert [(a.reason, a.provider_code) for a in refused] == [(FailReason.POLICY, "policy.daily_user")]
    assert harness.sandbox_dials() == 2 and harness.sandbox_dials(refused[0].party.address) == 0
    failures = "\n".join(harness.replies_text(done))
    assert "138****8003" in failures and "daily dial limit was reached: policy.daily_user" in failures


async def test_quiet_hours_at_dial_time_skip_the_us_callee_and_dial_the_chinese_one(test_db) -> None:
    clock = clock_at(6)  # 22:00 in San Francisco, 14:00 in Shanghai
    async with Harness(test_db, clock=clock) as harness:
        await harness.dial(f"{US}, {CN} into conf 42 in 2 hours")
        await harness.wait_ephemeral()
        invite = await harness.only_invite()
        await harness.stop_bot()
        harness.overrides.update(quiet_hours="21:00-08:00")
        services = await harness.start_bot()
        await services.invites.dial_now(invite.id or 0, Actor(invite.created_by))
        done = await harness.wait_done()
        calls = {a.party.address: a for a in await services.store.attempts(done.id or 0)}
        assert (calls[US].state, calls[US].provider_code) == (CallState.FAILED, "policy.quiet_hours")
        assert harness.sandbox_dials(US) == 0 and harness.sandbox_dials(CN) == 1
        roster = "\n".join(render_blocks(harness.roster(done).blocks))
        assert "quiet hours where they are: policy.quiet_hours" in roster


# --- approval --------------------------------------------------------------------------------------


async def test_an_invite_over_the_approval_limit_waits_until_an_admin_approves_then_is_dialled_once(
    test_db,
) -> None:
    async with Harness(test_db, approval_over=1) as harness:
        harness.emulator.add_user(BOSS, name="boss", is_admin=True)
        parent = await scheduled_parent(harness, "13800138001, 13800138002 into conf 42 now")
        assert buttons(parent) == [ids.APPROVE_ACTION, ids.DECLINE_ACTION, ids.CANCEL_INVITE_ACTION]
        assert "Waiting for approval" in parent.text and "(policy.approval)" in str(parent.blocks)
        assert "invite:1" not in harness.services.scheduler.job_ids()
        await click(harness, parent, ids.APPROVE_ACTION, AMY)  # its creator, not an admin
        assert "Only a workspace admin may approve or decline invite #1" in await harness.wait_ephemeral(AMY, 2)
        assert harness.sandbox_dials() == 0
        stale = copy.deepcopy(parent)
        await click(harness, parent, ids.APPROVE_ACTION, BOSS)
        assert (
            await harness.wait_ephemeral(BOSS)
            == "Invite #1 is approved; it is dialled at its time (now, if that has passed)."
        )
        done = await harness.wait_done()
        await click(harness, stale, ids.APPROVE_ACTION, BOSS)  # a stale button approves nothing twice
        assert "already approved, declined or cancelled" in await harness.wait_ephemeral(BOSS, 2)
        assert harness.sandbox_dials("+8613800138001") == 1 and harness.sandbox_dials("+8613800138002") == 1
        assert any("Approved by boss" in reply for reply in harness.replies_text(done))
        now = harness.services.clock.now()
        events = await SqlAuditLog(harness.services.engine).between(now - timedelta(hours=1), now + timedelta(hours=1))
        assert [(e.action, e.actor) for e in events if e.action is AuditAction.APPROVED] == [
            (AuditAction.APPROVED, BOSS)
        ]
        exported = list(csv.DictReader(io.StringIO(build_audit_csv(events))))  # what `confbot audit` writes
        assert any(row["action"] == "approved" and row["actor"] == BOSS for row in exported)


async def test_a_declined_invite_is_cancelled_nobody_is_dialled_and_the_thread_says_by_whom(test_db) -> None:
    async with Harness(test_db, approval_over=1, invite_admin_group="S0LEADS") as harness:
        harness.emulator.add_usergroup("S0LEADS", [LI])
        parent = await scheduled_parent(harness, "13800138001, 13800138002 into conf 42 in 2 hours")
        await click(harness, parent, ids.DECLINE_ACTION, AMY)
        assert "<!subteam^S0LEADS>" in await harness.wait_ephemeral(AMY, 2)
        await click(harness, parent, ids.DECLINE_ACTION, LI)  # a member of the invite admin group
        assert await harness.wait_ephemeral(LI) == "第 1 号邀请已被拒绝，不会拨打任何人。"
        invite = await harness.only_invite()
        assert invite.status is InviteStatus.CANCELLED and harness.sandbox_dials() == 0
        await wait_for(
            lambda: any("Declined by li" in r for r in harness.replies_text(invite)), what="the decline in the thread"
        )
        now = harness.services.clock.now()
        events = await SqlAuditLog(harness.services.engine).between(now - timedelta(hours=1), now + timedelta(hours=1))
        assert [e.actor for e in events if e.action is AuditAction.DECLINED] == [LI]


async def test_adding_people_past_the_approval_limit_is_refused_naming_the_rule(test_db) -> None:
    async with Harness(test_db, approval_over=2) as harness:
        parent = await scheduled_parent(harness, "13800138001, 13800138002 into conf 42 in 2 hours")
        assert buttons(parent)[0] == ids.DIAL_NOW_ACTION  # two people: no approval needed
        answer = await submit(harness, await open_add(harness, parent), {NUMBERS: "13800138003"})
        assert answer is not None and "policy.approval" in answer["errors"]["dial_form_people"]
        assert "more than 2 needs a workspace admin's approval" in answer["errors"]["dial_form_people"]
        assert len(await harness.services.store.attempts(1)) == 2
