"""Messages kept current: posted the first time, edited in place after, at most once a second each.

An invite's thread parent and roster, an inbound call's thread parent: every feature has messages
that show the state of something and change with it. Their outbox senders all do the same thing,
here once (`KeptMessages.post_or_update`); only where the message is, how it is rendered and where
its ts is remembered differ. The order of the steps is what keeps a message right:

1. too soon since the last edit of this message: TooSoon (the row waits, still coalescing);
2. the row stops coalescing *before* rendering, so a change that lands while we render or send
   makes a new row instead of being folded into this one and lost;
3. render from the store as it is now (everything read again), then post (and remember the
   new ts) or edit.

Each message posted names its outbox row (`row`), so a row whose worker died after Slack took the
message but before the row was marked sent (`OutboxItem.taken_over`) finds that message and adopts
it instead of posting it twice (`post_reply`, and the first post of a kept message). Only such rows
pay for the lookup.

Slack is behind the `Poster` port (bot/slack/poster.py); nothing here knows the Slack SDK.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.kernel import failpoints
from bot.kernel.outbox import OutboxItem, SqlOutbox

log = logging.getLogger(__name__)

Blocks = Sequence[dict[str, Any]]
Rendered = tuple[str, Blocks]  # the fallback text and the blocks


class NotReady(Exception):
    """What this row needs is not posted yet (its thread parent, an earlier reply); try it again shortly."""


class TooSoon(Exception):
    """This message was edited less than the minimum interval ago; try the row again after `wait_s`."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(wait_s)
        self.wait_s = wait_s


class Poster(Protocol):
    """Where messages go: a chat's post and edit."""

    async def post(
        self,
        channel: str,
        text: str,
        *,
        blocks: Blocks | None = None,
        thread_ts: str | None = None,
        broadcast: bool = False,
        row: int | None = None,
    ) -> str:
        """Post a message (a reply when `thread_ts` is given, also shown in the channel with `broadcast`);
        `row` is the outbox row it delivers, carried in the message for `find_row`."""
        ...

    async def find_row(self, channel: str, row: int, *, thread_ts: str | None, since: datetime) -> str | None:
        """The ts of a message posted since `since` that carries outbox row `row` (in the thread
        `thread_ts`, or at the channel's top level), None when there is none or it cannot be looked for."""
        ...

    async def update(self, channel: str, ts: str, text: str, *, blocks: Blocks | None = None) -> None:
        """Replace the message at `ts`."""
        ...


@dataclass(frozen=True)
class Where:
    """A kept message's place: its channel, its ts once posted, and the thread it is a reply in (if any)."""

    channel: str
    ts: str | None
    thread_ts: str | None = None


class KeptMessages:
    """Posts or edits kept messages, one edit per message per `min_interval_s` (Slack's rule)."""

    def __init__(
        self,
        poster: Poster,
        outbox: SqlOutbox,
        min_interval_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.poster = poster
        self._outbox = outbox
        self._min_interval = min_interval_s
        self._monotonic = monotonic
        self._last_edit: dict[str, float] = {}
        # Posted, but `remember` failed (the database went away): the row's next try remembers this
        # ts and edits the message, instead of posting it a second time.
        self._posted_unremembered: dict[int, str] = {}

    async def post_or_update(
        self,
        item: OutboxItem,
        where: Where,
        render: Callable[[], Awaitable[Rendered]],
        remember: Callable[[str], Awaitable[None]],
    ) -> None:
        """Deliver `item` as the message at `where`: post it (then `remember` its ts) or edit it in place.

        `render` must read from the store everything it shows, not reuse what the sender read to
        find `where`: a change committed in between was coalesced into this row, and is shown now
        or never.
        """
        if where.ts is not None:
            self._check_pace(f"{where.channel}:{where.ts}")
        await self._outbox.release_key(item.id)
        text, blocks = await render()
        posted = self._posted_unremembered.get(item.id) if where.ts is None else None
        if posted is None and where.ts is None:
            posted = await self._posted_before(item, where.channel, where.thread_ts)
        if posted is not None:
            await remember(posted)
            self._posted_unremembered.pop(item.id, None)
            ts = posted
            await self.poster.update(where.channel, ts, text, blocks=blocks)
        elif where.ts is None:
            ts = await self.poster.post(where.channel, text, blocks=blocks, thread_ts=where.thread_ts, row=item.id)
            failpoints.reached(failpoints.OUTBOX_AFTER_POST)
            try:
                await remember(ts)
            except Exception:
                self._posted_unremembered[item.id] = ts
                raise
        else:
            ts = where.ts
            await self.poster.update(where.channel, ts, text, blocks=blocks)
        self._mark(f"{where.channel}:{ts}")

    async def post_reply(
        self,
        item: OutboxItem,
        channel: str,
        text: str,
        *,
        blocks: Blocks | None = None,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str:
        """Post a message that is never edited (a thread reply, a DM) for `item`, once; returns its ts.

        A row taken over from a worker that died adopts the message that worker got posted, if any.
        """
        found = await self._posted_before(item, channel, thread_ts)
        if found is not None:
            return found
        return await self.poster.post(
            channel, text, blocks=blocks, thread_ts=thread_ts, broadcast=broadcast, row=item.id
        )

    async def _posted_before(self, item: OutboxItem, channel: str, thread_ts: str | None) -> str | None:
        """For a row taken over from a dead worker, the message it already posted (None: post it now)."""
        if not item.taken_over:
            return None
        found = await self.poster.find_row(channel, item.id, thread_ts=thread_ts, since=item.created_at)
        if found is not None:
            log.info(
                "outbox row %s (%s) was posted before its worker died: adopting message %s", item.id, item.kind, found
            )
        return found

    def _mark(self, message_key: str) -> None:
        now = self._monotonic()
        if len(self._last_edit) >= 1024:  # only recent edits can make the next one too soon
            self._last_edit = {k: at for k, at in self._last_edit.items() if now - at < self._min_interval}
        self._last_edit[message_key] = now

    def _check_pace(self, message_key: str) -> None:
        last = self._last_edit.get(message_key)
        if last is not None:
            wait = self._min_interval - (self._monotonic() - last)
            if wait > 0:
                raise TooSoon(wait)
