"""SQL behind the core's InviteStore port: rows ↔ core values, and every atomic claim.

The claims that keep dialling at-most-once are single conditional UPDATEs whose rowcount
says who won; they are correct on SQLite and PostgreSQL and across several processes.
It is one class for one port, past 500 lines on purpose: every claim (firing, sending, redial,
edit, add people) is read against the others here, and the store contract test covers it whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.dialout.core.models import (
    CallAttempt,
    CallEvent,
    CallLimits,
    Invite,
    InviteChange,
    InviteStatus,
    Move,
    PartiesChanged,
    ReceivedEvent,
    Target,
    TargetKind,
    invite_version,
    same_party,
)
from bot.dialout.core.ports import PlacedCall, PlaceResult
from bot.dialout.core.retry_policy import RetryMark, RetryPolicy
from bot.dialout.daily_count import SqlDailyCount
from bot.dialout.retry_rows import SqlRetryRows
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import FINAL_STATES, CallState, FailReason, advance, moved_values
from bot.kernel.tables import CallAttemptRow, CallEventRow, InviteRow

# Invites still to come, as App Home lists them (one awaiting approval has not happened yet either).
_UPCOMING = (InviteStatus.SCHEDULED.value, InviteStatus.AWAITING_APPROVAL.value)

invites = InviteRow.__table__  # type: ignore[attr-defined]
attempts = CallAttemptRow.__table__  # type: ignore[attr-defined]
events = CallEventRow.__table__  # type: ignore[attr-defined]

_OPEN_STATES = [s.value for s in CallState if s not in FINAL_STATES]


def invite_from_row(row: Any) -> Invite:
    """A core Invite from an invites row."""
    return Invite(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        created_by=row.created_by,
        provider=row.provider,
        target=Target(TargetKind(row.target_kind), row.target_id),
        due_at=row.due_at,
        tz=row.tz,
        locale=row.locale,
        max_duration_s=row.max_duration_s,
        options=dict(row.options or {}),
        status=InviteStatus(row.status),
        thread_ts=row.thread_ts,
        roster_ts=row.roster_ts,
        created_at=row.created_at,
        fired_at=row.fired_at,
        late_by_s=row.late_by_s,
        source_text=row.source_text,
        request_key=row.request_key,
        fired_by=row.fired_by,
        remind_minutes=row.remind_minutes,
        reminded_at=row.reminded_at,
        remind_dm=bool(row.remind_dm),
        retry=RetryPolicy.from_json(row.retry_policy) if row.retry_policy is not None else None,
        retries_stopped_at=row.retries_stopped_at,
        paused_at=row.paused_at,
        paused_by=row.paused_by,
    )


def attempt_from_row(row: Any) -> CallAttempt:
    """A core CallAttempt from a call_attempts row."""
    return CallAttempt(
        id=row.id,
        invite_id=row.invite_id,
        position=row.position,
        party=Party(
            PartyKind(row.party_kind),
            row.address,
            slack_user_id=row.slack_user_id,
            name=row.name,
            company=row.company,
        ),
        state=CallState(row.state),
        reason=FailReason(row.reason) if row.reason else None,
        provider_call_id=row.provider_call_id,
        provider_code=row.code,
        detail=row.detail,
        limits=CallLimits(row.ring_limit_s, row.answered_limit_s),
        context=dict(row.context or {}),
        sent_at=row.sent_at,
        updated_at=row.updated_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        retry=_retry_mark(row),
    )


def _retry_mark(row: Any) -> RetryMark | None:
    if row.retry_of is None or row.retry_at is None:
        return None
    reason = FailReason(row.retry_reason) if row.retry_reason else FailReason.UNKNOWN
    return RetryMark(row.retry_of, row.retry_at, row.retry_number or 1, row.retry_limit or 1, reason)


def event_from_row(row: Any) -> CallEvent:
    """A core CallEvent from a stored call_events row."""
    return CallEvent(
        provider=row.provider,
        provider_call_id=row.provider_call_id,
        state=CallState(row.state),
        dedupe_key=row.dedupe_key,
        reason=FailReason(row.reason) if row.reason else None,
        code=row.code,
        detail=row.detail,
        occurred_at=row.occurred_at,
        raw=dict(row.raw or {}),
    )


def _insert_new_event(dialect: str, values: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: a duplicate in a batch must not undo the others."""
    if dialect == "postgresql":
        statement: Any = postgresql.insert(events).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(events).on_conflict_do_nothing()
    return statement.values(**values).returning(events.c.id)


