"""Socket Mode: with SLACK_APP_TOKEN set, /dial arrives over a WebSocket and is acknowledged there."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError

from bot.emulator.socket_mode import SocketModeEmulator
from bot.wiring import Confbot
from tests.e2e.harness import AMY, CHANNEL, Harness

APP_TOKEN = "xapp-1-A0CONFBOT-test"


async def test_dial_over_socket_mode_is_acked_and_reaches_a_final_roster(test_db) -> None:
    socket = SocketModeEmulator(APP_TOKEN)
    await socket.start()
    harness = Harness(test_db, slack_app_token=SecretStr(APP_TOKEN))
    harness.emulator.socket_mode = socket
    try:
        async with harness:
            confbot: Confbot = harness.services
            assert confbot.socket_mode is not None
            elapsed, ack = await socket.slash(
                "13800138001, 13800138000 into conf 42 now", user_id=AMY, channel_id=CHANNEL
            )
            assert elapsed < 3.0 and ack["envelope_id"]
            invite = await harness.wait_done()
            assert harness.replies_text(invite)[-1].splitlines()[0] == "<@U0AMY> 1 of 2 joined · 138****8000 busy"
            assert "Scheduled invite #1" in harness.ephemerals()[0]
            assert harness.emulator.calls["apps.connections.open"] >= 1
    finally:
        await socket.stop()


async def test_a_bot_token_cannot_open_a_socket_mode_connection(test_db) -> None:
    socket = SocketModeEmulator(APP_TOKEN)
    await socket.start()
    harness = Harness(test_db)
    harness.emulator.socket_mode = socket
    try:
        async with harness:
            with pytest.raises(SlackApiError) as caught:
                await harness.services.slack_client.api_call("apps.connections.open")
            assert caught.value.response["error"] == "invalid_auth"
            assert harness.services.socket_mode is None  # no app token: plain HTTP mode
    finally:
        await socket.stop()
