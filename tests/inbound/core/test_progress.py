"""Events applied to an inbound call through the store's transaction port, on an in-memory fake.

The fake's compare-and-set can be told that another process wrote first, so the retry path of
the kernel's forward-only apply is exercised without a database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.inbound.core.calls import CallFlag, InboundCall, InboundLeg, LegChange
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.ports import StoredEvent
from bot.inbound.core.progress import apply_events
from bot.kernel.states import CallState, FailReason
from tests.inbound.core.builders import T0, inbound_call, leg


class FakeTransaction:
    """The CallsTransaction port in memory; `rival_legs` are line states another process commits first."""

    def __init__(self, call: InboundCall, legs: list[InboundLeg]) -> None:
        self.call_row = call
        self.leg_rows = {leg.id: leg for leg in legs}
        self.rival_legs: dict[int, list[CallState]] = {}
        self.rival_calls: list[CallState] = []
        self.leg_writes: list[LegChange] = []
        self.reads = 0

    async def add_event(self, event: InboundEvent, now: datetime) -> StoredEvent | None:
        return StoredEvent(self.call_row)

    async def touch_call(self, call_id: int, now: datetime) -> InboundCall | None:
        return self.call_row

    async def call(self, call_id: int) -> InboundCall | None:
        return self.call_row

    async def legs(self, call_id: int) -> list[InboundLeg]:
        self.reads += 1
        return sorted(self.leg_rows.values(), key=lambda leg: leg.position)

    async def move_leg(self, change: LegChange, at: datetime) -> bool:
        rivals = self.rival_legs.get(change.leg_id)
        if rivals:
            self.leg_rows[change.leg_id] = replace(self.leg_rows[change.leg_id], state=rivals.pop(0))
        row = self.leg_rows[change.leg_id]
        if row.state is not change.expected:
            return False
        self.leg_rows[change.leg_id] = replace(row, state=change.new, reason=change.reason, code=change.code)
        self.leg_writes.append(change)
        return True

    async def move_call(self, call_id: int, expected: CallState, new: CallState, at: datetime, code: str) -> bool:
        if self.rival_calls:
            self.call_row = replace(self.call_row, state=self.rival_calls.pop(0))
        if self.call_row.state is not expected:
            return False
        self.call_row = replace(self.call_row, state=new, end_code=code if new.is_final else None)
        return True

    async def set_flag(self, call_id: int, flag: CallFlag) -> bool:
        if getattr(self.call_row, flag.value):
            return False
        self.call_row = replace(self.call_row, **{flag.value: True})  # type: ignore[arg-type]
        return True


def event(code: str, seq: str = "1", call_result: str | None = None, callees: tuple[str, ...] = ()) -> InboundEvent:
    return InboundEvent("s", "V", "c", seq, code, call_result=call_result, callee_numbers=callees)


async def test_events_move_the_line_and_the_call_and_open_the_thread_once() -> None:
    tx = FakeTransaction(inbound_call(), [leg(1, "+8613900000001")])
    applied = await apply_events(tx, tx.call_row, [event("15", "1"), event("16", "2"), event("31", "3")], T0, "CN")
    assert [c.new for c in applied.changes] == [CallState.DIALING, CallState.RINGING, CallState.ANSWERED]
    assert applied.opened and not applied.warned
    assert [state for state, _ in applied.moves] == [CallState.DIALING, CallState.RINGING, CallState.ANSWERED]
    assert tx.call_row.state is CallState.ANSWERED and tx.call_row.opened


async def test_a_line_moved_by_another_process_is_reread_and_the_event_replanned() -> None:
    tx = FakeTransaction(inbound_call(CallState.DIALING, opened=True), [leg(1, "+8613900000001", CallState.DIALING)])
    tx.rival_legs[1] = [CallState.RINGING]  # another replica applied "ringing" between our read and our write
    applied = await apply_events(tx, tx.call_row, [event("31")], T0, "CN")
    assert tx.reads == 2  # read, conflict, read again
    assert tx.leg_writes == [LegChange(1, CallState.RINGING, CallState.ANSWERED)]
    assert applied.changes == tx.leg_writes and tx.leg_rows[1].state is CallState.ANSWERED
    assert applied.moves == [(CallState.ANSWERED, "31")]


async def test_a_conflict_that_makes_the_event_stale_changes_nothing_more() -> None:
    tx = FakeTransaction(inbound_call(CallState.DIALING, opened=True), [leg(1, "+8613900000001", CallState.DIALING)])
    tx.rival_legs[1] = [CallState.COMPLETED]  # the call ended elsewhere meanwhile
    applied = await apply_events(tx, tx.call_row, [event("16")], T0, "CN")
    assert applied.changes == [] and applied.moves == [] and tx.leg_writes == []


async def test_the_call_moved_elsewhere_is_reread_and_moved_on_from_there() -> None:
    tx = FakeTransaction(inbound_call(CallState.RINGING, opened=True), [leg(1, "+8613900000001", CallState.ANSWERED)])
    tx.rival_calls = [CallState.ANSWERED]
    applied = await apply_events(tx, tx.call_row, [event("32", call_result="00")], T0, "CN")
    assert applied.moves == [(CallState.COMPLETED, "32")] and tx.call_row.end_code == "32"


async def test_the_warning_is_flagged_once_and_a_failure_keeps_its_reason() -> None:
    tx = FakeTransaction(inbound_call(CallState.RINGING, opened=True), [leg(1, "+8613900000001", CallState.RINGING)])
    first = await apply_events(tx, tx.call_row, [event("43", "1"), event("43", "2")], T0, "CN")
    assert first.warned and tx.call_row.warned and first.changes == []
    failed = await apply_events(tx, tx.call_row, [event("30", "3", "02", ("13900000001",))], T0, "CN")
    assert failed.changes == [LegChange(1, CallState.RINGING, CallState.FAILED, FailReason.BUSY, "02")]
    assert failed.moves == [(CallState.FAILED, "30")]
