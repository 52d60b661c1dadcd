"""Reminders in Slack: the outbox row that posts one, its pure builder, and the Postpone listener.

The reminder is a reply in the invite's thread that mentions only the creator, with Dial now
(the parent's own action, so the same claim and rule), Postpone 10 min and Skip (the parent's
Cancel: an invite runs once, so skipping its run cancels it, and the button says so). With
`remind dm`, each mentioned Slack user also gets a direct message (conversations.open, then a
post) in their own language and zone, with Skip me: one outbox row per person, so a retry never
messages anyone twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.models import CallAttempt, Invite, InviteStatus, party_outcomes
from bot.dialout.core.requests import DialRequests
from bot.dialout.slack.actions import pressed_invite, pressed_value, presser
from bot.dialout.slack.commands import tell
from bot.dialout.slack.replies import build_reply
from bot.dialout.slack.thread import describe_count, describe_target
from bot.dialout.store import SqlInviteStore
from bot.kernel.feature import Asker
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.people import UserProfile
from bot.kernel.phone import display
from bot.kernel.ports import Clock, Directory, LookupFailed
from bot.kernel.posting import NotReady
from bot.kernel.states import CallState
from bot.slack import ids
from bot.slack.lines import format_local, slack_date
from bot.slack.messages import locale_of, t
from bot.slack.outbox_worker import SlackOutboxWorker

log = logging.getLogger(__name__)


class ReminderRow(OutboxKind):
    """The outbox row of an invite's reminder reply."""

    REMINDER = "reminder"
    PERSON = "reminder_dm"  # one mentioned person's direct message (payload: attempt_id)


class OutboxReminderPoster:
    """The core's ReminderPoster: one outbox row per reminder, in the invite's thread order."""

    def __init__(
        self, outbox: SqlOutbox, clock: Clock, wake: asyncio.Event, team_of: Callable[[int], Awaitable[str]]
    ) -> None:
        """`team_of`: an invite's workspace (its token delivers the reminder)."""
        self._outbox = outbox
        self._clock = clock
        self._wake = wake
        self._team_of = team_of

    async def remind(self, invite_id: int) -> None:
        await self._outbox.enqueue(
            ReminderRow.REMINDER,
            self._clock.now(),
            team_id=await self._team_of(invite_id),
            thread_key=f"invite:{invite_id}",  # after the parent (it replies to it), before the run's replies
            invite_id=invite_id,
            coalesce_for=invite_id,
        )
        self._wake.set()

    async def remind_person(self, invite_id: int, attempt_id: int) -> None:
        await self._outbox.enqueue(
            ReminderRow.PERSON,
            self._clock.now(),
            team_id=await self._team_of(invite_id),
            thread_key=f"invite:{invite_id}:dm:{attempt_id}",  # not in the thread: no order to keep with it
            invite_id=invite_id,
            payload={"attempt_id": attempt_id},
            coalesce_for=attempt_id,
        )
        self._wake.set()


def _button(action_id: str, key: str, invite: Invite, locale: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": t(f"button.{key}", locale)},
        "value": str(invite.id),
        **extra,
    }


def _confirm(key: str, locale: str) -> dict[str, Any]:
    return {
        name: {"type": "plain_text", "text": t(f"button.{key}_confirm_{part}", locale)}
        for name, part in (("title", "title"), ("text", "text"), ("confirm", "yes"), ("deny", "no"))
    }


def build_reminder(invite: Invite, parties: int, now: datetime, locale: str) -> tuple[str, list[dict[str, Any]]]:
    """The reminder reply: who is dialled where and when, mentioning the creator, with its three buttons."""
    local = format_local(invite.due_at, invite.tz, locale)
    minutes = max(1, round((invite.due_at - now).total_seconds() / 60))
    text = t(
        "reminder.text",
        locale,
        user=invite.created_by,
        id=invite.id,
        count=describe_count(invite, parties, locale),
        target=describe_target(invite, locale),
        minutes=minutes,
        at=slack_date(invite.due_at, local),
    )
    buttons = [
        _button(ids.DIAL_NOW_ACTION, "dial_now", invite, locale, style="primary", confirm=_confirm("dial_now", locale)),
        _button(ids.POSTPONE_ACTION, "postpone", invite, locale),
        _button(ids.CANCEL_INVITE_ACTION, "skip", invite, locale, style="danger", confirm=_confirm("skip", locale)),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": t("reminder.one_off", locale)}]},
        {"type": "actions", "block_id": "reminder_actions", "elements": buttons},
    ]
    plain = t(
        "reminder.text",
        locale,
        user=invite.created_by,
        id=invite.id,
        count=describe_count(invite, parties, locale),
        target=describe_target(invite, locale),
        minutes=minutes,
        at=local,
    )
    return plain, blocks


def build_postponed_notice(params: dict[str, Any], invite: Invite, by: str, locale: str) -> str:
    """'Postponed 10 min by amy: now at Thu 26 Nov 15:10 UTC+8.' (the presser named as text)."""
    at = datetime.fromisoformat(str(params["at"]))
    local = format_local(at, invite.tz, locale)
    return t("notice.postponed", locale, minutes=params.get("minutes", 10), by=by, at=slack_date(at, local))


