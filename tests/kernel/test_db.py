"""The engine confbot builds survives what its tasks do to it, on SQLite as on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import text

from bot.kernel import db

# Long enough (~0.3 s) that a cancel lands while SQLite is still working on it.
SLOW_QUERY = text(
    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3000000) SELECT count(*) FROM r"
)


async def test_a_query_cancelled_twice_leaves_no_connection_close_pending_for_ever(tmp_path: Path) -> None:
    """A task stopped while it queries, then cancelled again (a shutdown cancelling what is left), must
    not leave a connection close waiting on a SQLite thread that is gone: the event loop could then
    never close, and the process (or the test session) hangs at exit."""
    engine = db.create_engine(f"sqlite:///{tmp_path / 'confbot.db'}")

    async def query() -> None:
        async with engine.connect() as conn:
            await conn.execute(SLOW_QUERY)

    before, threads_before = asyncio.all_tasks(), set(threading.enumerate())
    for delay in (0.0, 0.01, 0.05) * 2:
        task = asyncio.create_task(query())
        await asyncio.sleep(delay)
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.wait([task], timeout=5)
        assert task.done()
    left = asyncio.all_tasks() - before - {asyncio.current_task()}
    if left:
        _, pending = await asyncio.wait(left, timeout=5)
        assert not pending, f"{len(pending)} connection closes never finished: {pending}"
    await engine.dispose()
    # A stopped connection's thread finishes its query first; let it answer while this loop still runs.
    for thread in set(threading.enumerate()) - threads_before:
        if "_connection_worker_thread" not in thread.name:
            continue
        await asyncio.to_thread(thread.join, 5)
