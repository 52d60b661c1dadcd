"""Slack's side of Socket Mode, on loopback: a WebSocket that sends envelopes and reads acks.

The bot asks the Web API emulator for `apps.connections.open` with its app-level token and
gets this server's ws:// URL; it then receives `hello`, and every slash command or interaction
arrives as an envelope it must acknowledge with the same `envelope_id` (Slack's 3-second rule
applies to that ack). Built on aiohttp's WebSocket server, which the bot's own Socket Mode
client (also aiohttp) already depends on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from bot.emulator.driver import slash_command_fields


class SocketModeEmulator:
    """Hands out connection URLs and delivers envelopes to whichever bot is connected."""

    def __init__(self, app_token: str) -> None:
        self.app_token = app_token
        self.url = ""
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.connected = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._handle_socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/link"

    async def stop(self) -> None:
        for socket in list(self._sockets):
            with contextlib.suppress(Exception):
                await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def open_connection(self) -> dict[str, Any]:
        """The answer to `apps.connections.open`."""
        return {"ok": True, "url": f"{self.url}?ticket={uuid.uuid4().hex}&app_id=A0CONFBOT"}

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_str(
            json.dumps(
                {"type": "hello", "num_connections": len(self._sockets), "connection_info": {"app_id": "A0CONFBOT"}}
            )
        )
        self.connected.set()
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                future = self._acks.get(str(data.get("envelope_id", "")))
                if future is not None and not future.done():
                    future.set_result(data)
        finally:
            self._sockets.remove(socket)
            if not self._sockets:
                self.connected.clear()
        return socket

    async def send(self, kind: str, payload: dict[str, Any], timeout_s: float = 3.0) -> tuple[float, dict[str, Any]]:
        """Send an envelope; (seconds until the ack, the ack) — TimeoutError past Slack's 3 s."""
        await asyncio.wait_for(self.connected.wait(), timeout_s)
        envelope_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        started = time.perf_counter()
        await self._sockets[-1].send_str(
            json.dumps({"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True})
        )
        try:
            ack = await asyncio.wait_for(future, timeout_s)
        finally:
            self._acks.pop(envelope_id, None)
        return time.perf_counter() - started, ack

    async def slash(
        self, text: str, *, user_id: str, channel_id: str, response_url: str = "", command: str = "/dial"
    ) -> tuple[float, dict[str, Any]]:
        """A slash command as Slack delivers it over Socket Mode."""
        return await self.send("slash_commands", slash_command_fields(text, user_id, channel_id, command, response_url))
