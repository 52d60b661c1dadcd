"""The audit trail on SQL: appended and read by time; rewritten only by retention, deleted only by a purge.

`SqlAuditLog` is the core's `AuditLog` port and offers nothing else, so no code path of the bot can
update or delete an event. The two ways rows change are separate, named classes an operator runs:
`AuditRetention` (the leader's periodic pass masks numbers in old rows) and `WorkspacePurge`
(`confbot purge`, history an admin chose to remove).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.audit import AuditAction, AuditEvent, SubjectKind, masked_values
from bot.kernel.ports import Clock
from bot.kernel.tables import (
    AuditEventRow,
    CallAttemptRow,
    CallEventRow,
    InboundRouteChangeRow,
    InboundRouteRow,
    InviteRow,
    InviteSeriesRow,
    OutboxRow,
    PendingLaunchRow,
)

audit = AuditEventRow.__table__  # type: ignore[attr-defined]
_changes = InboundRouteChangeRow.__table__  # type: ignore[attr-defined]
_routes = InboundRouteRow.__table__  # type: ignore[attr-defined]
_invites = InviteRow.__table__  # type: ignore[attr-defined]
_attempts = CallAttemptRow.__table__  # type: ignore[attr-defined]
_events = CallEventRow.__table__  # type: ignore[attr-defined]
_outbox = OutboxRow.__table__  # type: ignore[attr-defined]
_series = InviteSeriesRow.__table__  # type: ignore[attr-defined]
_launches = PendingLaunchRow.__table__  # type: ignore[attr-defined]

MASKED_ADDRESS = "masked"
log = logging.getLogger(__name__)


def _event_from_row(row: Any) -> AuditEvent:
    return AuditEvent(
        team_id=row.team_id,
        at=row.at,
        actor=row.actor,
        action=AuditAction(row.action),
        subject_kind=SubjectKind(row.subject_kind),
        subject_id=row.subject_id,
        details=row.details,
        once_key=row.once_key,
        id=row.id,
    )


def _route_change_event(row: Any) -> AuditEvent:
    details = {"action": row.action, "route": row.access_display, "caller_prefix": row.caller_prefix}
    return AuditEvent(
        team_id=row.route_team,
        at=row.changed_at,
        actor=row.changed_by,
        action=AuditAction.ROUTE_CHANGED,
        subject_kind=SubjectKind.ROUTE,
        subject_id=row.access_display,
        details=details | {"before": row.before, "after": row.after},
    )


class SqlAuditLog:
    """AuditLog on an async SQLAlchemy engine: insert and a ranged read, nothing more."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, event: AuditEvent) -> bool:
        values = {
            "team_id": event.team_id,
            "at": event.at,
            "actor": event.actor,
            "action": event.action.value,
            "subject_kind": event.subject_kind.value,
            "subject_id": event.subject_id,
            "details": dict(event.details),
            "once_key": event.once_key,
        }
        insert: Any = postgresql.insert(audit) if self.engine.dialect.name == "postgresql" else sqlite.insert(audit)
        async with self.engine.begin() as conn:
            result = await conn.execute(insert.on_conflict_do_nothing().values(**values).returning(audit.c.id))
            return result.first() is not None

    async def between(self, since: datetime, until: datetime, team_id: str | None = None) -> Sequence[AuditEvent]:
        """Recorded events, with inbound route changes (kept in their own table) merged in by time."""
        own = select(audit).where(audit.c.at >= since, audit.c.at < until)
        # A change knows its workspace since 0017; an older one only through its route, while it exists.
        team = func.coalesce(func.nullif(_changes.c.team_id, ""), _routes.c.team_id).label("route_team")
        routes = (
            select(_changes, team)
            .select_from(_changes.outerjoin(_routes, _routes.c.access_key == _changes.c.access_key))
            .where(_changes.c.changed_at >= since, _changes.c.changed_at < until, team.is_not(None))
        )
        if team_id is not None:
            own = own.where(audit.c.team_id == team_id)
            routes = routes.where(team == team_id)
        async with self.engine.connect() as conn:
            found = [_event_from_row(r) for r in await conn.execute(own.order_by(audit.c.at, audit.c.id))]
            found += [_route_change_event(r) for r in await conn.execute(routes)]
        return sorted(found, key=lambda e: e.at)


