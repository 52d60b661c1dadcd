"""Slack output through a persisted outbox: coalesced, rate-limited, retried until delivered.

The core only says *that* something changed (`invite_changed`, `calls_failed`, `notice`);
rows (`InviteRow`) land in the outbox, and `InviteSender` renders each message from the store
at send time. The delivery loop, its retries and the post-or-update of the parent and roster
are shared with the other features (slack/outbox_worker.py, kernel/posting.py); this module
registers the invite kinds on the worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any

from bot.dialout.core.models import Invite, InviteStatus
from bot.dialout.core.pacing import effective_pace
from bot.dialout.core.ports import Notice, NoticeKind, ProviderInfo
from bot.dialout.slack.editing import build_edit_notice, build_people_added_notice
from bot.dialout.slack.reminders import build_postponed_notice
from bot.dialout.slack.run_summary import ReportRow, build_run_details, wants_csv
from bot.dialout.slack.thread import (
    View,
    build_failures,
    build_parent,
    build_roster,
    build_summary,
    describe_count,
    describe_party,
    describe_user,
)
from bot.dialout.store import SqlInviteStore
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.ports import Clock, Directory, LookupFailed
from bot.kernel.posting import NotReady, Rendered, Where
from bot.kernel.workspace_settings import WorkspaceSettingsSource
from bot.slack.messages import t
from bot.slack.outbox_worker import SlackOutboxWorker

log = logging.getLogger(__name__)


class InviteRow(OutboxKind):
    """The outbox rows about an invite: its kept messages (parent, roster) and its replies."""

    PARENT = "parent"
    ROSTER = "roster"
    FAILURES = "failures"
    NOTICE = "notice"
    HOME = "home"  # the creator's App Home, published again (dialout/slack/home.py)


_REPLIES = (InviteRow.FAILURES, InviteRow.NOTICE)
FAILURES_QUIET_S = 20.0  # a failures reply waits until no new failure came for this long


class OutboxNotifier:
    """The core's Notifier: turns changes into outbox rows (coalesced where it makes sense)."""

    def __init__(
        self,
        outbox: SqlOutbox,
        clock: Clock,
        failures_quiet_s: float = FAILURES_QUIET_S,
        team_of: Callable[[int], Awaitable[str]] | None = None,
    ) -> None:
        """`failures_quiet_s`: how long no new failure must arrive before the failures reply goes out.
        `team_of`: an invite's workspace, whose token delivers its rows (None: the one workspace)."""
        self._outbox = outbox
        self._clock = clock
        self._team_of = team_of
        self._teams: dict[int, str] = {}  # an invite never changes workspace: asked once each
        self._quiet = timedelta(seconds=failures_quiet_s)
        self.wake = asyncio.Event()

    @property
    def outbox(self) -> SqlOutbox:
        """The outbox it writes to (series messages and reminders queue their own rows there too)."""
        return self._outbox

    async def _enqueue(
        self,
        kind: OutboxKind,
        invite_id: int,
        *,
        coalesce: bool,
        payload: dict[str, Any] | None = None,
        debounce: timedelta | None = None,
        apart: bool = False,
    ) -> None:
        """`apart`: the row keeps its own order, not the thread's (it is not a message of the thread)."""
        now = self._clock.now()
        await self._outbox.enqueue(
            kind,
            now,
            team_id=await self.team(invite_id),
            # A debounced row waits on its own thread key: in the invite's it would hold back, in strict
            # order, every roster and parent edit queued after it.
            thread_key=f"invite:{invite_id}" + (f":{kind.value}" if debounce or apart else ""),
            invite_id=invite_id,
            payload=payload,
            coalesce_for=invite_id if coalesce else None,
            not_before=now + debounce if debounce else None,
        )
        self.wake.set()

    async def team(self, invite_id: int) -> str:
        """The invite's workspace ("" when not known: the one of single-token mode)."""
        team = self._teams.get(invite_id)
        if team is None and self._team_of is not None:
            team = await self._team_of(invite_id)
            if len(self._teams) >= 20_000:
                self._teams.clear()
            if team:
                self._teams[invite_id] = team
        return team or ""

    async def invite_created(self, invite_id: int) -> None:
        await self._enqueue(InviteRow.PARENT, invite_id, coalesce=True)
        await self._enqueue(InviteRow.ROSTER, invite_id, coalesce=True)
        await self._enqueue(InviteRow.HOME, invite_id, coalesce=True, apart=True)

    async def invite_changed(self, invite_id: int) -> None:
        await self._enqueue(InviteRow.PARENT, invite_id, coalesce=True)
        await self._enqueue(InviteRow.ROSTER, invite_id, coalesce=True)
        await self._enqueue(InviteRow.HOME, invite_id, coalesce=True, apart=True)

    async def calls_changed(self, invite_id: int) -> None:
        # The parent shows live counts too; both rows coalesce, and each message is edited at most once a second.
        await self._enqueue(InviteRow.PARENT, invite_id, coalesce=True)
        await self._enqueue(InviteRow.ROSTER, invite_id, coalesce=True)

    async def calls_failed(self, invite_id: int) -> None:
        # One reply per burst: it waits until failures stop coming (the roster shows each at once).
        await self._enqueue(InviteRow.FAILURES, invite_id, coalesce=True, debounce=self._quiet)

    async def notice(self, invite_id: int, notice: Notice) -> None:
        await self._enqueue(
            InviteRow.NOTICE,
            invite_id,
            coalesce=False,
            payload={"kind": notice.kind.value, "params": dict(notice.params)},
        )
        if notice.kind is NoticeKind.SUMMARY:  # its CSV (large runs only) follows it in the thread
            await self._enqueue(ReportRow.REPORT, invite_id, coalesce=True)


