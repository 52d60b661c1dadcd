"""The emulator reads messages back as Slack does: metadata kept, history and replies bounded and paged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer

TOKEN = "xoxb-emulator-test"
MARK = {"event_type": "confbot_outbox", "event_payload": {"row": 7}}


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackEmulator, AsyncWebClient]]:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_channel("C2", is_member=False)
    emulator.add_channel("G1", is_private=True, is_member=False)
    server = LoopbackServer(emulator.app)
    await server.start()
    yield emulator, AsyncWebClient(token=TOKEN, base_url=f"{server.url}/api/")
    await server.stop()


async def test_metadata_is_kept_and_returned_only_with_include_all_metadata(slack) -> None:
    emulator, client = slack
    posted = await client.chat_postMessage(channel="C1", text="parent", metadata=MARK)
    assert emulator.find("C1", posted["ts"]).metadata == MARK
    [plain] = (await client.conversations_history(channel="C1"))["messages"]
    [full] = (await client.conversations_history(channel="C1", include_all_metadata=True))["messages"]
    assert "metadata" not in plain
    assert full["metadata"] == MARK and full["ts"] == posted["ts"]


async def test_history_lists_top_level_messages_newest_first_within_exclusive_bounds(slack) -> None:
    _, client = slack
    first, second, third = [(await client.chat_postMessage(channel="C1", text=t))["ts"] for t in ("a", "b", "c")]
    await client.chat_postMessage(channel="C1", text="quiet reply", thread_ts=first)
    await client.chat_postMessage(channel="C1", text="loud reply", thread_ts=first, reply_broadcast=True)
    everything = await client.conversations_history(channel="C1")
    assert [m["text"] for m in everything["messages"]] == ["loud reply", "c", "b", "a"]
    bounded = await client.conversations_history(channel="C1", oldest=first, latest=third)
    assert [m["ts"] for m in bounded["messages"]] == [second]
    inclusive = await client.conversations_history(channel="C1", oldest=first, latest=third, inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["c", "b", "a"]


async def test_history_pages_by_cursor(slack) -> None:
    _, client = slack
    for n in range(5):
        await client.chat_postMessage(channel="C1", text=str(n))
    seen: list[str] = []
    cursor = None
    while True:
        page = await client.conversations_history(channel="C1", limit=2, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] == bool(cursor)
        if not cursor:
            break
    assert seen == ["4", "3", "2", "1", "0"]


async def test_replies_give_the_parent_then_its_replies_oldest_first_and_page(slack) -> None:
    _, client = slack
    parent = (await client.chat_postMessage(channel="C1", text="parent"))["ts"]
    other = (await client.chat_postMessage(channel="C1", text="other"))["ts"]
    for n in range(3):
        await client.chat_postMessage(channel="C1", text=f"r{n}", thread_ts=parent, metadata=MARK)
    await client.chat_postMessage(channel="C1", text="elsewhere", thread_ts=other)
    page = await client.conversations_replies(channel="C1", ts=parent, limit=3, include_all_metadata=True)
    assert [m["text"] for m in page["messages"]] == ["parent", "r0", "r1"]
    assert [m.get("metadata") for m in page["messages"]] == [None, MARK, MARK]
    rest = await client.conversations_replies(channel="C1", ts=parent, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["r2"] and not rest["has_more"]
    after = await client.conversations_replies(channel="C1", ts=parent, oldest=page["messages"][1]["ts"])
    assert [m["text"] for m in after["messages"]] == ["r1", "r2"]


@pytest.mark.parametrize(
    ("method", "channel", "error"),
    [
        ("conversations_history", "C2", "not_in_channel"),
        ("conversations_history", "G1", "channel_not_found"),
        ("conversations_replies", "C1", "thread_not_found"),
    ],
)
async def test_reading_needs_the_bot_in_the_channel_and_a_thread_that_exists(slack, method, channel, error) -> None:
    _, client = slack
    with pytest.raises(SlackApiError) as refused:
        await getattr(client, method)(channel=channel, **({"ts": "1.000001"} if "replies" in method else {}))
    assert refused.value.response["error"] == error
