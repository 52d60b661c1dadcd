"""Invite use cases with a scripted provider and the in-memory store: claims, unknowns, recovery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.dialout.core.invites import CancelOutcome, DialingRules, InviteService
from bot.dialout.core.models import CallEvent, Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.ports import NoticeKind, PlaceResult, ProviderError
from bot.dialout.core.status import StatusService
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier, RecordingScheduler, ScriptedProvider


class World:
    def __init__(self, clock: FakeClock, provider: ScriptedProvider) -> None:
        self.store = InMemoryInviteStore()
        self.notifier = RecordingNotifier()
        self.scheduler = RecordingScheduler()
        self.provider = provider
        self.clock = clock
        self.status = StatusService(self.store, self.notifier, clock, {provider.name: provider.info})
        self.invites = InviteService(
            self.store,
            self.scheduler,
            self.notifier,
            {provider.name: provider},
            self.status,
            clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
            rules=DialingRules(grace_s=600, unknown_give_up_s=300, stuck_send_s=120),
        )

    async def schedule(
        self,
        *numbers: str,
        in_minutes: float = 0,
        created_by: str = "U1",
        conference: str = "42",
        request_key: str | None = None,
    ) -> Invite:
        now = self.clock.now()
        return await self.invites.schedule(
            Invite(
                team_id="T",
                channel_id="C",
                created_by=created_by,
                provider=self.provider.name,
                target=Target(TargetKind.CONFERENCE, conference),
                due_at=now + timedelta(minutes=in_minutes),
                tz="Asia/Shanghai",
                created_at=now,
                request_key=request_key,
            ),
            [Party(PartyKind.PHONE, n) for n in numbers],
        )

    async def states(self, invite: Invite) -> dict[str, tuple[CallState, FailReason | None]]:
        return {a.party.address: (a.state, a.reason) for a in await self.store.attempts(invite.id or 0)}


@pytest.fixture
def world(clock) -> World:
    return World(clock, ScriptedProvider())


async def test_scheduling_stores_the_invite_and_sets_a_job_at_its_time(world: World) -> None:
    invite = await world.schedule("+8613800138001", in_minutes=30)
    assert world.scheduler.jobs[invite.id or 0] == invite.due_at
    assert world.notifier.created == [invite.id]
    assert (await world.states(invite)) == {"+8613800138001": (CallState.QUEUED, None)}


async def test_firing_claims_once_and_dials_each_party_once(world: World) -> None:
    invite = await world.schedule("+8613800138001", "+8613800138002")
    await asyncio.gather(*(world.invites.fire(invite.id or 0) for _ in range(5)))
    assert sorted(world.provider.dialled) == ["+8613800138001", "+8613800138002"]
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DIALING  # type: ignore[union-attr]


async def test_request_that_may_have_reached_the_provider_is_unknown_and_never_resent(world: World) -> None:
    world.provider.error = ProviderError("timeout", "no answer in time", maybe_sent=True)
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    assert await world.states(invite) == {"+8613800138001": (CallState.UNKNOWN, None)}
    world.provider.error = None
    await world.invites.rebuild()  # a restart resumes dialling…
    await world.invites.watch()
    assert world.provider.dialled == ["+8613800138001"]  # …but never re-sends the unknown call


async def test_unknown_call_is_reconciled_by_poll_where_the_provider_has_status(world: World) -> None:
    world.provider.answer = lambda r: [
        PlaceResult(c.attempt_id, CallState.UNKNOWN, provider_call_id="c-9") for c in r.calls
    ]
    world.provider.poll_answer = CallEvent("fake", "c-9", CallState.ANSWERED, dedupe_key="poll:c-9:answered")
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    await world.invites.watch()
    assert await world.states(invite) == {"+8613800138001": (CallState.ANSWERED, None)}
    assert len(world.provider.requests) == 1


async def test_unknown_call_with_no_news_is_given_up_and_reported(world: World) -> None:
    world.provider.error = ProviderError("timeout", "no answer in time", maybe_sent=True)
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    world.clock.advance(seconds=301)
    await world.invites.watch()
    assert await world.states(invite) == {"+8613800138001": (CallState.FAILED, FailReason.UNKNOWN)}
    assert [n.kind for _, n in world.notifier.notices][-2:] == [NoticeKind.UNKNOWN_OUTCOME, NoticeKind.SUMMARY]
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]


async def test_dialling_call_with_no_news_is_failed_no_answer_when_the_provider_says_so(clock) -> None:
    world = World(clock, ScriptedProvider(give_up_after_s=60))
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    clock.advance(seconds=30)
    await world.invites.watch()
    assert (await world.states(invite))["+8613800138001"][0] is CallState.DIALING
    clock.advance(seconds=31)
    await world.invites.watch()
    assert await world.states(invite) == {"+8613800138001": (CallState.FAILED, FailReason.NO_ANSWER)}


async def test_provider_refusal_fails_the_calls_with_its_reason(world: World) -> None:
    world.provider.error = ProviderError("010003", "balance too low", reason=FailReason.PROVIDER_REJECTED)
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    assert await world.states(invite) == {"+8613800138001": (CallState.FAILED, FailReason.PROVIDER_REJECTED)}
    attempt = (await world.store.attempts(invite.id or 0))[0]
    assert (attempt.provider_code, attempt.detail) == ("010003", "balance too low")
    assert world.notifier.failed == [invite.id]


async def test_a_command_carried_out_again_makes_no_second_invite_and_dials_once(world: World) -> None:
    first = await world.schedule("+8613800138001", request_key="inbox:3")
    again = await world.schedule("+8613800138001", request_key="inbox:3")  # its process died after storing it
    assert again.id == first.id
    await world.invites.fire(first.id or 0)
    assert world.provider.dialled == ["+8613800138001"]
    assert len(world.notifier.created) == 1


async def test_crash_mid_send_makes_the_call_unknown_at_the_next_start(world: World) -> None:
    invite = await world.schedule("+8613800138001")
    claimed = await world.store.claim_due_invite(invite.id or 0, world.clock.now(), None)
    assert claimed is not None
    attempt = (await world.store.attempts(invite.id or 0))[0]
    assert await world.store.claim_attempt_for_sending(attempt.id or 0, world.clock.now())  # then "crash"
    world.clock.advance(seconds=200)
    await world.invites.rebuild()
    assert await world.states(invite) == {"+8613800138001": (CallState.UNKNOWN, None)}
    assert world.provider.requests == []


async def test_a_bug_in_a_provider_propagates_and_its_calls_become_unknown_without_a_resend(world: World) -> None:
    world.provider.error = KeyError("invite_id")  # e.g. an answer the provider's code did not expect
    invite = await world.schedule("+8613800138001")
    with pytest.raises(KeyError):
        await world.invites.fire(invite.id or 0)
    assert await world.states(invite) == {"+8613800138001": (CallState.QUEUED, None)}  # claimed, not lost
    world.provider.error = None
    world.clock.advance(seconds=200)  # past stuck_send_s
    await world.invites.rebuild()  # the periodic reconcile
    assert await world.states(invite) == {"+8613800138001": (CallState.UNKNOWN, None)}
    assert world.provider.dialled == ["+8613800138001"]


async def test_events_move_calls_forward_only_and_duplicates_change_nothing(world: World) -> None:
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    call = "call-" + str((await world.store.attempts(invite.id or 0))[0].id)
    answered = CallEvent("fake", call, CallState.ANSWERED, dedupe_key="e2")
    assert await world.status.apply(answered)
    assert not await world.status.apply(answered)  # duplicate
    assert not await world.status.apply(CallEvent("fake", call, CallState.RINGING, dedupe_key="e1"))  # late
    assert await world.status.apply(CallEvent("fake", call, CallState.FAILED, reason=FailReason.BUSY, dedupe_key="e3"))
    assert await world.states(invite) == {"+8613800138001": (CallState.COMPLETED, None)}
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]
    assert [n.kind for _, n in world.notifier.notices] == [NoticeKind.SUMMARY]


async def test_event_that_beats_the_call_id_is_applied_once_the_id_is_known(world: World) -> None:
    early = CallEvent("fake", "call-early", CallState.RINGING, dedupe_key="x1")

    def answer(request):
        return [PlaceResult(c.attempt_id, CallState.DIALING, provider_call_id="call-early") for c in request.calls]

    assert not await world.status.apply(early)  # stored as an orphan: nobody knows call-early yet
    world.provider.answer = answer
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    assert await world.states(invite) == {"+8613800138001": (CallState.RINGING, None)}


async def test_cancel_before_the_due_time_dials_nobody(world: World) -> None:
    invite = await world.schedule("+8613800138001", in_minutes=30)
    assert await world.invites.cancel(invite.id or 0, "U2", is_admin=False) is CancelOutcome.NOT_ALLOWED
    assert await world.invites.cancel(invite.id or 0, "U1", is_admin=False) is CancelOutcome.CANCELLED
    assert invite.id not in world.scheduler.jobs
    world.clock.advance(minutes=31)
    await world.invites.fire(invite.id or 0)
    assert world.provider.requests == []
    assert await world.states(invite) == {"+8613800138001": (CallState.CANCELLED, None)}
    assert await world.invites.cancel(invite.id or 0, "U1", is_admin=False) is CancelOutcome.ALREADY_OVER


async def test_cancel_while_dialling_hangs_up_open_calls(world: World) -> None:
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    assert await world.invites.cancel(invite.id or 0, "U9", is_admin=True) is CancelOutcome.HANGING_UP
    assert len(world.provider.cancelled) == 1
    assert await world.states(invite) == {"+8613800138001": (CallState.CANCELLED, None)}


async def test_missed_run_past_grace_is_marked_missed_and_dials_nobody(world: World) -> None:
    invite = await world.schedule("+8613800138001", in_minutes=1)
    world.clock.advance(minutes=12)
    await world.invites.rebuild()
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.MISSED  # type: ignore[union-attr]
    assert await world.states(invite) == {"+8613800138001": (CallState.FAILED, FailReason.MISSED)}
    assert world.provider.requests == [] and world.notifier.notices[0][1].kind is NoticeKind.MISSED


async def test_late_run_within_grace_is_dialled_and_says_it_was_late(world: World) -> None:
    invite = await world.schedule("+8613800138001", in_minutes=1)
    world.clock.advance(minutes=5)
    await world.invites.rebuild()
    assert world.provider.dialled == ["+8613800138001"]
    assert world.notifier.notices[0][1].kind is NoticeKind.LATE
    assert world.notifier.notices[0][1].params["late_by_s"] == 240
    assert (await world.store.get_invite(invite.id or 0)).late_by_s == 240  # type: ignore[union-attr]


async def test_future_invites_get_their_job_back_after_a_restart(world: World) -> None:
    invite = await world.schedule("+8613800138001", in_minutes=30)
    world.scheduler.jobs.clear()
    await world.invites.rebuild()
    assert world.scheduler.jobs == {invite.id: invite.due_at}


async def test_news_about_a_whole_conference_reaches_every_open_call_in_it_and_only_those(world: World) -> None:
    first = await world.schedule("+8613800138001", "+8613800138002")
    other = await world.schedule("+8613800138003", conference="43")
    await world.invites.fire(first.id or 0)
    await world.invites.fire(other.id or 0)
    answered = (await world.store.attempts(first.id or 0))[0]
    await world.status.apply(CallEvent("fake", answered.provider_call_id or "", CallState.ANSWERED, dedupe_key="a"))
    ended = CallEvent("fake", "", CallState.FAILED, reason=FailReason.UNKNOWN, dedupe_key="end:42", target_id="42")
    assert await world.status.apply(ended)
    assert not await world.status.apply(ended)  # re-delivered: nothing changes
    assert await world.states(first) == {
        "+8613800138001": (CallState.COMPLETED, None),  # it had joined: the conference ending ended its call
        "+8613800138002": (CallState.FAILED, FailReason.UNKNOWN),
    }
    assert await world.states(other) == {"+8613800138003": (CallState.DIALING, None)}


async def test_the_parent_is_re_rendered_when_the_last_call_being_set_up_joins(world: World) -> None:
    invite = await world.schedule("+8613800138001", "+8613800138002")
    await world.invites.fire(invite.id or 0)
    first, second = ("call-" + str(a.id) for a in await world.store.attempts(invite.id or 0))
    world.notifier.parent_changed.clear()
    await world.status.apply(CallEvent("fake", first, CallState.ANSWERED, dedupe_key="a1"))
    assert world.notifier.parent_changed == []  # the second call is still being dialled
    await world.status.apply(CallEvent("fake", second, CallState.ANSWERED, dedupe_key="a2"))
    assert world.notifier.parent_changed == [invite.id]  # nobody is being dialled any more
