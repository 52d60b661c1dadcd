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
    """A bound, listening TCP socket (port 0 picks a free one).

    The protocol is named so that asyncio sets TCP_NODELAY on every connection it accepts (it only
    does for IPPROTO_TCP sockets); without it a response written in two parts waits out the
    client's delayed ACK, some 40 ms per request.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopping as soon as asked.

    uvicorn notices `should_exit` on a 0.1 s tick and then sleeps a fixed 0.1 s before it looks at
    the open connections; the demo and the tests start and stop these servers hundreds of times, so
    here the main loop wakes on `exit()` and shutdown waits for the connections themselves.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    def exit(self) -> None:
        self.should_exit = True
        self._exit.set()

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):  # the tick also refreshes the Date header
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after their response
        grace = self.config.timeout_graceful_shutdown
        deadline = None if grace is None else asyncio.get_running_loop().time() + grace
        while (self.server_state.connections or self.server_state.tasks) and not self.force_exit:
            if deadline is not None and asyncio.get_running_loop().time() > deadline:
                for task in self.server_state.tasks:
                    task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
                for connection in list(self.server_state.connections):
                    transport = getattr(connection, "transport", None)
                    if transport is not None:
                        transport.abort()  # a half-sent request that will never finish
                break
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:  # a second Ctrl-C skips the app's shutdown, as in uvicorn
            await self.lifespan.shutdown()


class LoopbackServer:
    """One uvicorn server on an already-bound socket."""

    def __init__(
        self, app: Any, sock: socket.socket | None = None, *, lifespan: Literal["auto", "on", "off"] = "on"
    ) -> None:
        self.sock = sock or reserve_socket()
        host, port = self.sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        # A client that never finishes its request must not hold a stop forever (tests stop hundreds of times).
        config = uvicorn.Config(
            app, lifespan=lifespan, log_level="warning", access_log=False, timeout_graceful_shutdown=5
        )
        self._server = _PromptServer(config)
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
        self._server.exit()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sock.close()
