"""Inbound calls in Slack: outbox rows for their threads, their delivery, user groups, fresh numbers.

The switchboard only records *that* a call's thread must change (`InboundRow.THREAD`, coalesced
per call) or that a reply is due (`InboundRow.REPLY`); the outbox worker hands those rows to
`InboundSender`, which renders them from the store at send time (the thread parent through the
shared post-or-update, kernel/posting.py). So the CTI platform's
requests never wait for Slack, and a Slack outage delays these messages without losing any.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

from bot.inbound.core.calls import InboundNoticeKind
from bot.inbound.core.route_book import RouteBook
from bot.inbound.slack.blocks import InboundView, build_inbound_notice, build_inbound_thread
from bot.inbound.store.calls import SqlInboundCalls
from bot.kernel.acting import acting_for
from bot.kernel.background import BackgroundLoop
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.ports import Clock
from bot.kernel.posting import NotReady, Rendered, Where
from bot.slack.outbox_worker import SlackOutboxWorker

log = logging.getLogger(__name__)


class InboundRow(OutboxKind):
    """The outbox rows about an inbound call: its kept thread parent, and replies in that thread."""

    THREAD = "inbound_thread"
    REPLY = "inbound_reply"


def thread_key(call_id: int) -> str:
    """The outbox thread of an inbound call: its rows are grouped and ordered per call."""
    return f"inbound:{call_id}"


class InboundOutbox:
    """The switchboard's InboundNotifier: rows in the Slack outbox, the thread coalesced per call."""

    def __init__(
        self,
        outbox: SqlOutbox,
        clock: Clock,
        wake: asyncio.Event,
        team_of: Callable[[int], Awaitable[str]] | None = None,
    ) -> None:
        """`team_of`: a call's workspace (its route's), whose token delivers its thread."""
        self._outbox = outbox
        self._clock = clock
        self._wake = wake
        self._team_of = team_of

    async def _team(self, call_id: int) -> str:
        return await self._team_of(call_id) if self._team_of is not None else ""

    async def call_changed(self, call_id: int) -> None:
        await self._outbox.enqueue(
            InboundRow.THREAD,
            self._clock.now(),
            team_id=await self._team(call_id),
            thread_key=thread_key(call_id),
            payload={"call_id": call_id},
            coalesce_for=call_id,
        )
        self._wake.set()

    async def call_notice(self, call_id: int, kind: InboundNoticeKind, params: Mapping[str, Any]) -> None:
        await self._outbox.enqueue(
            InboundRow.REPLY,
            self._clock.now(),
            team_id=await self._team(call_id),
            thread_key=thread_key(call_id),
            payload={"call_id": call_id, "kind": kind.value, "params": dict(params)},
        )
        self._wake.set()


class InboundSender:
    """Delivers inbound outbox rows: posts or updates the call's thread parent, posts its replies."""

    def __init__(
        self,
        calls: SqlInboundCalls,
        worker: SlackOutboxWorker,
        outbox: SqlOutbox,
        view: InboundView,
    ) -> None:
        self._calls = calls
        self._worker = worker
        self._messages = worker.messages
        self._outbox = outbox
        self._view = view
        # One inbound post at a time: calls mostly go to one channel, where Slack takes about one
        # message a second anyway, and the CTI platform's requests keep the event loop and database.
        self._one_at_a_time = asyncio.Lock()

    def register(self) -> None:
        """Hand this sender the inbound rows of the outbox worker."""
        self._worker.add_handler(InboundRow.THREAD, self.send_thread)
        self._worker.add_handler(InboundRow.REPLY, self.send_reply)

    async def send_thread(self, item: OutboxItem) -> None:
        """Post the call's thread parent, or edit it in place (at most once a second)."""
        async with self._one_at_a_time:
            await self._send_thread(item)

    async def send_reply(self, item: OutboxItem) -> None:
        """Post a reply in the call's thread, after the parent and after earlier replies."""
        async with self._one_at_a_time:
            await self._send_reply(item)

    async def _send_thread(self, item: OutboxItem) -> None:
        call = await self._calls.get_call(int(item.payload["call_id"]))
        if call is None or call.id is None:
            return
        if not call.channel_id:
            log.warning("inbound call %s has no channel to be reported in (set CTI_REPORT_CHANNEL)", call.id)
            return
        call_id = call.id

        async def render() -> Rendered:
            # Read again: a change committed since the read above was coalesced into this row.
            now = await self._calls.get_call(call_id) or call
            return build_inbound_thread(now, await self._calls.legs(call_id), self._view)

        await self._messages.post_or_update(
            item, Where(call.channel_id, call.thread_ts), render, partial(self._calls.set_thread, call_id)
        )

    async def _send_reply(self, item: OutboxItem) -> None:
        call_id = int(item.payload["call_id"])
        call = await self._calls.get_call(call_id)
        if call is None or call.id is None or not call.channel_id:
            return
        if call.thread_ts is None:
            if await self._outbox.has_older_pending(item, (InboundRow.THREAD,)):
                raise NotReady
            log.warning("inbound call %s: reply dropped, its thread could not be posted", call_id)
            return
        if await self._outbox.has_older_pending(item, (InboundRow.REPLY,)):
            raise NotReady
        kind = InboundNoticeKind(item.payload["kind"])
        legs = await self._calls.legs(call.id)
        text = build_inbound_notice(kind, item.payload.get("params", {}), call, legs, self._view)
        await self._messages.post_reply(item, call.channel_id, text, thread_ts=call.thread_ts)


class MentionRefresher:
    """Re-reads the profiles of people routes ring, every few minutes (Slack's user_change is the fast path)."""

    def __init__(self, book: RouteBook, every_s: float = 900.0) -> None:
        self._book = book
        self._loop = BackgroundLoop(
            "inbound-mention-refresh",
            self._refresh,
            every_s=every_s,
            failure="refreshing route numbers failed; the numbers we have stay in use",
        )

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _refresh(self) -> None:
        changed = 0
        for team in await self._book.mention_teams():  # each workspace's profiles with its own token
            with acting_for(team):
                changed += await self._book.refresh_all(team)
        if changed:
            log.info("refreshed %s route numbers from Slack profiles", changed)
