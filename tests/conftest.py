"""Shared fixtures: a database per test (SQLite file, or a PostgreSQL schema in the CI's second pass).

Alembic runs once per session (`migrated_template`); each test's database is a copy of what it built,
so only the migration tests (`empty_db`) pay for running migrations.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel import db

# Property and fuzz tests draw the same examples on every run, so a red CI is a real defect that
# reproduces, not a draw; `HYPOTHESIS_PROFILE=explore make test` draws new ones to go looking.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

PG_ENV = "CONFBOT_TEST_DATABASE_URL"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class TestDatabase:
    """Where a test's tables live."""

    url: str
    schema: str | None = None


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 26, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def _pg_admin_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_pg_schema(url: str, statements: Sequence[RecordedStatement] = ()) -> str:
    """A fresh schema in the PostgreSQL database at `url`, with `statements` run in it."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_url(url), autocommit=True) as conn, conn.transaction():
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET LOCAL search_path TO "{schema}"')
        with conn.cursor() as cursor:
            for statement in statements:
                statement.replay(cursor)
    return schema


def drop_pg_schema(url: str, schema: str) -> None:
    import psycopg

    # A test that severed a connection mid-transaction (tests/pg/severable_link.py) or killed a replica
    # can leave a server backend holding locks in the schema until TCP gives up on it, hours later:
    # the DROP would wait for it for ever. Such backends are ended first, and the DROP waits 10 s at most
    # for any that took a lock since, then ends those too.
    holders = (
        "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND l.pid <> pg_backend_pid()"
    )
    with psycopg.connect(_pg_admin_url(url), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        for attempt in range(3):
            conn.execute(holders, (schema,))
            try:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                return
            except psycopg.errors.LockNotAvailable:
                if attempt == 2:
                    raise


@dataclass(frozen=True)
class RecordedStatement:
    """One statement the migrations sent to PostgreSQL, with its parameters, to send again elsewhere."""

    sql: str
    parameters: Any
    many: bool

    def replay(self, cursor: Any) -> None:
        if self.many:
            cursor.executemany(self.sql, self.parameters)
        else:
            cursor.execute(self.sql, self.parameters)


@dataclass(frozen=True)
class MigratedTemplate:
    """The migrated schema, made once per session: a SQLite file to copy, or PostgreSQL's statements to replay."""

    sqlite_file: Path | None = None
    pg_statements: tuple[RecordedStatement, ...] = ()


def _run_apart(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `work` to completion on a loop of its own: the session fixtures may be set up inside a test's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, work()).result()


def _migrate_sqlite_template(path: Path) -> MigratedTemplate:
    async def migrate() -> None:
        engine = db.create_engine(f"sqlite:///{path}")
        await db.upgrade(engine)
        await engine.dispose()

    _run_apart(migrate)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, so one copy is whole
    return MigratedTemplate(sqlite_file=path)


def record_pg_migrations(url: str) -> tuple[RecordedStatement, ...]:
    """Run the real migrations once in a scratch schema and keep every statement that changed it.

    Each test's schema is then built by replaying them, which costs a few round trips instead of
    loading Alembic per test; the catalogue queries Alembic makes along the way are left out.
    """
    recorded: list[RecordedStatement] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "SHOW")):
            copied = [dict(p) for p in parameters] if many else dict(parameters or {})
            recorded.append(RecordedStatement(statement, copied, many))

    async def migrate(schema: str) -> None:
        engine = db.create_engine(url, schema=schema)
        event.listen(engine.sync_engine, "before_cursor_execute", record)
        await db.upgrade(engine)
        await engine.dispose()

    schema = create_pg_schema(url)
    try:
        _run_apart(lambda: migrate(schema))
    finally:
        drop_pg_schema(url, schema)
    return tuple(recorded)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplate:
    """Alembic runs here, once per session; tests get copies of what it built."""
    url = os.environ.get(PG_ENV)
    if url:
        return MigratedTemplate(pg_statements=record_pg_migrations(url))
    return _migrate_sqlite_template(tmp_path_factory.mktemp("template") / "confbot.db")


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty database (for the migration tests): SQLite in the temp dir, or a throw-away schema."""
    url = os.environ.get(PG_ENV)
    if not url:
        yield TestDatabase(f"sqlite:///{tmp_path / 'confbot.db'}")
        return
    schema = create_pg_schema(url)
    try:
        yield TestDatabase(url, schema)
    finally:
        drop_pg_schema(url, schema)


@pytest.fixture
def test_db(tmp_path: Path, migrated_template: MigratedTemplate) -> Iterator[TestDatabase]:
    """A database at the newest migration: a copy of the session's template (SQLite) or a replayed schema."""
    url = os.environ.get(PG_ENV)
    if not url:
        assert migrated_template.sqlite_file is not None
        target = tmp_path / "confbot.db"
        shutil.copyfile(migrated_template.sqlite_file, target)
        yield TestDatabase(f"sqlite:///{target}")
        return
    schema = create_pg_schema(url, migrated_template.pg_statements)
    try:
        yield TestDatabase(url, schema)
    finally:
        drop_pg_schema(url, schema)


@pytest.fixture
async def engine(test_db: TestDatabase) -> AsyncIterator[AsyncEngine]:
    """An async engine on the test's migrated database."""
    eng = db.create_engine(test_db.url, schema=test_db.schema)
    yield eng
    await eng.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
