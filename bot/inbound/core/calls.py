"""Inbound calls and their callees' lines: what an event does to them, decided from what is stored.

Someone dials one of our access numbers; the platform rings the callees we answered and
reports progress with events. Everything here is pure except `apply_events`, which carries
the planned moves out through a store transaction with the kernel's forward-only apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.inbound.core.answer import QueryOutcome
from bot.inbound.core.events import EventMeaning, EventScope, InboundEvent, end_state, map_event, normalise_result
from bot.inbound.core.numbers import number_key
from bot.kernel.people import Party
from bot.kernel.states import FINAL_STATES, CallState, FailReason, advance


@dataclass
class InboundLeg:
    """One callee's line in an inbound call: the roster line rendered from it."""

    call_id: int
    position: int
    party: Party
    dialled: str
    state: CallState = CallState.QUEUED
    reason: FailReason | None = None
    code: str | None = None  # the callResult that explains a failure
    id: int | None = None
    updated_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass
class InboundCall:
    """A call to one of our access numbers: what we answered and where it is reported."""

    vcc_id: str
    platform_call_id: str
    sid: str
    client_id: str
    calling_number: str
    access_number: str
    outcome: QueryOutcome
    channel_id: str | None
    created_at: datetime
    route_id: int | None = None
    rule_prefix: str | None = None
    state: CallState = CallState.QUEUED
    answer: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None
    thread_ts: str | None = None
    opened: bool = False
    warned: bool = False
    end_code: str | None = None
    ended_at: datetime | None = None

    @property
    def max_s(self) -> int:
        """The maximum duration we answered (0: the platform's own)."""
        value = str(self.answer.get("maxDuration", "0"))
        return int(value) if value.isdigit() else 0


@dataclass(frozen=True)
class LegChange:
    """Move one line from `expected` to `new` (compare-and-set in the store)."""

    leg_id: int
    expected: CallState
    new: CallState
    reason: FailReason | None = None
    code: str | None = None


def _keys(numbers: Iterable[str], region: str) -> set[str]:
    return {number_key(n, region) for n in numbers if n}


def _matching_leg(legs: Sequence[InboundLeg], numbers: Sequence[str], region: str) -> InboundLeg | None:
    wanted = _keys(numbers, region)
    if not wanted:
        return None
    for leg in legs:
        if {number_key(leg.dialled, region), number_key(leg.party.address, region)} & wanted:
            return leg
    return None


_PROGRESS = {CallState.DIALING: 1, CallState.RINGING: 2, CallState.ANSWERED: 3}


def _leg_for(legs: Sequence[InboundLeg], meaning: EventMeaning) -> InboundLeg | None:
    """The line an event without a recognisable number is about.

    One line: that one. Several (the platform rings them in turn or together): a new call
    attempt (dialing) is the first line not yet started; anything else is about the line
    furthest along that is still open.
    """
    if len(legs) == 1:
        return legs[0]
    open_legs = [leg for leg in legs if not leg.state.is_final]
    if not open_legs:
        return None
    if meaning.state is CallState.DIALING:
        waiting = [leg for leg in open_legs if leg.state is CallState.QUEUED]
        return waiting[0] if waiting else None
    started = [leg for leg in open_legs if leg.state in _PROGRESS]
    if started:
        return max(started, key=lambda leg: (_PROGRESS[leg.state], -leg.position))
    return open_legs[0]


