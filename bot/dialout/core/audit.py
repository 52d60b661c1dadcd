"""The audit trail as the core sees it: what happened, who did it, and a Notifier that writes it down.

The core already tells its Notifier about every change (a new invite, a notice saying who cancelled,
edited, redialled…, a call that moved), so one wrapper around the real Notifier records them all
instead of an audit call at every place that acts. Records that several workers may witness (a
call's final outcome, an invite being fired) carry a `once_key`, so the store keeps them once.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.dialout.core.models import CallAttempt, Invite, InviteStatus, Target
from bot.dialout.core.ports import InviteStore, Notice, NoticeKind, Notifier
from bot.kernel.ports import Clock
from bot.kernel.states import FINAL_STATES

__all__ = [
    "SYSTEM",
    "AuditAction",
    "AuditEvent",
    "AuditLog",
    "AuditingNotifier",
    "SubjectKind",
    "edit_summary",
    "mask_numbers",
    "masked_values",
]

log = logging.getLogger(__name__)

RECENTLY_ENDED_KEPT = 20_000
SYSTEM = "system"  # the actor of what nobody pressed: an invite fired at its time, a call's outcome
_NUMBER = re.compile(r"\+?\d{7,}")  # stored numbers are E.164 or dial strings; dates and ids are shorter runs


class SubjectKind(StrEnum):
    """What an audit event is about."""

    INVITE = "invite"
    SERIES = "series"
    ROUTE = "route"
    CALL = "call"
    LAUNCH = "launch"  # a bulk /dial held for its asker's Confirm
    SETTINGS = "settings"  # a workspace's settings (subject id: the team)


class AuditAction(StrEnum):
    """What was done. Values are what the export prints."""

    SCHEDULED = "scheduled"
    EDITED = "edited"
    CANCELLED = "cancelled"
    DIALLED = "dialled"  # fired at its time
    DIALLED_NOW = "dialled_now"  # someone pressed Dial now
    REDIALLED = "redialled"
    HUNG_UP = "hung_up"
    PEOPLE_ADDED = "people_added"
    PAUSED = "paused"
    RESUMED = "resumed"
    POSTPONED = "postponed"
    SKIPPED_ME = "skipped_me"
    NUMBER_CHANGED = "number_changed"  # Use another number, from a reminder DM
    MISSED = "missed"
    APPROVED = "approved"  # an invite over APPROVAL_OVER approved by an admin
    DECLINED = "declined"  # … or declined (cancelled)
    CALL_ENDED = "call_ended"  # a call attempt reached its final state
    SERIES_STARTED = "series_started"
    SERIES_SKIPPED = "series_skipped"
    SERIES_PAUSED = "series_paused"
    SERIES_RESUMED = "series_resumed"
    SERIES_ENDED = "series_ended"
    LAUNCH_CONFIRMED = "launch_confirmed"  # a bulk /dial's Confirm
    LAUNCH_CANCELLED = "launch_cancelled"
    SETTINGS_CHANGED = "settings_changed"  # App Home's workspace settings saved; details: before/after per value
    ROUTE_CHANGED = "route_changed"  # an inbound route change (kept in inbound_route_changes, merged on export)


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit trail."""

    team_id: str
    at: datetime
    actor: str
    action: AuditAction
    subject_kind: SubjectKind
    subject_id: str
    details: Mapping[str, Any] = field(default_factory=dict)
    once_key: str | None = None  # the store keeps one event per key (None: always kept)
    id: int | None = None


class AuditLog(Protocol):
    """Append-only: events are added and read back by time, never changed through this port."""

    async def record(self, event: AuditEvent) -> bool:
        """Append `event`; False when an event with its `once_key` is already there."""
        ...

    async def between(self, since: datetime, until: datetime, team_id: str | None = None) -> Sequence[AuditEvent]:
        """Events with since <= at < until, oldest first."""
        ...


def mask_numbers(text: str) -> str:
    """Phone numbers in `text` with all but their first three and last two characters starred."""
    return _NUMBER.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 5) + m.group()[-2:], text)


def masked_values(value: Any) -> Any:
    """`value` (JSON: strings, lists, dicts) with every phone number in its strings masked."""
    if isinstance(value, str):
        return mask_numbers(value)
    if isinstance(value, Mapping):
        return {k: masked_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked_values(v) for v in value]
    return value


_NOTICE_ACTIONS = {
    NoticeKind.CANCELLED: AuditAction.CANCELLED,
    NoticeKind.HUNG_UP: AuditAction.HUNG_UP,
    NoticeKind.REDIAL: AuditAction.REDIALLED,
    NoticeKind.EDITED: AuditAction.EDITED,
    NoticeKind.PEOPLE_ADDED: AuditAction.PEOPLE_ADDED,
    NoticeKind.POSTPONED: AuditAction.POSTPONED,
    NoticeKind.SKIPPED_ME: AuditAction.SKIPPED_ME,
    NoticeKind.MISSED: AuditAction.MISSED,
    NoticeKind.APPROVED: AuditAction.APPROVED,
    NoticeKind.DECLINED: AuditAction.DECLINED,
}
_FIRED = (InviteStatus.DIALING, InviteStatus.DONE)


