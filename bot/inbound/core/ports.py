"""The inbound feature's ports: its routes, its calls and its Slack output, as the core sees them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.inbound.core.calls import Applied, InboundCall, InboundLeg, InboundNoticeKind
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.routes import Route, RouteChange, RouteRule


class RouteStore(Protocol):
    """Inbound routes, their caller rules and every change to them, durably."""

    async def route(self, access_key: str) -> Route | None: ...
    async def routes(self) -> list[Route]: ...
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
        """Create or replace the rule for (access number, prefix); records the change in the same transaction."""
        ...

    async def remove_rule(self, access_key: str, caller_prefix: str, by: str, at: datetime) -> RouteChange | None:
        """Remove one rule (and the route with its last rule); None when there was none."""
        ...

    async def remove_route(self, access_key: str, by: str, at: datetime) -> RouteChange | None: ...
    async def changes(self, limit: int) -> list[RouteChange]: ...
    async def last_change_channel(self) -> str | None: ...
    async def mentioned_users(self) -> list[str]: ...
    async def set_resolved(self, user_id: str, e164: str | None, at: datetime) -> int:
        """Store a user's current profile number on every rule that rings them; rows changed."""
        ...


class InboundCallStore(Protocol):
    """Inbound calls, their callees' lines and the platform's events, durably."""

    async def create_call(
        self, call: InboundCall, legs: Sequence[InboundLeg]
    ) -> tuple[InboundCall, bool, list[InboundEvent]]:
        """Insert the call and its lines and claim its early events; (existing, False, []) on a repeat."""
        ...

    async def find_call(self, vcc_id: str, platform_call_id: str) -> InboundCall | None: ...
    async def record_event(self, event: InboundEvent, now: datetime, region: str) -> Applied:
        """Store an event and apply it to its call, in one transaction (a re-delivery changes nothing)."""
        ...

    async def link_orphans(self, vcc_id: str, platform_call_id: str, call_id: int) -> list[InboundEvent]:
        """Events stored before their call was known, now attached to it (oldest first)."""
        ...

    async def apply_events(self, call_id: int, events: Sequence[InboundEvent], now: datetime, region: str) -> Applied:
        """Apply events already stored for a call, in one transaction."""
        ...


class InboundNotifier(Protocol):
    """Slack output for inbound calls; everything is re-rendered from the store when sent."""

    async def call_changed(self, call_id: int) -> None: ...
    async def call_notice(self, call_id: int, kind: InboundNoticeKind, params: Mapping[str, Any]) -> None: ...
