"""Engine creation and migrations for SQLite (embedded default) and PostgreSQL.

One async engine serves the whole process. SQLite gets WAL and a busy timeout so the
outbox worker, webhooks and the scheduler can write concurrently without "database is
locked"; PostgreSQL needs nothing special. Alembic runs on a sync connection borrowed from
the async engine, so the same code migrates both.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Executable, StaticPool, event, inspect, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.kernel.sqlite_connection import sqlite_creator

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30  # how long a writer waits for another (another process: the CLI, a test)
# How long a write in the event loop's own thread (`write_first`) waits for SQLite's lock before it
# takes the usual path: it would block the loop meanwhile, so not at all.
IN_LOOP_BUSY_TIMEOUT_S = 0.0
# When another process holds the lock, the in-loop write tries again this often, this many times, before
# taking the usual path: SQLite's busy handler there sleeps in growing steps (1, 2, 5, 10, 15, 20, 25 ms…)
# and the lock is often free again long before its next try (bench/ack_load.py with SERVE_WORKER_PROCESS).
IN_LOOP_RETRY_S, IN_LOOP_RETRIES = 0.001, 50
# Any fixed 64-bit number, the same in every replica: the advisory lock schema upgrades take turns on.
SCHEMA_LOCK_KEY = 0x636F6E66626F74  # "confbot"


def async_url(url: str) -> str:
    """The async-driver form of a database URL (sqlite → aiosqlite, postgresql → psycopg)."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in {"sqlite", "sqlite+pysqlite"}:
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in {"postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An async engine for `url`; `schema` pins PostgreSQL's search_path (tests isolate by schema)."""
    full = async_url(url)
    parsed = make_url(full)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["async_creator"] = sqlite_creator(
            database or ":memory:", timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False
        )
    else:
        # A server may drop idle connections; a local SQLite file cannot, so only servers get pinged.
        kwargs["pool_pre_ping"] = True
        if schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    engine = create_async_engine(full, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return SqliteEngine(engine.sync_engine, database=database if database != ":memory:" else None)
    return engine


class WriterTurns:
    """One writer at a time, in arrival order, except that urgent writers go before the others.

    An asyncio lock with two queues: the writer that releases hands the turn to the oldest
    urgent waiter, else to the oldest other one, so a short write someone is waiting on (storing
    a command before Slack gets its 200) never queues behind background work.
    """

    def __init__(self) -> None:
        self._taken = False
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._others: collections.deque[asyncio.Future[None]] = collections.deque()

    def try_acquire(self) -> bool:
        """Take the turn now if nobody has it or waits for it; False (and nothing taken) otherwise."""
        if self._taken or self._urgent or self._others:
            return False
        self._taken = True
        return True

    async def acquire(self, *, urgent: bool = False) -> None:
        if self.try_acquire():
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._others
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # the turn came as we were cancelled: pass it on
            else:
                queue.remove(turn)
            raise

    def release(self) -> None:
        for queue in (self._urgent, self._others):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # handed over: still taken
                    return
        self._taken = False


class SqliteEngine(AsyncEngine):
    """An engine whose write transactions take turns in the event loop, not in SQLite's busy handler.

    SQLite has one writer at a time. A writer that finds the lock taken waits in SQLite's busy
    handler, which sleeps in steps of up to 100 ms and re-tries: under load (a burst of `/dial`s
    being stored while earlier ones are carried out) an INSERT of a millisecond waited up to 0.8 s
    (bench/ack_load.py). Here a writer waits for its turn (`WriterTurns`) instead and goes the
    moment the previous one commits; `write_first` goes before every waiting `begin`. Every write in
    confbot is an `engine.begin()` block; reads (`engine.connect()`) do not queue. A block must not
    open another `begin()` inside it (it would wait for itself); waiting longer than SQLite's own
    busy timeout raises TimeoutError.

    `write_first` is the short cut for one small statement someone is waiting on (see there).
    """

    def __init__(self, sync_engine: Any, *, database: str | None = None) -> None:
        super().__init__(sync_engine)
        self._turns = WriterTurns()
        self._in_loop: Engine | None = None
        if database:
            # One plain sqlite3 connection used only in the event loop's thread, by `write_first`.
            self._in_loop = create_sync_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(database, timeout=IN_LOOP_BUSY_TIMEOUT_S, check_same_thread=False),
                poolclass=StaticPool,
            )
            event.listen(self._in_loop, "connect", _in_loop_pragmas)

    async def write_first(self, statement: Executable) -> CursorResult[Any]:
        """Run one short write someone is waiting on: first in line, then in the event loop's own thread.

        Through aiosqlite a write is several hops to its thread and back (begin, execute, commit),
        each waiting for a turn of an event loop that may be busy carrying out earlier commands: under
        load those hops, not SQLite, were the ack's tail, and acks queued behind each other's hops
        grew to seconds (bench/ack_load.py). Holding the turn, no transaction of this process is open,
        so a plain INSERT + COMMIT here takes a fraction of a millisecond and no hop (nor any await at
        all when the turn is free). A writer of ours holding the turn holds no lock in SQLite until its
        first change (pysqlite begins before the first INSERT/UPDATE/DELETE): until then this write goes
        in without waiting, and a change of theirs meanwhile waits for it in SQLite for a moment.
        Another process (a split serve's worker, the CLI) may hold SQLite's lock: the write is tried
        again every IN_LOOP_RETRY_S (the loop runs meanwhile), then goes through aiosqlite, which waits
        for it off the loop.
        """
        if not self._turns.try_acquire():
            result = self._write_in_loop(statement)
            if result is not None:
                return result
            async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_S):
                await self._turns.acquire(urgent=True)
        try:
            result = self._write_in_loop(statement)
            for _ in range(IN_LOOP_RETRIES):  # another process writes (a split serve's worker): soon done
                if result is not None:
                    return result
                await asyncio.sleep(IN_LOOP_RETRY_S)
                result = self._write_in_loop(statement)
            if result is None:
                async with super().begin() as conn:
                    result = await conn.execute(statement)
            return result
        finally:
            self._turns.release()

    def _write_in_loop(self, statement: Executable) -> CursorResult[Any] | None:
        """The write, committed on the in-loop connection; None when there is none or the file is locked."""
        if self._in_loop is None:
            return None
        try:
            with self._in_loop.begin() as conn:
                return conn.execute(statement)
        except OperationalError as exc:
            if isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig):
                return None
            raise

    async def dispose(self, close: bool = True) -> None:
        if self._in_loop is not None:
            self._in_loop.dispose(close)
        await super().dispose(close)

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, once it is this writer's turn (see the class)."""
        async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_S):
            await self._turns.acquire(urgent=False)
        try:
            async with super().begin() as conn:
                yield conn
        finally:
            self._turns.release()


