"""The things confbot deals in: invites, the parties they dial, their targets and call attempts.

Plain values only, so every rule about them can be tested without Slack, HTTP or SQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.dialout.core.retry_policy import RetryMark, RetryPolicy
from bot.kernel.people import Party
from bot.kernel.states import CallState, FailReason


class TargetKind(StrEnum):
    """What parties are dialled into."""

    CONFERENCE = "conference"  # a phone conference: numbers are invited into it
    MEETING = "meeting"  # a video meeting: rooms are called into it
    EVENT = "event"  # a live event: people are added to its auto-outbound call list


@dataclass(frozen=True)
class Target:
    """The conference, meeting or live event an invite dials into."""

    kind: TargetKind
    id: str


class Capability(StrEnum):
    """What a provider can do; matches `TargetKind`."""

    CONFERENCE = "conference"
    MEETING = "meeting"
    EVENT = "event"


def capability_for(kind: TargetKind) -> Capability:
    """The capability a provider needs to serve a target of this kind."""
    return Capability(kind.value)


class InviteStatus(StrEnum):
    """The life of an invite as a whole (its parties have their own `CallState`).

    Waiting for an admin's approval (policy.approval) is a status, not a flag beside `scheduled`:
    every path that dials (the scheduler's claim, Dial now, the start-up rebuild, reminders, Edit)
    acts only on `scheduled`, so a waiting invite is left alone by all of them without each having
    to remember a flag, and the approval itself is one compare-and-set to `scheduled`.
    """

    SCHEDULED = "scheduled"
    AWAITING_APPROVAL = "awaiting_approval"  # over APPROVAL_OVER: stored, no job, until approved (core/approvals.py)
    DIALING = "dialing"  # claimed: the provider has been (or is being) asked
    DONE = "done"  # every party is final
    MISSED = "missed"  # the bot was down past the grace period at the due time
    CANCELLED = "cancelled"


@dataclass
class Invite:
    """A request to dial parties into a target at a time, and where to report it."""

    team_id: str
    channel_id: str
    created_by: str
    provider: str
    target: Target
    due_at: datetime  # aware, UTC
    tz: str  # the asker's IANA zone: times are shown and recurrences kept in it
    locale: str = "en"
    max_duration_s: int | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    status: InviteStatus = InviteStatus.SCHEDULED
    id: int | None = None
    thread_ts: str | None = None
    roster_ts: str | None = None
    created_at: datetime | None = None
    fired_at: datetime | None = None
    late_by_s: int | None = None
    source_text: str = ""
    request_key: str | None = None  # the acknowledged command that made it: made once however often carried out
    fired_by: str | None = None  # who pressed Dial now (None: it was dialled at its time)
    remind_minutes: int | None = None  # its reminder is posted this long before the run (0/None: none)
    reminded_at: datetime | None = None  # when its reminder was claimed (sent once per run)
    remind_dm: bool = False  # the reminder also goes to each mentioned Slack user, as a direct message
    # None until scheduled: `InviteService.schedule` gives it the workspace default (RETRY_POLICY).
    retry: RetryPolicy | None = None
    retries_stopped_at: datetime | None = None  # Cancel or Hang up all while dialling: no more retries
    paused_at: datetime | None = None  # Pause dialling pressed: calls not sent yet wait (core/pausing.py)
    paused_by: str | None = None


@dataclass(frozen=True)
class CallLimits:
    """How long a call may go without news (seconds since its last change of state) before the core ends it."""

    ring_s: float | None = None  # dialling or ringing: failed (Timing.silence_reason), code "no_news"
    answered_s: float | None = None  # in the conference: completed, code "not_followed"

    def over(self, defaults: CallLimits) -> CallLimits:
        """These limits where set, `defaults` (the provider's) for the rest."""
        return CallLimits(
            self.ring_s if self.ring_s is not None else defaults.ring_s,
            self.answered_s if self.answered_s is not None else defaults.answered_s,
        )


@dataclass
class CallAttempt:
    """One party's call within an invite: the row the roster line is rendered from."""

    invite_id: int
    position: int
    party: Party
    state: CallState = CallState.QUEUED
    reason: FailReason | None = None
    provider_call_id: str | None = None
    provider_code: str | None = None
    detail: str | None = None  # the provider's words, kept for the thread
    limits: CallLimits = field(default_factory=CallLimits)  # the call's own, given when it was placed
    context: Mapping[str, str] = field(default_factory=dict)  # what the provider asked us to keep
    id: int | None = None
    sent_at: datetime | None = None  # when it was claimed for sending to the provider
    updated_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    retry: RetryMark | None = None  # set on a retry: which failed call it retries, when, its number


@dataclass(frozen=True)
class CallEvent:
    """A normalised status report from a provider about one call."""

    provider: str
    provider_call_id: str
    state: CallState
    dedupe_key: str
    reason: FailReason | None = None
    code: str | None = None
    detail: str | None = None
    occurred_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    # Set (with an empty provider_call_id) for news about every open call of this provider in one
    # target, e.g. a conference that ended: the core applies it to each of those calls.
    target_id: str | None = None


@dataclass(frozen=True)
class ReceivedEvent:
    """A stored event not applied yet: its row id, the attempt it was matched to when stored (if any)."""

    id: int
    attempt_id: int | None
    event: CallEvent


@dataclass(frozen=True)
class Move:
    """One compare-and-set of an attempt's state: from `expected` to `new`, with what the event said."""

    attempt_id: int
    expected: CallState
    new: CallState
    reason: FailReason | None
    code: str | None
    detail: str | None
    at: datetime


# A call in one of these is still being set up: the invite is "dialling" while any call is.
SETTING_UP = frozenset({CallState.QUEUED, CallState.DIALING, CallState.RINGING, CallState.UNKNOWN})


def everyone_reached(attempts: Sequence[CallAttempt]) -> bool:
    """Whether nobody is being dialled any more and someone joined (the conference is under way)."""
    return any(a.state is CallState.ANSWERED for a in attempts) and not any(a.state in SETTING_UP for a in attempts)


def _joined(attempt: CallAttempt) -> bool:
    return attempt.answered_at is not None or attempt.state in {CallState.ANSWERED, CallState.COMPLETED}


def party_outcomes(attempts: Sequence[CallAttempt]) -> list[CallAttempt]:
    """One call per party, in party order: the one that joined if any did, else the party's latest.

    A redial adds later calls for the same parties; counts and summaries are about people, not calls.
    """
    chosen: dict[tuple[str, str], CallAttempt] = {}
    for attempt in sorted(attempts, key=lambda a: a.position):
        key = (attempt.party.kind.value, attempt.party.address)
        if key not in chosen or not _joined(chosen[key]):
            chosen[key] = attempt
    return list(chosen.values())


# Failed for one of these, a call may have connected after all (or was never tried): never redialled.
_NOT_REDIALLED = frozenset({FailReason.UNKNOWN, FailReason.MISSED})


def redial_candidates(attempts: Sequence[CallAttempt]) -> list[CallAttempt]:
    """The failed calls a redial would place again: one per party, the party's latest attempt.

    A party is left out when any of its calls joined, when its latest call is still open, or when
    that call failed for a reason that does not rule out that it connected (unknown) or was never
    tried (missed).
    """
    return [a for a in party_outcomes(attempts) if a.state is CallState.FAILED and a.reason not in _NOT_REDIALLED]


def invite_version(invite: Invite, attempts: Sequence[CallAttempt]) -> str:
    """A fingerprint of what an edit reads (status, time, target, provider, options, max, calls).

    An Edit form carries it from when it was opened; the store applies the edit only while the
    invite still has it, so an edit made from a form opened before someone else's edit (or Add
    people, or the dial) changes nothing. Calls count by whom they dial, not only by id: SQLite may
    give a new row the id of one an edit just deleted.
    """
    read = [
        invite.status.value,
        invite.due_at.isoformat(),
        invite.provider,
        invite.target.kind.value,
        invite.target.id,
        sorted(invite.options.items()),
        invite.max_duration_s,
        sorted((a.id or 0, a.party.kind.value, a.party.address, a.party.name or "") for a in attempts),
    ]
    return hashlib.sha256(json.dumps(read, default=str).encode()).hexdigest()[:24]


def same_party(a: Party, b: Party) -> bool:
    """Whether two parties would be dialled at the same address (a number, a room)."""
    return a.kind is b.kind and a.address == b.address


@dataclass(frozen=True)
class InviteChange:
    """What an Edit sets on a scheduled invite: everything the form holds, parties resolved."""

    provider: str
    target: Target
    due_at: datetime
    parties: tuple[Party, ...]
    max_duration_s: int | None = None
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PartiesChanged:
    """What an edit or Add people did to an invite's calls."""

    added: tuple[CallAttempt, ...] = ()
    removed: tuple[CallAttempt, ...] = ()
    already_in: tuple[Party, ...] = ()  # asked for, but the invite already calls them
