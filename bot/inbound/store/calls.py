"""SQL behind the InboundCallStore port: inbound calls, their callees' lines and the platform's events.

Calls are inserted one transaction at a time per process, each committing every call that arrived
while the one before was written (group commit), so concurrent queries do not queue on SQLite's
write lock; the callers of a transaction await its one task, so its outcome, failure or bug
included, reaches each of them. A repeated query finds the call it created the first time
through the (vccId, callId) unique constraint. Events are applied inside one transaction each
(`transaction()`), whose first statement is a write so SQLite's write lock is held before anything
is read; the store offers only reads and compare-and-set writes there, the rules live in
core/calls.py. All correct on SQLite and PostgreSQL and across several processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.inbound.core.answer import QueryOutcome
from bot.inbound.core.calls import CallFlag, InboundCall, InboundLeg, LegChange
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.ports import StoredEvent
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import FINAL_STATES, CallState, FailReason, moved_values
from bot.kernel.tables import (
    InboundCallRow,
    InboundEventRow,
    InboundLegRow,
    InboundRouteChangeRow,
    InboundRouteRow,
    InboundRuleRow,
)

calls_t = InboundCallRow.__table__  # type: ignore[attr-defined]
legs_t = InboundLegRow.__table__  # type: ignore[attr-defined]
events_t = InboundEventRow.__table__  # type: ignore[attr-defined]


def _call_from_row(row: Any) -> InboundCall:
    return InboundCall(
        id=row.id,
        vcc_id=row.vcc_id,
        platform_call_id=row.platform_call_id,
        sid=row.sid,
        client_id=row.client_id,
        calling_number=row.calling_number,
        access_number=row.access_number,
        outcome=QueryOutcome(row.outcome),
        channel_id=row.channel_id,
        created_at=row.created_at,
        route_id=row.route_id,
        rule_prefix=row.rule_prefix,
        state=CallState(row.state),
        answer=dict(row.answer or {}),
        thread_ts=row.thread_ts,
        opened=bool(row.opened),
        warned=bool(row.warned),
        end_code=row.end_code,
        ended_at=row.ended_at,
    )


def _leg_from_row(row: Any) -> InboundLeg:
    return InboundLeg(
        id=row.id,
        call_id=row.call_id,
        position=row.position,
        party=Party(PartyKind.PHONE, row.address, slack_user_id=row.slack_user_id, name=row.name),
        dialled=row.dialled,
        state=CallState(row.state),
        reason=FailReason(row.reason) if row.reason else None,
        code=row.code,
        updated_at=row.updated_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
    )


def _event_from_row(row: Any) -> InboundEvent:
    raw = dict(row.raw or {})
    return InboundEvent(
        sid=str(raw.get("sid", "")),
        vcc_id=row.vcc_id,
        call_id=row.platform_call_id,
        seq=row.seq,
        code=row.code,
        charge_ext=str(raw.get("chargeExt", "")),
        client_id=raw.get("clientId") or None,
        call_result=row.call_result,
        callee_numbers=tuple(raw.get("_callees", [])),
        raw=raw,
    )


_Inserted = tuple[int | None, list[InboundEvent]]  # a call's new id (None: it existed) and its early events


@dataclass
class _Batch:
    """Calls to insert in one transaction, and the task that writes them (which all their callers await)."""

    calls: list[tuple[InboundCall, list[InboundLeg]]] = field(default_factory=list)
    written: asyncio.Task[list[_Inserted]] = field(init=False)


class SqlInboundCalls:
    """InboundCallStore on an async SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._filling: _Batch | None = None  # calls that will go in the next transaction
        self._last: asyncio.Task[list[_Inserted]] | None = None  # the batch written last

    async def create_call(
        self, call: InboundCall, legs: Sequence[InboundLeg]
    ) -> tuple[InboundCall, bool, list[InboundEvent]]:
        """Insert the call and its lines, and claim events that arrived before it.

        Returns (the call, True, its early events), or (the existing call, False, []) when the
        platform asked twice. Calls queued while a write is under way go in the next transaction
        together: one commit and one acquisition of SQLite's write lock for a whole burst.
        """
        batch = self._filling
        if batch is None:
            batch = self._filling = _Batch()
            batch.written = asyncio.create_task(self._write(batch, self._last))
            self._last = batch.written
        index = len(batch.calls)
        batch.calls.append((call, list(legs)))
        # Every caller of the batch awaits its one task, so whatever it raises reaches them all;
        # shielded, so one caller giving up does not cancel the others' write.
        call_id, orphans = (await asyncio.shield(batch.written))[index]
        if call_id is None:
            existing = await self.find_call(call.vcc_id, call.platform_call_id)
            if existing is None:
                raise RuntimeError(f"inbound call {call.platform_call_id} was neither inserted nor found")
            return existing, False, []
        call.id = call_id
        return call, True, orphans

    async def _write(self, batch: _Batch, previous: asyncio.Task[list[_Inserted]] | None) -> list[_Inserted]:
        """Write `batch` once the batch before it is done; calls arriving meanwhile wait for the next."""
        if previous is not None:
            await asyncio.wait([previous])  # how it ended is its own callers' business
        self._filling = None
        return await self._insert_batch(batch.calls)

    async def _insert_batch(self, batch: list[tuple[InboundCall, list[InboundLeg]]]) -> list[_Inserted]:
        """Three statements for the whole batch: calls (multi-row, RETURNING), lines, early events."""
        async with self.engine.begin() as conn:
            module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
            rows = [
                {
                    "client_id": call.client_id,
                    "vcc_id": call.vcc_id,
                    "platform_call_id": call.platform_call_id,
                    "sid": call.sid,
                    "calling_number": call.calling_number,
                    "access_number": call.access_number,
                    "route_id": call.route_id,
                    "rule_prefix": call.rule_prefix,
                    "outcome": call.outcome.value,
                    "channel_id": call.channel_id,
                    "state": call.state.value,
                    "opened": call.opened,
                    "warned": False,
                    "answer": dict(call.answer),
                    "created_at": call.created_at,
                    "updated_at": call.created_at,
                }
                for call, _ in batch
            ]
            # A repeated query (even one queued in this same batch) inserts nothing and returns no id.
            statement = module.insert(calls_t).on_conflict_do_nothing().returning(calls_t.c.id, calls_t.c.client_id)
            inserted = {row.client_id: int(row.id) for row in await conn.execute(statement, rows)}
            ids = [inserted.get(call.client_id) for call, _ in batch]
            lines = [
                {
                    "call_id": call_id,
                    "position": leg.position,
                    "address": leg.party.address,
                    "dialled": leg.dialled,
                    "slack_user_id": leg.party.slack_user_id,
                    "name": leg.party.name,
                    "state": leg.state.value,
                    "updated_at": leg.updated_at or call.created_at,
                }
                for (call, legs), call_id in zip(batch, ids, strict=True)
                if call_id is not None
                for leg in legs
            ]
            if lines:
                await conn.execute(insert(legs_t), lines)
            early: dict[int, list[InboundEvent]] = {}
            created = [(call, call_id) for (call, _), call_id in zip(batch, ids, strict=True) if call_id]
            if created and await self._any_orphans(conn, [call for call, _ in created]):
                for call, call_id in created:
                    early[call_id] = await self._claim_orphans(conn, call.vcc_id, call.platform_call_id, call_id)
        return [(call_id, early.get(call_id, []) if call_id else []) for call_id in ids]

    async def _any_orphans(self, conn: AsyncConnection, calls: list[InboundCall]) -> bool:
        """Whether events wait for any of these calls (nearly never: the query comes first)."""
        condition = and_(
            events_t.c.call_id.is_(None),
            events_t.c.platform_call_id.in_([call.platform_call_id for call in calls]),
        )
        return (await conn.execute(select(events_t.c.id).where(condition).limit(1))).first() is not None

    async def _claim_orphans(
        self, conn: AsyncConnection, vcc_id: str, platform_call_id: str, call_id: int
    ) -> list[InboundEvent]:
        orphan = and_(
            events_t.c.vcc_id == vcc_id,
            events_t.c.platform_call_id == platform_call_id,
            events_t.c.call_id.is_(None),
        )
        # Claim and read in one statement: only the rows this call took over, oldest first.
        claimed = await conn.execute(update(events_t).where(orphan).values(call_id=call_id).returning(*events_t.c))
        return [_event_from_row(row) for row in sorted(claimed, key=lambda row: row.id)]

    async def _one_call(self, condition: Any) -> InboundCall | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(calls_t).where(condition))).first()
        return _call_from_row(row) if row else None

    async def find_call(self, vcc_id: str, platform_call_id: str) -> InboundCall | None:
        return await self._one_call(and_(calls_t.c.vcc_id == vcc_id, calls_t.c.platform_call_id == platform_call_id))

    async def get_call(self, call_id: int) -> InboundCall | None:
        return await self._one_call(calls_t.c.id == call_id)

    async def team_of(self, call_id: int) -> str:
        """The workspace of the route that took the call ("" when it matched none, or the route is gone)."""
        routes = InboundRouteRow.__table__  # type: ignore[attr-defined]
        query = select(routes.c.team_id).select_from(calls_t.join(routes, routes.c.id == calls_t.c.route_id))
        async with self.engine.connect() as conn:
            team = (await conn.execute(query.where(calls_t.c.id == call_id))).scalar()
        return str(team or "")

    async def legs(self, call_id: int) -> list[InboundLeg]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(legs_t).where(legs_t.c.call_id == call_id).order_by(legs_t.c.position))
            return [_leg_from_row(r) for r in rows]

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlCallsTransaction]:
        """One transaction over calls, lines and events; committed when the block ends without error."""
        async with self.engine.begin() as conn:
            yield SqlCallsTransaction(conn)

    async def link_orphans(self, vcc_id: str, platform_call_id: str, call_id: int) -> list[InboundEvent]:
        async with self.engine.begin() as conn:
            return await self._claim_orphans(conn, vcc_id, platform_call_id, call_id)

    async def events_for(self, call_id: int) -> list[InboundEvent]:
        """Every event stored for a call, in arrival order (tests and inspection)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(events_t).where(events_t.c.call_id == call_id).order_by(events_t.c.id))
            return [_event_from_row(r) for r in rows]

    async def set_thread(self, call_id: int, thread_ts: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(calls_t).where(calls_t.c.id == call_id).values(thread_ts=thread_ts))

    async def count(self, table: str) -> int:
        """Rows in one of the inbound tables (tests check that rejected requests stored nothing)."""
        target = {
            "calls": calls_t,
            "legs": legs_t,
            "events": events_t,
            "routes": InboundRouteRow.__table__,  # type: ignore[attr-defined]
            "rules": InboundRuleRow.__table__,  # type: ignore[attr-defined]
            "changes": InboundRouteChangeRow.__table__,  # type: ignore[attr-defined]
        }[table]
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(target.c.id))
            return len(rows.all())


class SqlCallsTransaction:
    """The CallsTransaction port inside one database transaction: reads and compare-and-set writes only."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_event(self, event: InboundEvent, now: datetime) -> StoredEvent | None:
        """Store an event, first thing (SQLite's write lock); None for a re-delivery (same dedupe key)."""
        raw = dict(event.raw)
        raw["_callees"] = list(event.callee_numbers)
        module: Any = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        statement = (
            module.insert(events_t)
            .values(
                vcc_id=event.vcc_id,
                platform_call_id=event.call_id,
                call_id=None,
                dedupe_key=event.dedupe_key,
                seq=event.seq,
                code=event.code,
                call_result=event.call_result,
                received_at=now,
                raw=raw,
            )
            .on_conflict_do_nothing()
            .returning(events_t.c.id)
        )
        stored = (await self._conn.execute(statement)).first()
        if stored is None:
            return None
        call = await self._call_for(event)
        if call is not None and call.id is not None:
            await self._conn.execute(update(events_t).where(events_t.c.id == stored.id).values(call_id=call.id))
        return StoredEvent(call)

    async def _call_for(self, event: InboundEvent) -> InboundCall | None:
        """The event's call: by our clientId when it names this very call, else by (vccId, callId)."""
        if event.client_id:
            call = await self._one(calls_t.c.client_id == event.client_id)
            if call is not None and call.vcc_id == event.vcc_id and call.platform_call_id == event.call_id:
                return call
        return await self._one(and_(calls_t.c.vcc_id == event.vcc_id, calls_t.c.platform_call_id == event.call_id))

    async def _one(self, condition: Any) -> InboundCall | None:
        row = (await self._conn.execute(select(calls_t).where(condition))).first()
        return _call_from_row(row) if row else None

    async def touch_call(self, call_id: int, now: datetime) -> InboundCall | None:
        """Write to the call first (on SQLite this takes the write lock before anything is read), then read it."""
        await self._conn.execute(update(calls_t).where(calls_t.c.id == call_id).values(updated_at=now))
        return await self.call(call_id)

    async def call(self, call_id: int) -> InboundCall | None:
        return await self._one(calls_t.c.id == call_id)

    async def legs(self, call_id: int) -> list[InboundLeg]:
        rows = await self._conn.execute(select(legs_t).where(legs_t.c.call_id == call_id).order_by(legs_t.c.position))
        return [_leg_from_row(r) for r in rows]

    async def move_leg(self, change: LegChange, at: datetime) -> bool:
        """Compare-and-set one line from `change.expected` to `change.new`."""
        result = await self._conn.execute(
            update(legs_t)
            .where(and_(legs_t.c.id == change.leg_id, legs_t.c.state == change.expected.value))
            .values(**moved_values(change.new, change.reason, change.code, at))
        )
        return result.rowcount == 1

    async def move_call(self, call_id: int, expected: CallState, new: CallState, at: datetime, code: str) -> bool:
        """Compare-and-set the call as a whole; a final move keeps when it ended and the code that ended it."""
        values: dict[str, Any] = {"state": new.value, "updated_at": at}
        if new in FINAL_STATES:
            values.update(ended_at=at, end_code=code)
        result = await self._conn.execute(
            update(calls_t).where(and_(calls_t.c.id == call_id, calls_t.c.state == expected.value)).values(**values)
        )
        return result.rowcount == 1

    async def set_flag(self, call_id: int, flag: CallFlag) -> bool:
        """Set `opened` or `warned` once; False when it was already set."""
        column = calls_t.c[flag.value]
        result = await self._conn.execute(
            update(calls_t).where(and_(calls_t.c.id == call_id, column.is_(False))).values({column: True})
        )
        return result.rowcount == 1
