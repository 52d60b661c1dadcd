"""A command stored in the event loop's own thread (SQLite): kept, carried out once, giving way to other writers."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import Insert, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel.db import SqliteEngine, write_first
from bot.kernel.inbox import InboxItem, SqlInbox, inbox
from tests.e2e.harness import wait_for
from tests.kernel.test_inbox import Recorder, inbox_on


@pytest.fixture
def sqlite_engine(engine) -> SqliteEngine:
    if not isinstance(engine, SqliteEngine):
        pytest.skip("the in-loop write is SQLite's; PostgreSQL takes the usual path")
    return engine


def _path(engine: SqliteEngine) -> str:
    database = make_url(str(engine.url)).database
    assert database
    return database


def _row(token: str) -> Insert:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return inbox.insert().values(token=token, kind="dial", payload={}, received_at=at, leased_until=at, attempts=1)


async def _rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(inbox))).scalar_one())


async def test_a_command_stored_in_the_loop_reads_back_whole_and_is_carried_out_once(sqlite_engine, clock) -> None:
    dead = inbox_on(sqlite_engine, clock, Recorder(), lease_s=30)
    stored = await dead.accept("dial", {"text": "飞书 a", "n": 3})  # acknowledged, then the process died
    assert stored is not None
    survivor = Recorder()
    seen: list[object] = []
    first = inbox_on(sqlite_engine, clock, survivor, lease_s=30)
    original = survivor.handle

    async def handle(item: InboxItem) -> None:
        seen.append((item.payload, item.received_at, item.token))
        await original(item)

    first._handlers["dial"] = (handle, survivor.give_up)
    clock.advance(seconds=31)
    await first._tend()
    await first._tend()  # a second round finds nothing more to take
    await wait_for(lambda: survivor.done == ["飞书 a"])
    await first.stop()
    assert seen == [({"text": "飞书 a", "n": 3}, stored.received_at, stored.token)]
    assert await SqlInbox(sqlite_engine).count() == 0


async def test_a_command_is_stored_without_waiting_for_the_event_loop_when_no_writer_has_the_turn(
    sqlite_engine,
) -> None:
    loop_turned = asyncio.Event()
    asyncio.get_running_loop().call_soon(loop_turned.set)
    await write_first(sqlite_engine, _row("a"))
    assert not loop_turned.is_set()  # stored and committed with no hop through the loop
    assert await _rows(sqlite_engine) == 1


async def test_a_command_goes_after_the_writer_mid_transaction_and_before_the_waiting_ones(sqlite_engine) -> None:
    order: list[str] = []

    async def background(name: str) -> None:
        async with sqlite_engine.begin() as conn:
            await conn.execute(_row(name))
            order.append(name)

    async with sqlite_engine.begin() as conn:  # background work, mid-transaction
        await conn.execute(_row("first"))
        waiting = asyncio.create_task(background("waiting"))
        await asyncio.sleep(0)
        command = asyncio.create_task(write_first(sqlite_engine, _row("command")))
        command.add_done_callback(lambda _: order.append("command"))
        await asyncio.sleep(0)
        assert not command.done()
    await asyncio.gather(command, waiting)
    assert order == ["command", "waiting"]
    assert await _rows(sqlite_engine) == 3


async def test_a_lock_held_by_another_process_neither_loses_the_command_nor_blocks_the_loop(
    sqlite_engine, clock
) -> None:
    recorder = Recorder()
    commands = inbox_on(sqlite_engine, clock, recorder)
    with contextlib.closing(sqlite3.connect(_path(sqlite_engine), isolation_level=None)) as cli:
        cli.execute("BEGIN IMMEDIATE")  # the CLI writing
        accepting = asyncio.create_task(commands.accept("dial", {"text": "after the CLI"}))
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        ticking = asyncio.create_task(tick())
        await wait_for(lambda: ticks >= 10)  # the loop runs while the command waits for the lock
        assert not accepting.done()
        ticking.cancel()
        cli.execute("COMMIT")
        item = await accepting
    assert item is not None
    commands.carry_out(item)
    await wait_for(lambda: recorder.done == ["after the CLI"])
    await commands.stop()
    assert await _rows(sqlite_engine) == 0


async def test_a_command_goes_in_at_once_while_the_writer_with_the_turn_has_changed_nothing_yet(
    sqlite_engine,
) -> None:
    async with sqlite_engine.begin() as conn:  # background work that has only read so far
        await conn.execute(select(func.count()).select_from(inbox))
        await asyncio.wait_for(write_first(sqlite_engine, _row("command")), 5)
        await conn.execute(_row("background"))  # its own change still goes in, after the command's
    assert await _rows(sqlite_engine) == 2
