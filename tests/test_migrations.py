"""Alembic migrations create, remove and re-create the schema on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.kernel import db
from bot.kernel.tables import METADATA


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


async def test_outbox_rows_written_before_0003_keep_their_thread(test_db) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    engine = db.create_engine(test_db.url, schema=test_db.schema)
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
    await db.upgrade(engine, "0003")
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
