"""Slack output through a persisted outbox: coalesced, rate-limited, retried until delivered.

The core only says *that* something changed (`invite_changed`, `calls_failed`, `notice`);
rows land in the outbox, and the worker renders each message from the store at send time.
So N events for one roster become one `chat.update`, at most one per message per second;
a 429 waits for its Retry-After, an outage is retried with backoff, and nothing is lost
across restarts because the rows are in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.models import Invite
from bot.dialout.core.ports import Notice, NoticeKind, ProviderInfo
from bot.dialout.slack.thread import (
    View,
    build_failures,
    build_parent,
    build_roster,
    build_summary,
    describe_party,
)
from bot.dialout.store import SqlInviteStore
from bot.kernel.background import BackgroundTask
from bot.kernel.outbox import OutboxItem, SqlOutbox
from bot.kernel.ports import Clock
from bot.slack.messages import t

log = logging.getLogger(__name__)

# Errors Slack will answer the same way however often we retry.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "too_many_attachments",
        "restricted_action",
        "cant_update_message",
        "edit_window_closed",
        "message_not_found",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "no_permission",
        "missing_scope",
        "not_authed",
        "invalid_arguments",
        "user_not_in_channel",
    }
)
GIVE_UP_AFTER = timedelta(hours=24)
KEEP_SENT = timedelta(days=7)
_REPLY_KINDS = ("failures", "notice")


class OutboxNotifier:
    """The core's Notifier: turns changes into outbox rows (coalesced where it makes sense)."""

    def __init__(self, outbox: SqlOutbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock
        self.wake = asyncio.Event()

    async def _enqueue(self, kind: str, invite_id: int, *, key: bool, payload: dict[str, Any] | None = None) -> None:
        await self._outbox.enqueue(
            kind,
            self._clock.now(),
            thread_key=f"invite:{invite_id}",
            invite_id=invite_id,
            payload=payload,
            coalesce_key=f"{kind}:{invite_id}" if key else None,
        )
        self.wake.set()

    async def invite_created(self, invite_id: int) -> None:
        await self._enqueue("parent", invite_id, key=True)
        await self._enqueue("roster", invite_id, key=True)

    async def invite_changed(self, invite_id: int) -> None:
        await self._enqueue("parent", invite_id, key=True)
        await self._enqueue("roster", invite_id, key=True)

    async def calls_changed(self, invite_id: int) -> None:
        await self._enqueue("roster", invite_id, key=True)

    async def calls_failed(self, invite_id: int) -> None:
        await self._enqueue("failures", invite_id, key=True)

    async def notice(self, invite_id: int, notice: Notice) -> None:
        await self._enqueue(
            "notice", invite_id, key=False, payload={"kind": notice.kind.value, "params": dict(notice.params)}
        )


@dataclass(frozen=True)
class RenderSettings:
    """Workspace-wide choices for channel messages."""

    locale: str = "en"
    mask_numbers: bool = True
    grace_s: int = 600


class NotReady(Exception):
    """The thread parent is not posted yet; try this row again shortly."""


class OutboxWorker:
    """Delivers outbox rows to Slack, in order per invite."""

    def __init__(
        self,
        outbox: SqlOutbox,
        store: SqlInviteStore,
        client: AsyncWebClient,
        clock: Clock,
        providers: Mapping[str, ProviderInfo],
        settings: RenderSettings,
        wake: asyncio.Event,
        min_update_interval_s: float = 1.0,
    ) -> None:
        self._outbox = outbox
        self._store = store
        self._client = client
        self._clock = clock
        self._providers = providers
        self._settings = settings
        self._wake = wake
        self._min_interval = min_update_interval_s
        self._last_update: dict[str, float] = {}
        self._loop = BackgroundTask("slack-outbox", self._run)
        self._handlers: dict[str, Callable[[OutboxItem], Awaitable[None]]] = {}

    def add_handler(self, kind: str, handler: Callable[[OutboxItem], Awaitable[None]]) -> None:
        """Deliver rows of `kind` with `handler` (features other than invites: inbound calls).

        The handler may raise NotReady or TooSoon like the invite senders; the retry rules are the same.
        """
        self._handlers[kind] = handler

    def mark_updated(self, message_key: str) -> None:
        """Remember that `message_key` was just posted or updated."""
        self._last_update[message_key] = time.monotonic()

    def start(self) -> None:
        """Run the delivery loop in the background."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop the loop; undelivered rows stay in the database for the next start."""
        await self._loop.stop()

    async def _run(self) -> None:
        next_purge = 0.0
        while True:
            try:
                busy = await self.deliver_due()
                if time.monotonic() >= next_purge:
                    # Delivered rows are kept a while for inspection; the outbox is a queue, not an archive.
                    await self._outbox.purge_sent(self._clock.now() - KEEP_SENT)
                    next_purge = time.monotonic() + 3600
            except Exception:
                log.exception("outbox pass failed")
                busy = False
            if busy:
                continue
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        due = await self._outbox.next_due_at()
        timeout = 1.0
        if due is not None:
            timeout = min(1.0, max(0.02, (due - self._clock.now()).total_seconds()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def deliver_due(self) -> bool:
        """One pass: lease due rows and deliver them; True when anything was leased."""
        items = await self._outbox.lease_due(self._clock.now(), limit=50, lease_s=60)
        if not items:
            return False
        groups: dict[str, list[OutboxItem]] = defaultdict(list)
        for item in items:
            groups[item.thread_key].append(item)
        await asyncio.gather(*(self._deliver_group(group) for group in groups.values()))
        return True

    async def _deliver_group(self, items: list[OutboxItem]) -> None:
        for item in items:
            await self._deliver(item)

    async def _deliver(self, item: OutboxItem) -> None:
        now = self._clock.now()
        try:
            await self._send(item)
        except NotReady:
            await self._outbox.retry_at(item, now + timedelta(seconds=0.3), "waiting for the thread", count=False)
        except TooSoon as soon:
            await self._outbox.retry_at(item, now + timedelta(seconds=soon.wait_s), "coalescing", count=False)
        except SlackApiError as exc:
            await self._on_slack_error(item, exc)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            await self._retry_later(item, f"connection: {exc!r}")
        except Exception as exc:
            log.exception("outbox row %s (%s) failed", item.id, item.kind)
            await self._retry_later(item, f"internal: {exc!r}")
        else:
            await self._outbox.mark_sent(item.id, self._clock.now())

    async def _on_slack_error(self, item: OutboxItem, exc: SlackApiError) -> None:
        response = exc.response
        error = str(response.get("error", "")) if response is not None else ""
        status = response.status_code if response is not None else 0
        if status == 429 or error == "ratelimited":
            headers = {k.lower(): v for k, v in (response.headers or {}).items()} if response is not None else {}
            retry_after = headers.get("retry-after", "1")
            wait = float(retry_after[0] if isinstance(retry_after, list) else retry_after)
            log.info("Slack rate-limited outbox row %s; retrying in %.1f s", item.id, wait)
            await self._outbox.retry_at(item, self._clock.now() + timedelta(seconds=wait), "ratelimited", count=False)
        elif error in PERMANENT_ERRORS:
            log.error("Slack refused outbox row %s (%s) for good: %s", item.id, item.kind, error)
            await self._outbox.mark_dead(item.id, error)
        else:
            await self._retry_later(item, error or f"http {status}")

    async def _retry_later(self, item: OutboxItem, error: str) -> None:
        now = self._clock.now()
        if now - item.created_at > GIVE_UP_AFTER:
            log.error("giving up on outbox row %s after 24 h: %s", item.id, error)
            await self._outbox.mark_dead(item.id, error)
            return
        backoff = min(300.0, 2.0 ** min(item.attempts, 9)) * (0.5 + random.random() / 2)
        log.warning("outbox row %s failed (%s); retry in %.1f s", item.id, error, backoff)
        await self._outbox.retry_at(item, now + timedelta(seconds=backoff), error)

    # --- rendering and sending ------------------------------------------------------------

    def _view(self, invite: Invite) -> View:
        info = self._providers.get(invite.provider)
        return View(
            locale=self._settings.locale,
            mask_numbers=self._settings.mask_numbers,
            now=self._clock.now(),
            handed_over=info is not None and info.hands_over,
            provider_title=info.title if info else invite.provider,
            provider=invite.provider,
        )

    def check_rate(self, message_key: str) -> None:
        """Raise TooSoon when `message_key` (channel:ts) was updated less than the minimum interval ago."""
        last = self._last_update.get(message_key)
        if last is not None:
            wait = self._min_interval - (time.monotonic() - last)
            if wait > 0:
                raise TooSoon(wait)

    async def _send(self, item: OutboxItem) -> None:
        handler = self._handlers.get(item.kind)
        if handler is not None:
            await handler(item)
            return
        if item.invite_id is None:
            return
        invite = await self._store.get_invite(item.invite_id)
        if invite is None:
            return
        assert invite.id is not None
        if item.kind == "parent":
            await self._send_parent(item, invite)
        elif item.kind == "roster":
            await self._send_roster(item, invite)
        elif item.kind == "failures":
            await self._send_failures(item, invite)
        elif item.kind == "notice":
            await self._send_notice(item, invite)
        else:
            log.error("unknown outbox kind %r", item.kind)

    async def _send_parent(self, item: OutboxItem, invite: Invite) -> None:
        assert invite.id is not None
        if invite.thread_ts:
            self.check_rate(f"{invite.channel_id}:{invite.thread_ts}")
        await self._outbox.release_key(item.id)
        text, blocks = build_parent(invite, await self._store.attempts(invite.id), self._view(invite))
        if invite.thread_ts is None:
            response = await self._client.chat_postMessage(channel=invite.channel_id, text=text, blocks=blocks)
            await self._store.set_thread(invite.id, str(response["ts"]))
            self._last_update[f"{invite.channel_id}:{response['ts']}"] = time.monotonic()
        else:
            await self._client.chat_update(channel=invite.channel_id, ts=invite.thread_ts, text=text, blocks=blocks)
            self._last_update[f"{invite.channel_id}:{invite.thread_ts}"] = time.monotonic()

    async def _send_roster(self, item: OutboxItem, invite: Invite) -> None:
        assert invite.id is not None
        if invite.thread_ts is None:
            raise NotReady
        if invite.roster_ts:
            self.check_rate(f"{invite.channel_id}:{invite.roster_ts}")
        await self._outbox.release_key(item.id)
        text, blocks = build_roster(invite, await self._store.attempts(invite.id), self._view(invite))
        if invite.roster_ts is None:
            response = await self._client.chat_postMessage(
                channel=invite.channel_id, thread_ts=invite.thread_ts, text=text, blocks=blocks
            )
            await self._store.set_roster_ts(invite.id, str(response["ts"]))
            self._last_update[f"{invite.channel_id}:{response['ts']}"] = time.monotonic()
        else:
            await self._client.chat_update(channel=invite.channel_id, ts=invite.roster_ts, text=text, blocks=blocks)
            self._last_update[f"{invite.channel_id}:{invite.roster_ts}"] = time.monotonic()

    async def _check_reply_order(self, item: OutboxItem, invite: Invite) -> None:
        """Thread replies go out in the order they were decided, whatever retries did to them."""
        if invite.thread_ts is None or await self._outbox.has_older_pending(item, _REPLY_KINDS):
            raise NotReady

    async def _send_failures(self, item: OutboxItem, invite: Invite) -> None:
        assert invite.id is not None
        await self._check_reply_order(item, invite)
        await self._outbox.release_key(item.id)
        failed = await self._store.unreported_failures(invite.id)
        if not failed:
            return
        text = build_failures(failed, self._view(invite))
        await self._client.chat_postMessage(channel=invite.channel_id, thread_ts=invite.thread_ts, text=text)
        await self._store.mark_failures_reported([a.id for a in failed if a.id is not None])

    async def _send_notice(self, item: OutboxItem, invite: Invite) -> None:
        assert invite.id is not None
        await self._check_reply_order(item, invite)
        notice = Notice(NoticeKind(item.payload["kind"]), item.payload.get("params", {}))
        text = await self._render_notice(notice, invite)
        await self._client.chat_postMessage(channel=invite.channel_id, thread_ts=invite.thread_ts, text=text)

    async def _render_notice(self, notice: Notice, invite: Invite) -> str:
        assert invite.id is not None
        view = self._view(invite)
        locale = view.locale
        params = notice.params
        if notice.kind is NoticeKind.SUMMARY:
            return build_summary(invite, await self._store.attempts(invite.id), view)
        if notice.kind is NoticeKind.LATE:
            return t("notice.late", locale, minutes=max(1, round(params.get("late_by_s", 0) / 60)))
        if notice.kind is NoticeKind.MISSED:
            return t(
                "notice.missed",
                locale,
                minutes=round(params.get("late_by_s", 0) / 60),
                grace=round(self._settings.grace_s / 60),
            )
        if notice.kind is NoticeKind.CANCELLED:
            return t("notice.cancelled", locale, by=params.get("by", "?"))
        if notice.kind is NoticeKind.UNKNOWN_OUTCOME:
            attempt = await self._store.get_attempt(int(params.get("attempt_id", 0)))
            who = describe_party(attempt, view) if attempt else "?"
            return t("notice.unknown_outcome", locale, who=who)
        return t("notice.unknown_outcome", locale, who="?")


class TooSoon(Exception):
    """A chat.update for this message went out less than the minimum interval ago."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(wait_s)
        self.wait_s = wait_s


__all__ = ["NotReady", "OutboxNotifier", "OutboxWorker", "RenderSettings", "TooSoon"]
