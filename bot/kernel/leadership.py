"""Which replica leads: a PostgreSQL session advisory lock, held on a connection of its own.

Replicas on one PostgreSQL database must not all run the scheduler (APScheduler has no way to share
its jobs, slack-notes §8). Each replica campaigns on a dedicated connection with
`pg_try_advisory_lock`; the one that gets it leads for as long as that connection lives. PostgreSQL
releases a session lock when its session ends, so a leader that dies (SIGKILL, OOM, a lost network)
frees the lock for the next follower's attempt, a few seconds later. A leader that loses its
connection stops leading at once, before anyone else can take over. While leading, the same
connection LISTENs on the channels asked for, so other replicas can tell the leader of their work
(`Announcer` sends those NOTIFYs). On SQLite one process does the work, and it always leads: the
only process, or in a split `confbot serve` the worker process (the front never campaigns).

The lock is keyed by the schema in use, so deployments (and tests) sharing a database in different
schemas each elect their own leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection

from bot.kernel.background import BackgroundLoop

log = logging.getLogger(__name__)

# Any fixed 32-bit number, the same in every replica: the first half of the leader lock's key
# (the second is the schema's hash). Different from db.SCHEMA_LOCK_KEY on purpose.
LEADER_LOCK_SPACE = 0x636F6E66  # "conf"

Elected = Callable[[], Awaitable[None]]
Deposed = Callable[[], None]
Listener = Callable[[str], Awaitable[None]]
# What a lost or unusable connection raises: psycopg's errors on the lock's own connection,
# SQLAlchemy's when taking it from the pool, the socket's underneath.
_DATABASE_ERRORS = (psycopg.Error, SQLAlchemyError, OSError, TimeoutError)


class Leadership:
    """One replica's campaign: `on_elected` when it wins the lock, `on_deposed` the moment it loses it.

    `start` makes one attempt before returning (so a lone replica leads, and has run `on_elected`,
    by the time it serves), then keeps campaigning in the background every `retry_every_s`. While
    leading, the lock's connection is checked every `check_every_s` and notifications on `listen`'s
    channels are handed to their listener with the payload.
    """

    def __init__(self, engine: AsyncEngine, *, retry_every_s: float = 2.0, check_every_s: float = 1.0) -> None:
        self._engine = engine
        self._retry_every_s = retry_every_s
        self._check_every_s = check_every_s
        self._leading = False
        self._held: AsyncConnection | None = None  # the lock's connection (never given back to the pool)
        self._task: asyncio.Task[None] | None = None
        self._electing: asyncio.Task[None] | None = None  # `on_elected` runs beside the connection's watch
        self._on_elected: Elected | None = None
        self._on_deposed: Deposed | None = None
        self._listen: Mapping[str, Listener] = {}

    @property
    def contested(self) -> bool:
        """Whether other processes may share this database (PostgreSQL), so leading must be won."""
        return self._engine.dialect.name == "postgresql"

    @property
    def leading(self) -> bool:
        return self._leading

    async def start(self, *, on_elected: Elected, on_deposed: Deposed, listen: Mapping[str, Listener]) -> None:
        """Campaign: lead now if the lock is free (or on SQLite), else keep trying in the background."""
        self._on_elected, self._on_deposed, self._listen = on_elected, on_deposed, listen
        if not self.contested:
            self._leading = True
            await on_elected()
            return
        try:
            await self._attempt()
        except _DATABASE_ERRORS as error:  # the database is away: keep trying in the background
            self._lose(error)
            await self._drop_connection()
        self._task = asyncio.create_task(self._campaign(), name="leadership")
        if self._electing is not None:
            await asyncio.shield(self._electing)  # a lone replica serves once it has rebuilt

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop campaigning and give up the lock (closing its connection), so another replica leads.

        `on_elected` still running (a rebuild dialling) gets `grace_s` to finish before it is cancelled.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        electing, self._electing = self._electing, None
        if electing is not None and not electing.done():
            await asyncio.wait({electing}, timeout=grace_s)
            electing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await electing
        if self._leading:
            self._leading = False
            if self._on_deposed is not None:
                self._on_deposed()
        await self._drop_connection()

    async def _campaign(self) -> None:
        while True:
            try:
                if self._leading:
                    await self._serve()
                else:
                    await asyncio.sleep(self._retry_every_s)
                    await self._attempt()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the campaign must outlive anything, a bug included
                if not isinstance(error, _DATABASE_ERRORS):
                    log.exception("leadership: unexpected error; campaigning again")
                self._lose(error)
                await self._drop_connection()

    async def _attempt(self) -> None:
        """Try the lock once; on winning, LISTEN and start `on_elected`.

        `on_elected` runs in a task of its own, so the lock's connection is watched (and a lost one
        deposes this replica at once) even while a long rebuild is dialling.
        """
        pg = await self._connection()
        cursor = await pg.execute(
            "SELECT pg_try_advisory_lock(%s::int, hashtext(current_schema()))", (LEADER_LOCK_SPACE,)
        )
        row = await cursor.fetchone()
        if not (row and row[0]):
            return
        for channel in self._listen:
            await pg.execute(f'LISTEN "{channel}"')
        self._leading = True
        log.info("leadership: this replica leads")
        self._electing = asyncio.create_task(self._elected(), name="leadership:elected")

    async def _elected(self) -> None:
        assert self._on_elected is not None
        try:
            await self._on_elected()
        except Exception:  # the leader keeps leading; its periodic work retries what failed here
            log.exception("leadership: starting to lead failed")

    async def _serve(self) -> None:
        """While leading: hand over notifications, then check the lock's connection is alive."""
        pg = await self._connection()
        async for notify in pg.notifies(timeout=self._check_every_s):
            listener = self._listen.get(notify.channel)
            if listener is None:
                continue
            try:
                await listener(notify.payload)
            except Exception:  # one bad notification must not end the leadership
                log.exception("leadership: handling a notification on %s failed", notify.channel)
        await pg.execute("SELECT 1")

    def _lose(self, error: BaseException) -> None:
        if self._leading:
            self._leading = False
            log.warning("leadership: lost the lock's connection (%s); no longer leading", error.__class__.__name__)
            if self._on_deposed is not None:
                self._on_deposed()

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        """The psycopg connection the lock lives on, opened from the engine's pool (same settings)."""
        if self._held is None:
            held = await self._engine.connect()
            try:
                pg = _driver(await held.get_raw_connection())
                await pg.rollback()  # the pool's ping may have opened a transaction
                await pg.set_autocommit(True)  # notifications arrive only outside transactions
            except BaseException:
                await self._close(held)
                raise
            self._held = held
        return _driver(await self._held.get_raw_connection())

    async def _drop_connection(self) -> None:
        """Close the lock's connection for good: a session lock must never go back to the pool."""
        held, self._held = self._held, None
        if held is not None:
            await self._close(held)

    @staticmethod
    async def _close(held: AsyncConnection) -> None:
        with contextlib.suppress(*_DATABASE_ERRORS):
            await held.invalidate()
            await held.close()


