"""SQL for the daily dial limits: calls claimed for sending in a workspace's day, counted in the claim.

Kept beside `store.py` (whose `SqlInviteStore` inherits it), as `retry_rows.py` is: the count and
the claim are one conditional UPDATE, so two processes claiming at once cannot both take the day's
last call (SQLite runs it under its one write lock; on PostgreSQL a per-workspace advisory lock
held for the transaction makes the claims of one workspace take turns).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.limits import Claim, DailyQuota, DailyUse
from bot.kernel.states import CallState
from bot.kernel.tables import CallAttemptRow, InviteRow

_invites = InviteRow.__table__  # type: ignore[attr-defined]
_attempts = CallAttemptRow.__table__  # type: ignore[attr-defined]
# The advisory lock space of the per-workspace daily count (leadership.py uses its own).
_DAILY_LOCK_SPACE = 7_202_612


class SqlDailyCount:
    """The daily-limits half of the InviteStore port (mixed into SqlInviteStore)."""

    engine: AsyncEngine

    def _placed_in_day(self, quota: DailyQuota, *, by_user: bool) -> Any:
        """A scalar subquery: calls of the quota's workspace (and user) claimed for sending in its day."""
        conditions = [
            _invites.c.team_id == quota.team_id,
            _attempts.c.sent_at >= quota.day_start,
            _attempts.c.sent_at < quota.day_end,
        ]
        if by_user:
            conditions.append(_invites.c.created_by == quota.user_id)
        return (
            select(func.count())
            .select_from(_attempts.join(_invites, _invites.c.id == _attempts.c.invite_id))
            .where(and_(*conditions))
            .scalar_subquery()
        )

    async def daily_use(self, quota: DailyQuota) -> DailyUse:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(self._placed_in_day(quota, by_user=True), self._placed_in_day(quota, by_user=False))
                )
            ).one()
        return DailyUse(int(row[0]), int(row[1]))

    async def claim_attempt_within(self, attempt_id: int, now: datetime, quota: DailyQuota) -> Claim:
        """One conditional UPDATE: the count is in its WHERE, so it is taken with the row's write.

        SQLite runs a statement under its one write lock, so no other writer counts meanwhile.
        PostgreSQL's READ COMMITTED would let two statements each count the other's claim as not
        there yet: a transaction-scoped advisory lock per workspace makes the claims of one
        workspace take turns (the statement's snapshot is taken after the lock is held).
        """
        limits = []
        if quota.per_user:
            limits.append(self._placed_in_day(quota, by_user=True) < quota.per_user)
        if quota.per_workspace:
            limits.append(self._placed_in_day(quota, by_user=False) < quota.per_workspace)
        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), hashtext(:team))"),
                    {"space": _DAILY_LOCK_SPACE, "team": quota.team_id},
                )
            result = await conn.execute(
                update(_attempts)
                .where(
                    and_(
                        _attempts.c.id == attempt_id,
                        _attempts.c.state == CallState.QUEUED.value,
                        _attempts.c.sent_at.is_(None),
                        *limits,
                    )
                )
                .values(sent_at=now, updated_at=now)
            )
            if result.rowcount == 1:
                return Claim.CLAIMED
            row = (
                await conn.execute(select(_attempts.c.state, _attempts.c.sent_at).where(_attempts.c.id == attempt_id))
            ).one_or_none()
            if row is None or row.state != CallState.QUEUED.value or row.sent_at is not None:
                return Claim.TAKEN
            used = (
                await conn.execute(
                    select(self._placed_in_day(quota, by_user=True), self._placed_in_day(quota, by_user=False))
                )
            ).one()
        if quota.per_user and used[0] >= quota.per_user:
            return Claim.OVER_USER
        return Claim.OVER_WORKSPACE
