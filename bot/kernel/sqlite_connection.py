"""aiosqlite connections whose close cannot wait for ever on a thread that has already stopped.

With aiosqlite 0.22, SQLAlchemy tears down a connection whose query was cancelled by starting a
graceful `close()` (shielded) and, when it is cancelled again meanwhile — a stop followed by the
event loop's own shutdown cancelling what is left — force-stops the connection's thread. The
graceful close then queues a second stop for that thread and awaits an answer that never comes:
the task stays pending, and the event loop (a test session, `confbot serve`) cannot close.
(sqlalchemy/sqlalchemy#13039, wapiti-scanner/wapiti#802; tests/kernel/test_db.py reproduces it.)
This close does not ask a stopped thread anything.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite


class SafeClosingConnection(aiosqlite.Connection):
    """An aiosqlite connection whose close only talks to its thread while that thread runs."""

    async def close(self) -> None:
        if self._connection is None:
            return
        try:
            if self._running:
                await self._execute(self._conn.close)
        finally:
            self._connection = None
            if self._running:  # nobody stopped the thread yet: stop it and wait until it has
                future = self.stop()
                if future:
                    await future


def sqlite_creator(database: str, **connect_args: Any) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for `database`: a SafeClosingConnection, connected."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **connect_args)

    async def create() -> SafeClosingConnection:
        connection = SafeClosingConnection(connector, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy's own connect does: never hold the process
        await connection  # starts its thread and opens the file
        return connection

    return create
