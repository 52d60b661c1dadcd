"""The InviteStore contract: the SQL store and the core tests' in-memory fake answer every case alike.

Each case runs on both; the SQL one runs on SQLite, and on PostgreSQL in the CI's second pass
(CONFBOT_TEST_DATABASE_URL). The claims that keep dialling at-most-once are raced here too.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sql_event

from bot.dialout.core.models import (
    CallEvent,
    Invite,
    InviteChange,
    InviteStatus,
    Move,
    Target,
    TargetKind,
    invite_version,
)
from bot.dialout.core.ports import InviteStore, PlaceResult
from bot.dialout.store import SqlInviteStore
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from tests.dialout.core.fakes import InMemoryInviteStore

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
ALICE = Party(PartyKind.PHONE, "+8613800138001", slack_user_id="U1", name="Alice", company="Ops")
BOB = Party(PartyKind.PHONE, "+8613800138002")


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest) -> InviteStore:
    if request.param == "memory":
        return InMemoryInviteStore()
    return SqlInviteStore(request.getfixturevalue("engine"))


async def add(
    store: InviteStore,
    *parties: Party,
    provider: str = "fake",
    target: str = "42",
    channel: str = "C",
    due_in_s: float = 0,
    by: str = "U9",
    team: str = "T",
) -> Invite:
    return await store.add_invite(
        Invite(
            team_id=team,
            channel_id=channel,
            created_by=by,
            provider=provider,
            target=Target(TargetKind.CONFERENCE, target),
            due_at=NOW + timedelta(seconds=due_in_s),
            tz="Asia/Shanghai",
            locale="zh",
            max_duration_s=1800,
            options={"pin": "1234"},
            created_at=NOW,
            source_text="call alice",
            thread_ts="ignored: a new invite has no thread yet",
        ),
        parties or (ALICE,),
    )


async def dialling(store: InviteStore, *parties: Party, **kwargs: str) -> tuple[Invite, list[int]]:
    """An invite claimed for dialling, with its attempt ids in party order."""
    invite = await add(store, *parties, **kwargs)
    assert await store.claim_due_invite(invite.id or 0, NOW, None)
    return invite, [a.id or 0 for a in await store.attempts(invite.id or 0)]


async def move(store: InviteStore, attempt: int, expected: CallState, new: CallState) -> bool:
    return await store.transition(attempt, expected, new, reason=None, code=None, detail=None, at=NOW)


async def test_an_added_invite_reads_back_with_its_parties_queued_in_order(store: InviteStore) -> None:
    invite = await add(store, ALICE, BOB)
    assert invite.id is not None and invite == await store.get_invite(invite.id)
    assert (invite.status, invite.thread_ts, invite.fired_at, invite.late_by_s) == (
        InviteStatus.SCHEDULED,
        None,
        None,
        None,
    )
    assert (invite.options, invite.max_duration_s, invite.source_text, invite.locale) == (
        {"pin": "1234"},
        1800,
        "call alice",
        "zh",
    )
    attempts = await store.attempts(invite.id)
    assert [(a.position, a.party, a.state, a.sent_at, a.updated_at) for a in attempts] == [
        (0, ALICE, CallState.QUEUED, None, NOW),
        (1, BOB, CallState.QUEUED, None, NOW),
    ]
    assert await store.get_invite(invite.id + 100) is None and await store.get_attempt(10_000) is None


async def test_an_invite_is_found_by_the_command_that_made_it(store: InviteStore) -> None:
    invite = await store.add_invite(
        Invite(
            team_id="T",
            channel_id="C1",
            created_by="U9",
            provider="fake",
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=NOW,
            tz="UTC",
            created_at=NOW,
            request_key="inbox:7",
        ),
        (ALICE,),
    )
    assert await store.invite_for_request("inbox:7") == invite and invite.request_key == "inbox:7"
    assert await store.invite_for_request("inbox:8") is None
    assert (await add(store)).request_key is None  # typed-in-the-past invites have none, and many may


async def test_a_due_invite_is_claimed_once_however_many_try_at_once(store: InviteStore) -> None:
    invite = await add(store)
    won = await asyncio.gather(*(store.claim_due_invite(invite.id or 0, NOW, 42) for _ in range(5)))
    [claimed] = [w for w in won if w is not None]
    assert (claimed.status, claimed.fired_at, claimed.late_by_s) == (InviteStatus.DIALING, NOW, 42)
    assert await store.get_invite(invite.id or 0) == claimed


async def test_dial_now_claims_like_the_scheduler_and_remembers_who_pressed_it(store: InviteStore) -> None:
    invite = await add(store)
    pressers = ["U0LI", "U0AMY", None]  # two people press Dial now as the scheduler fires
    won = await asyncio.gather(*(store.claim_due_invite(invite.id or 0, NOW, None, fired_by=p) for p in pressers))
    [claimed] = [w for w in won if w is not None]
    assert claimed.status is InviteStatus.DIALING and claimed.fired_by == pressers[won.index(claimed)]
    assert await store.get_invite(invite.id or 0) == claimed
    scheduled = await store.claim_due_invite((await add(store)).id or 0, NOW, None)
    assert scheduled is not None and scheduled.fired_by is None


async def test_a_redial_reopens_a_done_invite_once_with_new_queued_calls_at_the_end(store: InviteStore) -> None:
    invite, (alice, bob) = await dialling(store, ALICE, BOB)
    assert await store.claim_redial(invite.id or 0, [bob], 2, NOW) is None  # still dialling: not done
    assert await store.set_invite_status(invite.id or 0, InviteStatus.DONE)
    later = NOW + timedelta(minutes=5)
    won = await asyncio.gather(*(store.claim_redial(invite.id or 0, [bob], 2, later) for _ in range(4)))
    [added] = [w for w in won if w is not None]
    assert [(a.party, a.position, a.state, a.sent_at, a.updated_at) for a in added] == [
        (BOB, 2, CallState.QUEUED, None, later)
    ]
    assert (await store.get_invite(invite.id or 0)).status is InviteStatus.DIALING  # type: ignore[union-attr]
    assert [a.party for a in await store.attempts(invite.id or 0)] == [ALICE, BOB, BOB]
    assert await store.set_invite_status(invite.id or 0, InviteStatus.DONE)
    assert await store.claim_redial(invite.id or 0, [alice], 2, later) is None  # decided before the last redial
    assert len(await store.claim_redial(invite.id or 0, [alice], 3, later) or []) == 1


async def version_of(store: InviteStore, invite_id: int) -> str:
    invite = await store.get_invite(invite_id)
    assert invite is not None
    return invite_version(invite, await store.attempts(invite_id))


CAROL = Party(PartyKind.PHONE, "+8613800138003", name="Carol")


def change(*parties: Party, due_in_s: float = 3600, target: str = "43") -> InviteChange:
    return InviteChange(
        provider="fake",
        target=Target(TargetKind.CONFERENCE, target),
        due_at=NOW + timedelta(seconds=due_in_s),
        parties=parties,
        max_duration_s=600,
        options={"pin": "9"},
    )


async def test_an_edit_changes_the_invite_keeps_calls_it_keeps_and_replaces_the_rest(store: InviteStore) -> None:
    invite = await add(store, ALICE, BOB)
    before = await store.attempts(invite.id or 0)
    done = await store.edit_invite(invite.id or 0, await version_of(store, invite.id or 0), change(BOB, CAROL), NOW)
    assert done is not None
    assert [a.party for a in done.added] == [CAROL] and [a.party for a in done.removed] == [ALICE]
    edited = await store.get_invite(invite.id or 0)
    assert edited is not None
    assert (edited.target.id, edited.due_at, edited.max_duration_s, dict(edited.options)) == (
        "43",
        NOW + timedelta(seconds=3600),
        600,
        {"pin": "9"},
    )
    after = await store.attempts(invite.id or 0)
    assert [a.party for a in after] == [BOB, CAROL]
    assert after[0].id == before[1].id  # Bob's call is the same row
    assert after[1].id not in {a.id for a in before} and after[1].state is CallState.QUEUED


async def test_an_edit_applies_only_to_the_version_it_read_and_only_while_scheduled(store: InviteStore) -> None:
    invite = await add(store, ALICE)
    version = await version_of(store, invite.id or 0)
    assert await store.edit_invite(invite.id or 0, version, change(ALICE, due_in_s=60), NOW)
    # A second edit from a form opened before the first one changes nothing.
    assert await store.edit_invite(invite.id or 0, version, change(BOB), NOW) is None
    assert [a.party for a in await store.attempts(invite.id or 0)] == [ALICE]
    assert await store.add_attempts(invite.id or 0, [BOB], [InviteStatus.SCHEDULED], NOW)
    fresh = await version_of(store, invite.id or 0)
    assert fresh != version  # added people change the version too
    assert await store.claim_due_invite(invite.id or 0, NOW, None)
    assert await store.edit_invite(invite.id or 0, await version_of(store, invite.id or 0), change(BOB), NOW) is None


async def test_an_edit_never_deletes_a_call_already_claimed_for_sending(store: InviteStore) -> None:
    invite = await add(store, ALICE, BOB)
    alice = (await store.attempts(invite.id or 0))[0]
    assert await store.claim_attempt_for_sending(alice.id or 0, NOW)  # e.g. a send under way
    done = await store.edit_invite(invite.id or 0, await version_of(store, invite.id or 0), change(BOB), NOW)
    assert done is not None and done.removed == ()
    assert [a.party for a in await store.attempts(invite.id or 0)] == [ALICE, BOB]


async def test_the_schedulers_claim_fails_once_an_edit_moved_the_time_it_read(store: InviteStore) -> None:
    invite = await add(store, ALICE)
    read = await store.get_invite(invite.id or 0)
    assert read is not None
    assert await store.edit_invite(invite.id or 0, await version_of(store, invite.id or 0), change(ALICE), NOW)
    assert await store.claim_due_invite(invite.id or 0, NOW, None, due_at=read.due_at) is None
    moved = await store.get_invite(invite.id or 0)
    assert moved is not None and await store.claim_due_invite(invite.id or 0, NOW, None, due_at=moved.due_at)


async def test_two_edits_of_one_version_at_once_apply_once(store: InviteStore) -> None:
    invite = await add(store, ALICE)
    version = await version_of(store, invite.id or 0)
    results = await asyncio.gather(
        *(store.edit_invite(invite.id or 0, version, change(ALICE, p), NOW) for p in (BOB, CAROL))
    )
    assert sum(r is not None for r in results) == 1
    assert len(await store.attempts(invite.id or 0)) == 2


async def test_added_people_are_queued_once_and_those_already_called_are_named(store: InviteStore) -> None:
    invite, _ = await dialling(store, ALICE)
    same_number = Party(PartyKind.PHONE, ALICE.address, name="Alice again")
    added = await store.add_attempts(invite.id or 0, [same_number, BOB, BOB], [InviteStatus.DIALING], NOW)
    assert added is not None
    assert [a.party for a in added.added] == [BOB] and list(added.already_in) == [same_number, BOB]
    assert [a.position for a in await store.attempts(invite.id or 0)] == [0, 1]
    assert await store.add_attempts(invite.id or 0, [CAROL], [InviteStatus.SCHEDULED], NOW) is None
    assert await store.set_invite_status(invite.id or 0, InviteStatus.DONE)
    assert await store.add_attempts(invite.id or 0, [CAROL], [InviteStatus.DIALING], NOW) is None
    assert len(await store.attempts(invite.id or 0)) == 2


async def test_invite_status_is_compare_and_set_when_an_expected_status_is_given(store: InviteStore) -> None:
    invite = await add(store)
    assert not await store.set_invite_status(invite.id or 0, InviteStatus.DONE, expected=InviteStatus.DIALING)
    assert await store.set_invite_status(invite.id or 0, InviteStatus.CANCELLED, expected=InviteStatus.SCHEDULED)
    assert await store.claim_due_invite(invite.id or 0, NOW, None) is None  # no longer scheduled
    assert await store.set_invite_status(invite.id or 0, InviteStatus.DONE)  # unconditional
    assert (await store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]


async def test_thread_and_roster_are_remembered(store: InviteStore) -> None:
    invite = await add(store)
    await store.set_thread(invite.id or 0, "1.0001")
    await store.set_roster_ts(invite.id or 0, "1.0002")
    found = await store.get_invite(invite.id or 0)
    assert found is not None and (found.thread_ts, found.roster_ts) == ("1.0001", "1.0002")


async def test_recent_invites_are_newest_first_per_channel_and_by_status_soonest_first(store: InviteStore) -> None:
    late = await add(store, due_in_s=60)
    soon = await add(store, due_in_s=30)
    elsewhere = await add(store, channel="C2")
    assert [i.id for i in await store.recent_invites("C", 5)] == [soon.id, late.id]
    assert [i.id for i in await store.recent_invites("C", 1)] == [soon.id]
    assert [i.id for i in await store.invites_with_status(InviteStatus.SCHEDULED)] == [elsewhere.id, soon.id, late.id]
    assert await store.invites_with_status(InviteStatus.DONE) == []


async def test_a_users_upcoming_invites_come_soonest_first_and_past_ones_newest_first(store: InviteStore) -> None:
    late = await add(store, due_in_s=600, by="U1")
    soon = await add(store, due_in_s=60, by="U1", channel="C2")
    bobs = await add(store, due_in_s=30, by="U2")
    dialled = await add(store, due_in_s=10, by="U1")
    await store.claim_due_invite(dialled.id or 0, NOW, None)
    assert [i.id for i in await store.upcoming_invites("U1", 10)] == [soon.id, late.id]
    assert [i.id for i in await store.upcoming_invites("U1", 1)] == [soon.id]
    assert await store.upcoming_invites("U3", 10) == []
    assert [i.id for i in await store.upcoming_invites("U3", 10, ["C2"])] == [soon.id]  # in a channel of theirs
    assert [i.id for i in await store.upcoming_invites("U2", 10, ["C2"])] == [bobs.id, soon.id]  # theirs, then C2's
    assert [i.id for i in await store.past_invites("U1", 10)] == [dialled.id]  # no longer scheduled
    another = await add(store, by="U1")
    await store.claim_due_invite(another.id or 0, NOW, None)
    assert [i.id for i in await store.past_invites("U1", 10)] == [another.id, dialled.id]  # newest first
    assert [i.id for i in await store.past_invites("U1", 1)] == [another.id]


async def test_a_stuck_send_is_released_once_and_never_while_someone_holds_a_fresh_claim(store: InviteStore) -> None:
    _, [first, second] = await dialling(store, ALICE, BOB)
    assert await store.claim_attempt_for_sending(first, NOW)
    assert await store.claim_attempt_for_sending(second, NOW + timedelta(seconds=50))
    cutoff, later = NOW + timedelta(seconds=30), NOW + timedelta(seconds=40)
    assert [a.id for a in await store.stuck_sends(cutoff)] == [first]
    results = await asyncio.gather(*(store.release_stuck_send(first, cutoff, later) for _ in range(3)))
    assert sum(results) == 1  # two replicas' watch rounds: one releases it
    assert not await store.release_stuck_send(second, cutoff, later)  # claimed after the cutoff: a send under way
    released = await store.get_attempt(first)
    assert released is not None and (released.state, released.sent_at) == (CallState.QUEUED, None)
    assert await store.claim_attempt_for_sending(first, later)  # claimable again, by one sender
    assert not await store.release_stuck_send(first, cutoff, later)


async def test_a_call_is_claimed_for_sending_once_and_then_cannot_be_cancelled_unsent(store: InviteStore) -> None:
    _, [first, second] = await dialling(store, ALICE, BOB)
    later = NOW + timedelta(seconds=5)
    results = await asyncio.gather(*(store.claim_attempt_for_sending(first, later) for _ in range(5)))
    assert sum(results) == 1
    assert not await store.cancel_unsent(first, later)
    sent = await store.get_attempt(first)
    assert sent is not None and (sent.state, sent.sent_at, sent.updated_at) == (CallState.QUEUED, later, later)
    assert await store.cancel_unsent(second, later)
    assert not await store.claim_attempt_for_sending(second, later)
    cancelled = await store.get_attempt(second)
    assert cancelled is not None and (cancelled.state, cancelled.ended_at) == (CallState.CANCELLED, later)


async def test_recording_a_placed_call_moves_it_forward_only_and_keeps_its_id_and_context(
    store: InviteStore,
) -> None:
    invite, [first, second] = await dialling(store, ALICE, BOB)
    placed = PlaceResult(first, CallState.DIALING, provider_call_id="c-1", code="ok", context={"leg": "a"})
    recorded = await store.record_placed(invite, placed, NOW)
    assert recorded is not None
    assert (recorded.state, recorded.provider_call_id, recorded.provider_code, recorded.context) == (
        CallState.DIALING,
        "c-1",
        "ok",
        {"leg": "a"},
    )
    assert await move(store, first, CallState.DIALING, CallState.ANSWERED)
    late = await store.record_placed(invite, PlaceResult(first, CallState.DIALING, context={"leg": "b"}), NOW)
    assert late is not None and (late.state, late.provider_call_id, late.context) == (
        CallState.ANSWERED,  # an answer already came: the late acceptance does not move it back
        "c-1",
        {"leg": "b"},
    )
    refused = PlaceResult(second, CallState.FAILED, code="E1", detail="no credit")
    failed = await store.record_placed(invite, refused, NOW)
    assert failed is not None
    assert (failed.state, failed.reason, failed.provider_code, failed.detail, failed.ended_at) == (
        CallState.FAILED,
        FailReason.UNKNOWN,
        "E1",
        "no credit",
        NOW,
    )
    assert await store.record_placed(invite, PlaceResult(10_000, CallState.DIALING), NOW) is None


async def test_transition_is_compare_and_set_and_stamps_answer_and_end(store: InviteStore) -> None:
    _, [attempt] = await dialling(store)
    t1, t2 = NOW + timedelta(seconds=1), NOW + timedelta(seconds=2)
    assert not await store.transition(
        attempt, CallState.DIALING, CallState.ANSWERED, reason=None, code=None, detail=None, at=t1
    )  # it is still queued
    assert await store.transition(
        attempt, CallState.QUEUED, CallState.ANSWERED, reason=None, code="200", detail="joined", at=t1
    )
    assert await store.transition(
        attempt, CallState.ANSWERED, CallState.FAILED, reason=FailReason.BUSY, code=None, detail=None, at=t2
    )
    found = await store.get_attempt(attempt)
    assert found is not None
    assert (found.state, found.reason, found.provider_code, found.detail) == (
        CallState.FAILED,
        FailReason.BUSY,
        "200",  # None leaves code and detail as they were
        "joined",
    )
    assert (found.answered_at, found.ended_at, found.updated_at) == (t1, t2, t2)


async def test_calls_are_found_by_provider_and_call_id(store: InviteStore) -> None:
    invite, [first] = await dialling(store)
    other, [second] = await dialling(store, provider="other")
    await store.record_placed(invite, PlaceResult(first, CallState.DIALING, provider_call_id="c-1"), NOW)
    await store.record_placed(other, PlaceResult(second, CallState.DIALING, provider_call_id="c-1"), NOW)
    found = await store.find_attempt("fake", "c-1")
    assert found is not None and found.id == first
    assert (await store.find_attempt("other", "c-1")).id == second  # type: ignore[union-attr]
    assert await store.find_attempt("fake", "c-2") is None


async def test_open_attempts_are_those_of_dialling_invites_not_final_oldest_first(store: InviteStore) -> None:
    _, [a, b] = await dialling(store, ALICE, BOB)
    _, [c] = await dialling(store, provider="other", target="43")
    scheduled = await add(store)  # not dialling: none of its calls are open
    assert scheduled.id
    assert await move(store, a, CallState.QUEUED, CallState.COMPLETED)
    assert await move(store, b, CallState.QUEUED, CallState.RINGING)
    assert [x.id for x in await store.open_attempts()] == [b, c]
    assert [x.id for x in await store.open_attempts("fake")] == [b]
    assert [x.id for x in await store.open_attempts(states=[CallState.QUEUED])] == [c]
    assert [x.id for x in await store.open_attempts("fake", [CallState.COMPLETED, CallState.RINGING])] == [a, b]
    assert [x.id for x in await store.open_attempts_in_target("fake", "42")] == [b]
    assert await store.open_attempts_in_target("fake", "43") == []
    assert [x.id for x in await store.open_attempts_in_target("other", "43")] == [c]


async def test_unsettled_calls_are_counted_with_or_without_handed_over_ones(store: InviteStore) -> None:
    invite, [accepted, waiting, done] = await dialling(store, ALICE, BOB, Party(PartyKind.PHONE, "+8613800138003"))
    await store.record_placed(invite, PlaceResult(accepted, CallState.QUEUED, provider_call_id="q-1"), NOW)
    assert await move(store, done, CallState.QUEUED, CallState.CANCELLED)
    assert waiting and await store.unsettled_count(invite.id or 0, handed_over=False) == 2
    assert await store.unsettled_count(invite.id or 0, handed_over=True) == 1


async def test_calls_are_counted_by_state_per_invite(store: InviteStore) -> None:
    invite, [first, second, third] = await dialling(store, ALICE, BOB, Party(PartyKind.PHONE, "+8613800138003"))
    await add(store)  # another invite's call is not counted
    assert await move(store, first, CallState.QUEUED, CallState.ANSWERED)
    assert await move(store, second, CallState.QUEUED, CallState.ANSWERED)
    assert await store.state_counts(invite.id or 0) == {CallState.ANSWERED: 2, CallState.QUEUED: 1}
    assert third


async def test_a_placed_call_carries_its_target_asker_and_stored_context(store: InviteStore) -> None:
    invite, [attempt] = await dialling(store)
    assert await store.claim_attempt_for_sending(attempt, NOW)
    placed = PlaceResult(attempt, CallState.DIALING, provider_call_id="c-1", context={"room": "9"})
    await store.record_placed(invite, placed, NOW)
    found = await store.get_attempt(attempt)
    assert found is not None
    call = await store.placed_call(found)
    assert call is not None
    assert (call.provider_call_id, call.target, call.requested_by, call.state, call.placed_at, call.context) == (
        "c-1",
        invite.target,
        "U9",
        CallState.DIALING,
        NOW,
        {"room": "9"},
    )
    assert call.party == ALICE and call.invite_id == invite.id


async def test_an_event_is_stored_once_per_provider_and_dedupe_key(store: InviteStore) -> None:
    event = CallEvent("fake", "c-1", CallState.RINGING, dedupe_key="k1", raw={"n": 1})
    assert await store.store_event(event, None, NOW)
    assert not await store.store_event(event, None, NOW)
    assert not await store.store_event(CallEvent("fake", "c-9", CallState.ANSWERED, dedupe_key="k1"), None, NOW)
    assert await store.store_event(CallEvent("other", "c-1", CallState.RINGING, dedupe_key="k1"), None, NOW)


async def test_received_events_wait_to_be_applied_in_arrival_order_and_duplicates_are_refused(
    store: InviteStore,
) -> None:
    _, [attempt] = await dialling(store)
    events = [CallEvent("fake", "c-1", state, dedupe_key=f"r{n}") for n, state in enumerate(CallState)][:4]
    stored = await asyncio.gather(
        *(store.store_event(event, attempt, NOW, applied=False) for event in [*events, events[1]])
    )
    assert stored == [True, True, True, True, False]  # received at once, the re-delivery refused
    waiting = await store.unapplied_events(10)
    assert [r.event for r in waiting] == events and {r.attempt_id for r in waiting} == {attempt}
    await store.mark_applied([waiting[0].id])
    assert [r.event for r in await store.unapplied_events(10)] == events[1:]
    assert [r.event for r in await store.unapplied_events(2)] == events[1:3]


async def test_received_events_that_arrive_together_are_committed_together(engine) -> None:
    store = SqlInviteStore(engine)
    commits = 0

    def count(_conn: object) -> None:
        nonlocal commits
        commits += 1

    sql_event.listen(engine.sync_engine, "commit", count)
    try:
        burst = [CallEvent("fake", f"c-{n}", CallState.RINGING, dedupe_key=f"b{n}") for n in range(20)]
        stored = await asyncio.gather(*(store.store_event(e, None, NOW, applied=False) for e in burst))
    finally:
        sql_event.remove(engine.sync_engine, "commit", count)
    assert all(stored) and len(await store.unapplied_events(50)) == 20
    assert commits <= 2  # the first alone at most, then everything that queued behind it


async def test_events_that_beat_their_call_id_are_linked_once_in_arrival_order(store: InviteStore) -> None:
    _, [attempt] = await dialling(store)
    ringing = CallEvent("fake", "c-1", CallState.RINGING, dedupe_key="e1", code="180", occurred_at=NOW, raw={"a": 1})
    answered = CallEvent("fake", "c-1", CallState.ANSWERED, dedupe_key="e2", target_id="42")
    for event in (ringing, answered, CallEvent("other", "c-1", CallState.RINGING, dedupe_key="e3")):
        assert await store.store_event(event, None, NOW)
    linked = await store.link_orphan_events("fake", "c-1", attempt)
    assert linked == [ringing, CallEvent("fake", "c-1", CallState.ANSWERED, dedupe_key="e2")]  # no target column
    assert await store.link_orphan_events("fake", "c-1", attempt) == []
    assert len(await store.link_orphan_events("other", "c-1", attempt)) == 1


async def test_moves_are_written_in_order_and_a_failed_one_stops_that_calls_later_moves(store: InviteStore) -> None:
    _, [alice, bob] = await dialling(store, ALICE, BOB)
    queued = {a.id: a.state for a in await store.get_attempts([alice, bob, 999])}
    assert queued == {alice: CallState.QUEUED, bob: CallState.QUEUED}  # the unknown id is left out

    def step(attempt: int, expected: CallState, new: CallState) -> Move:
        return Move(attempt, expected, new, None, None, None, NOW)

    written = await store.transitions(
        [
            step(alice, CallState.QUEUED, CallState.RINGING),
            step(bob, CallState.RINGING, CallState.ANSWERED),  # planned from a state bob is not in
            step(alice, CallState.RINGING, CallState.ANSWERED),
            step(bob, CallState.QUEUED, CallState.COMPLETED),  # would match, but follows bob's failed move
        ]
    )
    assert written == [True, False, True, False]
    states = {a.id: a.state for a in await store.get_attempts([alice, bob])}
    assert states == {alice: CallState.ANSWERED, bob: CallState.QUEUED}
    answered = await store.get_attempt(alice)
    assert answered is not None and answered.answered_at == NOW


async def test_listings_asked_for_one_workspace_leave_out_another_workspaces_invites(store: InviteStore) -> None:
    """A channel shared between two workspaces (Slack Connect) holds both's invites; each lists only its own."""
    ours = await add(store, due_in_s=60, by="U1", channel="CSHARED")
    theirs = await add(store, due_in_s=30, by="U1", channel="CSHARED", team="T2")
    assert [i.id for i in await store.recent_invites("CSHARED", 5)] == [theirs.id, ours.id]
    assert [i.id for i in await store.recent_invites("CSHARED", 5, team_id="T")] == [ours.id]
    assert [i.id for i in await store.upcoming_invites("U2", 5, ["CSHARED"], team_id="T")] == [ours.id]
    assert [i.id for i in await store.upcoming_invites("U1", 5, team_id="T2")] == [theirs.id]
    await store.claim_due_invite(theirs.id or 0, NOW, None)
    assert await store.past_invites("U1", 5, team_id="T") == []
    assert [i.id for i in await store.past_invites("U1", 5, team_id="T2")] == [theirs.id]
