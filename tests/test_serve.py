"""`confbot serve` as a real process configured only by its environment, on the embedded defaults."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import httpx

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer, reserve_socket
from tests.e2e.harness import wait_for

TOKEN, SECRET = "xoxb-serve-test", "serve-signing-secret"


async def test_serve_runs_from_settings_and_dials_through_the_embedded_sandbox(tmp_path) -> None:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    sock = reserve_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{slack.url}/api/",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SANDBOX_SPEED": "50",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:

            async def healthy() -> bool:
                try:
                    return (await http.get(f"{base}/healthz")).json().get("ok") is True
                except httpx.HTTPError:
                    return False

            await wait_for(healthy, timeout=30, what="confbot serve to answer /healthz")
        driver = SlackDriver(base, SECRET, slack.url)
        response = await driver.slash("13800138001, 13800138000 into conf 42 now", user_id="U1", channel_id="C1")
        assert response.status_code == 200
        await wait_for(
            lambda: any("1 of 2 joined" in m.text for m in emulator.messages["C1"]),
            timeout=30,
            what="the summary in the thread",
        )
        await driver.aclose()
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
        await slack.stop()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells what stopped it.
    assert process.returncode in {0, -signal.SIGTERM}, output.decode()[-2000:]
    assert b"Traceback" not in output, output.decode()[-2000:]
    assert (tmp_path / "serve.db").exists()


async def test_serve_without_slack_credentials_says_what_is_missing(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert b"SLACK_BOT_TOKEN" in err and b"SLACK_SIGNING_SECRET" in err
