"""Shared fixtures: a database per test (SQLite file, or a PostgreSQL schema in the CI's second pass)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.kernel import db

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


def create_pg_schema(url: str) -> str:
    """A fresh schema in the PostgreSQL database at `url`."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def drop_pg_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(_pg_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def test_db(tmp_path) -> Iterator[TestDatabase]:
    """SQLite in the test's temp dir, or a throw-away schema when CONFBOT_TEST_DATABASE_URL is set."""
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
async def engine(test_db: TestDatabase) -> AsyncIterator:
    """A migrated async engine on the test database."""
    eng = db.create_engine(test_db.url, schema=test_db.schema)
    await db.upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
