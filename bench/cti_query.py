"""CTI number queries and events under load, over loopback HTTP: time to our answer.

Runs the real bot (SQLite in a temp dir, Slack emulator, outbox worker posting every call's
thread) with 200 inbound routes (a fallback and a caller rule each; half ring a Slack user whose
number was resolved in the background). The CTI platform is played by a separate process, as it
is a separate machine in real life, over up to 50 keep-alive connections. Queries are XML and JSON
alternately, 5% to numbers without a route; each routed call then gets its five events.

- Open loop: requests arrive at a fixed rate; each is timed from the moment it was due (so time
  spent waiting for a free connection counts), to the last byte of our answer.
- Saturation: 50 connections with a request always in flight: the most the bot answers per second
  (latency there is queueing by construction).

A load generator in the bot's own event loop would measure its own HTTP client (httpx's pool
costs more than our answer), hence the separate process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlsplit

from pydantic import SecretStr

from bench.stats import summary_ms
from bot.inbound.core.routes import RouteOptions, RouteRule, RuleAction, RuleTarget
from bot.inbound.cti.settings import CtiSettings
from tests.conftest import TestDatabase
from tests.e2e.harness import Harness
from tests.inbound.fakes import JSON, XML, build_body

ROUTES = 200
CONNECTIONS = 50
PHASES = {  # name: (queries, arrivals per second; None = as fast as answers come back)
    "queries at 100/s": (1500, 100.0),
    "queries at 400/s": (4000, 400.0),
    "queries, saturated": (4000, None),
}
EVENT_PHASES = {  # name: (calls whose five events are sent, events per second; None = saturated)
    "events at 100/s": (400, 100.0),
    "events, saturated": (600, None),
}
SECRET = "bench-secret"
VCC = "VCC-BENCH"


async def _routes(harness: Harness) -> None:
    assert harness.services.inbound is not None
    store = harness.services.inbound.route_store
    now = harness.services.clock.now()
    for i in range(ROUTES):
        access = f"400{i:07d}"
        target = (
            RuleTarget(slack_user_id=f"U{i:06d}", resolved=f"+86139{i:08d}")
            if i % 2
            else RuleTarget(number=f"+86138{i:08d}")
        )
        fallback = RouteRule("", RuleAction.FORWARD, (target,), RouteOptions(max_s=1800, warn_s=60))
        vip = RouteRule("139", RuleAction.FORWARD, (RuleTarget(number=f"+86137{i:08d}"),))
        await store.set_rule(access, access, None, "C0OPS", "T0EMU", fallback, "U0BENCH", now)
        await store.set_rule(access, access, None, "C0OPS", "T0EMU", vip, "U0BENCH", now)


def _queries(count: int, first: int, seed: int) -> list[tuple[bytes, str]]:
    rng = random.Random(seed)
    bodies = []
    for i in range(first, first + count):
        kind = XML if i % 2 else JSON
        routed = rng.random() >= 0.05
        access = f"400{rng.randrange(ROUTES):07d}" if routed else f"409{i:07d}"
        caller = f"139{i:08d}" if i % 3 == 0 else f"186{i:08d}"
        fields = {"sid": f"s{i}", "vccId": VCC, "callId": f"bench-{i}", "method": "query"}
        fields |= {"callingNumber": caller, "accessNumber": access}
        bodies.append((build_body(fields, kind), kind))
    return bodies


def _events(first: int, count: int) -> list[tuple[bytes, str]]:
    """The five events of `count` calls from `first` on, 30 calls in progress at a time."""
    bodies = []
    for window in range(first, first + count, 30):
        for seq, code in enumerate(["15", "16", "31", "40", "22"], start=1):
            for i in range(window, min(window + 30, first + count)):
                kind = XML if i % 2 else JSON
                fields = {"sid": f"s{i}", "vccId": VCC, "callId": f"bench-{i}", "seq": str(seq), "method": "event"}
                fields |= {"chargeExt": "", "code": code}
                bodies.append((build_body(fields, kind), kind))
    return bodies


async def _drive(
    url: str, requests: list[tuple[bytes, str]], connections: int, rate: float | None = None
) -> tuple[list[float], float]:
    """POST every request over keep-alive connections; (latencies, wall time).

    With `rate`, request i is due at i/rate seconds and timed from then (open loop); without,
    each connection sends its next request as soon as the previous answer is in (closed loop).
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    pending = list(enumerate(requests))
    pending.reverse()
    latencies: list[float] = []
    started = time.perf_counter()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while pending:
                index, (body, kind) = pending.pop()
                due = started + index / rate if rate else time.perf_counter()
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                head = (
                    f"POST {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                writer.write(head + body)
                await writer.drain()
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in {b"\r\n", b""}:
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - due)
                if b" 200 " not in status:
                    raise RuntimeError(f"answer {status!r}")
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return latencies, time.perf_counter() - started


def play_platform(url: str, phase: str, first: int) -> tuple[list[float], float, int]:
    """Runs in the platform's process: one phase of the load; (latencies, seconds, requests)."""
    if phase in EVENT_PHASES:
        count, rate = EVENT_PHASES[phase]
        requests = _events(first, count)
        latencies, seconds = asyncio.run(_drive(url, requests, CONNECTIONS, rate))
    else:
        count, rate = PHASES[phase]
        requests = _queries(count, first, seed=first)
        latencies, seconds = asyncio.run(_drive(url, requests, CONNECTIONS, rate))
    return latencies, seconds, len(requests)


async def run() -> list[str]:
    workdir = tempfile.mkdtemp(prefix="confbot-bench-")
    cti = CtiSettings(path_secret=SecretStr(SECRET), vcc_id=VCC)
    loop = asyncio.get_running_loop()
    lines = [f"{ROUTES} routes ({ROUTES * 2} rules); up to {CONNECTIONS} keep-alive connections"]
    async with Harness(TestDatabase(f"sqlite:///{workdir}/bench.db"), cti=cti) as harness:
        await _routes(harness)
        url = f"{harness.services.settings.base_url}/cti/{SECRET}"
        await _drive(url, _queries(100, -1000, seed=1), 10)  # warm-up, from here
        context = multiprocessing.get_context("spawn")
        first = 0
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as platform:
            for phase, (count, _) in PHASES.items():
                latencies, seconds, sent = await loop.run_in_executor(platform, play_platform, url, phase, first)
                lines.append(f"{phase} ({sent}): {summary_ms(latencies)} · {sent / seconds:.0f}/s answered")
                first += count
            first = 0  # the events of the calls queried above
            for phase, (count, _) in EVENT_PHASES.items():
                latencies, seconds, sent = await loop.run_in_executor(platform, play_platform, url, phase, first)
                lines.append(f"{phase} ({sent}): {summary_ms(latencies)} · {sent / seconds:.0f}/s acknowledged")
                first += count
        assert harness.services.inbound is not None
        calls = await harness.services.inbound.calls.count("calls")
        pending = await harness.services.outbox.pending_count()
    lines.append(f"calls stored: {calls}; Slack posts still queued at the end: {pending}")
    return lines
