"""SQL behind the inbound ports: routes and their history, inbound calls, lines and events.

Route changes write the rule, the history row and a new route-table version in one
transaction; `CachedRoutes` serves the number-query hot path from memory and reloads when that
version moves. Calls are inserted by one writer per process that commits everything queued
in one transaction (group commit), so concurrent queries do not queue on SQLite's write lock.
Line states move by compare-and-set, events are de-duplicated by a unique key, and a repeated
query finds the call it created the first time through the (vccId, callId) unique constraint:
all correct on SQLite and PostgreSQL and across several processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.inbound.core.answer import QueryOutcome
from bot.inbound.core.calls import Applied, InboundCall, InboundLeg, LegChange, call_state, effects
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.routes import (
    Route,
    RouteChange,
    RouteOptions,
    RouteRule,
    RuleAction,
    RuleTarget,
    rule_from_json,
    rule_to_json,
    without_resolution,
)
from bot.kernel.background import BackgroundTask
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import FINAL_STATES, CallState, FailReason, advance
from bot.kernel.tables import (
    InboundCallRow,
    InboundEventRow,
    InboundLegRow,
    InboundRouteChangeRow,
    InboundRouteRow,
    InboundRouteVersionRow,
    InboundRuleRow,
    InboundTargetRow,
)

log = logging.getLogger(__name__)

routes_t = InboundRouteRow.__table__  # type: ignore[attr-defined]
rules_t = InboundRuleRow.__table__  # type: ignore[attr-defined]
targets_t = InboundTargetRow.__table__  # type: ignore[attr-defined]
changes_t = InboundRouteChangeRow.__table__  # type: ignore[attr-defined]
calls_t = InboundCallRow.__table__  # type: ignore[attr-defined]
legs_t = InboundLegRow.__table__  # type: ignore[attr-defined]
events_t = InboundEventRow.__table__  # type: ignore[attr-defined]
version_t = InboundRouteVersionRow.__table__  # type: ignore[attr-defined]


# --- routes --------------------------------------------------------------------------------


def _snapshot(channel_id: str | None, rules: Sequence[RouteRule]) -> dict[str, Any]:
    return {"channel": channel_id, "rules": [rule_to_json(without_resolution(r)) for r in rules]}


def _rules_of(snapshot: dict[str, Any]) -> tuple[RouteRule, ...]:
    return tuple(rule_from_json(r) for r in snapshot.get("rules", []))


class SqlRoutes:
    """RouteStore on an async SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def route(self, access_key: str) -> Route | None:
        """One route with its rules and targets, in one query (this is the number-query hot path)."""
        async with self.engine.connect() as conn:
            built = await self._load(conn, routes_t.c.access_key == access_key)
        return built[0] if built else None

    async def routes(self) -> list[Route]:
        async with self.engine.connect() as conn:
            return await self._load(conn, None)

    async def _load(self, conn: AsyncConnection, condition: Any) -> list[Route]:
        query = (
            select(
                routes_t.c.id.label("route_id"),
                routes_t.c.access_key,
                routes_t.c.access_display,
                routes_t.c.channel_id,
                rules_t.c.id.label("rule_id"),
                rules_t.c.caller_prefix,
                rules_t.c.action,
                rules_t.c.options,
                targets_t.c.number,
                targets_t.c.slack_user_id,
                targets_t.c.name,
                targets_t.c.resolved_number,
            )
            .select_from(
                routes_t.outerjoin(rules_t, rules_t.c.route_id == routes_t.c.id).outerjoin(
                    targets_t, targets_t.c.rule_id == rules_t.c.id
                )
            )
            .order_by(routes_t.c.access_key, rules_t.c.caller_prefix, targets_t.c.position)
        )
        if condition is not None:
            query = query.where(condition)
        routes: dict[int, dict[str, Any]] = {}
        for row in await conn.execute(query):
            route = routes.setdefault(
                row.route_id,
                {"key": row.access_key, "display": row.access_display, "channel": row.channel_id, "rules": {}},
            )
            if row.rule_id is None:
                continue
            rule = route["rules"].setdefault(
                row.rule_id, {"prefix": row.caller_prefix, "action": row.action, "options": row.options, "targets": []}
            )
            if row.number is not None or row.slack_user_id is not None:
                rule["targets"].append(
                    RuleTarget(
                        number=row.number, slack_user_id=row.slack_user_id, name=row.name, resolved=row.resolved_number
                    )
                )
        return [
            Route(
                access_key=data["key"],
                access_display=data["display"],
                channel_id=data["channel"],
                id=route_id,
                rules=tuple(
                    RouteRule(
                        caller_prefix=r["prefix"],
                        action=RuleAction(r["action"]),
                        targets=tuple(r["targets"]),
                        options=RouteOptions.from_dict(r["options"] or {}),
                        id=rule_id,
                    )
                    for rule_id, r in data["rules"].items()
                ),
            )
            for route_id, data in routes.items()
        ]

    async def set_rule(
        self,
        access_key: str,
        access_display: str,
        channel_id: str | None,
        default_channel: str,
        team_id: str,
        rule: RouteRule,
        by: str,
        at: datetime,
    ) -> RouteChange:
        async with self.engine.begin() as conn:
            before_list = await self._load(conn, routes_t.c.access_key == access_key)
            before = before_list[0] if before_list else None
            if before is None or before.id is None:
                result = await conn.execute(
                    insert(routes_t).values(
                        access_key=access_key,
                        access_display=access_display,
                        channel_id=channel_id or default_channel,
                        team_id=team_id,
                        created_by=by,
                        created_at=at,
                        updated_at=at,
                    )
                )
                route_id = _new_id(result)
                old_channel = None
            else:
                route_id = before.id
                old_channel = before.channel_id
                values: dict[str, Any] = {"updated_at": at, "access_display": access_display}
                if channel_id:
                    values["channel_id"] = channel_id
                await conn.execute(update(routes_t).where(routes_t.c.id == route_id).values(**values))
            old_rule = before.rule(rule.caller_prefix) if before else None
            if old_rule is not None and old_rule.id is not None:
                await self._delete_rules(conn, [old_rule.id])
            result = await conn.execute(
                insert(rules_t).values(
                    route_id=route_id,
                    caller_prefix=rule.caller_prefix,
                    action=rule.action.value,
                    options=rule.options.as_dict(),
                    updated_by=by,
                    updated_at=at,
                )
            )
            rule_id = _new_id(result)
            if rule.targets:
                await conn.execute(
                    insert(targets_t),
                    [
                        {
                            "rule_id": rule_id,
                            "position": position,
                            "number": target.number,
                            "slack_user_id": target.slack_user_id,
                            "name": target.name,
                            "resolved_number": target.resolved,
                            "resolved_at": at if target.slack_user_id else None,
                        }
                        for position, target in enumerate(rule.targets)
                    ],
                )
            new_channel = channel_id or old_channel or default_channel
            change = RouteChange(
                access_key=access_key,
                access_display=access_display,
                caller_prefix=rule.caller_prefix,
                action="set",
                changed_by=by,
                changed_at=at,
                channel_id=new_channel,
                before=(old_rule,) if old_rule else (),
                after=(rule,),
            )
            await self._record(conn, change, old_channel)
        return change

    async def remove_rule(self, access_key: str, caller_prefix: str, by: str, at: datetime) -> RouteChange | None:
        async with self.engine.begin() as conn:
            found = await self._load(conn, routes_t.c.access_key == access_key)
            route = found[0] if found else None
            rule = route.rule(caller_prefix) if route else None
            if route is None or rule is None or rule.id is None or route.id is None:
                return None
            await self._delete_rules(conn, [rule.id])
            if len(route.rules) == 1:
                await conn.execute(delete(routes_t).where(routes_t.c.id == route.id))
            change = RouteChange(
                access_key=access_key,
                access_display=route.access_display,
                caller_prefix=caller_prefix,
                action="remove",
                changed_by=by,
                changed_at=at,
                channel_id=route.channel_id,
                before=(rule,),
            )
            await self._record(conn, change, route.channel_id)
        return change

    async def remove_route(self, access_key: str, by: str, at: datetime) -> RouteChange | None:
        async with self.engine.begin() as conn:
            found = await self._load(conn, routes_t.c.access_key == access_key)
            if not found or found[0].id is None:
                return None
            route = found[0]
            await self._delete_rules(conn, [r.id for r in route.rules if r.id is not None])
            await conn.execute(delete(routes_t).where(routes_t.c.id == route.id))
            change = RouteChange(
                access_key=access_key,
                access_display=route.access_display,
                caller_prefix=None,
                action="remove_route",
                changed_by=by,
                changed_at=at,
                channel_id=route.channel_id,
                before=route.rules,
            )
            await self._record(conn, change, route.channel_id)
        return change

    async def _delete_rules(self, conn: AsyncConnection, rule_ids: list[int]) -> None:
        if rule_ids:
            await conn.execute(delete(targets_t).where(targets_t.c.rule_id.in_(rule_ids)))
            await conn.execute(delete(rules_t).where(rules_t.c.id.in_(rule_ids)))

    async def _bump(self, conn: AsyncConnection) -> None:
        await conn.execute(update(version_t).where(version_t.c.id == 1).values(version=version_t.c.version + 1))

    async def version(self) -> int:
        """The route table's version: it grows with every change to routes or the numbers they ring."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(version_t.c.version).where(version_t.c.id == 1))).first()
        return int(row[0]) if row else 0

    async def _record(self, conn: AsyncConnection, change: RouteChange, old_channel: str | None) -> None:
        await self._bump(conn)
        await conn.execute(
            insert(changes_t).values(
                access_key=change.access_key,
                access_display=change.access_display,
                caller_prefix=change.caller_prefix,
                action=change.action,
                changed_by=change.changed_by,
                changed_at=change.changed_at,
                channel_id=change.channel_id,
                before=_snapshot(old_channel, change.before),
                after=_snapshot(change.channel_id if change.after else None, change.after),
            )
        )

    async def changes(self, limit: int) -> list[RouteChange]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(changes_t).order_by(changes_t.c.id.desc()).limit(limit))
            return [
                RouteChange(
                    access_key=row.access_key,
                    access_display=row.access_display,
                    caller_prefix=row.caller_prefix,
                    action=row.action,
                    changed_by=row.changed_by,
                    changed_at=row.changed_at,
                    channel_id=row.channel_id,
                    before=_rules_of(row.before or {}),
                    after=_rules_of(row.after or {}),
                    id=row.id,
                )
                for row in rows
            ]

    async def last_change_channel(self) -> str | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(changes_t.c.channel_id)
                    .where(changes_t.c.channel_id.is_not(None))
                    .order_by(changes_t.c.id.desc())
                    .limit(1)
                )
            ).first()
        return row[0] if row else None

    async def mentioned_users(self) -> list[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(targets_t.c.slack_user_id)
                .where(targets_t.c.slack_user_id.is_not(None))
                .distinct()
                .order_by(targets_t.c.slack_user_id)
            )
            return [row[0] for row in rows]

    async def set_resolved(self, user_id: str, e164: str | None, at: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(targets_t)
                .where(
                    and_(
                        targets_t.c.slack_user_id == user_id,
                        # only rows whose number changes: a refresh that finds nothing new writes nothing
                        targets_t.c.resolved_number.is_distinct_from(e164),
                    )
                )
                .values(resolved_number=e164, resolved_at=at)
            )
            if result.rowcount:
                await self._bump(conn)
        return int(result.rowcount or 0)


class CachedRoutes(SqlRoutes):
    """SqlRoutes whose `route()`, the number-query hot path, is answered from memory.

    The route table is loaded at first use (so it is right after every restart) and again
    whenever its version moves: at once after a change made through this object, and within
    `poll_s` after one made by another replica (a one-row read, polled in the background).
    Routes are few (one per access number), so loading them all is one query.
    """

    def __init__(self, engine: AsyncEngine, poll_s: float = 1.0) -> None:
        super().__init__(engine)
        self._poll_s = poll_s
        self._by_key: dict[str, Route] = {}
        self._last_channel: str | None = None
        self._version: int | None = None
        # Generations, not a flag: an invalidation during a reload must trigger another one.
        self._wanted = 0
        self._loaded = -1
        self._lock = asyncio.Lock()
        self._loop = BackgroundTask("inbound-route-cache", self._run)

    def invalidate(self) -> None:
        """Reload before the next lookup."""
        self._wanted += 1

    async def _fresh(self) -> None:
        while self._loaded != self._wanted:
            async with self._lock:
                target = self._wanted
                if self._loaded == target:
                    return
                # Version first: a change committed between the reads is caught by the next poll.
                version = await self.version()
                routes = await self.routes()
                last_channel = await super().last_change_channel()
                self._by_key = {route.access_key: route for route in routes}
                self._last_channel = last_channel
                self._version = version
                self._loaded = target

    async def route(self, access_key: str) -> Route | None:
        await self._fresh()
        return self._by_key.get(access_key)

    async def last_change_channel(self) -> str | None:
        await self._fresh()
        return self._last_channel

    async def poll(self) -> bool:
        """Mark the cache stale when another process changed routes; True when it did."""
        if self._version is not None and await self.version() != self._version:
            self.invalidate()
            return True
        return False

    def start(self) -> None:
        """Poll the version in the background."""
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                await self.poll()
            except Exception:
                log.warning("could not check the route table's version; serving the routes in memory")

    async def set_rule(self, *args: Any, **kwargs: Any) -> RouteChange:
        try:
            return await super().set_rule(*args, **kwargs)
        finally:
            self.invalidate()

    async def remove_rule(self, access_key: str, caller_prefix: str, by: str, at: datetime) -> RouteChange | None:
        try:
            return await super().remove_rule(access_key, caller_prefix, by, at)
        finally:
            self.invalidate()

    async def remove_route(self, access_key: str, by: str, at: datetime) -> RouteChange | None:
        try:
            return await super().remove_route(access_key, by, at)
        finally:
            self.invalidate()

    async def set_resolved(self, user_id: str, e164: str | None, at: datetime) -> int:
        changed = await super().set_resolved(user_id, e164, at)
        if changed:
            self.invalidate()
        return changed


# --- calls, lines, events ------------------------------------------------------------------


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


class SqlInboundCalls:
    """InboundCallStore on an async SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._queue: list[tuple[InboundCall, list[InboundLeg], asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def create_call(
        self, call: InboundCall, legs: Sequence[InboundLeg]
    ) -> tuple[InboundCall, bool, list[InboundEvent]]:
        """Insert the call and its lines, and claim events that arrived before it.

        Returns (the call, True, its early events), or (the existing call, False, []) when the
        platform asked twice. Calls queued while a write is under way go in the next transaction
        together: one commit and one acquisition of SQLite's write lock for a whole burst.
        """
        future: asyncio.Future[tuple[int | None, list[InboundEvent]]] = asyncio.get_running_loop().create_future()
        self._queue.append((call, list(legs), future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        call_id, orphans = await future
        if call_id is None:
            existing = await self.find_call(call.vcc_id, call.platform_call_id)
            if existing is None:
                raise RuntimeError(f"inbound call {call.platform_call_id} was neither inserted nor found")
            return existing, False, []
        call.id = call_id
        return call, True, orphans

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await self._insert_batch(batch)
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _insert_batch(
        self, batch: list[tuple[InboundCall, list[InboundLeg], Any]]
    ) -> list[tuple[int | None, list[InboundEvent]]]:
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
                for call, _, _ in batch
            ]
            # A repeated query (even one queued in this same batch) inserts nothing and returns no id.
            statement = module.insert(calls_t).on_conflict_do_nothing().returning(calls_t.c.id, calls_t.c.client_id)
            inserted = {row.client_id: int(row.id) for row in await conn.execute(statement, rows)}
            ids = [inserted.get(call.client_id) for call, _, _ in batch]
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
                for (call, legs, _), call_id in zip(batch, ids, strict=True)
                if call_id is not None
                for leg in legs
            ]
            if lines:
                await conn.execute(insert(legs_t), lines)
            early: dict[int, list[InboundEvent]] = {}
            created = [(call, call_id) for (call, _, _), call_id in zip(batch, ids, strict=True) if call_id]
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

    async def legs(self, call_id: int) -> list[InboundLeg]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(legs_t).where(legs_t.c.call_id == call_id).order_by(legs_t.c.position))
            return [_leg_from_row(r) for r in rows]

    async def record_event(self, event: InboundEvent, now: datetime, region: str) -> Applied:
        """Store an event and apply it to its call in one transaction: a stored event is an applied one.

        The insert comes first, so on SQLite the write lock is held before anything is read, and a
        re-delivery (same dedupe key) inserts nothing and changes nothing.
        """
        raw = dict(event.raw)
        raw["_callees"] = list(event.callee_numbers)
        async with self.engine.begin() as conn:
            module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
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
            stored = (await conn.execute(statement)).first()
            if stored is None:
                return Applied()
            call = await self._call_for(conn, event)
            if call is None or call.id is None:
                return Applied(new=True)
            await conn.execute(update(events_t).where(events_t.c.id == stored.id).values(call_id=call.id))
            return await self._apply_in(conn, call, [event], now, region)

    async def apply_events(self, call_id: int, events: Sequence[InboundEvent], now: datetime, region: str) -> Applied:
        """Apply events already stored for a call (those that arrived before its query), in one transaction."""
        async with self.engine.begin() as conn:
            # Touch the call first: on SQLite this takes the write lock before anything is read.
            await conn.execute(update(calls_t).where(calls_t.c.id == call_id).values(updated_at=now))
            call = await self._call_in(conn, calls_t.c.id == call_id)
            if call is None:
                return Applied(new=True)
            return await self._apply_in(conn, call, events, now, region)

    async def _call_in(self, conn: AsyncConnection, condition: Any) -> InboundCall | None:
        row = (await conn.execute(select(calls_t).where(condition))).first()
        return _call_from_row(row) if row else None

    async def _call_for(self, conn: AsyncConnection, event: InboundEvent) -> InboundCall | None:
        """The event's call: by our clientId when it names this very call, else by (vccId, callId)."""
        if event.client_id:
            call = await self._call_in(conn, calls_t.c.client_id == event.client_id)
            if call is not None and call.vcc_id == event.vcc_id and call.platform_call_id == event.call_id:
                return call
        return await self._call_in(
            conn, and_(calls_t.c.vcc_id == event.vcc_id, calls_t.c.platform_call_id == event.call_id)
        )

    async def _legs_in(self, conn: AsyncConnection, call_id: int) -> list[InboundLeg]:
        rows = await conn.execute(select(legs_t).where(legs_t.c.call_id == call_id).order_by(legs_t.c.position))
        return [_leg_from_row(r) for r in rows]

    async def _apply_in(
        self, conn: AsyncConnection, call: InboundCall, events: Sequence[InboundEvent], now: datetime, region: str
    ) -> Applied:
        """Carry out each event's effects (decided in core.inbound.effects) by compare-and-set."""
        assert call.id is not None
        applied = Applied(new=True, call_id=call.id)
        legs = await self._legs_in(conn, call.id)
        for event in events:
            made: list[LegChange] = []
            plan = effects(call, legs, event, region)
            for _ in range(3):
                done = [change for change in plan.changes if await self._move_leg(conn, change, now)]
                made += done
                for change in done:
                    next(leg for leg in legs if leg.id == change.leg_id).state = change.new
                if len(done) == len(plan.changes):
                    break
                # Another process moved a line meanwhile (PostgreSQL): read again, do what is left.
                legs = await self._legs_in(conn, call.id)
                call = await self._call_in(conn, calls_t.c.id == call.id) or call
                plan = effects(call, legs, event, region)
            applied.changes += made
            assert call.id is not None
            if plan.open_thread and await self._flag(conn, call.id, "opened"):
                applied.opened = call.opened = True
            if plan.warn and await self._flag(conn, call.id, "warned"):
                applied.warned = call.warned = True
            new_state = advance(call.state, call_state([leg.state for leg in legs])) if made else None
            if new_state is not None and await self._move_call(conn, call, new_state, now, event.code):
                applied.moves.append((new_state, event.code))
                call.state = new_state
        return applied

    async def _move_leg(self, conn: AsyncConnection, change: LegChange, at: datetime) -> bool:
        values: dict[str, Any] = {
            "state": change.new.value,
            "reason": change.reason.value if change.reason else None,
            "updated_at": at,
        }
        if change.code is not None:
            values["code"] = change.code
        if change.new is CallState.ANSWERED:
            values["answered_at"] = at
        if change.new in FINAL_STATES:
            values["ended_at"] = at
        result = await conn.execute(
            update(legs_t)
            .where(and_(legs_t.c.id == change.leg_id, legs_t.c.state == change.expected.value))
            .values(**values)
        )
        return result.rowcount == 1

    async def _move_call(
        self, conn: AsyncConnection, call: InboundCall, new: CallState, at: datetime, code: str
    ) -> bool:
        assert call.id is not None
        values: dict[str, Any] = {"state": new.value, "updated_at": at}
        if new in FINAL_STATES:
            values.update(ended_at=at, end_code=code)
        result = await conn.execute(
            update(calls_t).where(and_(calls_t.c.id == call.id, calls_t.c.state == call.state.value)).values(**values)
        )
        return result.rowcount == 1

    async def _flag(self, conn: AsyncConnection, call_id: int, column: str) -> bool:
        result = await conn.execute(
            update(calls_t).where(and_(calls_t.c.id == call_id, calls_t.c[column].is_(False))).values({column: True})
        )
        return result.rowcount == 1

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
            "routes": routes_t,
            "rules": rules_t,
            "changes": changes_t,
        }[table]
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(target.c.id))
            return len(rows.all())


def _new_id(result: Any) -> int:
    """The primary key an INSERT just created."""
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])
