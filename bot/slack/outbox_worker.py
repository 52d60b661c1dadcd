"""The Slack outbox worker: leases due rows, hands each to its feature's sender, retries what failed.

Features only enqueue rows (kernel/outbox.py) and register a sender per row kind here; this
loop is shared, and so is the one post-or-update of kept messages (kernel/posting.py). So N
events for one message become one `chat.update`, at most one per message per second; a 429 waits
for its Retry-After, an outage is retried with backoff, and nothing is lost across restarts
because the rows are in the database (and a stopping worker gives back the rows it leased).

Leases are short (`lease_s`) and renewed while a delivery is in flight (a heartbeat), so the rows
of a worker that died are taken over by another within seconds; such a row looks for the message
its dead worker may have posted before posting it (kernel/posting.py), so it is never posted twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel import failpoints
from bot.kernel.acks_first import AcksFirst
from bot.kernel.acting import acting_for
from bot.kernel.background import BackgroundLoop
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.ports import Clock
from bot.kernel.posting import KeptMessages, NotReady, TooSoon
from bot.kernel.web import DATABASE_UNAVAILABLE
from bot.slack.clients import NotInstalled
from bot.slack.poster import SlackPoster

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


class SlackOutboxWorker:
    """Delivers outbox rows to Slack, in order per thread, each kind by the sender registered for it.

    The outbox leases a thread's rows oldest first and only while nothing older of that thread
    waits; a row put back (429, outage, not ready) ends its thread's turn in this pass, and the
    younger rows it holds back are given back at once, to follow it when it has gone out.

    `messages` is the one post-or-update of kept messages (and its `poster` the plain post for
    replies) that every feature's senders use; its pace is shared, so no message is edited more
    than once per `min_update_interval_s` whoever asks.
    """

    def __init__(
        self,
        outbox: SqlOutbox,
        client: AsyncWebClient,
        clock: Clock,
        wake: asyncio.Event,
        min_update_interval_s: float = 1.0,
        stop_grace_s: float = 5.0,
        lease_s: float = 15.0,
        acks_first: AcksFirst | None = None,
    ) -> None:
        """`acks_first`: each pass waits while Slack requests wait for their answer (bot/kernel/acks_first.py)."""
        self._outbox = outbox
        self.wake = wake  # set by whoever puts rows in the outbox (a split serve's front relays it)
        self._acks_first = acks_first or AcksFirst()
        self._clock = clock
        self._lease_s = lease_s
        self._renewing = asyncio.Lock()  # a release waits for a renewal under way, so it names the current lease
        self.messages = KeptMessages(SlackPoster(client), outbox, min_update_interval_s)
        self._handlers: dict[str, tuple[OutboxKind, Callable[[OutboxItem], Awaitable[None]]]] = {}
        self._held: dict[int, OutboxItem] = {}  # leased by this worker and not settled yet
        # Delivered to Slack, but the database went away before that could be written down: these
        # are recorded as sent by the next pass, never delivered again.
        self._sent_unrecorded: dict[int, OutboxItem] = {}
        self._next_purge = 0.0
        self._loop = BackgroundLoop(
            "slack-outbox", self._pass, every_s=1.0, wake=wake, grace_s=stop_grace_s, failure="outbox pass failed"
        )

    def add_handler(self, kind: OutboxKind, handler: Callable[[OutboxItem], Awaitable[None]]) -> None:
        """Deliver rows of `kind` with `handler` (each feature registers the kinds it enqueues).

        A handler may raise NotReady (its thread is not posted yet) or TooSoon (rate); Slack and
        connection errors are retried with backoff, permanent ones end the row.
        """
        taken = self._handlers.get(kind.value)
        if taken is not None and taken[0] is not kind:
            raise ValueError(f"outbox kind {kind.value!r} is already {type(taken[0]).__name__}.{taken[0].name}")
        self._handlers[kind.value] = (kind, handler)

    def kinds(self) -> frozenset[OutboxKind]:
        """The kinds this worker delivers."""
        return frozenset(kind for kind, _ in self._handlers.values())

    def start(self) -> None:
        """Run the delivery loop in the background."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop the loop and give back the rows it leased but did not settle.

        A send under way gets the loop's grace to finish and no new one starts; what is still held
        then is released, so the next start (or another replica) sends it at once instead of when
        the lease runs out. Undelivered rows stay in the database.
        """
        await self._loop.stop()
        held, self._held = list(self._held.values()), {}
        if held:
            await self._outbox.release(held)

    async def _pass(self) -> float:
        """One round of the loop; returns how long to wait (0: there may be more due at once)."""
        await self._acks_first.step()
        if await self.deliver_due():
            return 0.0
        if time.monotonic() >= self._next_purge:
            # Delivered rows are kept a while for inspection; the outbox is a queue, not an archive.
            await self._outbox.purge_sent(self._clock.now() - KEEP_SENT)
            self._next_purge = time.monotonic() + 3600
        due = await self._outbox.next_due_at()
        if due is None:
            return 1.0
        return min(1.0, max(0.02, (due - self._clock.now()).total_seconds()))

    async def deliver_due(self) -> bool:
        """One pass: lease due rows and deliver them; True when anything was leased."""
        await self._settle_stranded()
        now = self._clock.now()
        items = await self._outbox.lease_due(now, limit=50, lease_s=self._lease_s)
        self._held = {i: item for i, item in self._held.items() if item.leased_until > now}  # drop run-out leases
        if not items:
            return False
        groups: dict[str, list[OutboxItem]] = defaultdict(list)
        for item in items:
            self._held[item.id] = item
            groups[item.thread_key].append(item)
        heartbeat = asyncio.create_task(self._renew_while_delivering(), name="slack-outbox-heartbeat")
        try:
            results = await asyncio.gather(
                *(self._deliver_group(group) for group in groups.values()), return_exceptions=True
            )
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return True

    async def _renew_while_delivering(self) -> None:
        """Every third of a lease, extend the leases this worker still holds (until cancelled).

        A delivery slowed by Slack (a held or slow call) keeps its rows; a worker that died stops
        renewing, and its rows are free within one lease. A failed renewal is only logged: the
        next beat tries again, and at worst another worker takes the row over and looks before posting.
        """
        while True:
            await asyncio.sleep(self._lease_s / 3)
            held = list(self._held.values())
            if not held:
                continue
            async with self._renewing:
                try:
                    renewed = await self._outbox.renew(held, self._clock.now() + timedelta(seconds=self._lease_s))
                except DATABASE_UNAVAILABLE as exc:
                    log.warning("could not renew %d outbox leases: %r", len(held), exc)
                    continue
                for item in renewed:
                    if item.id in self._held:  # not settled while renewing
                        self._held[item.id] = item

    async def _settle_stranded(self) -> None:
        """Settle what a pass that failed half-way (the database went away) left behind.

        Passes run one at a time, so rows still held when one starts were left by a failed one:
        those sent are recorded as sent; the others are given back, to be delivered now rather than
        when their lease runs out.
        """
        for item_id in list(self._sent_unrecorded):
            await self._outbox.mark_sent(item_id, self._clock.now())
            del self._sent_unrecorded[item_id]
            self._held.pop(item_id, None)
        if self._held:
            stranded = list(self._held.values())
            await self._outbox.release(stranded)
            for item in stranded:
                self._held.pop(item.id, None)

    async def _deliver_group(self, items: list[OutboxItem]) -> None:
        """One thread's rows, oldest first; a row put back for later holds back the younger ones."""
        for index, item in enumerate(items):
            if self._loop.stopping:
                return  # the rest stays held, and stop() gives it back
            settled = await self._deliver(item)
            self._held.pop(item.id, None)
            if not settled:
                # With their current leases (the heartbeat may have renewed them): leased again
                # once the row before them is settled.
                async with self._renewing:
                    rest = [self._held.pop(later.id) for later in items[index + 1 :] if later.id in self._held]
                    await self._outbox.release(rest)
                return

    async def _deliver(self, item: OutboxItem) -> bool:
        """Deliver one row; True when it is settled (sent or given up), False when put back for later."""
        now = self._clock.now()
        try:
            with acting_for(item.team_id):  # its Slack calls go with its workspace's token
                await self._send(item)
        except NotInstalled as exc:
            log.error("gave up on outbox row %s (%s): %s", item.id, item.kind, exc)
            await self._outbox.mark_dead(item.id, "workspace not installed")
            return True
        except NotReady:
            return await self._wait_for_thread(item)
        except TooSoon as soon:
            await self._outbox.retry_at(item, now + timedelta(seconds=soon.wait_s), "coalescing", count=False)
        except SlackApiError as exc:
            return await self._on_slack_error(item, exc)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return await self._retry_later(item, f"connection: {exc!r}")
        except Exception as exc:
            log.exception("outbox row %s (%s) failed", item.id, item.kind)
            return await self._retry_later(item, f"internal: {exc!r}")
        else:
            failpoints.reached(failpoints.OUTBOX_AFTER_SEND)
            try:
                await self._outbox.mark_sent(item.id, self._clock.now())
            except DATABASE_UNAVAILABLE:
                self._sent_unrecorded[item.id] = item
                raise
            return True
        return False

    async def _wait_for_thread(self, item: OutboxItem) -> bool:
        """Try a row whose thread is not posted yet again shortly; end it when that thread never will be.

        True when the row was ended (settled), False when it was put back for later.
        """
        now = self._clock.now()
        if await self._outbox.thread_given_up(item) or now - item.created_at > GIVE_UP_AFTER:
            log.error(
                "gave up on outbox row %s (%s): its thread %s was given up and will never be posted",
                item.id,
                item.kind,
                item.thread_key,
            )
            await self._outbox.mark_dead(item.id, "thread given up")
            return True
        await self._outbox.retry_at(item, now + timedelta(seconds=0.3), "waiting for the thread", count=False)
        return False

    async def _on_slack_error(self, item: OutboxItem, exc: SlackApiError) -> bool:
        response = exc.response
        error = str(response.get("error", "")) if response is not None else ""
        status = response.status_code if response is not None else 0
        if status == 429 or error == "ratelimited":
            headers = {k.lower(): v for k, v in (response.headers or {}).items()} if response is not None else {}
            retry_after = headers.get("retry-after", "1")
            wait = float(retry_after[0] if isinstance(retry_after, list) else retry_after)
            log.info("Slack rate-limited outbox row %s; retrying in %.1f s", item.id, wait)
            await self._outbox.retry_at(item, self._clock.now() + timedelta(seconds=wait), "ratelimited", count=False)
            return False
        if error in PERMANENT_ERRORS:
            log.error("Slack refused outbox row %s (%s) for good: %s", item.id, item.kind, error)
            await self._outbox.mark_dead(item.id, error)
            return True
        return await self._retry_later(item, error or f"http {status}")

    async def _retry_later(self, item: OutboxItem, error: str) -> bool:
        """Back off and try again, or give up after a day; True when given up (the row is settled)."""
        now = self._clock.now()
        if now - item.created_at > GIVE_UP_AFTER:
            log.error("giving up on outbox row %s after 24 h: %s", item.id, error)
            await self._outbox.mark_dead(item.id, error)
            return True
        backoff = min(300.0, 2.0 ** min(item.attempts, 9)) * (0.5 + random.random() / 2)
        log.warning("outbox row %s failed (%s); retry in %.1f s", item.id, error, backoff)
        await self._outbox.retry_at(item, now + timedelta(seconds=backoff), error)
        return False

    async def _send(self, item: OutboxItem) -> None:
        registered = self._handlers.get(item.kind)
        if registered is None:
            log.error("unknown outbox kind %r", item.kind)
            return
        await registered[1](item)
