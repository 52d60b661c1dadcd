"""The inbox: Slack commands are stored before Slack is told we have them, then carried out by a bounded pool.

Slack wants its 200 within 3 s, and the work after it (profiles, parsing, storing, posting) takes
longer. Before the inbox that work ran unbounded after the ack: under a burst it queued on the
database pool until the pool gave up, and a crash lost it, both after Slack (and the user) had been
told it was received. Now:

- a command is inserted here first, then acknowledged; what cannot be taken (this process already
  holds `capacity` commands) is acknowledged with "busy, try again" and nothing is stored;
- at most `concurrency` commands are carried out at once, well under the pool's size, so the pool
  never decides who is served;
- a row is held by the process carrying it out (a lease it renews while it lives); rows whose lease
  ran out (their process died) are taken over by any live process, which carries them out again.
  Carrying out is idempotent where it matters: an invite remembers the row that made it
  (`invites.request_key`), so a command carried out twice makes one invite.
- A row is deleted once carried out (including when the answer was "that is not valid").
- In a split `confbot serve` (bot/kernel/worker_process.py) the front only stores: its rows are
  stored unheld (lease already over, no try yet) and the worker process takes them like a dead
  process's, at once when woken, else at its next look. "Busy" then counts the table's rows,
  since the front holds none.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel.acks_first import AcksFirst
from bot.kernel.acting import acting_for
from bot.kernel.background import BackgroundLoop
from bot.kernel.db import write_first
from bot.kernel.logs import log_context
from bot.kernel.ports import Clock
from bot.kernel.tables import InboxRow

log = logging.getLogger(__name__)

inbox = InboxRow.__table__  # type: ignore[attr-defined]
# How stale the front's count of stored commands may be when it decides "busy" (seconds).
BACKLOG_READ_EVERY_S = 0.2


@dataclass(frozen=True)
class InboxItem:
    """One acknowledged command: its kind (which handler), what Slack sent, and when."""

    id: int
    token: str
    kind: str
    payload: dict[str, Any]
    received_at: datetime
    attempts: int = 1

    @property
    def request_key(self) -> str:
        """The key the work this command causes is remembered by (so doing it again finds it)."""
        return f"inbox:{self.token}"


class SqlInbox:
    """The `slack_inbox` table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def accept(
        self, kind: str, payload: dict[str, Any], now: datetime, lease: timedelta, *, attempts: int = 1
    ) -> InboxItem:
        """Store a command, held by the caller until `now + lease` (a zero lease: free for any process to take)."""
        token = uuid.uuid4().hex
        row = insert(inbox).values(
            token=token, kind=kind, payload=payload, received_at=now, leased_until=now + lease, attempts=attempts
        )
        result = await write_first(self.engine, row)  # Slack is waiting on this one
        assert result.inserted_primary_key is not None
        return InboxItem(result.inserted_primary_key[0], token, kind, payload, now)

    async def take_over(self, now: datetime, lease: timedelta, limit: int) -> list[InboxItem]:
        """Rows whose holder died (lease over), now held by the caller; compare-and-set, so once each."""
        if limit <= 0:
            return []
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(inbox).where(inbox.c.leased_until <= now).order_by(inbox.c.id).limit(limit)
            )
            rows = found.all()
        taken: list[InboxItem] = []
        for row in rows:
            async with self.engine.begin() as conn:
                won = await conn.execute(
                    update(inbox)
                    .where(and_(inbox.c.id == row.id, inbox.c.leased_until == row.leased_until))
                    .values(leased_until=now + lease, attempts=inbox.c.attempts + 1)
                )
            if won.rowcount == 1:
                item = InboxItem(row.id, row.token, row.kind, dict(row.payload), row.received_at, row.attempts + 1)
                taken.append(item)
        return taken

    async def renew(self, ids: Sequence[int], until: datetime) -> None:
        """Keep holding rows being carried out (the heartbeat of a live process)."""
        if ids:
            async with self.engine.begin() as conn:
                await conn.execute(update(inbox).where(inbox.c.id.in_(list(ids))).values(leased_until=until))

    async def done(self, item_id: int) -> None:
        """The command was carried out: forget it."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(inbox).where(inbox.c.id == item_id))

    async def count(self) -> int:
        """Commands acknowledged and not yet carried out (all processes)."""
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(inbox))).scalar_one())


Handler = Callable[[InboxItem], Awaitable[None]]
# Tells the user a command was not carried out and will not be (a bug, or too many tries).
GiveUp = Callable[[InboxItem], Awaitable[None]]


class CommandInbox:
    """Accepts commands (storing them first) and carries them out, `concurrency` at a time.

    `lease_s` is how long a process that stopped renewing keeps its rows: a crashed process's
    commands are carried out by the next live process within about that long. `max_attempts`
    bounds how often a command whose carrying-out kept dying is tried; then `give_up` tells its user.
    `acks_first` holds each command back while Slack requests wait for their answer (bot/kernel/acks_first.py).
    """

    def __init__(
        self,
        store: SqlInbox,
        clock: Clock,
        *,
        concurrency: int = 4,
        capacity: int = 500,
        lease_s: float = 30.0,
        max_attempts: int = 3,
        acks_first: AcksFirst | None = None,
        look_every_s: float | None = None,
    ) -> None:
        """`look_every_s`: how often the table is looked at for rows to take (default `lease_s / 3`)."""
        self.acks_first = acks_first or AcksFirst()
        self._store = store
        self._clock = clock
        self._gate = asyncio.Semaphore(concurrency)
        self._capacity = capacity
        self._lease = timedelta(seconds=lease_s)
        self._max_attempts = max_attempts
        self._handlers: dict[str, tuple[Handler, GiveUp]] = {}
        self._held: dict[int, asyncio.Task[None]] = {}
        self._elsewhere: Callable[[], None] | None = None
        self._backlog = (0, float("-inf"))  # the table's count, and when it was read (time.monotonic)
        self._renewed = float("-inf")
        self._wake = asyncio.Event()
        self._loop = BackgroundLoop(
            "command-inbox",
            self._tend,
            every_s=max(look_every_s or lease_s / 3, 0.05),
            wake=self._wake,
            failure="command inbox round failed",
        )

    def carry_out_elsewhere(self, tell: Callable[[], None]) -> None:
        """Only store from now on (the front of a split serve): `tell()` wakes the process that carries out."""
        self._elsewhere = tell

    def wake(self) -> None:
        """Commands were stored by another process: look for them now rather than at the next look."""
        self._wake.set()

    def add_handler(self, kind: str, handler: Handler, give_up: GiveUp) -> None:
        """Carry out commands of `kind` with `handler` (each feature registers its own kinds)."""
        if kind in self._handlers:
            raise ValueError(f"inbox kind {kind!r} already has a handler")
        self._handlers[kind] = (handler, give_up)

    @property
    def busy(self) -> bool:
        """True when this process holds as many commands as it may: new ones get "try again"."""
        return len(self._held) >= self._capacity

    async def accept(self, kind: str, payload: dict[str, Any]) -> InboxItem | None:
        """Store a command; None when too busy to take it (nothing stored). Call before acknowledging."""
        if kind not in self._handlers:
            raise ValueError(f"no handler for inbox kind {kind!r}")
        if self._elsewhere is not None:
            if await self._stored_backlog() >= self._capacity:
                return None
            # Unheld and untried: the worker takes it (and counts it as its first try).
            return await self._store.accept(kind, payload, self._clock.now(), timedelta(0), attempts=0)
        if self.busy:
            return None
        return await self._store.accept(kind, payload, self._clock.now(), self._lease)

    async def _stored_backlog(self) -> int:
        """Rows in the table, read at most every BACKLOG_READ_EVERY_S (a count per ack would cost each ack)."""
        count, read_at = self._backlog
        if time.monotonic() - read_at >= BACKLOG_READ_EVERY_S:
            count = await self._store.count()
            self._backlog = (count, time.monotonic())
        else:
            self._backlog = (count + 1, read_at)  # this one is about to be stored
        return count

    def carry_out(self, item: InboxItem) -> None:
        """Carry out an accepted command in the background (after Slack has its 200), or have it carried out."""
        if self._elsewhere is not None:
            self._elsewhere()
            return
        self._held[item.id] = asyncio.create_task(self._run(item), name=f"inbox:{item.id}")

    def start(self) -> None:
        """Start renewing held rows and taking over those of processes that died."""
        self._loop.start()

    async def stop(self, grace_s: float = 5.0) -> None:
        """Let commands under way finish for `grace_s`; the rest stay stored for the next process."""
        await self._loop.stop()
        tasks = list(self._held.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _tend(self) -> None:
        now = self._clock.now()
        if time.monotonic() - self._renewed >= self._lease.total_seconds() / 6:  # looks may come more often
            await self._store.renew(list(self._held), now + self._lease)
            self._renewed = time.monotonic()
        for item in await self._store.take_over(now, self._lease, self._capacity - len(self._held)):
            if item.attempts > 1:
                log.warning(
                    "carrying out command %s (try %s): its process stopped before it was done", item.id, item.attempts
                )
            self._held[item.id] = asyncio.create_task(self._run(item), name=f"inbox:{item.id}")

    async def _run(self, item: InboxItem) -> None:
        with log_context(team=team_of(item.payload)), acting_for(team_of(item.payload)):
            await self._run_in_context(item)

    async def _run_in_context(self, item: InboxItem) -> None:
        try:
            handler, give_up = self._handlers[item.kind]
            async with self._gate:
                await self.acks_first.step()
                if item.attempts > self._max_attempts:
                    log.error("command %s was tried %s times and never finished; giving up", item.id, item.attempts)
                    await give_up(item)
                else:
                    await handler(item)
            await self._store.done(item.id)
        except asyncio.CancelledError:
            raise  # stopping: the row stays, held until its lease runs out, then another process takes it
        except Exception:
            # A bug in carrying it out. Trying again could repeat what it already did (an ephemeral
            # reply, a parent post), so it is not retried: the user is told and the row forgotten.
            log.exception("command %s failed; telling its user", item.id)
            await self._give_up_quietly(item)
        finally:
            self._held.pop(item.id, None)

    async def _give_up_quietly(self, item: InboxItem) -> None:
        try:
            await self._handlers[item.kind][1](item)
        except Exception:
            log.exception("could not tell the user of command %s that it failed", item.id)
        await self._store.done(item.id)


def team_of(payload: dict[str, Any]) -> str | None:
    """The workspace a Slack payload came from: `team_id` of a command, `team.id` of an interaction."""
    team = payload.get("team_id") or payload.get("team")
    if isinstance(team, dict):
        team = team.get("id")
    return team if isinstance(team, str) else None
