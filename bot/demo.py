"""`confbot demo`: the whole loop on one machine, no Slack workspace or telephony account.

Starts the Slack emulator and the bot (with the sandbox provider mounted in it) on free
loopback ports, sends a signed `/dial` of four numbers whose last digits pick four
different outcomes, prints the thread each time it changes, and exits 0 once every party
is final and the summary is posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings
from bot.dialout.core.models import InviteStatus
from bot.dialout.providers.sandbox.settings import SandboxSettings
from bot.emulator.driver import SlackDriver
from bot.emulator.render import plain, render_message, render_thread
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer, reserve_socket
from bot.wiring import Confbot, build_asgi, build_confbot

CHANNEL = "C0DEMO"
ASKER = "U0AMY"
SCRIPT = "+8613800138001, 13800138000, 138 0013 8009, 13800138008 into conf 42 now max 30m"


async def run_demo(speed: float = 8.0, timeout_s: float = 30.0, out: TextIO | None = None) -> int:
    """Run the scripted demo; returns the process exit code."""
    write = (out or sys.stdout).write
    started = time.monotonic()

    def say(text: str) -> None:
        write(text + "\n")

    token = "xoxb-demo-" + secrets.token_hex(8)
    signing_secret = secrets.token_hex(16)
    emulator = SlackEmulator(token, channels=[CHANNEL])
    emulator.add_user(ASKER, name="amy", tz="Asia/Shanghai", locale="en-US", phone="+8613900000001")
    emulator_server = LoopbackServer(emulator.app)
    await emulator_server.start()

    workdir = Path(tempfile.mkdtemp(prefix="confbot-demo-"))
    bot_socket = reserve_socket()
    host, port = bot_socket.getsockname()[:2]
    settings = Settings(
        slack_bot_token=SecretStr(token),
        slack_signing_secret=SecretStr(signing_secret),
        slack_app_token=SecretStr(""),
        slack_api_url=f"{emulator_server.url}/api/",
        database_url=f"sqlite:///{workdir / 'demo.db'}",
        public_url=f"http://{host}:{port}",
        default_region="CN",
        default_provider="sandbox",
        # The demo is the sandbox's place: it is switched on here.
        providers={"sandbox": SandboxSettings(enabled=True, base_url="", speed=speed)},
    )
    confbot = build_confbot(settings)
    bot_server = LoopbackServer(build_asgi(confbot), bot_socket)
    await bot_server.start()
    driver = SlackDriver(bot_server.url, signing_secret, emulator_server.url)
    say(
        f"confbot demo · Slack emulator {emulator_server.url} · bot {bot_server.url} · sandbox {bot_server.url}/sandbox"
    )
    say("Sandbox outcomes by last digit: 0 busy · 9 no answer · 8 unreachable · 7 declined · others answer")
    say(f"\n@amy in #{CHANNEL.lower()}:  /dial {SCRIPT}")
    try:
        t0 = time.perf_counter()
        response = await driver.slash(SCRIPT, user_id=ASKER, channel_id=CHANNEL)
        say(f"  → Slack got HTTP {response.status_code} in {(time.perf_counter() - t0) * 1000:.0f} ms (ack)")
        return await _follow(emulator, confbot, say, started, timeout_s)
    finally:
        await driver.aclose()
        await bot_server.stop()
        await emulator_server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def _follow(
    emulator: SlackEmulator, confbot: Confbot, say: Callable[[str], None], started: float, timeout_s: float
) -> int:
    """Print each new message in full and, for edited ones, only the lines that changed."""
    shown_ephemerals = 0
    seen: dict[str, list[str]] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        emulator.changed.clear()
        for ephemeral in emulator.ephemerals[shown_ephemerals:]:
            say(f"  (only @amy sees) {plain(ephemeral.text, emulator)}")
        shown_ephemerals = len(emulator.ephemerals)
        stamp = f"+{time.monotonic() - started:4.1f}s"
        for message in emulator.messages[CHANNEL]:
            lines = render_message(message, emulator)
            before = seen.get(message.ts)
            where = "reply" if message.thread_ts else "message"
            if before is None:
                say(f"{stamp}  new {where}:")
                say("\n".join(f"         {line}" for line in lines))
            elif lines != before:
                changed = [line for line in lines if line not in before]
                say(f"{stamp}  edited {where}: " + (" | ".join(changed) or "(lines removed)"))
            seen[message.ts] = lines
        invites = await confbot.store.recent_invites(CHANNEL, 1)
        if invites and invites[0].status is InviteStatus.DONE and await confbot.outbox.pending_count() == 0:
            attempts = await confbot.store.attempts(invites[0].id or 0)
            finals = sum(a.state.is_final for a in attempts)
            say(f"\nThe thread now reads:\n{render_thread(emulator, CHANNEL, invites[0].thread_ts or '')}")
            say(f"\nEvery party is final ({finals}/{len(attempts)}) after {time.monotonic() - started:.1f}s.")
            return 0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(emulator.changed.wait(), 0.5)
    say(f"\nThe demo did not finish within {timeout_s:.0f}s.")
    return 1
