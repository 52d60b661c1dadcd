"""The install pages' words (OAuth mode: after `/slack/oauth_redirect`), in English and Simplified Chinese.

A plain dict, merged into the one catalogue by bot/slack/messages.py (so `t` serves it and
tests/slack/test_messages.py checks every entry in both languages with the same placeholders).
"""

from __future__ import annotations

INSTALL_MESSAGES: dict[str, dict[str, str]] = {
    "install.title": {"en": "confbot", "zh": "confbot"},
    "install.done": {
        "en": "confbot is installed in {team}. Type /dial in any channel to schedule a dial-out.",
        "zh": "confbot 已安装到 {team}。在任意频道输入 /dial 即可安排外呼。",
    },
    "install.failed": {
        "en": "The installation did not finish ({reason}). Please start again from {link}.",
        "zh": "安装没有完成（{reason}）。请从 {link} 重新开始。",
    },
}
