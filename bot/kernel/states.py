"""Call states every provider maps to, the rule that they only move forward, and the one way to apply it.

Providers deliver events late, twice and out of order; a single ordering of states lets
us drop anything that would move a call backwards instead of trusting arrival order.
`apply_forward` is how both features carry a move out (read, plan, compare-and-set, retry),
so no state rule lives in a repository: stores only read and compare-and-set.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

log = logging.getLogger(__name__)


class CallState(StrEnum):
    """Where one party's call stands; the order of `_RANK` is the only legal direction."""

    QUEUED = "queued"
    DIALING = "dialing"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # The request may or may not have reached the provider (timeout after sending):
    # never re-sent blindly, reconciled by status where the provider offers it.
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """Whether nothing more can happen to this call."""
        return self in FINAL_STATES


class FailReason(StrEnum):
    """Why a call ended without being answered (the provider's own code is kept beside it)."""

    BUSY = "busy"
    NO_ANSWER = "no_answer"
    UNREACHABLE = "unreachable"
    REJECTED = "rejected"
    INVALID_NUMBER = "invalid_number"
    BARRED = "barred"
    NETWORK = "network"
    MAX_DURATION = "max_duration"
    PROVIDER_REJECTED = "provider_rejected"
    PROVIDER_ERROR = "provider_error"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    MISSED = "missed"
    UNKNOWN = "unknown"
    POLICY = "policy"  # not sent: the number is outside the dialing policy at the moment of dialling


FINAL_STATES = frozenset({CallState.COMPLETED, CallState.FAILED, CallState.CANCELLED})

_RANK: dict[CallState, int] = {
    CallState.QUEUED: 0,
    CallState.UNKNOWN: 1,
    CallState.DIALING: 2,
    CallState.RINGING: 3,
    CallState.ANSWERED: 4,
    CallState.COMPLETED: 5,
    CallState.FAILED: 5,
    CallState.CANCELLED: 5,
}


def advance(current: CallState, new: CallState) -> CallState | None:
    """The state a call moves to when `new` is reported, or None when the report changes nothing.

    States only move forward and the first final state wins. A failure reported after an
    answer describes how a connected call ended, so it becomes `completed`, not `failed`.
    """
    if current.is_final:
        return None
    if current is CallState.ANSWERED and new is CallState.FAILED:
        return CallState.COMPLETED
    if _RANK[new] > _RANK[current]:
        return new
    return None


def moved_values(new: CallState, reason: FailReason | None, code: str | None, at: datetime) -> dict[str, Any]:
    """The columns a forward move writes on a line (an invite's attempt, an inbound call's leg).

    Both features keep the same columns, so when a line answered and when it ended are stamped
    the same way everywhere; a move without a code keeps the code the line had.
    """
    values: dict[str, Any] = {"state": new.value, "reason": reason.value if reason else None, "updated_at": at}
    if code is not None:
        values["code"] = code
    if new is CallState.ANSWERED:
        values["answered_at"] = at
    if new in FINAL_STATES:
        values["ended_at"] = at
    return values


# --- the one forward-only apply ------------------------------------------------------------

MAX_TRIES = 5

Current = TypeVar("Current")
Plan = TypeVar("Plan")


async def apply_forward(
    current: Current | None,
    plan: Callable[[Current], Plan | None],
    write: Callable[[Current, Plan], Awaitable[bool]],
    reread: Callable[[], Awaitable[Current | None]],
    *,
    tries: int = MAX_TRIES,
) -> Plan | None:
    """Move something forward by compare-and-set: plan from what is stored, write, re-read on conflict.

    `plan` is pure (the forward-only rules: None when the report changes nothing); `write` is a
    compare-and-set that answers False when someone else (another event, another replica) moved
    the thing since `current` was read; `reread` reads it again. Returns the plan that was
    written, or None when there was nothing to do, the thing is gone, or the conflicts outlasted
    `tries` (bounded, so a storm of writers cannot spin us; each of them made its own move).
    """
    for _ in range(tries):
        if current is None:
            return None
        planned = plan(current)
        if planned is None:
            return None
        if await write(current, planned):
            return planned
        current = await reread()
    log.warning("gave up a forward move after %s conflicting writes", tries)
    return None
