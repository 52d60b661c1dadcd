"""SQL behind the core's ReminderStore port: reminder candidates, the once-per-run claim, Postpone.

Apart from store.py (the InviteStore port) because reminders only read invites and set two of
their columns; each write is one conditional UPDATE whose rowcount says who won.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.models import Invite, InviteStatus
from bot.dialout.store import invite_from_row, invites


class SqlReminderStore:
    """Reminder reads and claims on the invites table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get_invite(self, invite_id: int) -> Invite | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(invites).where(invites.c.id == invite_id))).first()
        return invite_from_row(row) if row else None

    async def reminder_candidates(self, due_before: datetime) -> list[Invite]:
        query = (
            select(invites)
            .where(
                invites.c.status == InviteStatus.SCHEDULED.value,
                invites.c.due_at <= due_before,
                invites.c.remind_minutes > 0,
                invites.c.reminded_at.is_(None),
            )
            .order_by(invites.c.due_at)
        )
        async with self.engine.connect() as conn:
            return [invite_from_row(r) for r in await conn.execute(query)]

    async def claim_reminder(self, invite_id: int, due_at: datetime, now: datetime) -> bool:
        condition = and_(
            invites.c.id == invite_id,
            invites.c.status == InviteStatus.SCHEDULED.value,
            invites.c.due_at == due_at,
            invites.c.reminded_at.is_(None),
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(update(invites).where(condition).values(reminded_at=now))
        return result.rowcount == 1

    async def postpone(self, invite_id: int, due_at: datetime, new_due_at: datetime) -> bool:
        condition = and_(
            invites.c.id == invite_id,
            invites.c.status == InviteStatus.SCHEDULED.value,
            invites.c.due_at == due_at,
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(update(invites).where(condition).values(due_at=new_due_at))
        return result.rowcount == 1
