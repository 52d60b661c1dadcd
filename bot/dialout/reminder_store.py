"""SQL behind the core's ReminderStore port: reminder candidates, the once-per-run claim, Postpone;
and Use another number's compare-and-set on one waiting call (core/reminder_requests.py).

Apart from store.py (the InviteStore port) because reminders only read invites and set two of
their columns; each write is one conditional UPDATE whose rowcount says who won.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.models import Invite, InviteStatus
from bot.dialout.store import attempts, invite_from_row, invites
from bot.kernel.states import CallState


class SqlReminderStore:
    """Reminder reads and claims on the invites table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get_invite(self, invite_id: int) -> Invite | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(invites).where(invites.c.id == invite_id))).first()
        return invite_from_row(row) if row else None

    async def reminders_due(self, now: datetime) -> list[Invite]:
        """Two small reads instead of every invite due within a day, each second on the leader.

        First the distinct lead times in use (a handful: the default and what people typed), then
        only the invites inside one of those windows, found through the due_at index.
        """
        waiting = and_(
            invites.c.status == InviteStatus.SCHEDULED.value,
            invites.c.remind_minutes > 0,
            invites.c.reminded_at.is_(None),
        )
        async with self.engine.connect() as conn:
            leads = [int(m) for (m,) in await conn.execute(select(invites.c.remind_minutes).where(waiting).distinct())]
            if not leads:
                return []
            windows = or_(
                *(
                    and_(invites.c.remind_minutes == lead, invites.c.due_at <= now + timedelta(minutes=lead))
                    for lead in leads
                )
            )
            query = select(invites).where(waiting, invites.c.due_at > now, windows).order_by(invites.c.due_at)
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

    async def change_unsent_number(self, attempt_id: int, old: str, new: str, now: datetime) -> bool:
        """One UPDATE of the call, on condition that its invite is still scheduled.

        The run claims its invite (scheduled → dialing) before it reads its calls, so either this
        write sees the claim and changes nothing, or the run reads the new number. On PostgreSQL the
        invite's row is locked first (FOR UPDATE): the claim then waits for this commit instead of
        slipping between the check and the write; SQLite has one writer and checks in the statement.
        """
        scheduled = exists().where(
            invites.c.id == attempts.c.invite_id, invites.c.status == InviteStatus.SCHEDULED.value
        )
        condition = and_(
            attempts.c.id == attempt_id,
            attempts.c.state == CallState.QUEUED.value,
            attempts.c.sent_at.is_(None),
            attempts.c.address == old,
            scheduled,
        )
        async with self.engine.begin() as conn:
            invite_id = select(attempts.c.invite_id).where(attempts.c.id == attempt_id).scalar_subquery()
            await conn.execute(select(invites.c.id).where(invites.c.id == invite_id).with_for_update())
            result = await conn.execute(update(attempts).where(condition).values(address=new, updated_at=now))
        return result.rowcount == 1