def queued_calls(
    invite_id: int, provider: str, parties: Sequence[Party], now: datetime, *, first: int = 0
) -> list[dict[str, Any]]:
    """The call rows that dial `parties` into an invite, queued, in order from position `first`."""
    return [
        {
            "invite_id": invite_id,
            "position": first + index,
            "provider": provider,
            "party_kind": party.kind.value,
            "address": party.address,
            "slack_user_id": party.slack_user_id,
            "name": party.name,
            "company": party.company,
            "state": CallState.QUEUED.value,
            "context": {},
            "updated_at": now,
            "failure_reported": False,
        }
        for index, party in enumerate(parties)
    ]


async def insert_invite(conn: AsyncConnection, invite: Invite, parties: Sequence[Party]) -> int:
    """Insert an invite and a queued call per party inside the caller's transaction; the invite's id.

    Shared with the series store, which inserts an occurrence's invite in the transaction that claims it.
    """
    now = invite.created_at
    assert now is not None, "created_at is set by the caller (its clock)"
    result = await conn.execute(
        insert(invites).values(
            team_id=invite.team_id,
            channel_id=invite.channel_id,
            created_by=invite.created_by,
            provider=invite.provider,
            target_kind=invite.target.kind.value,
            target_id=invite.target.id,
            due_at=invite.due_at,
            tz=invite.tz,
            locale=invite.locale,
            max_duration_s=invite.max_duration_s,
            options=dict(invite.options),
            status=invite.status.value,
            created_at=now,
            source_text=invite.source_text,
            request_key=invite.request_key,
            remind_minutes=invite.remind_minutes,
            remind_dm=invite.remind_dm,
            retry_policy=invite.retry.as_json() if invite.retry is not None else None,
        )
    )
    assert result.inserted_primary_key is not None
    invite_id = result.inserted_primary_key[0]
    if parties:
        await conn.execute(
            insert(attempts),
            queued_calls(invite_id, invite.provider, parties, now),
        )
    return int(invite_id)


def _of_team(team_id: str | None) -> ColumnElement[bool]:
    """Invites of workspace `team_id` (every invite when None)."""
    return true() if team_id is None else invites.c.team_id == team_id


