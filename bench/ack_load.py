"""/dial ack under load from another process (wrk): confbot against a bare Bolt app, and nothing lost.

Starts `confbot serve` (SQLite in a temp dir, sandbox on) and two bare Bolt apps that only ack
(bench/bare_bolt.py: Bolt's default, which polls for the ack every 10 ms, and one that answers when
its listener returns, the fastest Bolt can) as processes of their own, with the Slack emulator in
this one. `wrk` replays one signed `/dial` (an invite an hour ahead, so the work after the ack is
real: profile, channel, store, thread parent) at 1, 10 and 50 connections for DURATION_S each, and
reports p50/p99 of the ack as wrk measured them, for all three, and confbot's p99 ratio to each.
Then it waits for confbot to carry out everything it acknowledged and counts: invites stored +
"busy" answers must equal the 200s.
Needs wrk (Debian: apt-get install wrk). `confbot serve` gets this environment, so
`SERVE_WORKER_PROCESS=true python -m bench ack_load` measures the split serve (front + worker process).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.serving import free_port, serve_env, start_serve
from bot.emulator.driver import slack_signature, slash_command_fields
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer

TOKEN, SECRET = "xoxb-bench", "bench-signing-secret"
LEVELS = tuple(int(n) for n in os.environ.get("ACK_LOAD_LEVELS", "1,10,50").split(","))
DURATION_S = int(os.environ.get("ACK_LOAD_SECONDS", "10"))

LUA = r"""
wrk.method = "POST"
wrk.body = [[%(body)s]]
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Slack-Request-Timestamp"] = "%(ts)s"
wrk.headers["X-Slack-Signature"] = "%(sig)s"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) busy = 0; ok = 0 end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 end
  if body and string.find(body, "busy", 1, true) then busy = busy + 1 end
end
function done(summary, latency, requests)
  local b, o = 0, 0
  for _, t in ipairs(threads) do b = b + t:get("busy"); o = o + t:get("ok") end
  io.write(string.format("COUNTS ok=%%d busy=%%d\n", o, b))
end
"""


def _script(workdir: Path) -> Path:
    from urllib.parse import urlencode

    fields = slash_command_fields("13800138001 into conf 42 in 1 hour", "U1", "C1", "/dial", "http://127.0.0.1:9/r")
    body = urlencode(fields)
    ts = str(int(time.time()))  # Bolt accepts a signature for 5 minutes; each run is shorter
    script = workdir / "dial.lua"
    script.write_text(LUA % {"body": body, "ts": ts, "sig": slack_signature(SECRET, ts, body.encode())})
    return script


async def _wrk(url: str, connections: int, script: Path) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{DURATION_S}s",
        "--latency",
        "-s",
        str(script),
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out = (await process.communicate())[0].decode()

    def latency(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not found:
            return float("nan")
        value, unit = float(found[1]), found[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    counts = re.search(r"COUNTS ok=(\d+) busy=(\d+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {
        "p50": latency("50"),
        "p99": latency("99"),
        "ok": float(counts[1]) if counts else 0.0,
        "busy": float(counts[2]) if counts else 0.0,
        "non2xx": float(errors[1]) if errors else 0.0,
        "timeouts": float(timeouts[1]) if timeouts else 0.0,
    }


async def _wait_up(url: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                await http.post(url, content=b"")
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def _rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def run() -> list[str]:
    if shutil.which("wrk") is None:
        return ["wrk not found: install it (Debian: apt-get install wrk) and run again"]
    workdir = Path(tempfile.mkdtemp(prefix="confbot-ackload-"))
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    bot_port, bare_port, prompt_port = free_port(), free_port(), free_port()
    db = workdir / "bench.db"
    env = serve_env(TOKEN, SECRET, slack.url, db, bot_port)
    bot = await start_serve(env, workdir, workdir / "bot.log")
    bare, prompt = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.bare_bolt", str(port), SECRET, TOKEN, f"{slack.url}/api/", *mode
        )
        for port, mode in ((bare_port, ()), (prompt_port, ("prompt",)))
    ]
    lines: list[str] = []
    try:
        bot_url, bare_url, prompt_url = (
            f"http://127.0.0.1:{port}/slack/events" for port in (bot_port, bare_port, prompt_port)
        )
        for url in (bot_url, bare_url, prompt_url):
            await _wait_up(url)
        script = _script(workdir)
        acked = busy = 0.0
        split = os.environ.get("SERVE_WORKER_PROCESS", "false").lower() in {"1", "true", "yes", "on"}
        lines.append(f"confbot serve: {'front + worker process' if split else 'one process'} (SERVE_WORKER_PROCESS)")
        for connections in LEVELS:
            base = await _wrk(bare_url, connections, script)
            fastest = await _wrk(prompt_url, connections, script)
            ours = await _wrk(bot_url, connections, script)
            acked += ours["ok"]
            busy += ours["busy"]
            lines.append(
                f"{connections:>2} connections: bare Bolt p50 {base['p50']:.1f} ms p99 {base['p99']:.1f} ms "
                f"({base['ok']:.0f} acks) · bare Bolt answering on return p50 {fastest['p50']:.1f} ms "
                f"p99 {fastest['p99']:.1f} ms ({fastest['ok']:.0f} acks) · confbot p50 {ours['p50']:.1f} ms "
                f"p99 {ours['p99']:.1f} ms ({ours['ok']:.0f} acks, {ours['busy']:.0f} busy, "
                f"{ours['non2xx']:.0f} non-2xx, {ours['timeouts']:.0f} timeouts) · p99 ratio "
                f"{ours['p99'] / base['p99']:.2f} to bare Bolt, {ours['p99'] / fastest['p99']:.2f} to the fastest"
            )
            started = time.perf_counter()
            while _rows(db, "slack_inbox") and time.perf_counter() - started < 600:
                await asyncio.sleep(0.5)  # let the backlog drain before the next level
            lines.append(f"   backlog carried out in {time.perf_counter() - started:.1f} s after wrk stopped")
        stored = _rows(db, "invites")
        lost = acked - (stored + busy)  # < 0: requests in flight when wrk stopped were carried out too
        lines.append(
            f"acked {acked:.0f} commands: {stored} invites stored + {busy:.0f} answered busy"
            f" ({'nothing lost' if lost <= 0 else f'{lost:.0f} LOST'}"
            f"{f'; {-lost:.0f} more answered after wrk stopped counting' if lost < 0 else ''}); "
            f"left in the inbox: {_rows(db, 'slack_inbox')}"
        )
    finally:
        for process in (bot, bare, prompt):
            if process.returncode is None:
                process.terminate()
            await process.wait()
        await slack.stop()
    return lines
