"""Issue 10's five crash scenarios: a 200-party invite, `confbot serve` killed with SIGKILL, then restarted.

The sandbox runs here, in this process, so it outlives the bot, counts every dial and keeps each
call's real outcome; its webhooks re-send for about six seconds and then give up, as a provider's
would, so news sent while the bot is down is lost. The Slack emulator runs here too. Each scenario
starts from an empty SQLite database:

1. killed right after the ack (the command stored, nothing dialled yet);
2. killed after 20 calls were placed;
3. killed after 100 calls were placed;
4. killed twice (after 20 and again after 100);
5. killed after 50 calls and kept down for 20 s.

Printed for each: seconds from the restart until the invite is done, parties dialled twice (must
be 0), calls not final (must be 0), and how our final states compare with the sandbox's (calls the
killed process had claimed but not confirmed are "outcome unknown", never dialled again).
STUCK_SEND_S and UNKNOWN_GIVE_UP_S are shortened (10 s and 20 s) so a scenario ends in minutes;
production's defaults (120 s, 600 s) only make those few unknown calls end later.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.serving import free_port, serve_env, start_serve
from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer
from bot.sandbox.server import SandboxTelco

TOKEN, SECRET = "xoxb-bench-crash", "bench-crash-signing-secret"
API_KEY, WEBHOOK_SECRET = "bench-crash-key", "bench-crash-webhook-secret"
PARTIES = 200
SPEED = 4.0  # rings after 0.25 s, answered at 0.75 s, talks 3 s
FINAL = {"completed", "failed", "cancelled"}
# (name, kill points as "calls placed so far", seconds down after the last kill)
SCENARIOS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    ("right after the ack", (0,), 1.0),
    ("after 20 placed", (20,), 1.0),
    ("after 100 placed", (100,), 1.0),
    ("killed twice (20, 100)", (20, 100), 1.0),
    ("down for 20 s (after 50)", (50,), 20.0),
)


def _number(n: int) -> str:
    return f"+86138{n:07d}{n % 10}"  # the last digit picks the sandbox's outcome: a mix of all of them


def _rows(db: Path, sql: str) -> list[tuple]:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not migrated yet, or busy: ask again
        return []


async def _until(condition: Callable[[], bool], timeout_s: float) -> bool:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout_s:
            return False
        await asyncio.sleep(0.05)
    return True


async def _healthy(port: int) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        for _ in range(600):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("confbot serve did not come up")


async def _scenario(name: str, kills: tuple[int, ...], down_s: float) -> str:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    sandbox = SandboxTelco(API_KEY, WEBHOOK_SECRET, speed=SPEED)
    telco = LoopbackServer(sandbox.app)
    await slack.start()
    await telco.start()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "crash.db"
        env = serve_env(
            TOKEN,
            SECRET,
            slack.url,
            db,
            port,
            SANDBOX_BASE_URL=telco.url,
            SANDBOX_API_KEY=API_KEY,
            SANDBOX_WEBHOOK_SECRET=WEBHOOK_SECRET,
            SANDBOX_SPEED=str(SPEED),
            STUCK_SEND_S="10",
            UNKNOWN_GIVE_UP_S="20",
            BULK_CONFIRM_OVER="1000",
        )
        driver = SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack.url)
        process = await start_serve(env, work)
        try:
            await _healthy(port)
            text = ", ".join(_number(n) for n in range(PARTIES)) + " into conf 42 now"
            answer = await driver.slash(text, user_id="U1", channel_id="C1")
            assert answer.status_code == 200, answer.text
            for placed in kills:
                await _until(lambda placed=placed: len(sandbox.calls) >= placed, 120)  # type: ignore[misc]
                process.kill()
                await process.wait()
                await asyncio.sleep(down_s if placed == kills[-1] else 1.0)
                process = await start_serve(env, work)
                await _healthy(port)
            restarted = time.perf_counter()
            done = await _until(lambda: _rows(db, "SELECT status FROM invites") == [("done",)], 300)
            took = time.perf_counter() - restarted
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            await driver.aclose()
        ours = {
            to: (state, reason or "")
            for to, state, reason in _rows(db, "SELECT address, state, reason FROM call_attempts")
        }
    theirs = {c.to: (c.state, c.reason or "") for c in sandbox.calls.values()}
    await sandbox.aclose()
    await telco.stop()
    await slack.stop()
    twice = sum(1 for count in Counter(c.to for c in sandbox.calls.values()).values() if count > 1)
    open_calls = sum(1 for state, _ in ours.values() if state not in FINAL)
    unknown = sum(1 for state, reason in ours.values() if reason == "unknown")
    differ = sum(
        1 for to, outcome in theirs.items() if ours.get(to) != outcome and ours.get(to, ("", ""))[1] != "unknown"
    )
    never = sum(1 for to in ours if to not in theirs)
    status = f"done in {took:.1f} s after the restart" if done else "NOT DONE after 300 s"
    return (
        f"{name}: {status}; dialled {len(theirs)}/{PARTIES}, twice {twice}, not final {open_calls}, "
        f"outcome unknown {unknown}, never dialled {never}, final state differing from the sandbox's {differ}"
    )


async def run() -> list[str]:
    return [await _scenario(*scenario) for scenario in SCENARIOS]
