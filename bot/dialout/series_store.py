"""SQL behind the core's SeriesStore port: invite_series rows ↔ `Series`, and the occurrence claim.

`make_occurrence` is the one claim that keeps each occurrence exactly once: a conditional UPDATE
moves `next_at` from the occurrence to the following one, and the occurrence's invite is inserted
in the same transaction, so either both happen or neither. Two schedulers racing (or a process
dying halfway) leave one invite; the invite's unique `request_key` guards it a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.models import Invite, Target, TargetKind
from bot.dialout.core.retry_policy import RetryPolicy
from bot.dialout.core.series import Series, SeriesStatus
from bot.dialout.store import insert_invite, invite_from_row, invites
from bot.kernel.people import Party, PartyKind
from bot.kernel.recurrence import Recurrence
from bot.kernel.tables import InviteSeriesRow

series_table = InviteSeriesRow.__table__  # type: ignore[attr-defined]


def _party_json(party: Party) -> dict[str, Any]:
    return {
        "kind": party.kind.value,
        "address": party.address,
        "slack_user_id": party.slack_user_id,
        "name": party.name,
        "company": party.company,
    }


def _party_of(data: dict[str, Any]) -> Party:
    return Party(
        PartyKind(data["kind"]),
        data["address"],
        slack_user_id=data.get("slack_user_id"),
        name=data.get("name"),
        company=data.get("company"),
    )


def series_from_row(row: Any) -> Series:
    """A core Series from an invite_series row."""
    return Series(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        created_by=row.created_by,
        provider=row.provider,
        target=Target(TargetKind(row.target_kind), row.target_id),
        recurrence=Recurrence(
            rule=row.rule,
            zone=row.tz,
            start=datetime.fromisoformat(row.starts_local),
            until=date.fromisoformat(row.until_day) if row.until_day else None,
        ),
        parties=tuple(_party_of(p) for p in row.parties or []),
        locale=row.locale,
        max_duration_s=row.max_duration_s,
        options=dict(row.options or {}),
        status=SeriesStatus(row.status),
        remind_minutes=row.remind_minutes or 0,
        remind_dm=bool(row.remind_dm),
        retry=RetryPolicy.from_json(row.retry_policy) if row.retry_policy is not None else None,
        next_at=row.next_at,
        skip_at=row.skip_at,
        last_at=row.last_at,
        message_ts=row.message_ts,
        created_at=row.created_at,
        source_text=row.source_text,
        request_key=row.request_key,
    )


class SqlSeriesStore:
    """SeriesStore on an async SQLAlchemy engine (the invites' engine: an occurrence is both)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add_series(self, series: Series) -> Series:
        assert series.created_at is not None, "created_at is set by the caller (its clock)"
        recurrence = series.recurrence
        async with self.engine.begin() as conn:
            result = await conn.execute(
                insert(series_table).values(
                    team_id=series.team_id,
                    channel_id=series.channel_id,
                    created_by=series.created_by,
                    provider=series.provider,
                    target_kind=series.target.kind.value,
                    target_id=series.target.id,
                    tz=recurrence.zone,
                    locale=series.locale,
                    max_duration_s=series.max_duration_s,
                    options=dict(series.options),
                    parties=[_party_json(p) for p in series.parties],
                    rule=recurrence.rule,
                    starts_local=recurrence.start.isoformat(),
                    until_day=recurrence.until.isoformat() if recurrence.until else None,
                    status=series.status.value,
                    next_at=series.next_at,
                    created_at=series.created_at,
                    source_text=series.source_text,
                    request_key=series.request_key,
                    remind_minutes=series.remind_minutes,
                    remind_dm=series.remind_dm,
                    retry_policy=series.retry.as_json() if series.retry is not None else None,
                )
            )
            assert result.inserted_primary_key is not None
            series_id = int(result.inserted_primary_key[0])
        saved = await self.get_series(series_id)
        assert saved is not None
        return saved

    async def get_series(self, series_id: int) -> Series | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(series_table).where(series_table.c.id == series_id))).first()
        return series_from_row(row) if row else None

    async def series_for_request(self, request_key: str) -> Series | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(series_table).where(series_table.c.request_key == request_key))).first()
        return series_from_row(row) if row else None

    async def live_of_team(self, team_id: str) -> list[int]:
        """The ids of a workspace's series that have not ended (ended when it uninstalls)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(series_table.c.id).where(
                    and_(series_table.c.team_id == team_id, series_table.c.status != SeriesStatus.ENDED.value)
                )
            )
        return [int(row[0]) for row in rows]

    async def series_due(self, before: datetime) -> list[Series]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(series_table)
                .where(
                    and_(
                        series_table.c.status == SeriesStatus.ACTIVE.value,
                        series_table.c.next_at.is_not(None),
                        series_table.c.next_at <= before,
                    )
                )
                .order_by(series_table.c.next_at, series_table.c.id)
            )
            return [series_from_row(r) for r in rows]

    async def series_of(self, user_id: str, channel_id: str) -> list[Series]:
        live = [SeriesStatus.ACTIVE.value, SeriesStatus.PAUSED.value]
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(series_table)
                .where(
                    and_(
                        series_table.c.status.in_(live),
                        or_(series_table.c.created_by == user_id, series_table.c.channel_id == channel_id),
                    )
                )
                .order_by(series_table.c.next_at, series_table.c.id)
            )
            return [series_from_row(r) for r in rows]

    async def make_occurrence(
        self, series_id: int, at: datetime, following: datetime | None, invite: Invite, parties: Sequence[Party]
    ) -> Invite | None:
        async with self.engine.begin() as conn:
            if not await self._move(conn, series_id, at, following, made=True):
                return None
            invite_id = await insert_invite(conn, invite, parties)
            row = (await conn.execute(select(invites).where(invites.c.id == invite_id))).one()
        return invite_from_row(row)

    async def pass_occurrence(self, series_id: int, at: datetime, following: datetime | None) -> bool:
        async with self.engine.begin() as conn:
            return await self._move(conn, series_id, at, following, made=False)

    @staticmethod
    async def _move(conn: Any, series_id: int, at: datetime, following: datetime | None, *, made: bool) -> bool:
        """Move an active series' `next_at` from `at` to `following` (ended when there is none); who won."""
        values: dict[str, Any] = {"next_at": following, "skip_at": None}
        if made:
            values["last_at"] = at
        if following is None:
            values["status"] = SeriesStatus.ENDED.value
        result = await conn.execute(
            update(series_table)
            .where(
                and_(
                    series_table.c.id == series_id,
                    series_table.c.status == SeriesStatus.ACTIVE.value,
                    series_table.c.next_at == at,
                )
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)

    async def set_skip(self, series_id: int, at: datetime) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(series_table)
                .where(
                    and_(
                        series_table.c.id == series_id,
                        series_table.c.status == SeriesStatus.ACTIVE.value,
                        series_table.c.next_at == at,
                    )
                )
                .values(skip_at=at)
            )
        return bool(result.rowcount == 1)

    async def set_status(
        self, series_id: int, status: SeriesStatus, expected: Sequence[SeriesStatus], next_at: datetime | None
    ) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(series_table)
                .where(and_(series_table.c.id == series_id, series_table.c.status.in_([s.value for s in expected])))
                .values(status=status.value, next_at=next_at)
            )
        return bool(result.rowcount == 1)

    async def set_message_ts(self, series_id: int, ts: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(series_table).where(series_table.c.id == series_id).values(message_ts=ts))
