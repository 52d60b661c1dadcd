"""Inbound call use cases: answer the CTI platform's number queries and apply its events.

The query path reads only the database (routes and the profile numbers resolved in the
background), never Slack or any other network service, so it answers in milliseconds and
keeps answering when Slack is down. Events are stored first (de-duplicated), then move each
callee's line forward only; what Slack should show is enqueued and rendered from the store later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.inbound.core.answer import AnswerDefaults, InboundQuery, QueryOutcome, build_answer, decide, with_seq
from bot.inbound.core.calls import Applied, InboundCall, InboundLeg, InboundNoticeKind
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.numbers import number_key
from bot.inbound.core.ports import InboundCallStore, InboundNotifier, RouteStore
from bot.inbound.core.progress import apply_events
from bot.kernel.phone import DialingPolicy
from bot.kernel.ports import Clock
from bot.kernel.states import CallState
from bot.kernel.workspace_settings import WorkspaceSettingsSource

log = logging.getLogger(__name__)


# --- answering the platform ----------------------------------------------------------------


@dataclass(frozen=True)
class SwitchboardRules:
    """Workspace settings for inbound calls."""

    region: str = "CN"
    defaults: AnswerDefaults = field(default_factory=AnswerDefaults)
    report_channel: str = ""  # calls to unrouted numbers; '' → the channel routes were last changed in
    policy: DialingPolicy = field(default_factory=DialingPolicy)  # applied to a route's numbers at each call


def new_client_id() -> str:
    """Our id for an inbound call (`clientId`): unguessable, short, unique."""
    return uuid.uuid4().hex[:20]


class Switchboard:
    """Answers number queries from routes and turns the platform's events into line states."""

    def __init__(
        self,
        routes: RouteStore,
        calls: InboundCallStore,
        notifier: InboundNotifier,
        clock: Clock,
        rules: SwitchboardRules,
        client_ids: Callable[[], str] = new_client_id,
        *,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`workspace_settings`: the route's team's dialing policy at each call (None: `rules.policy`)."""
        self._workspace_settings = workspace_settings
        self._routes = routes
        self._calls = calls
        self._notifier = notifier
        self._clock = clock
        self._rules = rules
        self._client_ids = client_ids

    async def answer(self, query: InboundQuery) -> dict[str, Any]:
        """The answer to a number query; a repeated query gets the answer it got the first time."""
        region = self._rules.region
        route = await self._routes.route(number_key(query.access_number, region))
        policy = self._rules.policy
        if self._workspace_settings is not None and route is not None and route.team_id:
            policy = (await self._workspace_settings.for_team(route.team_id)).policy
        decision = decide(route, query.calling_number, region, policy)
        if decision.refused:
            refused = len(decision.refused)
            log.warning("inbound call %s: %d number(s) outside the dialing policy not rung", query.call_id, refused)
        client_id = self._client_ids()
        answer = build_answer(query, decision, client_id, self._rules.defaults)
        channel = route.channel_id if route else await self._unrouted_channel()
        now = self._clock.now()
        routed = decision.outcome is QueryOutcome.ROUTED
        call = InboundCall(
            vcc_id=query.vcc_id,
            platform_call_id=query.call_id,
            sid=query.sid,
            client_id=client_id,
            calling_number=query.calling_number,
            access_number=query.access_number,
            outcome=decision.outcome,
            channel_id=channel,
            created_at=now,
            route_id=route.id if route else None,
            rule_prefix=decision.rule.caller_prefix if decision.rule else None,
            state=CallState.QUEUED if routed else CallState.FAILED,
            answer=answer,
            opened=not routed,  # refusals are reported at once; routed calls with their first event
        )
        legs = [
            InboundLeg(0, position, callee.party(), callee.dialled, updated_at=now)
            for position, callee in enumerate(decision.callees)
        ]
        saved, created, early_events = await self._calls.create_call(call, legs)
        if not created:
            return with_seq(saved.answer, query.seq)
        assert saved.id is not None
        if not routed:
            await self._notifier.call_changed(saved.id)
        if early_events:
            await self._tell(await self._apply_stored(saved.id, early_events, now))
        return answer

    async def _unrouted_channel(self) -> str | None:
        return self._rules.report_channel or await self._routes.last_change_channel()

    async def on_event(self, event: InboundEvent) -> bool:
        """Store an event and apply it; False for re-deliveries and events of calls we do not know (yet).

        Stored and applied in one transaction: a stored event is an applied one. A re-delivery
        (same dedupe key) stores nothing and changes nothing.
        """
        now = self._clock.now()
        async with self._calls.transaction() as tx:
            stored = await tx.add_event(event, now)
            if stored is None:
                return False
            applied = None
            if stored.call is not None:
                applied = await apply_events(tx, stored.call, [event], now, self._rules.region)
        if applied is None:
            # The query may have been committing just now; both sides write first and look second.
            call = await self._calls.find_call(event.vcc_id, event.call_id)
            if call is None or call.id is None:
                log.info("CTI event %s for unknown call %s stored", event.code, event.call_id)
                return False
            early = await self._calls.link_orphans(event.vcc_id, event.call_id, call.id)
            if not early:
                return False
            applied = await self._apply_stored(call.id, early, now)
        await self._tell(applied)
        return True

    async def _apply_stored(self, call_id: int, events: Sequence[InboundEvent], now: datetime) -> Applied:
        """Apply events already stored for a call (those that arrived before its query), in one transaction."""
        async with self._calls.transaction() as tx:
            call = await tx.touch_call(call_id, now)
            if call is None:
                return Applied(new=True)
            return await apply_events(tx, call, events, now, self._rules.region)

    async def _tell(self, applied: Applied) -> None:
        """Slack output for what an event did: the thread first, then the replies that matter."""
        call_id = applied.call_id
        if call_id is None:
            return
        if applied.opened:
            await self._notifier.call_changed(call_id)  # the first event opens the thread
        for change in applied.changes:
            if change.new is CallState.ANSWERED:
                await self._notifier.call_notice(call_id, InboundNoticeKind.ANSWERED, {"leg_id": change.leg_id})
            elif change.new is CallState.FAILED:
                await self._notifier.call_notice(call_id, InboundNoticeKind.FAILED, {"leg_id": change.leg_id})
        if applied.warned:
            await self._notifier.call_notice(call_id, InboundNoticeKind.WARNING, {})
        for state, code in applied.moves:
            if state in {CallState.COMPLETED, CallState.CANCELLED}:
                await self._notifier.call_notice(call_id, InboundNoticeKind.ENDED, {"code": code})
        if (applied.changes or applied.moves) and not applied.opened:
            await self._notifier.call_changed(call_id)
