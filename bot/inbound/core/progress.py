"""How an inbound call moves forward: each stored event applied to its lines and to the call as a whole.

The rules are pure (core/calls.py: which line an event is about, forward-only, what the call is
once its lines are); the store offers one transaction with reads and compare-and-set writes
(the CallsTransaction port); the kernel's `apply_forward` carries each move out, re-reading and
re-planning when another process moved the same line or call meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.inbound.core.calls import (
    Applied,
    CallFlag,
    InboundCall,
    InboundLeg,
    LegChange,
    call_move,
    due_flags,
    plan_event,
    with_changes,
)
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.ports import CallsTransaction
from bot.kernel.states import CallState, apply_forward


async def apply_events(
    tx: CallsTransaction, call: InboundCall, events: Sequence[InboundEvent], now: datetime, region: str
) -> Applied:
    """Apply `events` (oldest first) to `call` inside `tx`; what they did."""
    assert call.id is not None
    progress = _CallProgress(tx, call, await tx.legs(call.id), now, region)
    for event in events:
        await progress.apply(event)
    return progress.applied


class _CallProgress:
    """One call inside one transaction: its lines and state as last read or written, and what was done."""

    def __init__(
        self, tx: CallsTransaction, call: InboundCall, legs: list[InboundLeg], now: datetime, region: str
    ) -> None:
        assert call.id is not None
        self._tx = tx
        self._id = call.id
        self._call = call
        self._legs = legs
        self._now = now
        self._region = region
        self.applied = Applied(new=True, call_id=call.id)

    async def apply(self, event: InboundEvent) -> None:
        """The lines first, then what happens once per call, then the call as a whole."""
        made = await self._move_lines(event)
        for flag in due_flags(self._call, event):
            if not await self._tx.set_flag(self._id, flag):
                continue  # another event (or replica) got there first
            if flag is CallFlag.OPENED:
                self._call = replace(self._call, opened=True)
                self.applied.opened = True
            else:
                self._call = replace(self._call, warned=True)
                self.applied.warned = True
        if made:
            await self._move_call(event.code)

    async def _move_lines(self, event: InboundEvent) -> list[LegChange]:
        made: list[LegChange] = []

        def plan(legs: list[InboundLeg]) -> tuple[LegChange, ...] | None:
            changes = plan_event(legs, event.code, event.call_result, event.callee_numbers, self._region)
            return tuple(changes) or None

        async def write(legs: list[InboundLeg], changes: tuple[LegChange, ...]) -> bool:
            done = [change for change in changes if await self._tx.move_leg(change, self._now)]
            made.extend(done)  # kept even when another line conflicted: they were written
            self._legs = with_changes(legs, done)
            return len(done) == len(changes)

        async def reread() -> list[InboundLeg]:
            self._legs = await self._tx.legs(self._id)
            return self._legs

        await apply_forward(self._legs, plan, write, reread)
        self.applied.changes += made
        return made

    async def _move_call(self, code: str) -> None:
        def plan(call: InboundCall) -> CallState | None:
            return call_move(call, [leg.state for leg in self._legs])

        async def write(call: InboundCall, new: CallState) -> bool:
            if not await self._tx.move_call(self._id, call.state, new, self._now, code):
                return False
            self._call = replace(call, state=new)
            return True

        async def reread() -> InboundCall | None:
            found = await self._tx.call(self._id)
            self._call = found or self._call
            return found

        new = await apply_forward(self._call, plan, write, reread)
        if new is not None:
            self.applied.moves.append((new, code))