class SqlInviteStore(SqlRetryRows, SqlDailyCount):
    """InviteStore on an async SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._received: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []  # waiting for the next commit
        self._committing: asyncio.Task[None] | None = None

    # --- invites ---------------------------------------------------------------------------

    async def add_invite(self, invite: Invite, parties: Sequence[Party]) -> Invite:
        async with self.engine.begin() as conn:
            invite_id = await insert_invite(conn, invite, parties)
        saved = await self.get_invite(invite_id)
        assert saved is not None
        return saved

    async def get_invite(self, invite_id: int) -> Invite | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(invites).where(invites.c.id == invite_id))).first()
        return invite_from_row(row) if row else None

    async def team_of(self, invite_id: int) -> str:
        """The workspace an invite belongs to ("" when there is no such invite)."""
        async with self.engine.connect() as conn:
            team = (await conn.execute(select(invites.c.team_id).where(invites.c.id == invite_id))).scalar()
        return str(team or "")

    async def scheduled_of_team(self, team_id: str) -> list[int]:
        """The ids of a workspace's invites still waiting for their time (stopped when it uninstalls)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(invites.c.id).where(
                    and_(invites.c.team_id == team_id, invites.c.status == InviteStatus.SCHEDULED.value)
                )
            )
        return [int(row[0]) for row in rows]

    async def invite_for_request(self, request_key: str) -> Invite | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(invites).where(invites.c.request_key == request_key))).first()
        return invite_from_row(row) if row else None

    async def invites_with_status(self, status: InviteStatus) -> list[Invite]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(invites).where(invites.c.status == status.value).order_by(invites.c.due_at)
            )
            return [invite_from_row(r) for r in rows]

    async def recent_invites(self, channel_id: str, limit: int, *, team_id: str | None = None) -> list[Invite]:
        where = and_(invites.c.channel_id == channel_id, _of_team(team_id))
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(invites).where(where).order_by(invites.c.id.desc()).limit(limit))
            return [invite_from_row(r) for r in rows]

    async def upcoming_invites(
        self, created_by: str, limit: int, channel_ids: Sequence[str] = (), *, team_id: str | None = None
    ) -> list[Invite]:
        whose = invites.c.created_by == created_by
        if channel_ids:
            whose = or_(whose, invites.c.channel_id.in_(list(channel_ids)))
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(invites)
                .where(and_(whose, invites.c.status.in_(_UPCOMING), _of_team(team_id)))
                .order_by(invites.c.due_at, invites.c.id)
                .limit(limit)
            )
            return [invite_from_row(r) for r in rows]

    async def past_invites(self, created_by: str, limit: int, *, team_id: str | None = None) -> list[Invite]:
        mine = and_(invites.c.created_by == created_by, invites.c.status.not_in(_UPCOMING))
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(invites).where(and_(mine, _of_team(team_id))).order_by(invites.c.id.desc()).limit(limit)
            )
            return [invite_from_row(r) for r in rows]

    async def claim_due_invite(
        self,
        invite_id: int,
        now: datetime,
        late_by_s: int | None,
        *,
        fired_by: str | None = None,
        due_at: datetime | None = None,
    ) -> Invite | None:
        condition = and_(invites.c.id == invite_id, invites.c.status == InviteStatus.SCHEDULED.value)
        if due_at is not None:
            condition = and_(condition, invites.c.due_at == due_at)
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(invites)
                .where(condition)
                .values(status=InviteStatus.DIALING.value, fired_at=now, late_by_s=late_by_s, fired_by=fired_by)
            )
        if result.rowcount != 1:
            return None
        return await self.get_invite(invite_id)

    async def claim_redial(
        self, invite_id: int, attempt_ids: Sequence[int], known: int, now: datetime
    ) -> list[CallAttempt] | None:
        count = select(func.count()).select_from(attempts).where(attempts.c.invite_id == invite_id).scalar_subquery()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(invites)
                .where(and_(invites.c.id == invite_id, invites.c.status == InviteStatus.DONE.value, count == known))
                .values(status=InviteStatus.DIALING.value)
            )
            if result.rowcount != 1:
                return None
            last = (
                await conn.execute(select(func.max(attempts.c.position)).where(attempts.c.invite_id == invite_id))
            ).scalar_one()
            old = list(
                await conn.execute(
                    select(attempts)
                    .where(and_(attempts.c.invite_id == invite_id, attempts.c.id.in_(list(attempt_ids))))
                    .order_by(attempts.c.position)
                )
            )
            if old:
                await conn.execute(
                    insert(attempts),
                    [
                        {
                            "invite_id": invite_id,
                            "position": (last or 0) + 1 + index,
                            "provider": row.provider,
                            "party_kind": row.party_kind,
                            "address": row.address,
                            "slack_user_id": row.slack_user_id,
                            "name": row.name,
                            "company": row.company,
                            "state": CallState.QUEUED.value,
                            "context": {},
                            "updated_at": now,
                            "failure_reported": False,
                        }
                        for index, row in enumerate(old)
                    ],
                )
            first_new = (last or 0) + 1
            rows = await conn.execute(
                select(attempts)
                .where(and_(attempts.c.invite_id == invite_id, attempts.c.position >= first_new))
                .order_by(attempts.c.position)
            )
            return [attempt_from_row(r) for r in rows]

    @staticmethod
    async def _lock_invite(conn: AsyncConnection, invite_id: int, allowed: Sequence[InviteStatus]) -> bool:
        """Take the invite's row for this transaction while its status is allowed (False: it is not).

        A no-op UPDATE: on PostgreSQL it locks the row until commit, on SQLite it takes the write
        lock; either way a claim, a cancel or another edit waits and then sees this one's result.
        """
        result = await conn.execute(
            update(invites)
            .where(and_(invites.c.id == invite_id, invites.c.status.in_([s.value for s in allowed])))
            .values(status=invites.c.status)
        )
        return result.rowcount == 1

    @staticmethod
    async def _insert_attempts(
        conn: AsyncConnection, invite_id: int, provider: str, parties: Sequence[Party], now: datetime
    ) -> list[CallAttempt]:
        """Queue one call per party after the invite's last one; the new attempts."""
        last = (
            await conn.execute(select(func.max(attempts.c.position)).where(attempts.c.invite_id == invite_id))
        ).scalar_one()
        first = (last + 1) if last is not None else 0
        if not parties:
            return []
        await conn.execute(
            insert(attempts),
            queued_calls(invite_id, provider, parties, now, first=first),
        )
        rows = await conn.execute(
            select(attempts)
            .where(and_(attempts.c.invite_id == invite_id, attempts.c.position >= first))
            .order_by(attempts.c.position)
        )
        return [attempt_from_row(r) for r in rows]

    async def edit_invite(
        self, invite_id: int, version: str, change: InviteChange, now: datetime
    ) -> PartiesChanged | None:
        async with self.engine.begin() as conn:
            if not await self._lock_invite(conn, invite_id, [InviteStatus.SCHEDULED]):
                return None
            row = (await conn.execute(select(invites).where(invites.c.id == invite_id))).one()
            rows = await conn.execute(
                select(attempts).where(attempts.c.invite_id == invite_id).order_by(attempts.c.position)
            )
            current = [attempt_from_row(r) for r in rows]
            if invite_version(invite_from_row(row), current) != version:
                return None
            await conn.execute(
                update(invites)
                .where(invites.c.id == invite_id)
                .values(
                    provider=change.provider,
                    target_kind=change.target.kind.value,
                    target_id=change.target.id,
                    due_at=change.due_at,
                    max_duration_s=change.max_duration_s,
                    options=dict(change.options),
                )
            )
            await conn.execute(
                update(attempts).where(attempts.c.invite_id == invite_id).values(provider=change.provider)
            )
            dropped = [
                a
                for a in current
                if not any(same_party(a.party, p) for p in change.parties)
                and a.state is CallState.QUEUED
                and a.sent_at is None
            ]
            if dropped:
                await conn.execute(
                    delete(attempts).where(
                        and_(
                            attempts.c.id.in_([a.id for a in dropped]),
                            attempts.c.state == CallState.QUEUED.value,
                            attempts.c.sent_at.is_(None),
                        )
                    )
                )
            new = [p for p in change.parties if not any(same_party(a.party, p) for a in current)]
            added = await self._insert_attempts(conn, invite_id, change.provider, new, now)
        return PartiesChanged(added=tuple(added), removed=tuple(dropped))

    async def add_attempts(
        self, invite_id: int, parties: Sequence[Party], allowed: Sequence[InviteStatus], now: datetime
    ) -> PartiesChanged | None:
        async with self.engine.begin() as conn:
            if not await self._lock_invite(conn, invite_id, allowed):
                return None
            provider = (await conn.execute(select(invites.c.provider).where(invites.c.id == invite_id))).scalar_one()
            rows = await conn.execute(select(attempts).where(attempts.c.invite_id == invite_id))
            known = [attempt_from_row(r).party for r in rows]
            new: list[Party] = []
            already: list[Party] = []
            for party in parties:
                (already if any(same_party(k, party) for k in [*known, *new]) else new).append(party)
            added = await self._insert_attempts(conn, invite_id, provider, new, now)
        return PartiesChanged(added=tuple(added), already_in=tuple(already))

    async def set_invite_status(
        self, invite_id: int, status: InviteStatus, *, expected: InviteStatus | None = None
    ) -> bool:
        condition = invites.c.id == invite_id
        if expected is not None:
            condition = and_(condition, invites.c.status == expected.value)
        async with self.engine.begin() as conn:
            result = await conn.execute(update(invites).where(condition).values(status=status.value))
        return result.rowcount == 1

    async def set_thread(self, invite_id: int, thread_ts: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(invites).where(invites.c.id == invite_id).values(thread_ts=thread_ts))

    async def set_roster_ts(self, invite_id: int, roster_ts: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(invites).where(invites.c.id == invite_id).values(roster_ts=roster_ts))

    # --- attempts --------------------------------------------------------------------------

    async def attempts(self, invite_id: int) -> list[CallAttempt]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(attempts).where(attempts.c.invite_id == invite_id).order_by(attempts.c.position)
            )
            return [attempt_from_row(r) for r in rows]

    async def get_attempts(self, attempt_ids: Sequence[int]) -> list[CallAttempt]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(attempts).where(attempts.c.id.in_(list(attempt_ids))))
            return [attempt_from_row(r) for r in rows]

    async def get_attempt(self, attempt_id: int) -> CallAttempt | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(attempts).where(attempts.c.id == attempt_id))).first()
        return attempt_from_row(row) if row else None

    async def open_attempts(
        self, provider: str | None = None, states: Sequence[CallState] | None = None
    ) -> list[CallAttempt]:
        wanted = [s.value for s in states] if states is not None else _OPEN_STATES
        condition = attempts.c.state.in_(wanted)
        if provider is not None:
            condition = and_(condition, attempts.c.provider == provider)
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(attempts)
                .join(invites, invites.c.id == attempts.c.invite_id)
                .where(and_(condition, invites.c.status == InviteStatus.DIALING.value))
                .order_by(attempts.c.id)
            )
            return [attempt_from_row(r) for r in rows]

    async def stuck_sends(self, claimed_before: datetime) -> list[CallAttempt]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(attempts)
                .join(invites, invites.c.id == attempts.c.invite_id)
                .where(
                    and_(
                        attempts.c.state == CallState.QUEUED.value,
                        attempts.c.sent_at < claimed_before,
                        attempts.c.provider_call_id.is_(None),
                        invites.c.status == InviteStatus.DIALING.value,
                    )
                )
                .order_by(attempts.c.id)
            )
            return [attempt_from_row(r) for r in rows]

    async def _update_queued(self, attempt_id: int, condition: ColumnElement[bool], **values: Any) -> bool:
        """One conditional UPDATE of a queued call; whether it was this one that changed it (rowcount)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(attempts)
                .where(and_(attempts.c.id == attempt_id, attempts.c.state == CallState.QUEUED.value, condition))
                .values(**values)
            )
        return result.rowcount == 1

    async def release_stuck_send(self, attempt_id: int, claimed_before: datetime, now: datetime) -> bool:
        # A fresh claim (sent_at = now) is someone's send under way: only an old one is released.
        unanswered = and_(attempts.c.sent_at < claimed_before, attempts.c.provider_call_id.is_(None))
        return await self._update_queued(attempt_id, unanswered, sent_at=None, updated_at=now)

    async def open_attempts_in_target(self, provider: str, target_id: str) -> list[CallAttempt]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(attempts)
                .join(invites, invites.c.id == attempts.c.invite_id)
                .where(
                    and_(
                        attempts.c.provider == provider,
                        attempts.c.state.in_(_OPEN_STATES),
                        invites.c.target_id == target_id,
                        invites.c.status == InviteStatus.DIALING.value,
                    )
                )
                .order_by(attempts.c.id)
            )
            return [attempt_from_row(r) for r in rows]

    async def unsettled_count(self, invite_id: int, *, handed_over: bool) -> int:
        condition = and_(attempts.c.invite_id == invite_id, attempts.c.state.in_(_OPEN_STATES))
        if handed_over:
            accepted = and_(attempts.c.state == CallState.QUEUED.value, attempts.c.provider_call_id.is_not(None))
            condition = and_(condition, ~accepted)
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(attempts).where(condition))).scalar_one())

    async def state_counts(self, invite_id: int) -> dict[CallState, int]:
        query = select(attempts.c.state, func.count()).where(attempts.c.invite_id == invite_id)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.group_by(attempts.c.state))
        return {CallState(state): int(count) for state, count in rows}

    async def claim_attempt_for_sending(self, attempt_id: int, now: datetime) -> bool:
        return await self._update_queued(attempt_id, attempts.c.sent_at.is_(None), sent_at=now, updated_at=now)

    async def cancel_unsent(self, attempt_id: int, now: datetime) -> bool:
        unsent = attempts.c.sent_at.is_(None)
        return await self._update_queued(
            attempt_id, unsent, state=CallState.CANCELLED.value, updated_at=now, ended_at=now
        )

    async def record_placed(self, invite: Invite, result: PlaceResult, now: datetime) -> CallAttempt | None:
        current = await self.get_attempt(result.attempt_id)
        if current is None:
            return None
        new = result.state if result.state is CallState.QUEUED else advance(current.state, result.state)
        values: dict[str, Any] = {"updated_at": now, "context": dict(result.context)}
        if result.limits is not None:
            values.update(ring_limit_s=result.limits.ring_s, answered_limit_s=result.limits.answered_s)
        if result.provider_call_id:
            values["provider_call_id"] = result.provider_call_id
        if new is not None:
            values.update(state=new.value, code=result.code, detail=result.detail)
            if new is CallState.FAILED:
                values.update(reason=(result.reason or FailReason.UNKNOWN).value, ended_at=now)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(attempts)
                .where(and_(attempts.c.id == result.attempt_id, attempts.c.state == current.state.value))
                .values(**values)
            )
        return await self.get_attempt(result.attempt_id)

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
        values = moved_values(new, reason, code, at)
        if detail is not None:
            values["detail"] = detail
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(attempts)
                .where(and_(attempts.c.id == attempt_id, attempts.c.state == expected.value))
                .values(**values)
            )
        return result.rowcount == 1

    async def transitions(self, moves: Sequence[Move]) -> list[bool]:
        if not moves:
            return []
        done: list[bool] = []
        failed: set[int] = set()
        async with self.engine.begin() as conn:
            for move in moves:
                if move.attempt_id in failed:
                    done.append(False)
                    continue
                values = moved_values(move.new, move.reason, move.code, move.at)
                if move.detail is not None:
                    values["detail"] = move.detail
                result = await conn.execute(
                    update(attempts)
                    .where(and_(attempts.c.id == move.attempt_id, attempts.c.state == move.expected.value))
                    .values(**values)
                )
                done.append(result.rowcount == 1)
                if result.rowcount != 1:
                    failed.add(move.attempt_id)
        return done

    async def find_attempt(self, provider: str, provider_call_id: str) -> CallAttempt | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(attempts)
                    .where(and_(attempts.c.provider == provider, attempts.c.provider_call_id == provider_call_id))
                    .order_by(attempts.c.id)
                    .limit(1)
                )
            ).first()
        return attempt_from_row(row) if row else None

    async def placed_call(self, attempt: CallAttempt) -> PlacedCall | None:
        invite = await self.get_invite(attempt.invite_id)
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(attempts.c.context).where(attempts.c.id == attempt.id))).first()
        if invite is None or row is None:
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
            context=dict(row.context or {}),
        )

    async def unreported_failures(self, invite_id: int) -> list[CallAttempt]:
        """Failed attempts not yet told in the thread (for the failure digest)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(attempts)
                .where(
                    and_(
                        attempts.c.invite_id == invite_id,
                        attempts.c.state == CallState.FAILED.value,
                        attempts.c.failure_reported.is_(False),
                    )
                )
                .order_by(attempts.c.position)
            )
            return [attempt_from_row(r) for r in rows]

    async def mark_failures_reported(self, attempt_ids: Sequence[int]) -> None:
        """Remember that these failures were told, after the reply was delivered."""
        if not attempt_ids:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                update(attempts).where(attempts.c.id.in_(list(attempt_ids))).values(failure_reported=True)
            )

    # --- events ----------------------------------------------------------------------------

    async def store_event(
        self, event: CallEvent, attempt_id: int | None, now: datetime, *, applied: bool = True
    ) -> bool:
        """Insert the event; False when its dedupe key is taken.

        Events received to be applied later (webhooks waiting for their answer) are committed
        together: every one that arrives while a commit is under way goes into the next, one
        transaction for the lot. On SQLite one writer at a time holds the lock, so a burst of
        single-row transactions queued behind each other is what kept webhooks waiting.
        """
        values = {
            "provider": event.provider,
            "provider_call_id": event.provider_call_id,
            "attempt_id": attempt_id,
            "dedupe_key": event.dedupe_key,
            "state": event.state.value,
            "reason": event.reason.value if event.reason else None,
            "code": event.code,
            "detail": event.detail,
            "occurred_at": event.occurred_at,
            "received_at": now,
            "raw": dict(event.raw),
            "applied": applied,
        }
        if not applied:
            stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._received.append((values, stored))
            if self._committing is None or self._committing.done():
                self._committing = asyncio.create_task(self._commit_received(), name="call-events-commit")
            return await asyncio.shield(stored)  # a caller that gives up does not cancel the others' commit
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(events).values(**values))
        except IntegrityError:
            return False
        return True

    async def _commit_received(self) -> None:
        """Commit what was received, batch after batch, until nothing waits; tell each caller how it went."""
        while self._received:
            batch, self._received = self._received, []
            try:
                async with self.engine.begin() as conn:
                    new = [
                        (await conn.execute(_insert_new_event(conn.dialect.name, values))).first() is not None
                        for values, _ in batch
                    ]
            except Exception as exc:  # each caller gets it (a webhook answers 500 and is sent again)
                for _, stored in batch:
                    if not stored.done():
                        stored.set_exception(exc)
                continue
            for (_, stored), is_new in zip(batch, new, strict=True):
                if not stored.done():
                    stored.set_result(is_new)

    async def unapplied_events(self, limit: int) -> list[ReceivedEvent]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(events).where(events.c.applied.is_(False)).order_by(events.c.id).limit(limit)
            )
            return [ReceivedEvent(r.id, r.attempt_id, event_from_row(r)) for r in rows]

    async def mark_applied(self, event_ids: Sequence[int]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(events).where(events.c.id.in_(list(event_ids))).values(applied=True))

    async def link_orphan_events(self, provider: str, provider_call_id: str, attempt_id: int) -> list[CallEvent]:
        async with self.engine.begin() as conn:
            rows = list(
                await conn.execute(
                    select(events)
                    .where(
                        and_(
                            events.c.provider == provider,
                            events.c.provider_call_id == provider_call_id,
                            events.c.attempt_id.is_(None),
                        )
                    )
                    .order_by(events.c.id)
                )
            )
            if rows:
                await conn.execute(
                    update(events)
                    .where(events.c.id.in_([r.id for r in rows]))
                    .values(attempt_id=attempt_id, applied=True)
                )
        return [event_from_row(r) for r in rows]

    async def events_for(self, attempt_id: int) -> list[CallEvent]:
        """Every event stored for an attempt, in arrival order (tests and inspection)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(events).where(events.c.attempt_id == attempt_id).order_by(events.c.id))
            return [event_from_row(r) for r in rows]

    async def count_rows(self, table: str) -> int:
        """How many rows a table holds (used by tests that check nothing was stored)."""
        target = {"invites": invites, "call_attempts": attempts, "call_events": events}[table]
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(target))).scalar_one())
