"""A process killed while its calls are under way: after the restart every call ends as it really did.

Real processes: `confbot serve` is killed with SIGKILL once every call is placed, and stays down
longer than the simulator keeps re-sending its webhooks, so the calls' news is lost as a real
provider's would be. The restarted process asks the provider about each call in flight instead of
waiting out each call's limit (a minute or more) and then guessing "no news".
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer, reserve_socket
from bot.sandbox.server import SandboxTelco
from tests.e2e.harness import wait_for
from tests.test_acknowledged_commands import SECRET, TOKEN, serve

NUMBERS = ["+8613800138001", "+8613800138002", "+8613800138000", "+8613800138009", "+8613800138007"]
SPEED = 4.0  # rings 0.25 s, answers at 0.75 s, talks 3 s; a missed call gives up after 5 s


def rows(db: Path, query: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


async def test_calls_whose_news_was_lost_while_the_process_was_down_end_as_they_really_did(tmp_path) -> None:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    sandbox = SandboxTelco("crash-key", "crash-secret", speed=SPEED)
    telco = LoopbackServer(sandbox.app)
    await slack.start()
    await telco.start()
    sock = reserve_socket()
    port = sock.getsockname()[1]
    sock.close()
    db = tmp_path / "inbox.db"
    settings = {
        "SANDBOX_BASE_URL": telco.url,
        "SANDBOX_API_KEY": "crash-key",
        "SANDBOX_WEBHOOK_SECRET": "crash-secret",
        "SANDBOX_SPEED": str(SPEED),
    }
    driver = SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack.url)
    try:
        async with serve(tmp_path, slack, port, **settings) as first:
            await driver.slash(f"{', '.join(NUMBERS)} into conf 42 now", user_id="U1", channel_id="C1")

            def all_placed() -> bool:
                found = rows(db, "SELECT count(*) FROM call_attempts WHERE provider_call_id IS NOT NULL")
                return found[0][0] == len(NUMBERS)

            await wait_for(all_placed, timeout=20, what="every call to be placed")
            first.kill()
        # Down until every call has ended at the provider and its webhooks were given up (~6 s).
        await wait_for(lambda: all(c.state in {"completed", "failed"} for c in sandbox.calls.values()), timeout=30)
        await asyncio.sleep(7)
        async with serve(tmp_path, slack, port, **settings):

            def done() -> bool:
                return rows(db, "SELECT status FROM invites") == [("done",)]

            await wait_for(done, timeout=20, what="the invite to end soon after the restart")
        ours = {
            to: (state, reason or "")
            for to, state, reason in rows(db, "SELECT address, state, reason FROM call_attempts")
        }
        theirs = {c.to: (c.state, c.reason or "") for c in sandbox.calls.values()}
        assert ours == theirs
        assert sorted(c.to for c in sandbox.calls.values()) == sorted(NUMBERS)  # nobody dialled twice
    finally:
        await driver.aclose()
        await sandbox.aclose()
        await telco.stop()
        await slack.stop()
