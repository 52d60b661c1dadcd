"""Slack messages as terminal text: what the demo prints while the thread changes."""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.server import Message, SlackEmulator

_DATE_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_EMOJI = {
    ":hourglass_flowing_sand:": "⏳",
    ":telephone_receiver:": "📞",
    ":bell:": "🔔",
    ":white_check_mark:": "✅",
    ":wave:": "👋",
    ":x:": "❌",
    ":no_entry_sign:": "🚫",
    ":grey_question:": "❔",
    ":inbox_tray:": "📥",
}
_EMOJI_CODE = re.compile("|".join(re.escape(code) for code in _EMOJI))


def plain(text: str, emulator: SlackEmulator | None = None) -> str:
    """mrkdwn with Slack tokens resolved the way a reader sees them."""
    text = _DATE_TOKEN.sub(r"\1", text)

    def mention(match: re.Match[str]) -> str:
        user = emulator.users.get(match.group(1)) if emulator else None
        return "@" + (user["name"] if user else match.group(1))

    text = _EMOJI_CODE.sub(lambda m: _EMOJI[m.group(0)], text)
    return _MENTION.sub(mention, text)


def render_blocks(blocks: list[dict[str, Any]], emulator: SlackEmulator | None = None) -> list[str]:
    """Each block as lines of text (buttons as [label])."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            lines.extend(plain(block.get("text", {}).get("text", ""), emulator).splitlines())
        elif kind == "context":
            parts = [plain(e.get("text", ""), emulator) for e in block.get("elements", []) if "text" in e]
            lines.append("  " + " ".join(parts))
        elif kind == "actions":
            labels = [f"[{e.get('text', {}).get('text', '?')}]" for e in block.get("elements", [])]
            lines.append("  " + " ".join(labels))
        elif kind == "header":
            lines.append(plain(block.get("text", {}).get("text", ""), emulator).upper())
        elif kind == "divider":
            lines.append("  " + "-" * 40)
    return lines


def render_message(message: Message, emulator: SlackEmulator | None = None) -> list[str]:
    """A message's blocks, or its text when it has none."""
    if message.blocks:
        return render_blocks(message.blocks, emulator)
    return plain(message.text, emulator).splitlines()


def render_thread(emulator: SlackEmulator, channel: str, thread_ts: str) -> str:
    """A thread as the demo prints it: the parent, then each reply indented."""
    out: list[str] = []
    for index, message in enumerate(emulator.thread(channel, thread_ts)):
        lines = render_message(message, emulator)
        prefix = "" if index == 0 else "  │ "
        if index == 1:
            out.append("  ┌─ thread")
        out.extend(prefix + line for line in lines)
        if index > 0:
            out.append("  │")
    return "\n".join(out)
