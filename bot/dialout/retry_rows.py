"""SQL for retries: queueing a retry call once, stopping retries, finding the due ones.

Kept beside `store.py` (whose `SqlInviteStore` inherits it) so the retry claims can be read
together: a retry is queued in one transaction that holds the invite's row, so Cancel or Hang up
all (which stop retries on that row first) and the queueing cannot interleave, on SQLite or
PostgreSQL; the unique `retry_of` makes a second queueing of the same failed call a no-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.models import InviteStatus
from bot.dialout.core.retry_policy import RetryMark
from bot.kernel.states import FINAL_STATES, CallState
from bot.kernel.tables import CallAttemptRow, InviteRow

_invites = InviteRow.__table__  # type: ignore[attr-defined]
_attempts = CallAttemptRow.__table__  # type: ignore[attr-defined]
_FINAL = [s.value for s in FINAL_STATES]
_JOINED = [CallState.ANSWERED.value, CallState.COMPLETED.value]


class SqlRetryRows:
    """The retry half of the InviteStore port (mixed into SqlInviteStore)."""

    engine: AsyncEngine

    async def queue_retry(self, invite_id: int, mark: RetryMark, now: datetime) -> int | None:
        """Queue the retry `mark` describes; its new call's id, or None when it may not be queued.

        Not queued when the invite is no longer dialling or its retries were stopped, the failed call
        moved on, or the party has a call that is open or joined; nor twice for one failed call.
        """
        try:
            async with self.engine.begin() as conn:
                locked = await conn.execute(
                    update(_invites)
                    .where(
                        and_(
                            _invites.c.id == invite_id,
                            _invites.c.status == InviteStatus.DIALING.value,
                            _invites.c.retries_stopped_at.is_(None),
                        )
                    )
                    .values(status=_invites.c.status)
                )
                if locked.rowcount != 1:
                    return None
                failed = (
                    await conn.execute(
                        select(_attempts).where(and_(_attempts.c.id == mark.of, _attempts.c.invite_id == invite_id))
                    )
                ).first()
                if failed is None or failed.state != CallState.FAILED.value:
                    return None
                same_party = and_(
                    _attempts.c.invite_id == invite_id,
                    _attempts.c.party_kind == failed.party_kind,
                    _attempts.c.address == failed.address,
                )
                busy = or_(
                    _attempts.c.state.not_in(_FINAL),
                    _attempts.c.state.in_(_JOINED),
                    _attempts.c.answered_at.is_not(None),
                )
                taken = (
                    await conn.execute(select(func.count()).select_from(_attempts).where(and_(same_party, busy)))
                ).scalar_one()
                if taken:
                    return None
                last = (
                    await conn.execute(select(func.max(_attempts.c.position)).where(_attempts.c.invite_id == invite_id))
                ).scalar_one()
                result = await conn.execute(
                    insert(_attempts).values(
                        invite_id=invite_id,
                        position=(last or 0) + 1,
                        provider=failed.provider,
                        party_kind=failed.party_kind,
                        address=failed.address,
                        slack_user_id=failed.slack_user_id,
                        name=failed.name,
                        company=failed.company,
                        state=CallState.QUEUED.value,
                        context={},
                        updated_at=now,
                        failure_reported=False,
                        retry_of=mark.of,
                        retry_at=mark.at,
                        retry_number=mark.number,
                        retry_limit=mark.limit,
                        retry_reason=mark.reason.value,
                    )
                )
                assert result.inserted_primary_key is not None
                return int(result.inserted_primary_key[0])
        except IntegrityError:
            return None  # another process queued the retry of this failed call first

    async def stop_retries(self, invite_id: int, now: datetime) -> None:
        """From now on no retry of this invite is queued (its queued ones are withdrawn by the caller)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(_invites)
                .where(and_(_invites.c.id == invite_id, _invites.c.retries_stopped_at.is_(None)))
                .values(retries_stopped_at=now)
            )

    async def due_retries(self, now: datetime) -> list[int]:
        """The dialling invites with a retry call due by `now` and not sent yet."""
        query = (
            select(_attempts.c.invite_id)
            .join(_invites, _invites.c.id == _attempts.c.invite_id)
            .where(
                and_(
                    _attempts.c.retry_at <= now,
                    _attempts.c.state == CallState.QUEUED.value,
                    _attempts.c.sent_at.is_(None),
                    _invites.c.status == InviteStatus.DIALING.value,
                )
            )
            .distinct()
            .order_by(_attempts.c.invite_id)
        )
        async with self.engine.connect() as conn:
            return [int(row[0]) for row in await conn.execute(query)]
