"""`confbot serve` as a real process configured only by its environment, on the embedded defaults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.config import Settings
from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer
from bot.wiring import Confbot, build_asgi, build_confbot, stop
from tests.e2e.harness import wait_for
from tests.serving import free_port, serve_env, start_serve

TOKEN, SECRET = "xoxb-serve-test", "serve-signing-secret"


@dataclass
class Served:
    """What a `confbot serve` process printed, once stopped, and what Slack saw."""

    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, **env_values: str) -> AsyncIterator[tuple[SlackDriver, SlackEmulator, Served]]:
    """`confbot serve` as a process on the embedded sandbox, with a Slack emulator; stopped with SIGTERM."""
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    try:
        port = free_port()
        env = serve_env(TOKEN, SECRET, slack.url, tmp_path / "serve.db", port, SANDBOX_SPEED="50", **env_values)
        process = await start_serve(env, tmp_path)
        served = Served()
        driver = SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack.url)
        try:
            yield driver, emulator, served
        finally:
            await driver.aclose()
            process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 20)
            served.stdout, served.stderr, served.returncode = out.decode(), err.decode(), process.returncode
    finally:
        await slack.stop()


async def dial_two_and_wait_for_the_summary(driver: SlackDriver, emulator: SlackEmulator) -> None:
    response = await driver.slash("13800138001, 13800138000 into conf 42 now", user_id="U1", channel_id="C1")
    assert response.status_code == 200
    await wait_for(
        lambda: any("1 of 2 joined" in m.text for m in emulator.messages["C1"]),
        timeout=30,
        what="the summary in the thread",
    )


async def test_serve_runs_from_settings_and_dials_through_the_embedded_sandbox(tmp_path) -> None:
    async with serving(tmp_path, LOG_FORMAT="text") as (driver, emulator, served):
        await dial_two_and_wait_for_the_summary(driver, emulator)
    output = served.stdout + served.stderr
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells what stopped it.
    assert served.returncode in {0, -signal.SIGTERM}, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    assert "INFO bot.dialout.feature: dial-out providers ready: sandbox" in served.stderr, output[-2000:]
    assert (tmp_path / "serve.db").exists()


async def test_serve_logs_json_lines_that_name_the_invite_call_and_provider_of_a_dial(tmp_path) -> None:
    async with serving(tmp_path) as (driver, emulator, served):
        await dial_two_and_wait_for_the_summary(driver, emulator)
    assert served.returncode in {0, -signal.SIGTERM}, served.stderr[-2000:]
    lines = [json.loads(line) for line in served.stderr.splitlines()]  # every line is one JSON object
    access = [json.loads(line) for line in served.stdout.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["logger"] == "uvicorn.error" for line in lines)  # uvicorn's own lines are JSON too
    assert any(line["logger"] == "uvicorn.access" and "POST /slack/events" in line["message"] for line in access)
    about_the_dial = [line for line in lines if "invite_id" in line]
    assert any(line["message"].startswith("invite 1 is due") for line in about_the_dial), lines
    moves = [line for line in about_the_dial if "→" in line["message"]]
    assert moves, lines
    assert {line["provider"] for line in moves} == {"sandbox"}
    assert {line["invite_id"] for line in moves} == {1}
    assert {line["call_id"] for line in moves} == {1, 2}
    assert all(line["provider_call_id"] for line in moves)


async def test_serve_without_slack_credentials_says_what_is_missing(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    process = await start_serve(env, tmp_path, healthy=False)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert b"SLACK_BOT_TOKEN" in err and b"SLACK_SIGNING_SECRET" in err


def quiet_settings(database: Path) -> Settings:
    """Settings for a bot that is built but never started (no Slack is reached)."""
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{database}",
        slack_bot_token=SecretStr(TOKEN),
        slack_signing_secret=SecretStr(SECRET),
    )


async def sandbox_answer(confbot: Confbot) -> int:
    """What the bot's own server answers at /sandbox/calls (no start-up: only the routes matter)."""
    try:
        transport = httpx.ASGITransport(app=build_asgi(confbot))
        async with httpx.AsyncClient(transport=transport, base_url="http://confbot") as http:
            return (await http.get("/sandbox/calls")).status_code
    finally:
        await stop(confbot)  # never started: this only closes clients and the engine


async def test_by_default_serve_neither_mounts_nor_offers_the_sandbox(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SANDBOX_ENABLED", raising=False)
    confbot = build_confbot(quiet_settings(tmp_path / "off.db"))
    assert confbot.providers["sandbox"].info.missing_settings == ("SANDBOX_ENABLED",)
    assert await sandbox_answer(confbot) == 404


async def test_a_sandbox_switched_on_is_mounted_and_wants_its_random_key(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SANDBOX_ENABLED", "true")
    confbot = build_confbot(quiet_settings(tmp_path / "on.db"))
    assert confbot.providers["sandbox"].info.missing_settings == ()
    assert await sandbox_answer(confbot) == 401
