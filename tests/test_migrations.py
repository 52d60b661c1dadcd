"""Alembic migrations create, remove and re-create the schema on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel import db
from bot.kernel.tables import METADATA


async def _tables(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


def _snapshot(connection: Connection) -> dict[str, Any]:
    """Every table's shape (columns, keys, indexes) and rows, in a form two databases can be compared by."""
    inspector = inspect(connection)
    tables: dict[str, Any] = {}
    for name in sorted(inspector.get_table_names()):
        rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
        tables[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in inspector.get_columns(name)
            ],
            "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
            "rows": sorted(repr(tuple(r)) for r in rows),
        }
    return tables


async def snapshot(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        return await conn.run_sync(_snapshot)


async def test_upgrade_creates_every_table_the_models_declare(empty_db) -> None:
    engine = db.create_engine(empty_db.url, schema=empty_db.schema)
    await db.upgrade(engine)
    assert set(METADATA.tables) <= await _tables(engine)
    await engine.dispose()


async def test_each_tests_database_is_what_the_migrations_build(empty_db, test_db) -> None:
    """The session's template (copied or replayed per test) is the migrations' own schema and seed rows."""
    migrated = db.create_engine(empty_db.url, schema=empty_db.schema)
    await db.upgrade(migrated)
    copied = db.create_engine(test_db.url, schema=test_db.schema)
    built = await snapshot(migrated)
    assert set(METADATA.tables) | {"alembic_version"} == set(built)
    assert await snapshot(copied) == built
    await migrated.dispose()
    await copied.dispose()


async def test_downgrade_to_base_and_upgrade_again_round_trips(empty_db) -> None:
    engine = db.create_engine(empty_db.url, schema=empty_db.schema)
    await db.upgrade(engine)
    await db.downgrade(engine, "base")
    assert await _tables(engine) <= {"alembic_version"}
    await db.upgrade(engine)
    assert set(METADATA.tables) <= await _tables(engine)
    await engine.dispose()


async def _alembic_upgrade(engine: AsyncEngine) -> None:
    """Alembic's own upgrade to head, without db.upgrade's at-head shortcut."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(db.alembic_config(c), "head"))


async def _rebuild(engine: AsyncEngine) -> None:
    """An upgrade that is not idempotent: it starts again from nothing, losing every row."""
    await db.downgrade(engine, "base")
    await db.upgrade(engine)


async def assert_upgrading_again_changes_nothing(
    engine: AsyncEngine, again: Callable[[AsyncEngine], Awaitable[None]]
) -> None:
    """Upgrade, store rows, upgrade again with `again`: the schema, the rows and the revision stay as they were."""
    await db.upgrade(engine)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO slack_outbox (kind, thread_key, payload, status, attempts, next_attempt_at, created_at) "
                "VALUES ('roster', 'invite:1', '{}', 'pending', 0, :now, :now)"
            ),
            {"now": now},
        )
    before = await snapshot(engine)
    assert before["slack_outbox"]["rows"] and before["inbound_route_version"]["rows"]
    await again(engine)
    assert await snapshot(engine) == before


async def test_upgrade_is_idempotent(empty_db) -> None:
    engine = db.create_engine(empty_db.url, schema=empty_db.schema)
    await assert_upgrading_again_changes_nothing(engine, db.upgrade)
    await assert_upgrading_again_changes_nothing(engine, _alembic_upgrade)
    await engine.dispose()


async def test_the_idempotence_check_catches_an_upgrade_that_rebuilds(empty_db) -> None:
    engine = db.create_engine(empty_db.url, schema=empty_db.schema)
    with pytest.raises(AssertionError):
        await assert_upgrading_again_changes_nothing(engine, _rebuild)
    await engine.dispose()


async def test_upgrade_at_head_does_not_load_alembic(empty_db, monkeypatch) -> None:
    engine = db.create_engine(empty_db.url, schema=empty_db.schema)
    await db.upgrade(engine, "0002")
    await db.upgrade(engine)  # behind head: migrated
    async with engine.connect() as conn:
        assert await conn.run_sync(db.current_revision) == db.head_revision() != "0002"

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran on a database already at head")

    monkeypatch.setattr(db.command, "upgrade", refuse)
    await db.upgrade(engine)
    await engine.dispose()


def test_urls_get_async_drivers() -> None:
    assert db.async_url("sqlite:///./var/x.db") == "sqlite+aiosqlite:///./var/x.db"
    assert db.async_url("postgresql://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
    assert db.async_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


async def test_outbox_rows_written_before_0003_keep_their_thread(empty_db) -> None:
    engine = db.create_engine(empty_db.url, schema=empty_db.schema)
    await db.upgrade(engine, "0002")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    async with engine.begin() as conn:
        for row_id, invite_id in ((1, 17), (2, -5)):
            await conn.execute(
                text(
                    "INSERT INTO slack_outbox (id, kind, invite_id, payload, status, attempts, next_attempt_at, "
                    "created_at) VALUES (:id, 'roster', :invite, '{}', 'pending', 0, :now, :now)"
                ),
                {"id": row_id, "invite": invite_id, "now": now},
            )
    await db.upgrade(engine)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, thread_key, invite_id FROM slack_outbox ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [(1, "invite:17", 17), (2, "inbound:5", None)]
    await db.downgrade(engine, "0002")
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, invite_id FROM slack_outbox ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [(1, 17), (2, -5)]
    await engine.dispose()


async def test_a_give_up_limit_kept_in_the_context_before_0004_becomes_the_typed_column(test_db) -> None:
    import json
    from datetime import UTC, datetime

    from sqlalchemy import text

    engine = db.create_engine(test_db.url, schema=test_db.schema)
    await db.downgrade(engine, "0003")  # test_db is at head
    now = datetime(2026, 11, 27, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO invites (id, team_id, channel_id, created_by, provider, target_kind, target_id, due_at, "
                "tz, locale, options, status, created_at, source_text) VALUES (1, 'T', 'C', 'U', 'yunhuni', "
                "'conference', '42', :now, 'UTC', 'en', '{}', 'dialing', :now, '')"
            ),
            {"now": now},
        )
        for row_id, context in ((1, {"give_up_after_s": "90", "conf_id": "42"}), (2, {"conf_id": "42"})):
            await conn.execute(
                text(
                    "INSERT INTO call_attempts (id, invite_id, position, provider, party_kind, address, state, "
                    "context, updated_at, failure_reported) VALUES (:id, 1, :id, 'yunhuni', 'phone', '+8613800138001', "
                    "'dialing', :context, :now, false)"
                ),
                {"id": row_id, "context": json.dumps(context), "now": now},
            )
    await db.upgrade(engine)

    async def rows() -> list[tuple]:
        async with engine.connect() as conn:
            found = await conn.execute(text("SELECT id, context, ring_limit_s FROM call_attempts ORDER BY id"))
            return [
                (r.id, r.context if isinstance(r.context, dict) else json.loads(r.context), r.ring_limit_s)
                for r in found
            ]

    assert await rows() == [(1, {"conf_id": "42"}, 90.0), (2, {"conf_id": "42"}, None)]
    await db.downgrade(engine, "0003")
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT id, context FROM call_attempts ORDER BY id"))
        back = [(r.id, r.context if isinstance(r.context, dict) else json.loads(r.context)) for r in found]
    assert back == [(1, {"conf_id": "42", "give_up_after_s": "90"}), (2, {"conf_id": "42"})]
    await engine.dispose()
