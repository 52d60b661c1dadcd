"""A `/dial` Slack got its 200 for is carried out, even when the process dies right after the ack.

Real processes, killed with SIGKILL, as a crash or an OOM kill would: nothing in memory survives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer
from tests.e2e.harness import wait_for
from tests.serving import free_port, serve_env, start_serve

TOKEN, SECRET = "xoxb-inbox-test", "inbox-signing-secret"


@asynccontextmanager
async def serve(
    tmp_path: Path, slack: LoopbackServer, port: int, **more: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`confbot serve` on `port` with the database in `tmp_path`, healthy when yielded; killed after.

    `more` adds or replaces settings (by their environment names).
    """
    env = serve_env(
        TOKEN,
        SECRET,
        slack.url,
        tmp_path / "inbox.db",
        port,
        # a dead process's commands are taken over 2 s on (30 s in production)
        **{"LOG_LEVEL": "WARNING", "COMMAND_LEASE_S": "2", **more},
    )
    process = await start_serve(env, tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=None)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_a_command_acknowledged_just_before_a_crash_is_carried_out_after_the_restart(tmp_path) -> None:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    port = free_port()
    driver = SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack.url)
    try:
        async with serve(tmp_path, slack, port) as first:
            stuck = emulator.hold("users.info")  # reading the asker's profile hangs: the work is under way
            response = await driver.slash("13800138001 into conf 42 in 2 hours", user_id="U1", channel_id="C1")
            assert response.status_code == 200  # Slack was told we have it
            await wait_for(lambda: emulator.calls["users.info"] >= 1, what="the command's work to start")
            first.kill()
        stuck.set()
        async with serve(tmp_path, slack, port):
            await wait_for(
                lambda: any(e.text.startswith("Scheduled invite #1") for e in emulator.ephemerals),
                timeout=30,
                what="the acknowledged command to be carried out after the restart",
            )
            await wait_for(lambda: len(emulator.channel_messages("C1")) == 1, what="its thread parent")
    finally:
        await driver.aclose()
        await slack.stop()
