"""Running ASGI apps with uvicorn on free loopback ports inside the current event loop.

The demo and the end-to-end tests put the bot, the Slack emulator and the sandbox on
real sockets this way; binding first lets a server learn its own URL before it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any, Literal

import uvicorn


def reserve_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound, listening TCP socket (port 0 picks a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class LoopbackServer:
    """One uvicorn server on an already-bound socket."""

    def __init__(
        self, app: Any, sock: socket.socket | None = None, *, lifespan: Literal["auto", "on", "off"] = "on"
    ) -> None:
        self.sock = sock or reserve_socket()
        host, port = self.sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serve in the background; returns once the app's start-up has finished."""
        self._task = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raise a start-up failure
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Shut down gracefully (runs the app's shutdown)."""
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sock.close()
