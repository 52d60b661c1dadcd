"""Slack output through a persisted outbox: coalesced, rate-limited, retried until delivered.

The core only says *that* something changed (`invite_changed`, `calls_failed`, `notice`);
rows land in the outbox, and the invite senders here render each message from the store at
send time. The delivery loop, its rate limit and its retries are shared with the other features
(slack/outbox_worker.py); this module registers the invite kinds on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

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
from bot.kernel.outbox import OutboxItem, SqlOutbox
from bot.kernel.ports import Clock
from bot.slack.messages import t
from bot.slack.outbox_worker import NotReady, SlackOutboxWorker, TooSoon

log = logging.getLogger(__name__)

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


class OutboxWorker(SlackOutboxWorker):
    """The shared outbox worker with the invite senders registered: parent, roster, failures, notices."""

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
        super().__init__(outbox, clock, wake, min_update_interval_s)
        self._store = store
        self._client = client
        self._providers = providers
        self._settings = settings
        senders = {
            "parent": self._send_parent,
            "roster": self._send_roster,
            "failures": self._send_failures,
            "notice": self._send_notice,
        }
        for kind, sender in senders.items():
            self.add_handler(kind, self._with_invite(sender))

    def _with_invite(
        self, sender: Callable[[OutboxItem, Invite], Awaitable[None]]
    ) -> Callable[[OutboxItem], Awaitable[None]]:
        """A sender of rows about an invite, given the invite as it is now (nothing to do once it is gone)."""

        async def send(item: OutboxItem) -> None:
            if item.invite_id is None:
                return
            invite = await self._store.get_invite(item.invite_id)
            if invite is not None:
                await sender(item, invite)

        return send

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

    async def _send_parent(self, item: OutboxItem, invite: Invite) -> None:
        assert invite.id is not None
        if invite.thread_ts:
            self.check_rate(f"{invite.channel_id}:{invite.thread_ts}")
        await self._outbox.release_key(item.id)
        text, blocks = build_parent(invite, await self._store.attempts(invite.id), self._view(invite))
        if invite.thread_ts is None:
            response = await self._client.chat_postMessage(channel=invite.channel_id, text=text, blocks=blocks)
            await self._store.set_thread(invite.id, str(response["ts"]))
            self.mark_updated(f"{invite.channel_id}:{response['ts']}")
        else:
            await self._client.chat_update(channel=invite.channel_id, ts=invite.thread_ts, text=text, blocks=blocks)
            self.mark_updated(f"{invite.channel_id}:{invite.thread_ts}")

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
            self.mark_updated(f"{invite.channel_id}:{response['ts']}")
        else:
            await self._client.chat_update(channel=invite.channel_id, ts=invite.roster_ts, text=text, blocks=blocks)
            self.mark_updated(f"{invite.channel_id}:{invite.roster_ts}")

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


__all__ = ["NotReady", "OutboxNotifier", "OutboxWorker", "RenderSettings", "TooSoon"]  # the first and last re-exported
