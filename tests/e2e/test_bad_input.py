"""Hostile and malformed requests through the real Starlette adapter: no 500, no traceback, a clear answer."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt.async_app import AsyncAck

from bot.dialout.core.models import InviteStatus
from bot.slack import ids
from tests.e2e.harness import AMY, CHANNEL, LI, Harness, wait_for

UNSIGNED_BODIES = [
    (b"payload=%7Bbroken", "application/x-www-form-urlencoded"),
    (b"payload=null", "application/x-www-form-urlencoded"),
    (b"payload=[]", "application/x-www-form-urlencoded"),
    (b"{broken", "application/json"),
    (b"\xff\xfe", "application/x-www-form-urlencoded"),
]


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("body", "content_type"), UNSIGNED_BODIES)
async def test_unsigned_malformed_request_is_refused_before_it_is_read(
    harness: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    assert harness.driver is not None
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(
            f"{harness.driver.bot_url}/slack/events", content=body, headers={"content-type": content_type}
        )
    assert response.status_code == 401
    assert _tracebacks(caplog) == []


SIGNED_SHAPES: list[Any] = [
    [],
    "a string",
    None,
    5,
    {"type": "block_actions"},
    {"user": {"id": AMY}},
    {"type": "block_actions", "user": "U0AMY", "channel": ["C0OPS"], "actions": "cancel"},
    {"type": "block_actions", "user": {"id": AMY}, "channel": {"id": CHANNEL}, "actions": []},
    {"type": "view_submission", "view": "nope"},
]


@pytest.mark.parametrize("payload", SIGNED_SHAPES, ids=[json.dumps(p)[:40] for p in SIGNED_SHAPES])
async def test_signed_payload_of_the_wrong_shape_gets_no_500(
    harness: Harness, caplog: pytest.LogCaptureFixture, payload: Any
) -> None:
    assert harness.driver is not None
    response = await harness.driver.interact(payload)
    assert response.status_code in {200, 400, 404}
    assert _tracebacks(caplog) == []


async def test_signed_json_that_is_not_an_object_is_a_400(harness: Harness) -> None:
    assert harness.driver is not None
    response = await harness.driver.post_signed(b"[1, 2]", content_type="application/json")
    assert response.status_code == 400


async def test_listener_that_fails_after_ack_still_acks_and_tells_the_user_in_their_language(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    @harness.services.bolt.command("/explode")
    async def explode(ack: AsyncAck) -> None:
        await ack()
        raise RuntimeError("a bug right after the ack")

    assert harness.driver is not None
    started = time.monotonic()
    response = await harness.driver.slash("", user_id=LI, channel_id=CHANNEL, command="/explode")
    assert response.status_code == 200
    assert time.monotonic() - started < 2.5  # not Bolt's 3 s wait for an ack it thinks never came
    told = await harness.wait_ephemeral(LI)
    assert "系统内部出错" in told
    assert any("a bug right after the ack" in repr(r.exc_info) for r in caplog.records if r.exc_info)


@pytest.mark.parametrize(
    ("action_id", "value"),
    [(ids.CANCEL_INVITE_ACTION, v) for v in ["abc", "9" * 5000, "²", "99999999999999999999", ""]]
    + [(a, "abc") for a in (ids.DIAL_NOW_ACTION, ids.HANG_UP_ACTION, ids.REDIAL_FAILED_ACTION)],
)
async def test_a_parent_button_with_a_value_that_is_no_invite_number_is_explained(
    harness: Harness, caplog: pytest.LogCaptureFixture, action_id: str, value: str
) -> None:
    await harness.dial("13800138001 into conf 42 in 2 hours")
    await wait_for(lambda: len(harness.parents()) == 1, what="the thread parent")
    assert harness.driver is not None
    parent = harness.parents()[0]
    payload = {
        "type": "block_actions",
        "user": {"id": AMY, "team_id": "T0EMULATED"},
        "team": {"id": "T0EMULATED", "domain": "emulated"},
        "api_app_id": "A0CONFBOT",
        "container": {"type": "message", "message_ts": parent.ts, "channel_id": CHANNEL},
        "channel": {"id": CHANNEL, "name": CHANNEL.lower()},
        "message": {"ts": parent.ts, "text": parent.text, "blocks": parent.blocks},
        "trigger_id": "1.2.3",
        "response_url": f"{harness.driver.emulator_url}/response/x",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": ids.PARENT_ACTIONS_BLOCK,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    response = await harness.driver.post_signed(urlencode({"payload": json.dumps(payload)}).encode())
    assert response.status_code == 200
    await wait_for(lambda: len(harness.ephemerals()) >= 2, what="the answer to the click")
    assert "That button names no invite" in harness.ephemerals()[-1]
    assert (await harness.only_invite()).status is InviteStatus.SCHEDULED
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138001 into conf 42 in 99999999 days", "more than a year away"),
        ("13800138001 into conf 42 in 9999999999999 minutes", "more than a year away"),
        ("13800138001 into conf 42 max " + "9" * 309 + "m", "as a duration"),
        ("13800138001 into conf " + "4" * 5000, "too long for an id"),
        ("13800138001 into conf 42 " + "x" * 130_000, "characters long"),
        ("cancel " + "9" * 5000, "Which invite?"),
        ("route 4001234567 to " + "13800138001 " * 11_000, "route command is 132020 characters long"),
    ],
)
async def test_oversized_input_is_refused_with_a_clear_message_and_stores_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture, text: str, expected: str
) -> None:
    response = await harness.dial(text)
    assert response.status_code == 200
    assert expected in await harness.wait_ephemeral()
    assert await harness.services.store.recent_invites(CHANNEL, 5) == []
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "user": {"id": 5}, "channel": {"id": CHANNEL}, "actions": [{"action_id": "x"}]},
        {"type": "block_actions", "user": {"id": AMY}, "channel": {"id": CHANNEL}, "actions": [{"action_id": 7}]},
        {
            "type": "block_actions",
            "user": {"id": AMY},
            "actions": [{"action_id": ids.CANCEL_INVITE_ACTION, "value": 1}],
        },
    ],
)
async def test_signed_action_whose_ids_are_not_strings_is_refused_before_any_listener(
    harness: Harness, payload: dict[str, Any]
) -> None:
    assert harness.driver is not None
    assert (await harness.driver.interact(payload)).status_code == 400


async def test_a_button_listener_that_fails_after_ack_keeps_the_200_and_says_so_without_claiming_nothing_happened(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    @harness.services.bolt.action("explode_button")
    async def explode(ack: AsyncAck) -> None:
        await ack()
        raise RuntimeError("a bug right after acking a click")

    assert harness.driver is not None
    payload = {
        "type": "block_actions",
        "user": {"id": LI},
        "channel": {"id": CHANNEL},
        "actions": [{"type": "button", "action_id": "explode_button", "value": "1"}],
    }
    assert (await harness.driver.interact(payload)).status_code == 200
    told = await harness.wait_ephemeral(LI)
    assert "系统内部出错，操作未完成" in told and "未安排任何呼叫" not in told


@pytest.mark.parametrize("value", ["abc", "9" * 30, "-5", "²", ""])
async def test_home_page_button_with_a_value_that_is_no_page_shows_the_first_page(
    harness: Harness, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    assert harness.driver is not None
    response = await harness.driver.interact(
        {
            "type": "block_actions",
            "user": {"id": AMY, "team_id": "T0EMULATED"},
            "team": {"id": "T0EMULATED", "domain": "emulated"},
            "api_app_id": "A0CONFBOT",
            "container": {"type": "view", "view_id": f"home:{AMY}"},
            "view": {"id": f"home:{AMY}", "type": "home", "blocks": []},
            "trigger_id": "1.2.3",
            "actions": [
                {
                    "type": "button",
                    "action_id": f"{ids.HOME_PAGE_ACTION}:1",
                    "block_id": "home_pages",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
    )
    assert response.status_code == 200
    await wait_for(lambda: f"home:{AMY}" in harness.emulator.views, what="the home tab to be published")
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"view": None},
        {"type": "view_submission", "view": {"id": "V1"}},
        {"type": "event_callback", "event": None},
        {"type": "event_callback", "event": {"user": AMY}},
        {"type": "view_submission", "view": {"id": "V1", "type": "modal", "callback_id": "dial_form"}},
        {"type": "view_submission", "user": {"id": AMY}, "view": {"id": "V1", "callback_id": "dial_form"}},
        {"type": "block_actions", "actions": [{"action_id": "invite_cancel", "value": "1"}]},
    ],
    ids=[
        "null view",
        "view without callback_id",
        "null event",
        "event without type",
        "submission without user",
        "view without type",
        "click without user",
    ],
)
async def test_signed_json_bodies_bolt_would_index_blindly_are_refused(
    harness: Harness, payload: dict[str, Any]
) -> None:
    assert harness.driver is not None
    response = await harness.driver.post_signed(json.dumps(payload).encode(), content_type="application/json")
    assert response.status_code == 400
