"""The emulator's conversations.history and conversations.replies, with Slack's paging and bounds.

Slack's rules as the outbox's look-up relies on them: history lists a channel's top-level messages
(and replies broadcast to it) newest first, replies a thread oldest first, its parent included;
`oldest`/`latest` bound the ts exclusively unless `inclusive`; at most `limit` messages a page,
the rest behind `response_metadata.next_cursor` (with `has_more`); a message's `metadata` only with
`include_all_metadata`. Who may read which channel, and which messages each method lists, is the
emulator's (bot/emulator/server.py); this is the paging both methods share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

DEFAULT_LIMIT = 100


class Stored(Protocol):
    """What a page shows of an emulator message (bot/emulator/server.py's Message)."""

    ts: str
    text: str
    user: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    metadata: dict[str, Any] | None


def _flag(params: dict[str, Any], name: str) -> bool:
    return str(params.get(name, "")).lower() in {"true", "1"}


def _within(messages: Sequence[Stored], params: dict[str, Any]) -> list[Stored]:
    oldest = float(params.get("oldest") or 0)
    latest = float(params.get("latest") or "inf")
    if _flag(params, "inclusive"):
        return [m for m in messages if oldest <= float(m.ts) <= latest]
    return [m for m in messages if oldest < float(m.ts) < latest]


def _as_slack(message: Stored, with_metadata: bool) -> dict[str, Any]:
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


def read_page(
    messages: Sequence[Stored], params: dict[str, Any], max_page: int, *, newest_first: bool
) -> dict[str, Any]:
    """One page of `messages` (oldest first) within the request's bounds, as Slack answers it."""
    found = _within(messages, params)
    if newest_first:
        found.reverse()
    cursor = str(params.get("cursor") or "")
    if cursor and not cursor.startswith("next:"):
        return {"ok": False, "error": "invalid_cursor"}
    start = int(cursor.removeprefix("next:") or 0)
    end = start + min(int(params.get("limit") or DEFAULT_LIMIT), max_page)
    more = end < len(found)
    with_metadata = _flag(params, "include_all_metadata")
    return {
        "ok": True,
        "messages": [_as_slack(m, with_metadata) for m in found[start:end]],
        "has_more": more,
        "response_metadata": {"next_cursor": f"next:{end}" if more else ""},
    }
