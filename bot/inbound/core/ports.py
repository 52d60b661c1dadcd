"""The inbound feature's ports: its routes, its calls and its Slack output, as the core sees them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.inbound.core.calls import CallFlag, InboundCall, InboundLeg, InboundNoticeKind, LegChange
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.routes import Route, RouteChange, RouteRule
from bot.kernel.states import CallState


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
    async def changes(self, limit: int, team_id: str | None = None) -> list[RouteChange]:
        """The newest changes (of workspace `team_id`'s routes only, when given)."""
        ...

    async def last_change_channel(self) -> str | None: ...
    async def mentioned_users(self, team_id: str | None = None) -> list[str]:
        """The Slack users routes ring (of one workspace's routes, when `team_id` is given)."""
        ...

    async def mention_teams(self) -> list[str]:
        """The workspaces whose routes ring Slack users (each is refreshed with its own token)."""
        ...

    async def set_resolved(self, user_id: str, e164: str | None, at: datetime) -> int:
        """Store a user's current profile number on every rule that rings them; rows changed."""
        ...


@dataclass(frozen=True)
class StoredEvent:
    """An event just stored (not a re-delivery), and its call when that call is known yet."""

    call: InboundCall | None


class CallsTransaction(Protocol):
    """One store transaction over an inbound call: reads and compare-and-set writes, no rules.

    Its first statement is a write (an event stored, a call touched), so on SQLite the write
    lock is held before anything is read; everything in it commits together or not at all.
    """

    async def add_event(self, event: InboundEvent, now: datetime) -> StoredEvent | None:
        """Store an event, attached to its call when known; None for a re-delivery (same dedupe key)."""
        ...

    async def touch_call(self, call_id: int, now: datetime) -> InboundCall | None:
        """Write to the call first, then read it (None: no such call)."""
        ...

    async def call(self, call_id: int) -> InboundCall | None: ...
    async def legs(self, call_id: int) -> list[InboundLeg]: ...
    async def move_leg(self, change: LegChange, at: datetime) -> bool:
        """Compare-and-set one line from `change.expected` to `change.new`; False when it had moved."""
        ...

    async def move_call(self, call_id: int, expected: CallState, new: CallState, at: datetime, code: str) -> bool:
        """Compare-and-set the call as a whole; False when it had moved."""
        ...

    async def set_flag(self, call_id: int, flag: CallFlag) -> bool:
        """Set a once-per-call flag; False when it was already set."""
        ...


class InboundCallStore(Protocol):
    """Inbound calls, their callees' lines and the platform's events, durably."""

    async def create_call(
        self, call: InboundCall, legs: Sequence[InboundLeg]
    ) -> tuple[InboundCall, bool, list[InboundEvent]]:
        """Insert the call and its lines and claim its early events; (existing, False, []) on a repeat."""
        ...

    async def find_call(self, vcc_id: str, platform_call_id: str) -> InboundCall | None: ...
    async def link_orphans(self, vcc_id: str, platform_call_id: str, call_id: int) -> list[InboundEvent]:
        """Events stored before their call was known, now attached to it (oldest first)."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[CallsTransaction]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        ...


class InboundNotifier(Protocol):
    """Slack output for inbound calls; everything is re-rendered from the store when sent."""

    async def call_changed(self, call_id: int) -> None: ...
    async def call_notice(self, call_id: int, kind: InboundNoticeKind, params: Mapping[str, Any]) -> None: ...
