"""The status applier's pass on the SQL store: a big invite's events applied in few transactions.

Applying every event by itself took three writes (the move, the Slack rows, the mark) and fell
seconds behind a 500-party invite (bench big_invite); a pass now writes its moves together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event as sql_event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.models import CallEvent, InviteStatus
from bot.dialout.core.ports import NoticeKind, PlaceResult
from bot.dialout.core.status import StatusService
from bot.dialout.store import SqlInviteStore
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState
from tests.conftest import FakeClock
from tests.dialout.core.fakes import RecordingNotifier, ScriptedProvider
from tests.dialout.test_store import NOW, dialling

PARTIES = 40


@contextmanager
def counting_commits(engine: AsyncEngine) -> Iterator[list[int]]:
    commits = [0]

    def count(_conn: object) -> None:
        commits[0] += 1

    sql_event.listen(engine.sync_engine, "commit", count)
    try:
        yield commits
    finally:
        sql_event.remove(engine.sync_engine, "commit", count)


async def placed(store: SqlInviteStore, parties: int) -> tuple[int, list[str]]:
    """A dialling invite whose calls the provider accepted: its id and their provider call ids."""
    invite, ids = await dialling(store, *(Party(PartyKind.PHONE, f"+86138001380{n:02d}") for n in range(parties)))
    for attempt_id in ids:
        result = PlaceResult(attempt_id, CallState.DIALING, provider_call_id=f"c-{attempt_id}")
        await store.record_placed(invite, result, NOW)
    return invite.id or 0, [f"c-{attempt_id}" for attempt_id in ids]


def status_of(store: SqlInviteStore, notifier: RecordingNotifier, clock: FakeClock) -> StatusService:
    provider = ScriptedProvider()
    return StatusService(store, notifier, clock, {provider.name: provider.info})


async def test_a_pass_applies_a_whole_invites_events_in_at_most_three_transactions(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    store, notifier = SqlInviteStore(engine), RecordingNotifier()
    status = status_of(store, notifier, clock)
    invite_id, calls = await placed(store, PARTIES)
    for step, state in enumerate((CallState.RINGING, CallState.ANSWERED, CallState.COMPLETED)):
        for call in calls:
            assert await status.receive(CallEvent("fake", call, state, dedupe_key=f"{call}:{step}"))

    with counting_commits(engine) as commits:
        assert await status.apply_received(limit=3 * PARTIES) == 3 * PARTIES
    assert commits[0] <= 3  # the moves, the invite done, the events marked applied

    assert {a.state for a in await store.attempts(invite_id)} == {CallState.COMPLETED}
    invite = await store.get_invite(invite_id)
    assert invite is not None and invite.status is InviteStatus.DONE
    assert await store.unapplied_events(10) == []
    assert [notice.kind for _, notice in notifier.notices] == [NoticeKind.SUMMARY]
    # Slack is told twice, not 121 times: the calls before the summary, the invite done after it.
    assert notifier.changed == [invite_id, invite_id]


async def test_a_call_moved_by_someone_else_during_a_pass_gets_its_events_applied_from_what_is_stored(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    store, notifier = SqlInviteStore(engine), RecordingNotifier()
    status = status_of(store, notifier, clock)
    invite_id, [call, other] = await placed(store, 2)
    received = [(call, CallState.ANSWERED), (other, CallState.RINGING), (call, CallState.COMPLETED)]
    for n, (on, state) in enumerate(received):
        await status.receive(CallEvent("fake", on, state, dedupe_key=f"e{n}"))
    [moved, _] = await store.attempts(invite_id)
    read = store.get_attempts

    async def read_then_someone_moves_it(attempt_ids):  # type: ignore[no-untyped-def]
        found = await read(attempt_ids)
        # The pass planned from DIALING; a poll moves the call on before its moves are written.
        assert await store.transition(
            moved.id or 0, CallState.DIALING, CallState.RINGING, reason=None, code=None, detail=None, at=NOW
        )
        return found

    store.get_attempts = read_then_someone_moves_it  # type: ignore[method-assign]
    assert await status.apply_received(limit=10) == 3

    states = [(a.state, a.answered_at is not None) for a in await store.attempts(invite_id)]
    assert states == [(CallState.COMPLETED, True), (CallState.RINGING, False)]
    assert await store.unapplied_events(10) == []
