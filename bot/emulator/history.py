"""The emulator's conversations.history and conversations.replies, with Slack's paging and bounds.

Slack's rules as the outbox's look-up relies on them: history lists a channel's top-level messages
(and replies broadcast to it) newest first, replies a thread oldest first, its parent included;
`oldest`/`latest` bound the ts exclusively unless `inclusive`; at most `limit` messages a page,
the rest behind `response_metadata.next_cursor` (with `has_more`); a message's `metadata` only with
`include_all_metadata`. A private channel the bot is not in does not exist; a public one it is not
in answers not_in_channel (reading, unlike posting, needs membership).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.emulator.server import Message, SlackEmulator

DEFAULT_LIMIT = 100


def _flag(params: dict[str, Any], name: str) -> bool:
    return str(params.get(name, "")).lower() in {"true", "1"}


def _refusal(emulator: SlackEmulator, channel: str) -> str | None:
    if emulator._hidden(channel):
        return "channel_not_found"
    if not emulator.channels[channel].get("is_member", True):
        return "not_in_channel"
    return None


def _within(messages: Iterable[Message], params: dict[str, Any]) -> list[Message]:
    oldest = float(params.get("oldest") or 0)
    latest = float(params.get("latest") or "inf")
    if _flag(params, "inclusive"):
        return [m for m in messages if oldest <= float(m.ts) <= latest]
    return [m for m in messages if oldest < float(m.ts) < latest]


def _as_slack(message: Message, with_metadata: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "blocks": message.blocks,
    }
    if message.thread_ts is not None:
        shown["thread_ts"] = message.thread_ts
    if with_metadata and message.metadata is not None:
        shown["metadata"] = message.metadata
    return shown


def _page(emulator: SlackEmulator, found: list[Message], params: dict[str, Any]) -> dict[str, Any]:
    cursor = str(params.get("cursor") or "")
    if cursor and not cursor.startswith("next:"):
        return {"ok": False, "error": "invalid_cursor"}
    start = int(cursor.removeprefix("next:") or 0)
    end = start + min(int(params.get("limit") or DEFAULT_LIMIT), emulator.max_page)
    more = end < len(found)
    with_metadata = _flag(params, "include_all_metadata")
    return {
        "ok": True,
        "messages": [_as_slack(m, with_metadata) for m in found[start:end]],
        "has_more": more,
        "response_metadata": {"next_cursor": f"next:{end}" if more else ""},
    }


def conversations_history(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    """A channel's top-level messages (and broadcast replies), newest first."""
    channel = str(params.get("channel", ""))
    refused = _refusal(emulator, channel)
    if refused:
        return {"ok": False, "error": refused}
    shown = [m for m in emulator.messages[channel] if m.thread_ts is None or m.broadcast]
    return _page(emulator, list(reversed(_within(shown, params))), params)


def conversations_replies(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    """A thread: its parent, then its replies, oldest first."""
    channel = str(params.get("channel", ""))
    refused = _refusal(emulator, channel)
    if refused:
        return {"ok": False, "error": refused}
    parent = emulator.find(channel, str(params.get("ts", "")))
    if parent is None:
        return {"ok": False, "error": "thread_not_found"}
    return _page(emulator, _within(emulator.thread(channel, parent.ts), params), params)