async def write_first(engine: AsyncEngine, statement: Executable) -> CursorResult[Any]:
    """One short write someone is waiting on: `SqliteEngine.write_first`, or a transaction of its own elsewhere."""
    if isinstance(engine, SqliteEngine):
        return await engine.write_first(statement)
    async with engine.begin() as conn:
        return await conn.execute(statement)


def _in_loop_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Not journal_mode: the async engine's first connection set WAL for the file, for good.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Copying the log back into the file (every 1,000 pages) is left to the aiosqlite connections'
    # commits, in their threads: here it would stall the loop.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    # With WAL, NORMAL survives any crash of confbot itself; only an OS crash or power loss may
    # drop the last commits (never corrupt the file). FULL costs an fsync per event.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config pointing at bot/migrations, bound to a connection or URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str | None:
    """The newest migration's id, read from bot/migrations once per process."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision alembic_version records; None when the table is missing or not one row."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions[0] if len(versions) == 1 else None


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (head by default).

    A database already at head is left alone without loading Alembic's environment: every start
    (and every test's bot) would otherwise pay for reading and configuring all migrations to do nothing.
    On PostgreSQL replicas starting together would each create `alembic_version` and the tables at
    once, and all but one die on a UniqueViolation; a transaction-scoped advisory lock makes them take
    turns, so the later ones find the schema at head. (SQLite serialises writers by itself.)
    """

    def run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        if revision == "head" and current_revision(connection) == head_revision():
            return
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to `revision` (used by the migration tests)."""

    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
