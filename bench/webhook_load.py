"""The load generator of `webhook_burst`: each event sent once as a signed webhook, N connections at once.

Run as its own process (`python -m bench.webhook_load URL EVENTS_JSON SECRET CONNECTIONS`), so it does
not share an event loop with what it measures. It speaks HTTP/1.1 over keep-alive sockets itself: a
general client (httpx) spent more time per request than the bare endpoint it measured, and wrk sends
until a deadline, so it cannot send each event exactly once nor tell which answers were for which.
Each request is signed as it is sent (as the simulator signs: `x-sandbox-timestamp`,
`x-sandbox-signature`); the seconds each took and the statuses are printed as one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.server import sign


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request and read its whole answer; its status."""
    writer.write(request)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def burst(url: str, events: list[dict[str, Any]], secret: str, connections: int) -> dict[str, Any]:
    """Send every event once, over `connections` connections; their latencies and statuses."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for event in events:
        queue.put_nowait(json.dumps(event).encode())
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                body = queue.get_nowait()
                timestamp = str(int(time.time()))
                head = (
                    f"POST {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                    f"X-Sandbox-Timestamp: {timestamp}\r\nX-Sandbox-Signature: {sign(secret, timestamp, body)}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                )
                started = time.perf_counter()
                try:
                    statuses[str(await _exchange(reader, writer, head.encode() + body))] += 1
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                    statuses[type(exc).__name__] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return {"latencies": latencies, "statuses": dict(statuses), "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    target, events_file, webhook_secret, at_once = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    print(json.dumps(asyncio.run(burst(target, json.loads(events_file.read_text()), webhook_secret, at_once))))
