"""Invite use cases with a scripted provider and the in-memory store: claims, unknowns, recovery."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from bot.dialout.core.invites import DialingRules, InviteService
from bot.dialout.core.models import CallEvent, Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor, CancelOutcome, DialNowOutcome, HangUpOutcome, Redial, RedialOutcome
from bot.dialout.core.ports import DialRequest, Notice, NoticeKind, PlaceResult, ProviderError, ProviderInfo
from bot.dialout.core.status import StatusService
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy
from bot.kernel.states import CallState, FailReason
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier, RecordingScheduler, ScriptedProvider
from tests.e2e.harness import wait_for


class World:
    def __init__(self, clock: FakeClock, provider: ScriptedProvider, store: InMemoryInviteStore | None = None) -> None:
        self.store = store or InMemoryInviteStore()  # a store given: the same rows, a restarted process
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


async def test_calls_in_flight_at_a_restart_are_looked_up_where_a_webhook_provider_can_be_asked(world: World) -> None:
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(
        invite.id or 0
    )  # dialling; then the process dies, and the webhooks sent meanwhile are lost
    call = (await world.store.attempts(invite.id or 0))[0].provider_call_id or ""
    world.provider.poll_answer = CallEvent("fake", call, CallState.ANSWERED, dedupe_key="poll:answered")
    restarted = World(world.clock, world.provider, store=world.store)
    await restarted.invites.watch()  # the first look after the start asks about every call in flight
    assert await world.states(invite) == {"+8613800138001": (CallState.ANSWERED, None)}
    assert len(world.provider.polled) == 1
    await restarted.invites.watch()
    assert len(world.provider.polled) == 1  # then only a call silent for a while is asked about again
    world.clock.advance(seconds=61)
    await restarted.invites.watch()
    assert len(world.provider.polled) == 2


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


async def test_a_send_cut_off_by_a_crash_is_sent_again_once_where_the_provider_places_idempotently(clock) -> None:
    world = World(clock, ScriptedProvider(idempotent=True))
    invite = await world.schedule("+8613800138001", "+8613800138002")
    assert await world.store.claim_due_invite(invite.id or 0, world.clock.now(), None) is not None
    first, _ = await world.store.attempts(invite.id or 0)
    assert await world.store.claim_attempt_for_sending(first.id or 0, world.clock.now())  # then "crash"
    world.clock.advance(seconds=60)  # not yet stuck_send_s: the dead process's request may still land
    await world.invites.rebuild()  # sends the never-claimed second call only
    assert [c.party.address for r in world.provider.requests for c in r.calls] == ["+8613800138002"]
    world.clock.advance(seconds=100)  # past stuck_send_s
    await world.invites.watch()
    await world.invites.watch()  # a second round (or replica) finds nothing left to resend
    sent = [c.party.address for r in world.provider.requests for c in r.calls]
    assert sent == ["+8613800138002", "+8613800138001"]  # resent under its own attempt, which the provider dedupes
    assert [c.attempt_id for r in world.provider.requests for c in r.calls][-1] == first.id
    assert await world.states(invite) == {
        "+8613800138001": (CallState.DIALING, None),
        "+8613800138002": (CallState.DIALING, None),
    }


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
    assert await world.invites.cancel(invite.id or 0, Actor("U2")) is CancelOutcome.NOT_ALLOWED
    assert await world.invites.cancel(invite.id or 0, Actor("U1")) is CancelOutcome.CANCELLED
    assert invite.id not in world.scheduler.jobs
    world.clock.advance(minutes=31)
    await world.invites.fire(invite.id or 0)
    assert world.provider.requests == []
    assert await world.states(invite) == {"+8613800138001": (CallState.CANCELLED, None)}
    assert await world.invites.cancel(invite.id or 0, Actor("U1")) is CancelOutcome.ALREADY_OVER


async def test_cancel_while_dialling_hangs_up_open_calls(world: World) -> None:
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    assert await world.invites.cancel(invite.id or 0, Actor("U9", privileged=True)) is CancelOutcome.HANGING_UP
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


# --- the thread parent's buttons -----------------------------------------------------------


async def test_dial_now_pressed_twice_as_the_scheduler_fires_dials_each_party_once(world: World) -> None:
    invite = await world.schedule("+8613800138001", "+8613800138002", in_minutes=30)
    presses = [world.invites.dial_now(invite.id or 0, Actor("U1")) for _ in range(2)]
    outcomes = await asyncio.gather(*presses, world.invites.fire(invite.id or 0))
    assert sorted(str(o) for o in outcomes[:2]) == [DialNowOutcome.ALREADY_DIALLED, DialNowOutcome.DIALLING]
    assert sorted(world.provider.dialled) == ["+8613800138001", "+8613800138002"]
    assert invite.id not in world.scheduler.jobs  # the job at the due time is gone
    fired = await world.store.get_invite(invite.id or 0)
    assert fired is not None and (fired.status, fired.fired_by) == (InviteStatus.DIALING, "U1")
    world.clock.advance(minutes=31)
    await world.invites.fire(invite.id or 0)  # a job that fires anyway (another replica) dials nobody again
    assert len(world.provider.dialled) == 2


async def test_dial_now_acts_only_for_the_creator_and_privileged_users(world: World) -> None:
    invite = await world.schedule("+8613800138001", in_minutes=30)
    assert await world.invites.dial_now(invite.id or 0, Actor("U2")) is DialNowOutcome.NOT_ALLOWED
    assert world.provider.requests == [] and invite.id in world.scheduler.jobs
    assert await world.invites.dial_now(invite.id or 0, Actor("U2", privileged=True)) is DialNowOutcome.DIALLING
    assert await world.invites.dial_now(404, Actor("U1")) is DialNowOutcome.NOT_FOUND


async def test_dial_now_on_a_cancelled_invite_says_so_and_dials_nobody(world: World) -> None:
    invite = await world.schedule("+8613800138001", in_minutes=30)
    await world.invites.cancel(invite.id or 0, Actor("U1"))
    assert await world.invites.dial_now(invite.id or 0, Actor("U1")) is DialNowOutcome.ALREADY_OVER
    assert world.provider.requests == []


def _outcomes_by_number(results: dict[str, PlaceResult | None]):
    """A provider answer: a fixed result per number (None: dialling, with a call id)."""

    def answer(request):
        placed = []
        for call in request.calls:
            result = results.get(call.party.address)
            if result is None:
                placed.append(
                    PlaceResult(call.attempt_id, CallState.DIALING, provider_call_id=f"call-{call.attempt_id}")
                )
            else:
                placed.append(replace(result, attempt_id=call.attempt_id))
        return placed

    return answer


async def _finished_with_failures(world: World) -> Invite:
    """01 joins and leaves, 02 is busy, 03 failed with an unknown outcome (it may have connected)."""
    world.provider.answer = _outcomes_by_number(
        {
            "+8613800138002": PlaceResult(0, CallState.FAILED, reason=FailReason.BUSY),
            "+8613800138003": PlaceResult(0, CallState.FAILED, reason=FailReason.UNKNOWN),
        }
    )
    invite = await world.schedule("+8613800138001", "+8613800138002", "+8613800138003")
    await world.invites.fire(invite.id or 0)
    first = (await world.store.attempts(invite.id or 0))[0]
    await world.status.apply(CallEvent("fake", f"call-{first.id}", CallState.COMPLETED, dedupe_key="done-1"))
    finished = await world.store.get_invite(invite.id or 0)
    assert finished is not None and finished.status is InviteStatus.DONE
    world.provider.requests.clear()
    return finished


async def test_redial_calls_again_only_the_parties_whose_calls_failed(world: World) -> None:
    invite = await _finished_with_failures(world)
    plan = await world.invites.confirm_redial(invite.id or 0, Actor("U1"), DialingPolicy())
    assert isinstance(plan, Redial) and [a.party.address for a in plan.calls] == ["+8613800138002"]
    assert [(a.party.address, a.reason) for a in plan.calls] == [("+8613800138002", FailReason.BUSY)]
    outcome = await world.invites.redial_failed(invite.id or 0, Actor("U1"), DialingPolicy())
    assert outcome is RedialOutcome.REDIALLING
    assert world.provider.dialled == ["+8613800138002"]  # not the one who joined, not the unknown one
    roster = [(a.party.address, a.state) for a in await world.store.attempts(invite.id or 0)]
    assert roster[-1] == ("+8613800138002", CallState.FAILED)  # the new attempt, busy again, is on the roster
    assert len(roster) == 4
    assert world.notifier.notices[-2][1] == Notice(NoticeKind.REDIAL, {"by": "U1", "n": 1})


async def test_two_redials_at_once_place_each_new_call_once(world: World) -> None:
    invite = await _finished_with_failures(world)
    world.provider.answer = None  # the new calls ring: the invite stays dialling
    outcomes = await asyncio.gather(
        *(world.invites.redial_failed(invite.id or 0, Actor("U1"), DialingPolicy()) for _ in range(3))
    )
    assert sorted(outcomes) == sorted(
        [RedialOutcome.REDIALLING, RedialOutcome.NOT_FINISHED, RedialOutcome.NOT_FINISHED]
    )
    assert world.provider.dialled == ["+8613800138002"]


async def test_redial_never_calls_again_someone_whose_redialled_call_joined(world: World) -> None:
    invite = await _finished_with_failures(world)
    world.provider.answer = None
    await world.invites.redial_failed(invite.id or 0, Actor("U1"), DialingPolicy())
    new = (await world.store.attempts(invite.id or 0))[-1]
    await world.status.apply(CallEvent("fake", f"call-{new.id}", CallState.COMPLETED, dedupe_key="done-new"))
    outcome = await world.invites.redial_failed(invite.id or 0, Actor("U1"), DialingPolicy())
    assert outcome is RedialOutcome.NOTHING_TO_REDIAL
    assert world.provider.dialled == ["+8613800138002"]


async def test_redial_goes_through_the_dialing_policy_again(world: World) -> None:
    invite = await _finished_with_failures(world)
    only_us = DialingPolicy(allowed_countries=frozenset({"US"}))
    assert await world.invites.confirm_redial(invite.id or 0, Actor("U1"), only_us) is RedialOutcome.BLOCKED
    assert await world.invites.redial_failed(invite.id or 0, Actor("U1"), only_us) is RedialOutcome.BLOCKED
    assert world.provider.requests == []


async def test_redial_acts_only_for_the_creator_and_only_once_the_invite_is_over(world: World) -> None:
    invite = await _finished_with_failures(world)
    assert await world.invites.redial_failed(invite.id or 0, Actor("U2"), DialingPolicy()) is RedialOutcome.NOT_ALLOWED
    ringing = await world.schedule("+8613800138009")
    await world.invites.fire(ringing.id or 0)
    assert (
        await world.invites.redial_failed(ringing.id or 0, Actor("U1"), DialingPolicy()) is RedialOutcome.NOT_FINISHED
    )
    assert world.provider.dialled == ["+8613800138009"]


async def test_hang_up_all_ends_every_open_call_of_a_dialling_invite(world: World) -> None:
    invite = await world.schedule("+8613800138001", "+8613800138002")
    await world.invites.fire(invite.id or 0)
    assert await world.invites.hang_up(invite.id or 0, Actor("U2")) is HangUpOutcome.NOT_ALLOWED
    assert await world.invites.hang_up(invite.id or 0, Actor("U1")) is HangUpOutcome.HANGING_UP
    assert len(world.provider.cancelled) == 2
    assert {s for s, _ in (await world.states(invite)).values()} == {CallState.CANCELLED}
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]
    assert (invite.id, Notice(NoticeKind.HUNG_UP, {"by": "U1"})) in world.notifier.notices
    assert await world.invites.hang_up(invite.id or 0, Actor("U1")) is HangUpOutcome.NOT_DIALLING  # a stale click


@dataclass
class _PlacesOnly:
    """A provider that can place calls but not end them (no CancelsCalls)."""

    inner: ScriptedProvider

    @property
    def info(self) -> ProviderInfo:
        return self.inner.info

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        return await self.inner.place(request)

    async def aclose(self) -> None:
        return None


async def test_hang_up_all_is_refused_where_the_provider_cannot_end_calls(clock) -> None:
    scripted = ScriptedProvider()
    world = World(clock, scripted)
    world.invites = InviteService(
        world.store,
        world.scheduler,
        world.notifier,
        {"fake": _PlacesOnly(scripted)},
        world.status,
        clock,
        callback_url=lambda name: "",
    )
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    assert not world.invites.can_hang_up("fake")
    assert await world.invites.hang_up(invite.id or 0, Actor("U1")) is HangUpOutcome.CANNOT
    assert scripted.cancelled == []


async def _two_calls(world: World) -> tuple[Invite, str, str]:
    invite = await world.schedule("+8613800138001", "+8613800138002")
    await world.invites.fire(invite.id or 0)
    first, second = (f"call-{a.id}" for a in await world.store.attempts(invite.id or 0))
    return invite, first, second


async def test_received_events_change_nothing_until_applied_and_each_call_moves_in_arrival_order(world: World) -> None:
    invite, first, second = await _two_calls(world)
    dialling = await world.states(invite)
    received = [
        CallEvent("fake", first, CallState.RINGING, dedupe_key="1r"),
        CallEvent("fake", second, CallState.FAILED, reason=FailReason.BUSY, dedupe_key="2f"),
        CallEvent("fake", first, CallState.ANSWERED, dedupe_key="1a"),
        CallEvent("fake", first, CallState.COMPLETED, dedupe_key="1c"),
    ]
    assert [await world.status.receive(event) for event in received] == [True] * 4
    assert not await world.status.receive(received[0])  # re-delivered: already stored
    assert await world.states(invite) == dialling  # stored, answered, not applied yet

    seen: list[CallState] = []
    while await world.status.apply_received(limit=1):
        seen.append((await world.states(invite))["+8613800138001"][0])
    assert seen == [CallState.RINGING, CallState.RINGING, CallState.ANSWERED, CallState.COMPLETED]
    assert await world.states(invite) == {
        "+8613800138001": (CallState.COMPLETED, None),
        "+8613800138002": (CallState.FAILED, FailReason.BUSY),
    }
    assert [n.kind for _, n in world.notifier.notices] == [NoticeKind.SUMMARY]


async def test_an_event_applied_by_a_process_that_died_before_marking_it_is_applied_again_to_no_effect(
    world: World,
) -> None:
    invite, first, _ = await _two_calls(world)
    await world.status.receive(CallEvent("fake", first, CallState.ANSWERED, dedupe_key="1a"))
    mark_applied = world.store.mark_applied

    async def crash(event_ids: Sequence[int]) -> None:
        raise RuntimeError("the process died here")

    world.store.mark_applied = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await world.status.apply_received(limit=10)
    world.store.mark_applied = mark_applied  # type: ignore[method-assign]
    changes = len(world.notifier.changed)

    restarted = StatusService(world.store, world.notifier, world.clock, {world.provider.name: world.provider.info})
    assert await restarted.apply_received(limit=10) == 1
    assert (await world.states(invite))["+8613800138001"] == (CallState.ANSWERED, None)
    assert len(world.notifier.changed) == changes  # the call moved once: Slack is told once
    assert await restarted.apply_received(limit=10) == 0


async def test_an_event_received_before_the_call_id_is_known_is_applied_once_it_is(world: World) -> None:
    early = CallEvent("fake", "call-early", CallState.RINGING, dedupe_key="x1")
    assert await world.status.receive(early)
    assert await world.status.apply_received(limit=10) == 1  # nobody knows call-early yet: kept as an orphan

    def answer(request):
        return [PlaceResult(c.attempt_id, CallState.DIALING, provider_call_id="call-early") for c in request.calls]

    world.provider.answer = answer
    invite = await world.schedule("+8613800138001")
    await world.invites.fire(invite.id or 0)
    assert await world.states(invite) == {"+8613800138001": (CallState.RINGING, None)}


async def test_a_graceful_stop_lets_a_send_under_way_record_its_answer_and_starts_no_other(clock) -> None:
    release = asyncio.Event()

    class SlowProvider(ScriptedProvider):
        async def place(self, request: DialRequest) -> list[PlaceResult]:
            self.requests.append(request)
            await release.wait()
            return [
                PlaceResult(c.attempt_id, CallState.DIALING, provider_call_id=f"call-{c.attempt_id}")
                for c in request.calls
            ]

    world = World(clock, SlowProvider())
    first = await world.schedule("+8613800138001")
    firing = asyncio.create_task(world.invites.fire(first.id or 0))
    await wait_for(lambda: len(world.provider.requests) == 1, what="the send to be under way")
    draining = asyncio.create_task(world.invites.drain(grace_s=30))
    await asyncio.sleep(0.05)  # not a wait for a result: the time drain would take if it did not wait
    assert not draining.done()
    release.set()
    await asyncio.wait_for(draining, 5)
    await firing
    assert await world.states(first) == {"+8613800138001": (CallState.DIALING, None)}  # answered, not stranded
    second = await world.schedule("+8613800138002")
    await world.invites.fire(second.id or 0)
    assert await world.states(second) == {"+8613800138002": (CallState.QUEUED, None)}  # left for the next process
    assert len(world.provider.requests) == 1
