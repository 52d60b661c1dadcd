"""Call states every provider maps to, and the rule that they only move forward.

Providers deliver events late, twice and out of order; a single ordering of states lets
us drop anything that would move a call backwards instead of trusting arrival order.
"""

from __future__ import annotations

from enum import StrEnum


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