@dataclass(frozen=True)
class Masked:
    """How many stored rows a retention pass masked."""

    calls: int
    events: int


class AuditRetention:
    """Masks numbers older than the retention period: call attempts' addresses and audit details."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def mask_before(self, cutoff: datetime) -> Masked:
        """Mask rows whose call ended (or event happened) before `cutoff`; rows already masked are left."""
        async with self.engine.begin() as conn:
            calls = await conn.execute(
                update(_attempts)
                .where(
                    _attempts.c.updated_at < cutoff,
                    _attempts.c.address != MASKED_ADDRESS,
                    _attempts.c.invite_id.in_(select(_invites.c.id).where(_invites.c.due_at < cutoff)),
                )
                .values(address=MASKED_ADDRESS, detail=None)
            )
            rows = (
                await conn.execute(select(audit.c.id, audit.c.details).where(audit.c.at < cutoff, ~audit.c.masked))
            ).all()
            for row in rows:
                details = masked_values(row.details)
                await conn.execute(update(audit).where(audit.c.id == row.id).values(details=details, masked=True))
        return Masked(calls.rowcount, len(rows))


class RetentionPass:
    """The leader's retention round: masks what is older than `days`, at most once every `every_s`."""

    def __init__(self, retention: AuditRetention, clock: Clock, days: int, every_s: float = 3600.0) -> None:
        self._retention = retention
        self._clock = clock
        self._keep = timedelta(days=days)
        self._every = timedelta(seconds=every_s)
        self._next: datetime | None = None

    async def run_if_due(self) -> Masked | None:
        """Mask old rows if the last pass was long enough ago (None: not yet)."""
        now = self._clock.now()
        if self._next is not None and now < self._next:
            return None
        self._next = now + self._every
        masked = await self._retention.mask_before(now - self._keep)
        if masked.calls or masked.events:
            log.info("retention masked %d calls and %d audit events", masked.calls, masked.events)
        return masked


@dataclass(frozen=True)
class Purged:
    """How many rows of each kind a workspace purge deleted."""

    invites: int
    calls: int
    call_events: int
    outbox: int
    series: int
    launches: int
    audit_events: int


class WorkspacePurge:
    """Deletes one workspace's dial-out history: invites, their calls and Slack posts, series, audit events."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def purge(self, team_id: str) -> Purged:
        team_invites = select(_invites.c.id).where(_invites.c.team_id == team_id)
        team_attempts = select(_attempts.c.id).where(_attempts.c.invite_id.in_(team_invites))
        async with self.engine.begin() as conn:
            call_events = await conn.execute(delete(_events).where(_events.c.attempt_id.in_(team_attempts)))
            series_threads = select(literal("series:") + cast(_series.c.id, String)).where(_series.c.team_id == team_id)
            outbox = await conn.execute(
                delete(_outbox).where(
                    or_(
                        _outbox.c.invite_id.in_(team_invites),
                        _outbox.c.thread_key.in_(series_threads),
                        _outbox.c.team_id == team_id,  # rows queued since 0017 say their workspace
                    )
                )
            )
            calls = await conn.execute(delete(_attempts).where(_attempts.c.invite_id.in_(team_invites)))
            invites = await conn.execute(delete(_invites).where(_invites.c.team_id == team_id))
            series = await conn.execute(delete(_series).where(_series.c.team_id == team_id))
            launches = await conn.execute(delete(_launches).where(_launches.c.team_id == team_id))
            events = await conn.execute(delete(audit).where(and_(audit.c.team_id == team_id)))
        return Purged(
            invites.rowcount,
            calls.rowcount,
            call_events.rowcount,
            outbox.rowcount,
            series.rowcount,
            launches.rowcount,
            events.rowcount,
        )
