"""The Slack emulator enforces what Slack enforces, so the bot cannot pass tests Slack would fail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer

TOKEN = "xoxb-emulator-test"


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackEmulator, AsyncWebClient]]:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", phone="+8613900000001", locale="zh-CN")
    server = LoopbackServer(emulator.app)
    await server.start()
    yield emulator, AsyncWebClient(token=TOKEN, base_url=f"{server.url}/api/")
    await server.stop()


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def test_messages_threads_and_updates_are_kept(slack) -> None:
    emulator, client = slack
    parent = await client.chat_postMessage(channel="C1", text="parent", blocks=[section("parent")])
    await client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])
    await client.chat_update(channel="C1", ts=parent["ts"], text="edited", blocks=[section("edited")])
    [top] = emulator.channel_messages("C1")
    assert top.text == "edited" and top.edits == 1
    assert [m.text for m in emulator.thread("C1", parent["ts"])] == ["edited", "reply"]


async def test_more_than_50_blocks_is_refused(slack) -> None:
    _, client = slack
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="x", blocks=[section(str(i)) for i in range(51)])
    assert caught.value.response["error"] == "invalid_blocks"


async def test_section_over_3000_characters_is_refused(slack) -> None:
    emulator, client = slack
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C1", text="x", blocks=[section("a" * 3001)])
    assert emulator.rejections and emulator.channel_messages("C1") == []


async def test_wrong_token_unknown_channel_and_user_are_refused(slack) -> None:
    _, client = slack
    bad = AsyncWebClient(token="xoxb-wrong", base_url=client.base_url)
    with pytest.raises(SlackApiError) as caught:
        await bad.chat_postMessage(channel="C1", text="x")
    assert caught.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C404", text="x")
    assert caught.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as caught:
        await client.users_info(user="U404")
    assert caught.value.response["error"] == "user_not_found"


async def test_users_info_gives_zone_phone_and_locale_only_when_asked(slack) -> None:
    _, client = slack
    with_locale = await client.users_info(user="U1", include_locale=True)
    assert with_locale["user"]["locale"] == "zh-CN" and with_locale["user"]["profile"]["phone"] == "+8613900000001"
    assert "locale" not in (await client.users_info(user="U1"))["user"]


async def test_told_to_it_answers_429_with_retry_after(slack) -> None:
    emulator, client = slack
    emulator.fail_next("chat.postMessage", status=429, retry_after=7)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{client.base_url}chat.postMessage",
            json={"channel": "C1", "text": "x"},
            headers={"authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    await client.chat_postMessage(channel="C1", text="now it works")
    assert [m.text for m in emulator.channel_messages("C1")] == ["now it works"]


async def test_views_are_validated_like_slack_does(slack) -> None:
    emulator, client = slack
    with pytest.raises(SlackApiError):
        await client.views_open(
            trigger_id=emulator.issue_trigger(),
            view={
                "type": "modal",
                "title": {"type": "plain_text", "text": "a title that is much too long for Slack"},
                "blocks": [section("x")],
            },
        )
    ok = await client.views_open(
        trigger_id=emulator.issue_trigger(),
        view={"type": "modal", "title": {"type": "plain_text", "text": "Dial"}, "blocks": [section("x")]},
    )
    assert ok["view"]["id"] in emulator.views


MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Dial"}, "blocks": [section("x")]}


async def test_a_trigger_id_opens_one_view_within_3_seconds(slack) -> None:
    emulator, client = slack
    issued_at = 1000.0
    emulator.monotonic = lambda: issued_at
    fresh, late = emulator.issue_trigger(), emulator.issue_trigger()
    await client.views_open(trigger_id=fresh, view=MODAL)
    errors = []
    for trigger in (fresh, "made-up", late):
        if trigger == late:
            emulator.monotonic = lambda: issued_at + 3.5
        with pytest.raises(SlackApiError) as caught:
            await client.views_open(trigger_id=trigger, view=MODAL)
        errors.append(caught.value.response["error"])
    assert errors == ["exchanged_trigger_id", "invalid_trigger_id", "expired_trigger_id"]
    assert len(emulator.views) == 1


async def test_views_update_with_a_stale_hash_is_a_hash_conflict(slack) -> None:
    emulator, client = slack
    opened = (await client.views_open(trigger_id=emulator.issue_trigger(), view=MODAL))["view"]
    changed = {**MODAL, "blocks": [section("y")]}
    updated = await client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)
    assert updated["view"]["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as caught:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    assert caught.value.response["error"] == "hash_conflict"
    assert emulator.views[opened["id"]]["blocks"] == [section("y")]
    with pytest.raises(SlackApiError) as caught:
        bad = {**MODAL, "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "x"}}]}
        await client.views_update(view_id=opened["id"], view=bad)
    assert caught.value.response["error"] == "invalid_arguments"


async def test_the_emulator_swaps_an_install_code_once_and_refuses_an_expired_rotating_token(slack) -> None:
    emulator, bot = slack
    emulator.oauth.configure("1.2", "secret", redirect_url="http://app.invalid/slack/oauth_redirect", rotation=True)
    emulator.oauth.signed_in_team = "T0NEW"
    site = bot.base_url.removesuffix("/api/")
    async with httpx.AsyncClient(base_url=site, trust_env=False) as browser:
        approved = await browser.get("/oauth/v2/authorize", params={"client_id": "1.2", "state": "s1"})
    assert approved.status_code == 302
    code = parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]
    client = AsyncWebClient(base_url=bot.base_url)
    granted = await client.oauth_v2_access(client_id="1.2", client_secret="secret", code=code)
    assert granted["team"]["id"] == "T0NEW" and granted["refresh_token"] and granted["expires_in"] > 0
    with pytest.raises(SlackApiError, match="invalid_code"):
        await client.oauth_v2_access(client_id="1.2", client_secret="secret", code=code)
    token = granted["access_token"]
    assert (await client.auth_test(token=token))["team_id"] == "T0NEW"
    emulator.oauth.expire_soon("T0NEW", 0)
    with pytest.raises(SlackApiError, match="token_expired"):
        await client.auth_test(token=token)
    refresh = granted["refresh_token"]
    refreshed = await client.oauth_v2_access(
        client_id="1.2", client_secret="secret", grant_type="refresh_token", refresh_token=refresh
    )
    assert (await client.auth_test(token=refreshed["access_token"]))["team_id"] == "T0NEW"
