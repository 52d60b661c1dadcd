"""The small interfaces the core talks through: providers, the store, the clock, Slack output.

Adapters (providers/, store/, slack/, scheduling.py) implement these; the core only ever
sees plain values, which is what keeps it testable with fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from bot.dialout.core.limits import Claim, DailyQuota, DailyUse
from bot.dialout.core.models import (
    CallAttempt,
    CallEvent,
    CallLimits,
    Capability,
    Invite,
    InviteChange,
    InviteStatus,
    Move,
    PartiesChanged,
    ReceivedEvent,
    Target,
)
from bot.dialout.core.retry_policy import RetryMark
from bot.kernel.people import Party
from bot.kernel.states import CallState, FailReason

# --- providers ---------------------------------------------------------------------------
#
# A provider is `Provider` (info, place, aclose). What else it can do is a separate protocol it
# implements or not (PollsCalls, CancelsCalls, ReceivesWebhooks); the core asks with isinstance.
# What it is and how the core follows its calls is declared once, in its ProviderInfo.


@dataclass(frozen=True)
class OptionSpec:
    """A provider option users may set as key=value; `normalise` raises ValueError when invalid."""

    key: str
    hint: str  # what a valid value looks like, shown in errors: "listen|speak|1-4"
    normalise: Callable[[str], str]


@dataclass(frozen=True)
class TargetRule:
    """What the provider accepts as a target id, checked when the command is read (before scheduling).

    `accepts(id)` False refuses the command with `error.<provider>.<code>`, in the asker's language.
    """

    code: str
    accepts: Callable[[str], bool]


class Placing(StrEnum):
    """How place() is called for an invite."""

    EACH_CALL = "each_call"  # one request per call, several in flight at once
    WHOLE_INVITE = "whole_invite"  # one request carries every call of the invite (a batch API)


class StatusSource(StrEnum):
    """Where news of a placed call comes from."""

    WEBHOOKS = "webhooks"  # the provider calls us; a PollsCalls provider is polled for unknown calls only
    POLLING = "polling"  # every open call is polled (the provider must implement PollsCalls)
    NONE = "none"  # nothing after acceptance: an accepted (queued) call is handed over, settled for the invite


@dataclass(frozen=True)
class SecondsRange:
    """An inclusive range of seconds."""

    low: int
    high: int

    def __contains__(self, seconds: object) -> bool:
        return isinstance(seconds, int) and self.low <= seconds <= self.high


@dataclass(frozen=True)
class Timing:
    """How the core follows a provider's calls: declared once per provider, applied in CallWatch.watch.

    Limits are "no news for this long" (since the call's last change of state); a call may bring its
    own in its PlaceResult (its ring time, its maximum duration), which replace these.
    """

    poll_every_s: float = 5.0  # between two polls of one call (PollsCalls providers)
    poll_answered_every_s: float | None = None  # a call in the conference changes rarely (None: poll_every_s)
    # A webhook provider's call silent this long is looked up, where the provider can be asked (a
    # webhook may have been lost); at most once per this long per call.
    quiet_poll_after_s: float = 60.0
    limits: CallLimits = field(default_factory=CallLimits)
    silence_reason: FailReason = FailReason.NO_ANSWER  # what a dialling call with no news failed of
    # What `max` may be: the provider (or we, through it) ends the call then. None: `max` is refused.
    max_duration: SecondsRange | None = SecondsRange(60, 86400)


@dataclass(frozen=True)
class ProviderInfo:
    """What a provider is and can do, declared once in its module."""

    name: str
    title: str
    capabilities: frozenset[Capability]
    options: Mapping[str, OptionSpec] = field(default_factory=dict)
    placing: Placing = Placing.EACH_CALL
    status: StatusSource = StatusSource.WEBHOOKS
    timing: Timing = field(default_factory=Timing)
    target_rule: TargetRule | None = None
    # The same call sent twice (the same attempt, e.g. by its idempotency key) is placed once: a send
    # cut off by a crash is simply sent again, instead of being left "outcome unknown".
    places_idempotently: bool = False
    missing_settings: tuple[str, ...] = ()  # names of settings still needed; empty = usable
    # Asked before anything is scheduled, with the asker's Slack id, the target, the resolved parties
    # and the workspace's accounts (DialRequest.accounts): a code (explained as `error.<provider>.<code>`)
    # when the provider would refuse them.
    precheck: Callable[[str, Target, Sequence[Party], Mapping[str, str]], str | None] | None = None

    @property
    def hands_over(self) -> bool:
        """Accepted calls stay queued with the provider, and count as settled (no status will come)."""
        return self.status is StatusSource.NONE


@dataclass(frozen=True)
class CallSpec:
    """One call to place: the attempt row it belongs to and whom to call."""

    attempt_id: int
    party: Party


@dataclass(frozen=True)
class DialRequest:
    """Everything a provider needs to place calls for one invite."""

    invite_id: int
    target: Target
    calls: tuple[CallSpec, ...]
    requested_by: str  # Slack user id of the asker (Tencent maps it to its operator)
    max_duration_s: int | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    callback_url: str = ""  # where this provider's status webhooks reach us
    # The workspace's own Slack user → provider account mapping (Tencent Meeting's operators), set by its
    # admins in App Home; the provider's environment mapping serves the users it lacks.
    accounts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlaceResult:
    """What became of one call when it was handed to the provider."""

    attempt_id: int
    state: CallState  # dialing, queued (handed over, no status to come), failed or unknown
    provider_call_id: str | None = None
    reason: FailReason | None = None
    code: str | None = None
    detail: str | None = None
    limits: CallLimits | None = None  # this call's own limits (stored with it), replacing Timing.limits
    context: Mapping[str, str] = field(default_factory=dict)  # the provider's own, for its poll() and cancel()


@dataclass(frozen=True)
class PlacedCall:
    """A call the provider knows about, as poll() and cancel() receive it."""

    attempt_id: int
    invite_id: int
    provider_call_id: str
    party: Party
    target: Target
    requested_by: str
    state: CallState
    placed_at: datetime | None = None
    context: Mapping[str, str] = field(default_factory=dict)


class ProviderError(Exception):
    """A provider refused or failed a request as a whole.

    `maybe_sent` is True when the request may have reached the provider (a read timeout, a
    reset after sending): such a call must never be re-sent blindly.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        reason: FailReason = FailReason.PROVIDER_ERROR,
        retry_safe: bool = False,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message  # the provider's own words (English or Chinese), for logs and detail
        self.reason = reason
        self.retry_safe = retry_safe
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class WebhookRequest:
    """An HTTP request to a provider's webhook, before anything in it is trusted."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    client_ip: str = ""


@dataclass(frozen=True)
class WebhookReply:
    """What to answer the provider, and the call events its request carried."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    events: tuple[CallEvent, ...] = ()


@runtime_checkable
class Provider(Protocol):
    """A telephony or meeting vendor confbot can dial through: all any provider must do."""

    info: ProviderInfo

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        """Ask the provider to place the calls; one result per call, in any order."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class PollsCalls(Protocol):
    """A provider that can say how a placed call stands."""

    async def poll(self, call: PlacedCall) -> CallEvent | None:
        """The call's current state as the provider reports it, or None when it has no news."""
        ...


@runtime_checkable
class CancelsCalls(Protocol):
    """A provider that can withdraw or hang up a placed call."""

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        """Withdraw or hang up the call; the resulting event when the provider confirms it."""
        ...


@runtime_checkable
class ReceivesWebhooks(Protocol):
    """A provider that reports calls by calling us, at /webhooks/<name>."""

    async def handle_webhook(self, request: WebhookRequest) -> WebhookReply:
        """Authenticate and decode a status callback (raise WebhookRejected when it is not genuine)."""
        ...


class WebhookRejected(Exception):
    """A webhook request that failed authentication or could not be read; nothing is stored."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- storage -----------------------------------------------------------------------------


class InviteStore(Protocol):
    """Invites, their call attempts and call events, durably."""

    async def add_invite(self, invite: Invite, parties: Sequence[Party]) -> Invite: ...
    async def get_invite(self, invite_id: int) -> Invite | None: ...
    async def invite_for_request(self, request_key: str) -> Invite | None:
        """The invite an acknowledged command already made, if it did."""
        ...

    async def attempts(self, invite_id: int) -> list[CallAttempt]: ...
    async def invites_with_status(self, status: InviteStatus) -> list[Invite]: ...
    async def claim_due_invite(
        self,
        invite_id: int,
        now: datetime,
        late_by_s: int | None,
        *,
        fired_by: str | None = None,
        due_at: datetime | None = None,
    ) -> Invite | None:
        """Move a scheduled invite to dialing in one atomic update; None if someone else did.

        `fired_by` names who pressed Dial now (the scheduler's own claim leaves it None). `due_at`,
        when given, must still be the invite's time (an edit that moved it meanwhile wins).
        """
        ...

    async def claim_redial(
        self, invite_id: int, attempt_ids: Sequence[int], known: int, now: datetime
    ) -> list[CallAttempt] | None:
        """Move a done invite back to dialing and queue one new call per given attempt's party, atomically.

        `known` is how many calls the invite had when the redial was decided: None (nothing added)
        when the invite is no longer done or has other calls since (someone else redialled first).
        """
        ...

    async def set_invite_status(
        self, invite_id: int, status: InviteStatus, *, expected: InviteStatus | None = None
    ) -> bool: ...
    async def edit_invite(
        self, invite_id: int, version: str, change: InviteChange, now: datetime
    ) -> PartiesChanged | None:
        """Apply an edit to a scheduled invite in one transaction, only while its `invite_version` is `version`.

        Calls to parties the edit keeps stay as they are; calls to parties it drops are deleted (only
        queued ones never claimed for sending); new parties get queued calls. None: nothing changed
        (the invite is no longer scheduled, or was changed since `version` was read).
        """
        ...

    async def add_attempts(
        self, invite_id: int, parties: Sequence[Party], allowed: Sequence[InviteStatus], now: datetime
    ) -> PartiesChanged | None:
        """Queue a call for each party the invite does not already call, atomically, while its status is allowed.

        None: the invite is not in an allowed status (nothing added).
        """
        ...

    async def claim_attempt_for_sending(self, attempt_id: int, now: datetime) -> bool:
        """Mark a queued attempt as being sent, once; False if it was already sent."""
        ...

    async def claim_attempt_within(self, attempt_id: int, now: datetime, quota: DailyQuota) -> Claim:
        """Claim a queued attempt for sending as `claim_attempt_for_sending` does, only while the calls
        placed in the quota's day stay within its limits; counted and claimed in one step, so two
        processes claiming at once cannot both take the day's last call."""
        ...

    async def daily_use(self, quota: DailyQuota) -> DailyUse:
        """Calls placed (claimed for sending) in the quota's day: by its user's invites and its workspace's."""
        ...

    async def cancel_unsent(self, attempt_id: int, now: datetime) -> bool:
        """Cancel a queued attempt that was never sent; False if it was sent meanwhile."""
        ...

    async def queue_retry(self, invite_id: int, mark: RetryMark, now: datetime) -> int | None:
        """Queue a retry of the failed call `mark.of`, once, while the invite dials and its retries
        are not stopped and the party has no open or joined call; the new call's id, else None."""
        ...

    async def stop_retries(self, invite_id: int, now: datetime) -> None:
        """No retry of this invite is queued from now on (Cancel, Hang up all)."""
        ...

    async def due_retries(self, now: datetime) -> list[int]:
        """The dialling invites with a retry due by `now` that was not sent yet."""
        ...

    async def record_placed(self, invite: Invite, result: PlaceResult, now: datetime) -> CallAttempt | None: ...
    async def find_attempt(self, provider: str, provider_call_id: str) -> CallAttempt | None: ...
    async def get_attempt(self, attempt_id: int) -> CallAttempt | None: ...
    async def store_event(
        self, event: CallEvent, attempt_id: int | None, now: datetime, *, applied: bool = True
    ) -> bool:
        """Persist an event; False when an event with the same dedupe key was already stored.

        `applied=False` stores it to be applied later (`unapplied_events`, `mark_applied`).
        """
        ...

    async def unapplied_events(self, limit: int) -> list[ReceivedEvent]:
        """Stored events not applied yet, oldest first."""
        ...

    async def mark_applied(self, event_ids: Sequence[int]) -> None:
        """Mark these stored events applied (a pass's, together)."""
        ...

    async def link_orphan_events(self, provider: str, provider_call_id: str, attempt_id: int) -> list[CallEvent]:
        """Events that arrived before their call id was known, now attached to the attempt (and applied)."""
        ...

    async def transition(
        self,
        attempt_id: int,
        expected: CallState,
        new: CallState,
        *,
        reason: FailReason | None,
        code: str | None,
        detail: str | None,
        at: datetime,
    ) -> bool:
        """Compare-and-set an attempt's state; False when it was no longer `expected`."""
        ...

    async def transitions(self, moves: Sequence[Move]) -> list[bool]:
        """`transition` for each move, in order, in one transaction; False for each that did not apply.

        Once a move of an attempt fails, that attempt's later moves are not tried (False): they were
        planned from a state it is not in.
        """
        ...

    async def get_attempts(self, attempt_ids: Sequence[int]) -> list[CallAttempt]:
        """The attempts with these ids (those that exist), in one read."""
        ...

    async def open_attempts(
        self, provider: str | None = None, states: Sequence[CallState] | None = None
    ) -> list[CallAttempt]:
        """Attempts of dialling invites that are not final (optionally of one provider, in `states`)."""
        ...

    async def stuck_sends(self, claimed_before: datetime) -> list[CallAttempt]:
        """Calls of dialling invites claimed for sending before then and never answered (no call id, still queued)."""
        ...

    async def release_stuck_send(self, attempt_id: int, claimed_before: datetime, now: datetime) -> bool:
        """Make a stuck send claimable again, if it still is one (claimed before then, no answer): once, anywhere."""
        ...

    async def open_attempts_in_target(self, provider: str, target_id: str) -> list[CallAttempt]:
        """Open attempts of dialling invites of `provider` into target `target_id`."""
        ...

    async def unsettled_count(self, invite_id: int, *, handed_over: bool) -> int:
        """Attempts still open; with `handed_over`, queued calls the provider accepted count as settled."""
        ...

    async def state_counts(self, invite_id: int) -> Mapping[CallState, int]:
        """How many of the invite's calls are in each state (a count, not the calls: it runs per event)."""
        ...

    async def placed_call(self, attempt: CallAttempt) -> PlacedCall | None: ...
    async def set_thread(self, invite_id: int, thread_ts: str) -> None: ...
    async def set_roster_ts(self, invite_id: int, roster_ts: str) -> None: ...
    async def recent_invites(self, channel_id: str, limit: int, *, team_id: str | None = None) -> list[Invite]:
        """The channel's newest invites (of workspace `team_id` only, when given: a shared channel has several)."""
        ...

    async def upcoming_invites(
        self, created_by: str, limit: int, channel_ids: Sequence[str] = (), *, team_id: str | None = None
    ) -> list[Invite]:
        """Scheduled invites made by `created_by` or posted in one of `channel_ids`, soonest first
        (of workspace `team_id` only, when given)."""
        ...

    async def past_invites(self, created_by: str, limit: int, *, team_id: str | None = None) -> list[Invite]:
        """`created_by`'s invites that are no longer scheduled (dialling, done, cancelled…), newest first
        (of workspace `team_id` only, when given)."""
        ...


# --- the outside world -------------------------------------------------------------------


class Scheduler(Protocol):
    """Wakes the core at an invite's due time (APScheduler in production)."""

    def schedule_fire(self, invite_id: int, at: datetime) -> None: ...
    def unschedule(self, invite_id: int) -> None: ...


class NoticeKind(StrEnum):
    """Thread replies people must notice; each has sentences in the message catalogue."""

    LATE = "late"
    MISSED = "missed"
    SUMMARY = "summary"
    CANCELLED = "cancelled"
    UNKNOWN_OUTCOME = "unknown_outcome"
    HUNG_UP = "hung_up"  # someone pressed Hang up all
    REDIAL = "redial"  # someone pressed Redial failed: new calls for those who failed
    EDITED = "edited"  # someone edited the invite (moved it, changed its parties or settings)
    PEOPLE_ADDED = "people_added"  # someone pressed Add people
    POSTPONED = "postponed"  # someone pressed Postpone on the reminder (core/reminders.py)
    SKIPPED_ME = "skipped_me"  # a person pressed Skip me in their reminder DM: their call is withdrawn
    APPROVED = "approved"  # an admin approved an invite that waited for approval (policy.approval)
    DECLINED = "declined"  # an admin declined it: cancelled, nobody dialled


@dataclass(frozen=True)
class Notice:
    """A thread reply, as data: rendered into words only by the Slack layer."""

    kind: NoticeKind
    params: Mapping[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    """Slack output as the core sees it: everything is re-rendered from the store later."""

    async def invite_created(self, invite_id: int) -> None: ...
    async def invite_changed(self, invite_id: int) -> None:
        """The invite's own status changed (thread parent and roster need a fresh render)."""
        ...

    async def calls_changed(self, invite_id: int) -> None:
        """Only its calls changed (the roster needs a fresh render; the parent shows no live counts)."""
        ...

    async def calls_failed(self, invite_id: int) -> None: ...
    async def notice(self, invite_id: int, notice: Notice) -> None: ...
