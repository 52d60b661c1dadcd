"""Fakes for the core's ports: the store in memory, Slack output and the scheduler recorded, a scripted provider.

InMemoryInviteStore keeps the SQL store's semantics (tests/dialout/test_store.py runs the same cases
against both): each claim and compare-and-set checks and writes with no await in between, which in one
event loop is as atomic as the SQL store's conditional UPDATE.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

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
    invite_version,
    same_party,
)
from bot.dialout.core.ports import (
    DialRequest,
    Notice,
    PlacedCall,
    PlaceResult,
    ProviderInfo,
    StatusSource,
    Timing,
)
from bot.dialout.core.retry_policy import RetryMark
from bot.kernel.people import Party
from bot.kernel.states import FINAL_STATES, CallState, FailReason, advance

_OPEN_STATES = [s for s in CallState if s not in FINAL_STATES]


_UPCOMING = {InviteStatus.SCHEDULED, InviteStatus.AWAITING_APPROVAL}


@dataclass
class _StoredEvent:
    event: CallEvent
    attempt_id: int | None
    applied: bool = True


class InMemoryInviteStore:
    """The InviteStore port in dicts; it hands out copies, as the SQL store hands out fresh rows."""

    def __init__(self) -> None:
        self._invites: dict[int, Invite] = {}
        self._attempts: dict[int, CallAttempt] = {}
        self._events: list[_StoredEvent] = []

    # --- invites ---------------------------------------------------------------------------

    async def add_invite(self, invite: Invite, parties: Sequence[Party]) -> Invite:
        assert invite.created_at is not None, "created_at is set by the caller (its clock)"
        invite_id = len(self._invites) + 1
        self._invites[invite_id] = replace(
            invite,
            id=invite_id,
            options=dict(invite.options),
            thread_ts=None,
            roster_ts=None,
            fired_at=None,
            late_by_s=None,
            fired_by=None,
            retries_stopped_at=None,
        )
        for position, party in enumerate(parties):
            attempt_id = self._next_attempt_id()
            self._attempts[attempt_id] = CallAttempt(
                invite_id, position, party, id=attempt_id, updated_at=invite.created_at
            )
        return replace(self._invites[invite_id])

    async def get_invite(self, invite_id: int) -> Invite | None:
        found = self._invites.get(invite_id)
        return replace(found) if found else None

    async def invite_for_request(self, request_key: str) -> Invite | None:
        found = next((i for i in self._invites.values() if i.request_key == request_key), None)
        return replace(found) if found else None

    async def invites_with_status(self, status: InviteStatus) -> list[Invite]:
        found = [i for i in self._invites.values() if i.status is status]
        return [replace(i) for i in sorted(found, key=lambda i: (i.due_at, i.id or 0))]

    async def recent_invites(self, channel_id: str, limit: int, *, team_id: str | None = None) -> list[Invite]:
        found = [i for i in self._invites.values() if i.channel_id == channel_id and team_id in (None, i.team_id)]
        return [replace(i) for i in sorted(found, key=lambda i: -(i.id or 0))[:limit]]

    async def upcoming_invites(
        self, created_by: str, limit: int, channel_ids: Sequence[str] = (), *, team_id: str | None = None
    ) -> list[Invite]:
        found = [
            i
            for i in self._invites.values()
            if (i.created_by == created_by or i.channel_id in channel_ids)
            and i.status in _UPCOMING
            and team_id in (None, i.team_id)
        ]
        return [replace(i) for i in sorted(found, key=lambda i: (i.due_at, i.id or 0))[:limit]]

    async def past_invites(self, created_by: str, limit: int, *, team_id: str | None = None) -> list[Invite]:
        found = [
            i
            for i in self._invites.values()
            if i.created_by == created_by and i.status not in _UPCOMING and team_id in (None, i.team_id)
        ]
        return [replace(i) for i in sorted(found, key=lambda i: -(i.id or 0))[:limit]]

    async def claim_due_invite(
        self,
        invite_id: int,
        now: datetime,
        late_by_s: int | None,
        *,
        fired_by: str | None = None,
        due_at: datetime | None = None,
    ) -> Invite | None:
        invite = self._invites.get(invite_id)
        if invite is None or invite.status is not InviteStatus.SCHEDULED:
            return None
        if due_at is not None and invite.due_at != due_at:
            return None
        invite.status, invite.fired_at, invite.late_by_s = InviteStatus.DIALING, now, late_by_s
        invite.fired_by = fired_by
        return replace(invite)

    async def claim_redial(
        self, invite_id: int, attempt_ids: Sequence[int], known: int, now: datetime
    ) -> list[CallAttempt] | None:
        invite = self._invites.get(invite_id)
        mine = sorted((a for a in self._attempts.values() if a.invite_id == invite_id), key=lambda a: a.position)
        if invite is None or invite.status is not InviteStatus.DONE or len(mine) != known:
            return None
        invite.status = InviteStatus.DIALING
        position = mine[-1].position + 1 if mine else 0
        added = []
        for old in (a for a in mine if a.id in set(attempt_ids)):
            attempt_id = self._next_attempt_id()
            self._attempts[attempt_id] = CallAttempt(invite_id, position, old.party, id=attempt_id, updated_at=now)
            added.append(replace(self._attempts[attempt_id]))
            position += 1
        return added

    def _next_attempt_id(self) -> int:
        return max(self._attempts, default=0) + 1  # ids are never reused, even after an edit drops calls

    def _queue(self, invite_id: int, parties: Sequence[Party], now: datetime) -> list[CallAttempt]:
        mine = [a.position for a in self._attempts.values() if a.invite_id == invite_id]
        position = max(mine, default=-1) + 1
        added = []
        for party in parties:
            attempt_id = self._next_attempt_id()
            self._attempts[attempt_id] = CallAttempt(invite_id, position, party, id=attempt_id, updated_at=now)
            added.append(replace(self._attempts[attempt_id]))
            position += 1
        return added

    async def edit_invite(
        self, invite_id: int, version: str, change: InviteChange, now: datetime
    ) -> PartiesChanged | None:
        invite = self._invites.get(invite_id)
        if invite is None or invite.status is not InviteStatus.SCHEDULED:
            return None
        current = sorted((a for a in self._attempts.values() if a.invite_id == invite_id), key=lambda a: a.position)
        if invite_version(invite, current) != version:
            return None
        invite.provider, invite.target, invite.due_at = change.provider, change.target, change.due_at
        invite.max_duration_s, invite.options = change.max_duration_s, dict(change.options)
        dropped = [
            replace(a)
            for a in current
            if not any(same_party(a.party, p) for p in change.parties)
            and a.state is CallState.QUEUED
            and a.sent_at is None
        ]
        for attempt in dropped:
            del self._attempts[attempt.id or 0]
        new = [p for p in change.parties if not any(same_party(a.party, p) for a in current)]
        return PartiesChanged(added=tuple(self._queue(invite_id, new, now)), removed=tuple(dropped))

    async def add_attempts(
        self, invite_id: int, parties: Sequence[Party], allowed: Sequence[InviteStatus], now: datetime
    ) -> PartiesChanged | None:
        invite = self._invites.get(invite_id)
        if invite is None or invite.status not in allowed:
            return None
        known = [a.party for a in self._attempts.values() if a.invite_id == invite_id]
        new: list[Party] = []
        already: list[Party] = []
        for party in parties:
            (already if any(same_party(k, party) for k in [*known, *new]) else new).append(party)
        return PartiesChanged(added=tuple(self._queue(invite_id, new, now)), already_in=tuple(already))

    async def set_invite_status(
        self, invite_id: int, status: InviteStatus, *, expected: InviteStatus | None = None
    ) -> bool:
        invite = self._invites.get(invite_id)
        if invite is None or (expected is not None and invite.status is not expected):
            return False
        invite.status = status
        return True

    async def set_thread(self, invite_id: int, thread_ts: str) -> None:
        if invite_id in self._invites:
            self._invites[invite_id].thread_ts = thread_ts

    async def set_roster_ts(self, invite_id: int, roster_ts: str) -> None:
        if invite_id in self._invites:
            self._invites[invite_id].roster_ts = roster_ts

    # --- attempts --------------------------------------------------------------------------

    def _provider(self, attempt: CallAttempt) -> str:
        return self._invites[attempt.invite_id].provider

    def _of_dialling_invites(self, states: Sequence[CallState], keep: Callable[[Invite], bool]) -> list[CallAttempt]:
        """Attempts in `states` of invites being dialled that `keep` accepts, oldest first."""
        return [
            replace(a)
            for _, a in sorted(self._attempts.items())
            if a.state in states
            and self._invites[a.invite_id].status is InviteStatus.DIALING
            and keep(self._invites[a.invite_id])
        ]

    async def attempts(self, invite_id: int) -> list[CallAttempt]:
        found = [a for a in self._attempts.values() if a.invite_id == invite_id]
        return [replace(a) for a in sorted(found, key=lambda a: a.position)]

    async def get_attempts(self, attempt_ids: Sequence[int]) -> list[CallAttempt]:
        return [replace(self._attempts[i]) for i in attempt_ids if i in self._attempts]

    async def transitions(self, moves: Sequence[Move]) -> list[bool]:
        done: list[bool] = []
        for move in moves:
            tried = not done or all(ok for m, ok in zip(moves, done, strict=False) if m.attempt_id == move.attempt_id)
            done.append(
                tried
                and await self.transition(
                    move.attempt_id,
                    move.expected,
                    move.new,
                    reason=move.reason,
                    code=move.code,
                    detail=move.detail,
                    at=move.at,
                )
            )
        return done

    async def get_attempt(self, attempt_id: int) -> CallAttempt | None:
        found = self._attempts.get(attempt_id)
        return replace(found) if found else None

    async def open_attempts(
        self, provider: str | None = None, states: Sequence[CallState] | None = None
    ) -> list[CallAttempt]:
        return self._of_dialling_invites(
            _OPEN_STATES if states is None else states, lambda i: provider is None or i.provider == provider
        )

    async def stuck_sends(self, claimed_before: datetime) -> list[CallAttempt]:
        return [
            a
            for a in self._of_dialling_invites([CallState.QUEUED], lambda _i: True)
            if a.sent_at is not None and a.sent_at < claimed_before and a.provider_call_id is None
        ]

    async def release_stuck_send(self, attempt_id: int, claimed_before: datetime, now: datetime) -> bool:
        attempt = self._attempts.get(attempt_id)
        if (
            attempt is None
            or attempt.state is not CallState.QUEUED
            or attempt.provider_call_id is not None
            or attempt.sent_at is None
            or attempt.sent_at >= claimed_before
        ):
            return False
        attempt.sent_at = None
        return True

    async def open_attempts_in_target(self, provider: str, target_id: str) -> list[CallAttempt]:
        return self._of_dialling_invites(_OPEN_STATES, lambda i: i.provider == provider and i.target.id == target_id)

    async def unsettled_count(self, invite_id: int, *, handed_over: bool) -> int:
        return sum(
            1
            for a in self._attempts.values()
            if a.invite_id == invite_id
            and a.state not in FINAL_STATES
            and not (handed_over and a.state is CallState.QUEUED and a.provider_call_id is not None)
        )

    async def state_counts(self, invite_id: int) -> dict[CallState, int]:
        return dict(Counter(a.state for a in self._attempts.values() if a.invite_id == invite_id))

    async def claim_attempt_for_sending(self, attempt_id: int, now: datetime) -> bool:
        attempt = self._attempts.get(attempt_id)
        if attempt is None or attempt.state is not CallState.QUEUED or attempt.sent_at is not None:
            return False
        attempt.sent_at = attempt.updated_at = now
        return True

    async def daily_use(self, quota: DailyQuota) -> DailyUse:
        placed = [
            self._invites[a.invite_id]
            for a in self._attempts.values()
            if a.sent_at is not None and quota.day_start <= a.sent_at < quota.day_end
        ]
        mine = [i for i in placed if i.team_id == quota.team_id]
        return DailyUse(sum(1 for i in mine if i.created_by == quota.user_id), len(mine))

    async def claim_attempt_within(self, attempt_id: int, now: datetime, quota: DailyQuota) -> Claim:
        attempt = self._attempts.get(attempt_id)
        if attempt is None or attempt.state is not CallState.QUEUED or attempt.sent_at is not None:
            return Claim.TAKEN
        used = await self.daily_use(quota)
        if quota.per_user and used.by_user >= quota.per_user:
            return Claim.OVER_USER
        if quota.per_workspace and used.by_workspace >= quota.per_workspace:
            return Claim.OVER_WORKSPACE
        attempt.sent_at = attempt.updated_at = now
        return Claim.CLAIMED

    async def cancel_unsent(self, attempt_id: int, now: datetime) -> bool:
        attempt = self._attempts.get(attempt_id)
        if attempt is None or attempt.state is not CallState.QUEUED or attempt.sent_at is not None:
            return False
        attempt.state, attempt.updated_at, attempt.ended_at = CallState.CANCELLED, now, now
        return True

    async def change_unsent_number(self, attempt_id: int, old: str, new: str, now: datetime) -> bool:
        """The NumberChangeStore port (SqlReminderStore in SQL): a waiting call of a scheduled invite."""
        attempt = self._attempts.get(attempt_id)
        invite = self._invites.get(attempt.invite_id) if attempt else None
        if attempt is None or invite is None or invite.status is not InviteStatus.SCHEDULED:
            return False
        if attempt.state is not CallState.QUEUED or attempt.sent_at is not None or attempt.party.address != old:
            return False
        attempt.party, attempt.updated_at = replace(attempt.party, address=new), now
        return True

    async def queue_retry(self, invite_id: int, mark: RetryMark, now: datetime) -> int | None:
        invite = self._invites.get(invite_id)
        if invite is None or invite.status is not InviteStatus.DIALING or invite.retries_stopped_at is not None:
            return None
        failed = self._attempts.get(mark.of)
        if failed is None or failed.invite_id != invite_id or failed.state is not CallState.FAILED:
            return None
        mine = [a for a in self._attempts.values() if a.invite_id == invite_id]
        if any(a.retry is not None and a.retry.of == mark.of for a in mine):
            return None
        party = [a for a in mine if same_party(a.party, failed.party)]
        joined = {CallState.ANSWERED, CallState.COMPLETED}
        if any(not a.state.is_final or a.state in joined or a.answered_at for a in party):
            return None
        attempt_id = self._next_attempt_id()
        position = max(a.position for a in mine) + 1
        self._attempts[attempt_id] = CallAttempt(
            invite_id, position, failed.party, id=attempt_id, updated_at=now, retry=mark
        )
        return attempt_id

    async def stop_retries(self, invite_id: int, now: datetime) -> None:
        invite = self._invites.get(invite_id)
        if invite is not None and invite.retries_stopped_at is None:
            invite.retries_stopped_at = now

    async def due_retries(self, now: datetime) -> list[int]:
        due = {
            a.invite_id
            for a in self._attempts.values()
            if a.retry is not None
            and a.retry.at <= now
            and a.state is CallState.QUEUED
            and a.sent_at is None
            and self._invites[a.invite_id].status is InviteStatus.DIALING
        }
        return sorted(due)

    async def record_placed(self, invite: Invite, result: PlaceResult, now: datetime) -> CallAttempt | None:
        attempt = self._attempts.get(result.attempt_id)
        if attempt is None:
            return None
        new = result.state if result.state is CallState.QUEUED else advance(attempt.state, result.state)
        attempt.updated_at, attempt.context = now, dict(result.context)
        if result.limits is not None:
            attempt.limits = result.limits
        if result.provider_call_id:
            attempt.provider_call_id = result.provider_call_id
        if new is not None:
            attempt.state, attempt.provider_code, attempt.detail = new, result.code, result.detail
            if new is CallState.FAILED:
                attempt.reason, attempt.ended_at = result.reason or FailReason.UNKNOWN, now
        return replace(attempt)

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
        attempt = self._attempts.get(attempt_id)
        if attempt is None or attempt.state is not expected:
            return False
        attempt.state, attempt.reason, attempt.updated_at = new, reason, at
        if code is not None:
            attempt.provider_code = code
        if detail is not None:
            attempt.detail = detail
        if new is CallState.ANSWERED:
            attempt.answered_at = at
        if new in FINAL_STATES:
            attempt.ended_at = at
        return True

    async def find_attempt(self, provider: str, provider_call_id: str) -> CallAttempt | None:
        for _, attempt in sorted(self._attempts.items()):
            if self._provider(attempt) == provider and attempt.provider_call_id == provider_call_id:
                return replace(attempt)
        return None

    async def placed_call(self, attempt: CallAttempt) -> PlacedCall | None:
        invite, stored = self._invites.get(attempt.invite_id), self._attempts.get(attempt.id or 0)
        if invite is None or stored is None:
            return None
        return PlacedCall(
            attempt_id=attempt.id or 0,
            invite_id=attempt.invite_id,
            provider_call_id=attempt.provider_call_id or "",
            party=attempt.party,
            target=invite.target,
            requested_by=invite.created_by,
            state=attempt.state,
            placed_at=attempt.sent_at,
            context=dict(stored.context),
        )

    # --- events ----------------------------------------------------------------------------

    async def store_event(
        self, event: CallEvent, attempt_id: int | None, now: datetime, *, applied: bool = True
    ) -> bool:
        if any(s.event.provider == event.provider and s.event.dedupe_key == event.dedupe_key for s in self._events):
            return False
        # A row has no column for the target: what is read back has none either.
        self._events.append(_StoredEvent(replace(event, raw=dict(event.raw), target_id=None), attempt_id, applied))
        return True

    async def unapplied_events(self, limit: int) -> list[ReceivedEvent]:
        waiting = [(i, s) for i, s in enumerate(self._events, start=1) if not s.applied]
        return [ReceivedEvent(i, s.attempt_id, s.event) for i, s in waiting[:limit]]

    async def mark_applied(self, event_ids: Sequence[int]) -> None:
        for event_id in event_ids:
            self._events[event_id - 1].applied = True

    async def link_orphan_events(self, provider: str, provider_call_id: str, attempt_id: int) -> list[CallEvent]:
        linked = []
        for stored in self._events:
            event = stored.event
            if event.provider == provider and event.provider_call_id == provider_call_id and stored.attempt_id is None:
                stored.attempt_id = attempt_id
                stored.applied = True
                linked.append(event)
        return linked

    async def events_for(self, attempt_id: int) -> list[CallEvent]:
        return [s.event for s in self._events if s.attempt_id == attempt_id]


class RecordingNotifier:
    """Remembers what the core asked Slack to show."""

    def __init__(self) -> None:
        self.created: list[int] = []
        self.changed: list[int] = []
        self.parent_changed: list[int] = []  # invite_changed only: the thread parent is re-rendered
        self.failed: list[int] = []
        self.notices: list[tuple[int, Notice]] = []

    async def invite_created(self, invite_id: int) -> None:
        self.created.append(invite_id)

    async def invite_changed(self, invite_id: int) -> None:
        self.changed.append(invite_id)
        self.parent_changed.append(invite_id)

    async def calls_changed(self, invite_id: int) -> None:
        self.changed.append(invite_id)

    async def calls_failed(self, invite_id: int) -> None:
        self.failed.append(invite_id)

    async def notice(self, invite_id: int, notice: Notice) -> None:
        self.notices.append((invite_id, notice))


class RecordingScheduler:
    def __init__(self) -> None:
        self.jobs: dict[int, datetime] = {}

    def schedule_fire(self, invite_id: int, at: datetime) -> None:
        self.jobs[invite_id] = at

    def unschedule(self, invite_id: int) -> None:
        self.jobs.pop(invite_id, None)


@dataclass
class ScriptedProvider:
    """A provider whose answers the test decides; it counts every call it was asked to place."""

    name: str = "fake"
    answer: Callable[[DialRequest], list[PlaceResult]] | None = None
    error: Exception | None = None  # raised by place(): a ProviderError, or a bug
    poll_answer: CallEvent | None = None
    polls: bool = False
    give_up_after_s: float | None = None
    idempotent: bool = False  # places a call sent twice for the same attempt once (ProviderInfo.places_idempotently)
    requests: list[DialRequest] = field(default_factory=list)
    polled: list[PlacedCall] = field(default_factory=list)
    cancelled: list[PlacedCall] = field(default_factory=list)

    @property
    def info(self) -> ProviderInfo:
        return ProviderInfo(
            self.name,
            self.name.title(),
            frozenset({Capability.CONFERENCE}),
            status=StatusSource.POLLING if self.polls else StatusSource.WEBHOOKS,
            timing=Timing(poll_every_s=0, limits=CallLimits(ring_s=self.give_up_after_s)),
            places_idempotently=self.idempotent,
        )

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return self.answer(request)
        return [
            PlaceResult(c.attempt_id, CallState.DIALING, provider_call_id=f"call-{c.attempt_id}") for c in request.calls
        ]

    async def poll(self, call: PlacedCall) -> CallEvent | None:
        self.polled.append(call)
        return self.poll_answer

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        self.cancelled.append(call)
        return CallEvent(self.name, call.provider_call_id, CallState.CANCELLED, dedupe_key=f"cancel:{call.attempt_id}")

    async def aclose(self) -> None:
        return None

    @property
    def dialled(self) -> list[str]:
        return [c.party.address for r in self.requests for c in r.calls]
