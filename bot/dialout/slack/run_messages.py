"""The sentences of a run's summary details and its CSV report, in English and Simplified Chinese.

A plain dict, merged into the one catalogue by bot/slack/messages.py.
"""

from __future__ import annotations

RUN_MESSAGES: dict[str, dict[str, str]] = {
    "run.joined": {"en": "Joined: {items}", "zh": "已加入：{items}"},
    "run.joined_item": {"en": "{who} {minutes} min", "zh": "{who} {minutes} 分钟"},
    "run.attempts": {"en": "Calls used: {calls} for {parties} parties", "zh": "共拨打 {calls} 次，{parties} 方"},
    "run.attempts.one": {"en": "Calls used: {calls} for 1 party", "zh": "共拨打 {calls} 次，1 方"},
    "run.csv_follows": {
        "en": "The full report follows as a CSV file.",
        "zh": "完整报告以 CSV 文件附在下方。",
    },
    "run.csv_title": {"en": "Invite #{id}: who joined", "zh": "第 {id} 号邀请：加入情况"},
}
