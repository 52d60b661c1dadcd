"""The dialing policy's limits (core/limits.py): the rules alone, then held at dial time by the core
(dial_gate.py) and the approval step (approvals.py), with the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.dialout.core.approvals import Approvals
from bot.dialout.core.invites import InviteService
from bot.dialout.core.limits import (
    DailyQuota,
    DailyUse,
    Rule,
    callee_zone,
    daily_refusal,
    day_bounds,
    in_quiet_hours,
    needs_approval,
    over_max_parties,
)
from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor, ApprovalOutcome, CancelOutcome
from bot.dialout.core.ports import NoticeKind
from bot.dialout.core.status import StatusService
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.kernel.workspace_settings import DialLimits, FixedWorkspaceSettings, QuietHours, WorkspaceSettings
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier, RecordingScheduler, ScriptedProvider

US = Party(PartyKind.PHONE, "+14155552671")  # San Francisco: one zone, America/Los_Angeles
CN = Party(PartyKind.PHONE, "+8613800138001")  # Asia/Shanghai
NIGHT = QuietHours(time(21), time(8))
ADMIN = Actor("U0BOSS", privileged=True)


# --- the rules ---------------------------------------------------------------------------------


def test_the_workspace_day_runs_from_its_own_midnight_not_utcs() -> None:
    start, end = day_bounds(datetime(2026, 11, 26, 17, 0, tzinfo=UTC), "Asia/Shanghai")  # 01:00 on the 27th there
    assert (start, end) == (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), datetime(2026, 11, 27, 16, 0, tzinfo=UTC))


def test_a_day_with_a_clock_change_is_as_long_as_it_is_locally() -> None:
    start, end = day_bounds(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), "America/New_York")
    assert end - start == timedelta(hours=23)


def test_a_number_of_one_zone_is_read_on_its_clock_and_others_on_the_workspaces() -> None:
    assert callee_zone(US, "Asia/Shanghai") == "America/Los_Angeles"
    assert callee_zone(CN, "UTC") == "Asia/Shanghai"
    assert callee_zone(Party(PartyKind.PHONE, "+18005550100"), "Europe/Paris") == "Europe/Paris"  # toll-free: many
    assert callee_zone(Party(PartyKind.SIP, "room@10.0.0.1"), "Europe/Paris") == "Europe/Paris"


def test_quiet_hours_hold_on_the_callees_clock_so_one_number_is_quiet_while_another_is_not() -> None:
    at = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 22:00 in San Francisco, 14:00 in Shanghai
    assert in_quiet_hours(US, at, NIGHT, "UTC") and not in_quiet_hours(CN, at, NIGHT, "UTC")
    later = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # 09:00 there, 01:00 here
    assert not in_quiet_hours(US, later, NIGHT, "UTC") and in_quiet_hours(CN, later, NIGHT, "UTC")
    assert not in_quiet_hours(CN, later, None, "UTC")


def test_zero_means_no_limit_for_parties_and_approval() -> None:
    assert not over_max_parties(DialLimits(), 10_000) and not needs_approval(DialLimits(), 10_000)
    assert over_max_parties(DialLimits(max_parties=3), 4) and not over_max_parties(DialLimits(max_parties=3), 3)
    assert needs_approval(DialLimits(approval_over=3), 4) and not needs_approval(DialLimits(approval_over=3), 3)


def test_a_daily_refusal_names_the_rule_broken_and_what_is_left() -> None:
    start, end = day_bounds(datetime(2026, 11, 26, 2, 0, tzinfo=UTC), "UTC")
    quota = DailyQuota("T", "U1", start, end, per_user=5, per_workspace=20)
    assert daily_refusal(quota, DailyUse(3, 3), 2) is None
    assert daily_refusal(quota, DailyUse(3, 3), 3) == (Rule.DAILY_USER, 2)
    assert daily_refusal(quota, DailyUse(0, 19), 2) == (Rule.DAILY_WORKSPACE, 1)


# --- held at dial time -------------------------------------------------------------------------


class World:
    def __init__(self, limits: DialLimits, default_tz: str = "UTC", now: datetime | None = None) -> None:
        self.clock = FakeClock(now)
        self.store = InMemoryInviteStore()
        self.notifier = RecordingNotifier()
        self.scheduler = RecordingScheduler()
        self.provider = ScriptedProvider()
        self.settings = FixedWorkspaceSettings(WorkspaceSettings(limits=limits, default_tz=default_tz))
        status = StatusService(self.store, self.notifier, self.clock, {self.provider.name: self.provider.info})
        self.invites = InviteService(
            self.store,
            self.scheduler,
            self.notifier,
            {self.provider.name: self.provider},
            status,
            self.clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
            workspace_settings=self.settings,
        )
        self.approvals = Approvals(self.store, self.scheduler, self.notifier, self.invites, self.clock)

    async def schedule(self, parties: list[Party], by: str = "U1", in_minutes: float = 5) -> Invite:
        now = self.clock.now()
        invite = Invite(
            team_id="T",
            channel_id="C",
            created_by=by,
            provider=self.provider.name,
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=now + timedelta(minutes=in_minutes),
            tz="Asia/Shanghai",
            created_at=now,
        )
        return await self.invites.schedule(invite, parties)

    async def run(self, invite: Invite) -> dict[str, tuple[CallState, FailReason | None, str | None]]:
        self.clock.advance(seconds=max(0.0, (invite.due_at - self.clock.now()).total_seconds()))
        await self.invites.fire(invite.id or 0)
        return {
            a.party.address: (a.state, a.reason, a.provider_code) for a in await self.store.attempts(invite.id or 0)
        }


def phones(n: int, first: int = 0) -> list[Party]:
    return [Party(PartyKind.PHONE, f"+86138{first + i:08d}") for i in range(n)]


async def test_calls_beyond_the_users_daily_limit_fail_for_policy_and_never_reach_the_provider() -> None:
    world = World(DialLimits(daily_per_user=3))
    first = await world.schedule(phones(2))
    await world.run(first)
    second = await world.schedule(phones(2, 10))
    states = await world.run(second)
    assert len(world.provider.dialled) == 3
    refused = [s for s in states.values() if s[0] is CallState.FAILED]
    assert refused == [(CallState.FAILED, FailReason.POLICY, Rule.DAILY_USER.value)]
    assert second.id in world.notifier.failed


async def test_another_users_invite_still_dials_under_a_per_user_limit_until_the_workspace_limit() -> None:
    world = World(DialLimits(daily_per_user=2, daily_per_workspace=3))
    await world.run(await world.schedule(phones(2), by="U1"))
    states = await world.run(await world.schedule(phones(2, 10), by="U2"))
    codes = sorted(str(s[2]) for s in states.values() if s[0] is CallState.FAILED)
    assert codes == [Rule.DAILY_WORKSPACE.value] and len(world.provider.dialled) == 3


async def test_the_allowance_comes_back_at_the_workspaces_midnight() -> None:
    world = World(
        DialLimits(daily_per_user=1), default_tz="Asia/Shanghai", now=datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    )
    await world.run(await world.schedule(phones(1)))  # 23:05 in Shanghai
    states = await world.run(await world.schedule(phones(1, 10), in_minutes=60))  # 00:05 the next day there
    assert [s[0] for s in states.values()] == [CallState.DIALING]
    assert len(world.provider.dialled) == 2


async def test_a_callee_in_quiet_hours_at_dial_time_is_not_dialled_while_one_awake_is() -> None:
    world = World(DialLimits(quiet_hours=NIGHT), now=datetime(2026, 11, 26, 5, 55, tzinfo=UTC))
    states = await world.run(await world.schedule([US, CN]))  # 22:00 in San Francisco, 14:00 in Shanghai
    assert states[US.address] == (CallState.FAILED, FailReason.POLICY, Rule.QUIET_HOURS.value)
    assert world.provider.dialled == [CN.address]


# --- approval ----------------------------------------------------------------------------------


async def test_an_invite_over_the_approval_limit_waits_unscheduled_and_the_scheduler_cannot_claim_it() -> None:
    world = World(DialLimits(approval_over=2))
    invite = await world.schedule(phones(3))
    assert invite.status is InviteStatus.AWAITING_APPROVAL and world.scheduler.jobs == {}
    world.clock.advance(minutes=5)
    await world.invites.fire(invite.id or 0)
    await world.invites.rebuild()
    assert await world.store.claim_due_invite(invite.id or 0, world.clock.now(), None) is None
    assert world.provider.dialled == [] and world.notifier.created == [invite.id]


async def test_only_an_admin_may_approve_and_the_creator_is_not_one() -> None:
    world = World(DialLimits(approval_over=1))
    invite = await world.schedule(phones(2))
    assert await world.approvals.approve(invite.id or 0, Actor("U1")) is ApprovalOutcome.ADMINS_ONLY
    assert await world.approvals.decline(invite.id or 0, Actor("U1")) is ApprovalOutcome.ADMINS_ONLY
    assert await world.approvals.approve(999, ADMIN) is ApprovalOutcome.NOT_FOUND
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.AWAITING_APPROVAL  # type: ignore[union-attr]


async def test_an_admin_of_another_workspace_finds_no_invite_to_approve_or_decline() -> None:
    world = World(DialLimits(approval_over=1))
    invite = await world.schedule(phones(2))
    stranger = Actor("UADMIN2", privileged=True, team_id="T-OTHER")
    assert await world.approvals.approve(invite.id or 0, stranger) is ApprovalOutcome.NOT_FOUND
    assert await world.approvals.decline(invite.id or 0, stranger) is ApprovalOutcome.NOT_FOUND
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.AWAITING_APPROVAL  # type: ignore[union-attr]


async def test_an_approved_invite_is_scheduled_at_its_time_and_approved_once() -> None:
    world = World(DialLimits(approval_over=1))
    invite = await world.schedule(phones(2))
    assert await world.approvals.approve(invite.id or 0, ADMIN) is ApprovalOutcome.APPROVED
    assert await world.approvals.approve(invite.id or 0, ADMIN) is ApprovalOutcome.ALREADY_DECIDED
    assert world.scheduler.jobs == {invite.id: invite.due_at}
    assert [n.kind for _, n in world.notifier.notices] == [NoticeKind.APPROVED]
    await world.run(invite)
    assert len(world.provider.dialled) == 2


async def test_an_invite_approved_after_its_time_is_dialled_at_once_not_missed() -> None:
    world = World(DialLimits(approval_over=1))
    invite = await world.schedule(phones(2), in_minutes=1)
    world.clock.advance(hours=3)  # far past the grace period
    assert await world.approvals.approve(invite.id or 0, ADMIN) is ApprovalOutcome.APPROVED
    assert len(world.provider.dialled) == 2
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DIALING  # type: ignore[union-attr]


async def test_a_declined_invite_is_cancelled_with_its_calls_and_says_by_whom() -> None:
    world = World(DialLimits(approval_over=1))
    invite = await world.schedule(phones(2))
    assert await world.approvals.decline(invite.id or 0, ADMIN) is ApprovalOutcome.DECLINED
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.CANCELLED  # type: ignore[union-attr]
    assert {a.state for a in await world.store.attempts(invite.id or 0)} == {CallState.CANCELLED}
    assert world.notifier.notices[-1][1].params == {"by": ADMIN.user_id}
    assert await world.approvals.approve(invite.id or 0, ADMIN) is ApprovalOutcome.ALREADY_DECIDED
    assert world.provider.dialled == []


async def test_its_creator_may_still_cancel_an_invite_awaiting_approval() -> None:
    world = World(DialLimits(approval_over=1))
    invite = await world.schedule(phones(2))
    assert await world.invites.cancel(invite.id or 0, Actor("U1")) is CancelOutcome.CANCELLED
    assert await world.approvals.approve(invite.id or 0, ADMIN) is ApprovalOutcome.ALREADY_DECIDED
