"""Webhook answer time under a burst: 2,000 signed sandbox webhooks, 64 at once, confbot against a bare endpoint.

Starts `confbot serve` (SQLite in a temp dir, the sandbox on, slowed down so its own webhooks stay
out of the way) and a bare Starlette endpoint that only answers 200 (bench/bare_webhook.py) as
processes of their own, with the Slack emulator in this one. One signed `/dial` places CALLS real
calls; the load generator (bench/webhook_load.py, another process) then sends EVENTS_PER_CALL
events for each of them (ringing, answered…, completed: what a provider reports, by the call ids
confbot recorded), each once and signed as the sandbox signs them, over 64 connections, first to
the bare endpoint and then to confbot. It reports p50/p99/max of the answers for both, how many
events were stored, and how long confbot took after the burst to apply them all (webhooks are
answered once their events are stored, and applied in the background).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.serving import free_port, serve_env, start_serve
from bench.stats import percentile, summary_ms
from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer

TOKEN, SECRET, WEBHOOK_SECRET = "xoxb-bench", "bench-signing-secret", "bench-webhook-secret"
CALLS = 100
EVENTS_PER_CALL = 20  # CALLS × EVENTS_PER_CALL = 2,000 webhooks
CONNECTIONS = 64


def _query(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _call_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT provider_call_id FROM call_attempts WHERE provider_call_id IS NOT NULL")
        return [row[0] for row in rows]


def _events(call_ids: list[str]) -> list[dict[str, Any]]:
    """Each call's events in order, the calls interleaved, as a busy provider sends them."""
    events = []
    for n in range(EVENTS_PER_CALL):
        state = "ringing" if n < 3 else "answered" if n < EVENTS_PER_CALL - 1 else "completed"
        for call_id in call_ids:
            events.append(
                {"event_id": f"bench:{call_id}:{n}", "call_id": call_id, "state": state, "reason": None, "to": ""}
            )
    return events


async def _wait_up(url: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        for _ in range(300):
            try:
                await http.post(url, content=b"")
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


async def _until(condition: Callable[[], bool], timeout_s: float) -> float:
    """Seconds until `condition()` held (or the timeout passed)."""
    started = time.perf_counter()
    while not condition() and time.perf_counter() - started < timeout_s:
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def _burst(url: str, events_file: Path) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.webhook_load",
        url,
        str(events_file),
        WEBHOOK_SECRET,
        str(CONNECTIONS),
        stdout=asyncio.subprocess.PIPE,
    )
    result: dict[str, Any] = json.loads((await process.communicate())[0])
    return result


def _figures(name: str, result: dict[str, Any]) -> str:
    statuses = ", ".join(f"{count} × {status}" for status, count in sorted(result["statuses"].items()))
    return f"{name}: {summary_ms(result['latencies'])} · {statuses} in {result['seconds']:.1f} s"


async def run() -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="confbot-webhooks-"))
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    bot_port, bare_port = free_port(), free_port()
    db = workdir / "bench.db"
    env = serve_env(
        TOKEN,
        SECRET,
        slack.url,
        db,
        bot_port,
        SANDBOX_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SANDBOX_SPEED="0.001",  # its own events would come in minutes: the burst is what is measured
    )
    bot = await start_serve(env, workdir)
    bare = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bare_webhook", str(bare_port), stderr=asyncio.subprocess.DEVNULL
    )
    bot_url = f"http://127.0.0.1:{bot_port}"
    driver = SlackDriver(bot_url, SECRET, slack.url)
    try:
        await _wait_up(f"{bot_url}/slack/events")
        await _wait_up(f"http://127.0.0.1:{bare_port}/webhooks/sandbox")
        numbers = ", ".join(f"+86138{i:08d}" for i in range(1, CALLS + 1))
        await driver.slash(f"{numbers} into conf 42 now", user_id="U1", channel_id="C1")
        await _until(lambda: len(_call_ids(db)) >= CALLS, 180)
        call_ids = _call_ids(db)
        if len(call_ids) < CALLS:
            return [f"only {len(call_ids)} of {CALLS} calls were placed; nothing measured"]
        events = _events(call_ids)
        events_file = workdir / "events.json"
        events_file.write_text(json.dumps(events))

        base = await _burst(f"http://127.0.0.1:{bare_port}/webhooks/sandbox", events_file)
        ours = await _burst(f"{bot_url}/webhooks/sandbox", events_file)
        stored = _query(db, "SELECT count(*) FROM call_events WHERE dedupe_key LIKE 'bench:%'")
        drained = await _until(lambda: _query(db, "SELECT count(*) FROM call_events WHERE NOT applied") == 0, 300)
        with sqlite3.connect(db) as conn:
            states = dict(conn.execute("SELECT state, count(*) FROM call_attempts GROUP BY state").fetchall())
        ratio = percentile(ours["latencies"], 99) / percentile(base["latencies"], 99)
        return [
            f"{len(events)} webhooks ({CALLS} calls × {EVENTS_PER_CALL} events), {CONNECTIONS} connections",
            _figures("bare Starlette", base),
            _figures("confbot       ", ours),
            f"p99 ratio {ratio:.1f}; events stored when the burst ended: {stored} of {len(events)}",
            f"all applied {drained:.1f} s after the burst ended; calls by state: {states}",
        ]
    finally:
        await driver.aclose()
        for process in (bot, bare):
            process.terminate()
            await process.wait()
        await slack.stop()
