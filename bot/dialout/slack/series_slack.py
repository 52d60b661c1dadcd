"""Series in Slack: their own message (through the outbox), `/dial skip|pause|resume|end <id>` and the buttons.

The series' message is a kept message like an invite's parent: the core says the series changed,
an outbox row is queued, and the sender renders it from the row at send time (post once, then edit).
The typed controls are a `/dial` subcommand (bot.kernel.feature.Subcommand), so they are stored in
the command inbox and carried out like any `/dial`; the buttons answer the presser privately.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.series import SeriesChange
from bot.dialout.core.series_requests import SeriesAction, SeriesRequests, read_control
from bot.dialout.series_store import SqlSeriesStore
from bot.dialout.slack.actions import presser
from bot.dialout.slack.commands import tell
from bot.dialout.slack.series_view import build_control_reply, build_series_message
from bot.kernel.feature import Asker
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.ports import Clock
from bot.kernel.posting import Rendered, Where
from bot.slack import ids
from bot.slack.messages import locale_of, t
from bot.slack.outbox_worker import SlackOutboxWorker


class SeriesRow(OutboxKind):
    """The outbox row of a series' own message."""

    MESSAGE = "series_message"


class OutboxSeriesNotifier:
    """The core's SeriesNotifier: one coalesced outbox row per series whose message must be re-rendered."""

    def __init__(
        self, outbox: SqlOutbox, clock: Clock, wake: asyncio.Event, store: SqlSeriesStore | None = None
    ) -> None:
        """`store`: where a series' workspace is read (its token delivers the message)."""
        self._outbox = outbox
        self._clock = clock
        self._wake = wake
        self._store = store

    async def series_changed(self, series_id: int, change: SeriesChange | None = None) -> None:
        series = await self._store.get_series(series_id) if self._store is not None else None
        await self._outbox.enqueue(
            SeriesRow.MESSAGE,
            self._clock.now(),
            team_id=series.team_id if series is not None else "",
            thread_key=f"series:{series_id}",
            payload={"series_id": series_id},
            coalesce_for=series_id,
        )
        self._wake.set()


class SeriesSender:
    """Posts, then edits, each series' message from its row."""

    def __init__(
        self,
        worker: SlackOutboxWorker,
        store: SqlSeriesStore,
        clock: Clock,
        provider_titles: Mapping[str, str],
        default_locale: str,
    ) -> None:
        self._messages = worker.messages
        self._store = store
        self._clock = clock
        self._titles = provider_titles
        self._locale = default_locale
        worker.add_handler(SeriesRow.MESSAGE, self._send)

    async def _send(self, item: OutboxItem) -> None:
        series_id = int(item.payload.get("series_id", 0))
        series = await self._store.get_series(series_id)
        if series is None:
            return

        async def render() -> Rendered:
            now = await self._store.get_series(series_id) or series
            title = self._titles.get(now.provider, now.provider)
            return build_series_message(now, self._clock.now(), locale_of(now.locale, self._locale), title)

        where = Where(series.channel_id, series.message_ts)
        await self._messages.post_or_update(item, where, render, partial(self._store.set_message_ts, series_id))


class SeriesCommands:
    """`/dial skip|pause|resume|end <id>` (跳过/暂停/恢复/结束), offered the `/dial` text before the invite grammar."""

    def __init__(self, requests: SeriesRequests, clock: Clock, default_locale: str) -> None:
        self._requests = requests
        self._clock = clock
        self._default_locale = default_locale

    def claims(self, text: str) -> bool:
        return read_control(text) is not None

    async def handle(self, text: str, asker: Asker) -> str:
        command = read_control(text)
        assert command is not None
        if command.series_id is None:
            presser_ = await self._requests.presser_of(asker.user_id)
            return t("series.bad_id", presser_.locale, text=command.written or "—")
        reply = await self._requests.control(command.action, command.series_id, asker.user_id)
        return build_control_reply(reply, self._clock.now())


def register(app: AsyncApp, *, requests: SeriesRequests, clock: Clock) -> None:
    """Attach the listeners of the buttons on a series' message."""

    def pressing(action_id: str, action: SeriesAction) -> None:
        async def handle_press(
            ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
        ) -> None:
            await ack()
            asker = presser(body)
            value = str(body["actions"][0].get("value") or "")
            if not value.isascii() or not value.isdigit() or len(value) > 12:
                locale = (await requests.presser_of(asker.user_id)).locale
                await tell(client, respond, asker, t("series.bad_id", locale, text=value[:40]))
                return
            reply = await requests.control(action, int(value), asker.user_id)
            await tell(client, respond, asker, build_control_reply(reply, clock.now()))

        app.action(action_id)(handle_press)

    for action_id, action in (
        (ids.SERIES_SKIP_ACTION, SeriesAction.SKIP),
        (ids.SERIES_PAUSE_ACTION, SeriesAction.PAUSE),
        (ids.SERIES_RESUME_ACTION, SeriesAction.RESUME),
        (ids.SERIES_END_ACTION, SeriesAction.END),
    ):
        pressing(action_id, action)
