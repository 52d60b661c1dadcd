"""Alembic migrations create, remove and re-create the schema on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.store import db
from bot.store.tables import METADATA


async def _tables(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_creates_every_table_the_models_declare(test_db) -> None:
    engine = db.create_engine(test_db.url, schema=test_db.schema)
    await db.upgrade(engine)
    assert set(METADATA.tables) <= await _tables(engine)
    await engine.dispose()


async def test_downgrade_to_base_and_upgrade_again_round_trips(test_db) -> None:
    engine = db.create_engine(test_db.url, schema=test_db.schema)
    await db.upgrade(engine)
    await db.downgrade(engine, "base")
    assert await _tables(engine) <= {"alembic_version"}
    await db.upgrade(engine)
    assert set(METADATA.tables) <= await _tables(engine)
    await engine.dispose()


async def test_upgrade_is_idempotent(test_db) -> None:
    engine = db.create_engine(test_db.url, schema=test_db.schema)
    await db.upgrade(engine)
    await db.upgrade(engine)
    await engine.dispose()


def test_urls_get_async_drivers() -> None:
    assert db.async_url("sqlite:///./var/x.db") == "sqlite+aiosqlite:///./var/x.db"
    assert db.async_url("postgresql://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
    assert db.async_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
