"""Dial-out's scrape-time gauges: invites by status, calls by provider, state and reason.

Read from the tables rather than counted in memory, so every replica reports the same figures
and a restart loses none of them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel.metrics import GaugeSample
from bot.kernel.tables import CallAttemptRow, InviteRow

invites = InviteRow.__table__  # type: ignore[attr-defined]
attempts = CallAttemptRow.__table__  # type: ignore[attr-defined]


async def read_dialout_gauges(engine: AsyncEngine) -> list[GaugeSample]:
    """Invites by status and calls by provider/state/reason, as they stand in the database."""
    async with engine.connect() as conn:
        by_status = await conn.execute(select(invites.c.status, func.count()).group_by(invites.c.status))
        by_call = await conn.execute(
            select(attempts.c.provider, attempts.c.state, attempts.c.reason, func.count()).group_by(
                attempts.c.provider, attempts.c.state, attempts.c.reason
            )
        )
        samples = [
            GaugeSample("invites", "Invites by status", {"status": status}, count) for status, count in by_status
        ]
        samples += [
            GaugeSample(
                "calls",
                "Call attempts by provider, state and failure reason",
                {"provider": provider, "state": state, "reason": reason or ""},
                count,
            )
            for provider, state, reason, count in by_call
        ]
    return samples