def plan_event(
    legs: Sequence[InboundLeg],
    code: str,
    call_result: str | None,
    callee_numbers: Sequence[str] = (),
    region: str = "CN",
) -> list[LegChange]:
    """The forward-only line changes an event causes (nothing for duplicates and late events)."""
    meaning = map_event(code, call_result)
    matched = _matching_leg(legs, callee_numbers, region)
    changes: list[LegChange] = []

    def move(leg: InboundLeg, state: CallState, reason: FailReason | None, result: str | None) -> None:
        assert leg.id is not None
        new = advance(leg.state, state)
        if new is None:
            return
        if new is CallState.COMPLETED and state is CallState.FAILED:
            reason, result = None, None  # a failure reported after an answer is just the end
        changes.append(LegChange(leg.id, leg.state, new, reason, result))

    if meaning.scope in {EventScope.LEG, EventScope.ANSWER}:
        assert meaning.state is not None
        leg = matched or _leg_for(legs, meaning)
        if leg is not None:
            failed = meaning.state is CallState.FAILED
            move(leg, meaning.state, meaning.reason, normalise_result(call_result) if failed else None)
    elif meaning.scope is EventScope.END:
        open_legs = [leg for leg in legs if not leg.state.is_final]
        subject = matched or (open_legs[0] if len(open_legs) == 1 else None)
        for leg in open_legs:
            answered = leg.state is CallState.ANSWERED
            result = call_result if leg is subject else None
            state, reason = end_state(code, result, answered)
            move(leg, state, reason, normalise_result(result) if state is CallState.FAILED else None)
    return changes


def call_state(leg_states: Sequence[CallState]) -> CallState:
    """The call as a whole, from its lines: answered once anyone answers, final once all are."""
    if not leg_states:
        return CallState.FAILED
    if all(s in FINAL_STATES for s in leg_states):
        for final in (CallState.COMPLETED, CallState.FAILED):
            if final in leg_states:
                return final
        return CallState.CANCELLED
    for state in (CallState.ANSWERED, CallState.COMPLETED):
        if state in leg_states:
            return CallState.ANSWERED
    for state in (CallState.RINGING, CallState.DIALING):
        if state in leg_states:
            return state
    return CallState.QUEUED


def call_move(call: InboundCall, leg_states: Sequence[CallState]) -> CallState | None:
    """Where the call as a whole moves now that its lines are in `leg_states` (None: nowhere new)."""
    return advance(call.state, call_state(leg_states))


class CallFlag(StrEnum):
    """Things that happen once per call, whichever event (or replica) gets there first."""

    OPENED = "opened"  # the first event opens the call's thread
    WARNED = "warned"  # the last-minute warning (code 43) is told once


def due_flags(call: InboundCall, event: InboundEvent) -> tuple[CallFlag, ...]:
    """What `event` makes due that has not happened to `call` yet."""
    due = [] if call.opened else [CallFlag.OPENED]
    if map_event(event.code, event.call_result).scope is EventScope.WARNING and not call.warned:
        due.append(CallFlag.WARNED)
    return tuple(due)


def with_changes(legs: Sequence[InboundLeg], changes: Iterable[LegChange]) -> list[InboundLeg]:
    """The lines as they are once `changes` are written (the state is what later plans read)."""
    new = {change.leg_id: change.new for change in changes}
    return [replace(leg, state=new[leg.id]) if leg.id in new else leg for leg in legs]


@dataclass
class Applied:
    """What storing and applying events did (the notices Slack gets are derived from it)."""

    new: bool = False  # False: a re-delivery; nothing was stored or changed
    call_id: int | None = None  # None: no call known for it yet (kept as an orphan)
    opened: bool = False  # this event opened the call's thread
    changes: list[LegChange] = field(default_factory=list)  # the line moves that were made
    moves: list[tuple[CallState, str]] = field(default_factory=list)  # the call's moves, with the event code
    warned: bool = False


class InboundNoticeKind(StrEnum):
    """Thread replies about an inbound call; each has sentences in the message catalogue."""

    ANSWERED = "answered"  # params: leg_id
    FAILED = "failed"  # params: leg_id
    ENDED = "ended"  # the call is over (duration when someone answered)
    WARNING = "warning"  # code 43: the last minute began


def talk_time(legs: Sequence[InboundLeg]) -> float | None:
    """Seconds from the first answer to the end of the last line, when someone answered."""
    answered = [leg.answered_at for leg in legs if leg.answered_at]
    ended = [leg.ended_at for leg in legs if leg.ended_at and leg.answered_at]
    if not answered or not ended:
        return None
    return max(0.0, (max(ended) - min(answered)).total_seconds())