def edit_summary(due_at: datetime, provider: str, target: Target, max_duration_s: int | None) -> dict[str, Any]:
    """What an edit may change, as the audit trail's before or after (JSON-ready)."""
    return {
        "due_at": due_at.isoformat(),
        "provider": provider,
        "target": f"{target.kind.value}:{target.id}",
        "max_duration_s": max_duration_s,
    }


def _invite_details(invite: Invite) -> dict[str, Any]:
    return {
        "due_at": invite.due_at.isoformat(),
        "provider": invite.provider,
        "target": f"{invite.target.kind.value}:{invite.target.id}",
        "channel": invite.channel_id,
        "source": invite.source_text,
    }


def _call_details(attempt: CallAttempt) -> dict[str, Any]:
    lasted = (
        round((attempt.ended_at - attempt.answered_at).total_seconds())
        if attempt.answered_at is not None and attempt.ended_at is not None
        else None
    )
    return {
        "invite_id": attempt.invite_id,
        "number": attempt.party.address,
        "user": attempt.party.slack_user_id,
        "state": attempt.state.value,
        "reason": attempt.reason.value if attempt.reason else None,
        "code": attempt.provider_code,
        "answered_at": attempt.answered_at.isoformat() if attempt.answered_at else None,
        "ended_at": attempt.ended_at.isoformat() if attempt.ended_at else None,
        "duration_s": lasted,
    }


class AuditingNotifier:
    """A Notifier that records each change in the audit log, then tells the real Notifier."""

    def __init__(self, inner: Notifier, log: AuditLog, store: InviteStore, clock: Clock) -> None:
        self._inner = inner
        self._log = log
        self._store = store
        self._clock = clock
        # Call attempts this process recorded lately, so a busy invite's every change does not write
        # them again; bounded (oldest forgotten first), as the once_key keeps each stored once anyway.
        self._ended: OrderedDict[int, None] = OrderedDict()

    async def _record(
        self,
        invite: Invite,
        actor: str,
        action: AuditAction,
        details: Mapping[str, Any],
        *,
        subject: tuple[SubjectKind, int] | None = None,
        once_key: str | None = None,
    ) -> None:
        kind, subject_id = subject or (SubjectKind.INVITE, invite.id)
        event = AuditEvent(
            invite.team_id, self._clock.now(), actor, action, kind, str(subject_id), details, once_key=once_key
        )
        try:
            await self._log.record(event)
        except Exception:
            # The change itself is done and its notice must still go out (this wrapper sits in the
            # core's notification path): a failed audit write is logged, never passed up.
            log.exception("audit: could not record %s of %s %s", action.value, kind.value, subject_id)

    async def invite_created(self, invite_id: int) -> None:
        await self._inner.invite_created(invite_id)
        invite = await self._store.get_invite(invite_id)
        if invite is not None:
            details = _invite_details(invite) | {"parties": len(await self._store.attempts(invite_id))}
            await self._record(invite, invite.created_by, AuditAction.SCHEDULED, details, once_key=f"made:{invite_id}")

    async def invite_changed(self, invite_id: int) -> None:
        await self._inner.invite_changed(invite_id)
        invite = await self._store.get_invite(invite_id)
        if invite is not None:
            await self._record_status(invite)
            await self._record_ended_calls(invite)

    async def calls_changed(self, invite_id: int) -> None:
        await self._inner.calls_changed(invite_id)
        invite = await self._store.get_invite(invite_id)
        if invite is not None:
            await self._record_ended_calls(invite)

    async def calls_failed(self, invite_id: int) -> None:
        await self._inner.calls_failed(invite_id)

    async def notice(self, invite_id: int, notice: Notice) -> None:
        # Slack is told first: what people see must not wait on (or be lost with) the audit's write.
        await self._inner.notice(invite_id, notice)
        action = _NOTICE_ACTIONS.get(notice.kind)
        invite = await self._store.get_invite(invite_id) if action is not None else None
        if invite is not None and action is not None:
            params = dict(notice.params)
            actor = str(params.pop("by", None) or SYSTEM)
            params.pop("name", None)
            await self._record(invite, actor, action, params)

    async def _record_status(self, invite: Invite) -> None:
        """Firing shows only in the invite's own fields (fired_at, fired_by): record it once."""
        assert invite.id is not None
        if invite.status in _FIRED and invite.fired_at is not None:
            action = AuditAction.DIALLED_NOW if invite.fired_by else AuditAction.DIALLED
            details = {"fired_at": invite.fired_at.isoformat(), "late_by_s": invite.late_by_s}
            await self._record(invite, invite.fired_by or SYSTEM, action, details, once_key=f"fired:{invite.id}")

    async def _record_ended_calls(self, invite: Invite) -> None:
        for attempt in await self._store.attempts(invite.id or 0):
            if attempt.id is None or attempt.state not in FINAL_STATES or attempt.id in self._ended:
                continue
            if attempt.sent_at is None and attempt.provider_call_id is None:
                continue  # withdrawn before it was dialled (an edit, a cancel): no call to account for
            self._ended[attempt.id] = None
            if len(self._ended) > RECENTLY_ENDED_KEPT:
                self._ended.popitem(last=False)
            details = _call_details(attempt) | {"provider": invite.provider}
            subject = (SubjectKind.CALL, attempt.id)
            await self._record(
                invite, SYSTEM, AuditAction.CALL_ENDED, details, subject=subject, once_key=f"call:{attempt.id}"
            )
