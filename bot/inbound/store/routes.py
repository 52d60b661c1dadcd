"""SQL behind the RouteStore port: routes, their caller rules and targets, every change, and a cache.

A route change writes the rule, the history row and a new route-table version in one
transaction; `CachedRoutes` serves the number-query hot path from memory and reloads when that
version moves (at once after a change made here, within a poll after one made by another replica).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
from bot.kernel.background import BackgroundLoop
from bot.kernel.tables import (
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
version_t = InboundRouteVersionRow.__table__  # type: ignore[attr-defined]


def _snapshot(channel_id: str | None, rules: Sequence[RouteRule]) -> dict[str, Any]:
    return {"channel": channel_id, "rules": [rule_to_json(without_resolution(r)) for r in rules]}


def _rules_of(snapshot: dict[str, Any]) -> tuple[RouteRule, ...]:
    return tuple(rule_from_json(r) for r in snapshot.get("rules", []))


def _new_id(result: Any) -> int:
    """The primary key an INSERT just created."""
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


_ROUTE_COLUMNS = (
    routes_t.c.id.label("route_id"),
    routes_t.c.access_key,
    routes_t.c.access_display,
    routes_t.c.channel_id,
    routes_t.c.team_id,
    rules_t.c.id.label("rule_id"),
    rules_t.c.caller_prefix,
    rules_t.c.action,
    rules_t.c.options,
    targets_t.c.number,
    targets_t.c.slack_user_id,
    targets_t.c.name,
    targets_t.c.resolved_number,
)


def _routes_from_rows(rows: Any) -> list[Route]:
    """Routes from the route ⟕ rule ⟕ target join, in the join's order."""
    routes: dict[int, dict[str, Any]] = {}
    for row in rows:
        route = routes.setdefault(
            row.route_id,
            {
                "key": row.access_key,
                "display": row.access_display,
                "channel": row.channel_id,
                "team": row.team_id,
                "rules": {},
            },
        )
        if row.rule_id is None:
            continue
        rule = route["rules"].setdefault(
            row.rule_id, {"prefix": row.caller_prefix, "action": row.action, "options": row.options, "targets": []}
        )
        if row.number is not None or row.slack_user_id is not None:
            target = RuleTarget(row.number, row.slack_user_id, row.name, row.resolved_number)
            rule["targets"].append(target)
    return [
        Route(
            access_key=data["key"],
            access_display=data["display"],
            channel_id=data["channel"],
            id=route_id,
            team_id=data["team"] or "",
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


class SqlRoutes:
    """RouteStore on an async SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def route(self, access_key: str) -> Route | None:
        """One route with its rules and targets, in one query (this is the number-query hot path)."""
        async with self.engine.connect() as conn:
            return await self._route_in(conn, access_key)

    async def routes(self) -> list[Route]:
        async with self.engine.connect() as conn:
            return await self._load(conn, None)

    async def _route_in(self, conn: AsyncConnection, access_key: str) -> Route | None:
        found = await self._load(conn, routes_t.c.access_key == access_key)
        return found[0] if found else None

    async def _load(self, conn: AsyncConnection, condition: Any) -> list[Route]:
        query = (
            select(*_ROUTE_COLUMNS)
            .select_from(
                routes_t.outerjoin(rules_t, rules_t.c.route_id == routes_t.c.id).outerjoin(
                    targets_t, targets_t.c.rule_id == rules_t.c.id
                )
            )
            .order_by(routes_t.c.access_key, rules_t.c.caller_prefix, targets_t.c.position)
        )
        if condition is not None:
            query = query.where(condition)
        return _routes_from_rows(await conn.execute(query))

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
            before = await self._route_in(conn, access_key)
            if before is None or before.id is None:
                values = {"channel_id": channel_id or default_channel, "team_id": team_id, "created_by": by}
                inserted = await conn.execute(
                    insert(routes_t).values(
                        access_key=access_key, access_display=access_display, created_at=at, updated_at=at, **values
                    )
                )
                route_id, old_channel = _new_id(inserted), None
            else:
                route_id, old_channel = before.id, before.channel_id
                changed: dict[str, Any] = {"updated_at": at, "access_display": access_display}
                if channel_id:
                    changed["channel_id"] = channel_id
                await conn.execute(update(routes_t).where(routes_t.c.id == route_id).values(**changed))
            old_rule = before.rule(rule.caller_prefix) if before else None
            if old_rule is not None and old_rule.id is not None:
                await self._delete_rules(conn, [old_rule.id])
            await self._insert_rule(conn, route_id, rule, by, at)
            change = RouteChange(
                access_key=access_key,
                access_display=access_display,
                caller_prefix=rule.caller_prefix,
                action="set",
                changed_by=by,
                changed_at=at,
                channel_id=channel_id or old_channel or default_channel,
                before=(old_rule,) if old_rule else (),
                after=(rule,),
                team_id=before.team_id if before is not None and before.team_id else team_id,
            )
            await self._record(conn, change, old_channel)
        return change

    async def _insert_rule(self, conn: AsyncConnection, route_id: int, rule: RouteRule, by: str, at: datetime) -> None:
        inserted = await conn.execute(
            insert(rules_t).values(
                route_id=route_id,
                caller_prefix=rule.caller_prefix,
                action=rule.action.value,
                options=rule.options.as_dict(),
                updated_by=by,
                updated_at=at,
            )
        )
        rule_id = _new_id(inserted)
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

    async def remove_rule(self, access_key: str, caller_prefix: str, by: str, at: datetime) -> RouteChange | None:
        """Remove one rule, and the route with its last rule; None when there was none."""
        return await self._remove(access_key, caller_prefix, by, at)

    async def remove_route(self, access_key: str, by: str, at: datetime) -> RouteChange | None:
        """Remove a route and all its rules; None when there was none."""
        return await self._remove(access_key, None, by, at)

    async def _remove(self, access_key: str, caller_prefix: str | None, by: str, at: datetime) -> RouteChange | None:
        """Remove the rule for `caller_prefix` (None: every rule) and record it; the route goes with its last rule."""
        async with self.engine.begin() as conn:
            route = await self._route_in(conn, access_key)
            if route is None or route.id is None:
                return None
            if caller_prefix is None:
                removed = route.rules
            else:
                rule = route.rule(caller_prefix)
                if rule is None:
                    return None
                removed = (rule,)
            await self._delete_rules(conn, [r.id for r in removed if r.id is not None])
            if len(removed) == len(route.rules):
                await conn.execute(delete(routes_t).where(routes_t.c.id == route.id))
            change = RouteChange(
                access_key=access_key,
                access_display=route.access_display,
                caller_prefix=caller_prefix,
                action="remove_route" if caller_prefix is None else "remove",
                changed_by=by,
                changed_at=at,
                channel_id=route.channel_id,
                before=removed,
                team_id=route.team_id,
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
                team_id=change.team_id,
            )
        )

    async def changes(self, limit: int, team_id: str | None = None) -> list[RouteChange]:
        query = select(changes_t)
        if team_id is not None:
            query = query.where(changes_t.c.team_id == team_id)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.order_by(changes_t.c.id.desc()).limit(limit))
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
                    team_id=row.team_id or "",
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

    async def mentioned_users(self, team_id: str | None = None) -> list[str]:
        query = select(targets_t.c.slack_user_id).where(targets_t.c.slack_user_id.is_not(None))
        if team_id is not None:
            query = query.select_from(_targets_with_routes()).where(routes_t.c.team_id == team_id)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.distinct().order_by(targets_t.c.slack_user_id))
            return [row[0] for row in rows]

    async def mention_teams(self) -> list[str]:
        query = (
            select(routes_t.c.team_id)
            .select_from(_targets_with_routes())
            .where(targets_t.c.slack_user_id.is_not(None))
            .distinct()
            .order_by(routes_t.c.team_id)
        )
        async with self.engine.connect() as conn:
            return [row[0] for row in await conn.execute(query)]

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


def _targets_with_routes() -> Any:
    """Targets joined to their rule's route (whose team they ring for)."""
    with_rules = targets_t.join(rules_t, rules_t.c.id == targets_t.c.rule_id)
    return with_rules.join(routes_t, routes_t.c.id == rules_t.c.route_id)


class CachedRoutes(SqlRoutes):
    """SqlRoutes whose `route()`, the number-query hot path, is answered from memory.

    The route table is loaded at first use (so it is right after every restart) and again
    whenever its version moves: at once after a change made through this object, and within
    `poll_s` after one made by another replica (a one-row read, polled in the background).
    Routes are few (one per access number), so loading them all is one query.
    """

    def __init__(self, engine: AsyncEngine, poll_s: float = 1.0) -> None:
        super().__init__(engine)
        self._by_key: dict[str, Route] = {}
        self._last_channel: str | None = None
        self._version: int | None = None
        # Generations, not a flag: an invalidation during a reload must trigger another one.
        self._wanted = 0
        self._loaded = -1
        self._lock = asyncio.Lock()
        self._loop = BackgroundLoop(
            "inbound-route-cache",
            self._poll_step,
            every_s=poll_s,
            first_after_s=poll_s,
            failure="could not check the route table's version; serving the routes in memory",
        )

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

    async def _poll_step(self) -> None:
        await self.poll()

    async def set_rule(self, *args: Any, **kwargs: Any) -> RouteChange:
        try:
            return await super().set_rule(*args, **kwargs)
        finally:
            self.invalidate()

    async def _remove(self, access_key: str, caller_prefix: str | None, by: str, at: datetime) -> RouteChange | None:
        try:
            return await super()._remove(access_key, caller_prefix, by, at)
        finally:
            self.invalidate()

    async def set_resolved(self, user_id: str, e164: str | None, at: datetime) -> int:
        changed = await super().set_resolved(user_id, e164, at)
        if changed:
            self.invalidate()
        return changed