class ReminderSender:
    """Delivers reminder rows: posted in the thread while the run is still ahead, dropped once it is not."""

    def __init__(self, worker: SlackOutboxWorker, store: SqlInviteStore, clock: Clock, default_locale: str) -> None:
        self._worker = worker
        self._store = store
        self._clock = clock
        self._locale = default_locale

    def register(self) -> None:
        """Hand this sender the reminder rows of the outbox worker."""
        self._worker.add_handler(ReminderRow.REMINDER, self._send)

    async def _send(self, item: OutboxItem) -> None:
        invite = await self._store.get_invite(item.invite_id) if item.invite_id is not None else None
        if invite is None or invite.id is None or invite.status is not InviteStatus.SCHEDULED:
            return  # dialled, skipped or gone meanwhile: a reminder would only mislead
        if invite.thread_ts is None:
            raise NotReady
        parties = len(party_outcomes(await self._store.attempts(invite.id)))
        # The thread speaks the workspace's language, as its parent and replies do.
        text, blocks = build_reminder(invite, parties, self._clock.now(), self._locale)
        await self._worker.messages.post_reply(item, invite.channel_id, text, blocks=blocks, thread_ts=invite.thread_ts)


def build_person_reminder(
    invite: Invite, attempt: CallAttempt, profile: UserProfile | None, mask_numbers: bool, default_locale: str
) -> tuple[str, list[dict[str, Any]]]:
    """'You'll be called at 15:00 on 138****8000 for conference 42', in the person's language and zone,
    with Use another number (another_number.py) and Skip me (their values name the invite and this
    person's call)."""
    locale = locale_of(profile.locale if profile else None, default_locale)
    local = format_local(invite.due_at, profile.tz if profile else invite.tz, locale)
    params = {
        "number": display(attempt.party.address, mask_numbers),
        "target": describe_target(invite, locale),
        "id": invite.id,
    }
    text = t("reminder.dm", locale, at=slack_date(invite.due_at, local), **params)
    buttons = [
        {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": t(key, locale)},
            "value": f"{invite.id}:{attempt.id}",
        }
        for action_id, key in (
            (ids.ANOTHER_NUMBER_ACTION, "button.another_number"),
            (ids.SKIP_ME_ACTION, "button.skip_me"),
        )
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "block_id": "reminder_dm_actions", "elements": buttons},
    ]
    return t("reminder.dm", locale, at=local, **params), blocks


class PersonReminderSender:
    """Delivers one person's reminder DM while their call still waits for the run."""

    def __init__(
        self,
        worker: SlackOutboxWorker,
        store: SqlInviteStore,
        client: AsyncWebClient,
        directory: Directory,
        mask_numbers: bool,
        default_locale: str,
    ) -> None:
        self._worker = worker
        self._store = store
        self._client = client
        self._directory = directory
        self._mask = mask_numbers
        self._locale = default_locale

    def register(self) -> None:
        """Hand this sender the reminder DM rows of the outbox worker."""
        self._worker.add_handler(ReminderRow.PERSON, self._send)

    async def _send(self, item: OutboxItem) -> None:
        invite = await self._store.get_invite(item.invite_id) if item.invite_id is not None else None
        attempt = await self._store.get_attempt(int(item.payload.get("attempt_id", 0)))
        if invite is None or invite.status is not InviteStatus.SCHEDULED or attempt is None:
            return
        user = attempt.party.slack_user_id
        if not user or attempt.state is not CallState.QUEUED:
            return  # skipped meanwhile, or not a Slack user's call
        try:
            profile = await self._directory.profile(user)
        except LookupFailed as exc:
            log.warning("no profile for %s's reminder DM on invite %s: %s", user, invite.id, exc)
            profile = None
        text, blocks = build_person_reminder(invite, attempt, profile, self._mask, self._locale)
        opened = await self._client.conversations_open(users=user)
        channel = str((opened.get("channel") or {}).get("id", ""))
        await self._worker.messages.post_reply(item, channel, text, blocks=blocks)


def read_skip_me_value(value: str) -> tuple[int, int] | None:
    """The invite and call a Skip me button names ('17:42'), None when forged or mangled."""
    invite, _, attempt = value.partition(":")
    if not (invite.isdigit() and attempt.isdigit()) or len(value) > 40:
        return None
    return int(invite), int(attempt)


async def pressed_call(
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    requests: DialRequests,
    clock: Clock,
    mask_numbers: bool,
) -> tuple[Asker, tuple[int, int] | None]:
    """Who pressed a reminder DM's button and the (invite, call) it names; an unreadable one is answered here."""
    asker = presser(body)
    named = read_skip_me_value(pressed_value(body))
    if named is None:
        unreadable = await requests.unreadable_button(pressed_value(body), asker.user_id)
        await tell(client, respond, asker, build_reply(unreadable, clock.now(), mask_numbers))
    return asker, named


def register(app: AsyncApp, *, requests: DialRequests, clock: Clock, mask_numbers: bool) -> None:
    """Attach the listeners of Postpone and Skip me (Dial now and Skip are the parent's own actions)."""

    @app.action(ids.SKIP_ME_ACTION)
    async def handle_skip_me(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        asker, named = await pressed_call(body, client, respond, requests, clock, mask_numbers)
        if named is None:
            return
        reply = await requests.skip_me(*named, asker.user_id)
        await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))

    @app.action(ids.POSTPONE_ACTION)
    async def handle_postpone(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        asker, invite_id = await pressed_invite(
            body, requests, client, respond, lambda r: build_reply(r, clock.now(), mask_numbers)
        )
        if invite_id is not None:
            reply = await requests.postpone(invite_id, asker.user_id)
            await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))