def _driver(raw: PoolProxiedConnection) -> psycopg.AsyncConnection[Any]:
    pg = raw.driver_connection
    assert isinstance(pg, psycopg.AsyncConnection)
    return pg


class Announcer:
    """NOTIFYs on one channel, sent in order by a background loop so that sync callers can announce.

    Callers announce after their own transaction committed; a NOTIFY that cannot be sent (the
    database is away) is retried, and a listener must treat payloads as "look again" (idempotent).
    """

    def __init__(self, engine: AsyncEngine, channel: str, *, retry_every_s: float = 1.0) -> None:
        self._engine = engine
        self._channel = channel
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._loop = BackgroundLoop(
            f"announce:{channel}",
            self._send,
            every_s=retry_every_s,
            wake=self._wake,
            grace_s=2.0,
            failure=f"sending NOTIFY {channel} failed; trying again",
        )

    def announce(self, payload: str) -> None:
        """Queue `NOTIFY <channel>, payload` (sent within moments by the loop)."""
        self._pending.append(payload)
        self._wake.set()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        """Stop, sending what is queued first if the database allows."""
        await self._loop.stop()
        with contextlib.suppress(SQLAlchemyError, OSError):
            await self._send()

    async def _send(self) -> float | None:
        batch = list(self._pending)
        if not batch:
            return 3600.0  # nothing to do until woken
        async with self._engine.begin() as conn:
            for payload in batch:
                await conn.execute(
                    text("SELECT pg_notify(:channel, :payload)"), {"channel": self._channel, "payload": payload}
                )
        del self._pending[: len(batch)]
        return 0.0 if self._pending else 3600.0