@dataclass(frozen=True)
class RenderSettings:
    """Workspace-wide choices for channel messages."""

    locale: str = "en"
    mask_numbers: bool = True
    grace_s: int = 600
    summary_to_channel: bool = False  # the final summary is also shown in the channel (Slack's reply_broadcast)
    paces: Mapping[str, float] = field(default_factory=dict)  # requests/min by provider, for the time left
    provider_paces: Mapping[str, float] = field(default_factory=dict)  # the providers' own, uncapped (per team)


class InviteSender:
    """Delivers the invite rows of the shared outbox worker: parent, roster, failures, notices."""

    def __init__(
        self,
        worker: SlackOutboxWorker,
        outbox: SqlOutbox,
        store: SqlInviteStore,
        clock: Clock,
        providers: Mapping[str, ProviderInfo],
        settings: RenderSettings,
        hangs_up: frozenset[str] = frozenset(),
        directory: Directory | None = None,
        *,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`hangs_up` names the providers that can end the calls they placed (CancelsCalls); `directory`
        gives the names the parent shows instead of pinging mentions; `workspace_settings` give each team's
        own pace for the time left (None: `settings.paces`)."""
        self._workspace_settings = workspace_settings
        self._worker = worker
        self._directory = directory
        self._hangs_up = hangs_up
        self._messages = worker.messages
        self._outbox = outbox
        self._store = store
        self._clock = clock
        self._providers = providers
        self._settings = settings

    def register(self) -> None:
        """Hand this sender the invite rows of the outbox worker."""
        senders = {
            InviteRow.PARENT: self._send_parent,
            InviteRow.ROSTER: self._send_roster,
            InviteRow.FAILURES: self._send_failures,
            InviteRow.NOTICE: self._send_notice,
        }
        for kind, sender in senders.items():
            self._worker.add_handler(kind, self._with_invite(sender))

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

    async def _names(self, invite: Invite, *others: str) -> dict[str, str]:
        """The names of the invite's creator, of who dialled it early and of `others` (who pressed a button);
        one Slack can't give stays an id."""
        names: dict[str, str] = {}
        if self._directory is None:
            return names
        for user_id in {invite.created_by, invite.fired_by, *others} - {None, ""}:
            assert user_id is not None
            try:
                profile = await self._directory.profile(user_id)
            except LookupFailed as exc:
                log.warning("no name for %s on invite %s: %s", user_id, invite.id, exc)
                continue
            if profile is not None and profile.real_name:
                names[user_id] = profile.real_name
        return names

    async def _view(self, invite: Invite, *others: str) -> View:
        info = self._providers.get(invite.provider)
        return View(
            locale=self._settings.locale,
            mask_numbers=self._settings.mask_numbers,
            now=self._clock.now(),
            handed_over=info is not None and info.hands_over,
            provider_title=info.title if info else invite.provider,
            provider=invite.provider,
            can_hang_up=invite.provider in self._hangs_up,
            pace_per_min=await self._pace(invite),
            names=await self._names(invite, *others),
        )

    async def _pace(self, invite: Invite) -> float:
        """The pace the invite is sent at: its provider's, capped by its team's (as core/pacing.py paces it)."""
        if self._workspace_settings is None:
            return self._settings.paces.get(invite.provider, 0.0)
        team = await self._workspace_settings.for_team(invite.team_id)
        return effective_pace(self._settings.provider_paces.get(invite.provider, 0.0), team.pace_per_min)

    async def _fresh(self, invite: Invite) -> Invite:
        """The invite as it is now, for rendering.

        A change committed after the row was picked up was coalesced into it (its key was still
        held then), so the message must show it.
        """
        return await self._store.get_invite(_id(invite)) or invite

    async def _send_parent(self, item: OutboxItem, invite: Invite) -> None:
        invite_id = _id(invite)

        async def render() -> Rendered:
            now = await self._fresh(invite)
            return build_parent(now, await self._store.attempts(invite_id), await self._view(now))

        await self._messages.post_or_update(
            item, Where(invite.channel_id, invite.thread_ts), render, partial(self._store.set_thread, invite_id)
        )

    async def _send_roster(self, item: OutboxItem, invite: Invite) -> None:
        invite_id = _id(invite)
        if invite.thread_ts is None:
            raise NotReady

        async def render() -> Rendered:
            now = await self._fresh(invite)
            return build_roster(now, await self._store.attempts(invite_id), await self._view(now))

        where = Where(invite.channel_id, invite.roster_ts, thread_ts=invite.thread_ts)
        await self._messages.post_or_update(item, where, render, partial(self._store.set_roster_ts, invite_id))

    async def _check_reply_order(self, item: OutboxItem, invite: Invite) -> None:
        """Thread replies go out in the order they were decided, whatever retries did to them."""
        if invite.thread_ts is None or await self._outbox.has_older_pending(item, _REPLIES):
            raise NotReady

    async def _send_failures(self, item: OutboxItem, invite: Invite) -> None:
        assert invite.id is not None
        if invite.thread_ts is None and await self._outbox.thread_given_up(
            replace(item, thread_key=f"invite:{invite.id}")
        ):
            return  # its parent was refused for good: there is no thread to reply in
        if invite.status is not InviteStatus.DIALING:
            return  # it ended: the summary names the failures (a cancelled or missed thread says why)
        await self._check_reply_order(item, invite)
        await self._outbox.release_key(item.id)
        failed = await self._store.unreported_failures(invite.id)
        if not failed:
            return
        text = build_failures(failed, await self._view(invite))
        await self._messages.post_reply(item, invite.channel_id, text, thread_ts=invite.thread_ts)
        await self._store.mark_failures_reported([a.id for a in failed if a.id is not None])

    async def _send_notice(self, item: OutboxItem, invite: Invite) -> None:
        assert invite.id is not None
        await self._check_reply_order(item, invite)
        notice = Notice(NoticeKind(item.payload["kind"]), item.payload.get("params", {}))
        # Failures still waiting for their quiet reply are in the summary: one reply, not two.
        absorbed = await self._store.unreported_failures(invite.id) if notice.kind is NoticeKind.SUMMARY else []
        text = await self._render_notice(notice, invite)
        broadcast = notice.kind is NoticeKind.SUMMARY and self._settings.summary_to_channel
        await self._messages.post_reply(item, invite.channel_id, text, thread_ts=invite.thread_ts, broadcast=broadcast)
        if notice.kind is NoticeKind.SUMMARY:
            await self._store.mark_failures_reported([a.id for a in absorbed if a.id is not None])
            await self._outbox.hurry(InviteRow.FAILURES, invite.id, self._clock.now())  # now it has nothing to say

    async def _render_notice(self, notice: Notice, invite: Invite) -> str:
        assert invite.id is not None
        params = notice.params
        # Who pressed Cancel, Hang up all or Redial failed is named as text: a mention would ping them about it.
        view = await self._view(invite, str(params.get("by") or ""))
        locale = view.locale
        by = describe_user(str(params.get("by") or "?"), view)
        if notice.kind is NoticeKind.SUMMARY:
            attempts = await self._store.attempts(invite.id)
            details = build_run_details(attempts, view, with_csv=wants_csv(attempts))
            return "\n".join([build_summary(invite, attempts, view), *details])
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
            return t("notice.cancelled", locale, by=by)
        if notice.kind in {NoticeKind.APPROVED, NoticeKind.DECLINED}:
            return t(f"notice.{notice.kind.value}", locale, by=by)
        if notice.kind is NoticeKind.HUNG_UP:
            return t("notice.hung_up", locale, by=by)
        if notice.kind is NoticeKind.REDIAL:
            return t("notice.redial", locale, by=by, n=describe_count(invite, params["n"], locale))
        if notice.kind is NoticeKind.EDITED:
            return build_edit_notice(params, invite, locale)
        if notice.kind is NoticeKind.PEOPLE_ADDED:
            return build_people_added_notice(params, invite, locale)
        if notice.kind is NoticeKind.POSTPONED:
            return build_postponed_notice(dict(params), invite, by, locale)
        if notice.kind is NoticeKind.SKIPPED_ME:
            return t("notice.skipped_me", locale, by=by)
        if notice.kind is NoticeKind.UNKNOWN_OUTCOME:
            attempt = await self._store.get_attempt(int(params.get("attempt_id", 0)))
            who = describe_party(attempt, view) if attempt else "?"
            return t("notice.unknown_outcome", locale, who=who)
        return t("notice.unknown_outcome", locale, who="?")


def _id(invite: Invite) -> int:
    """A stored invite's id (rows are only ever enqueued for stored invites)."""
    assert invite.id is not None
    return invite.id
