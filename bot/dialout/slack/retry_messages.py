"""Retries' words, in English and Simplified Chinese; merged into the one catalogue (bot/slack/messages.py).

How a policy is written is explained where it is refused, so each refusal names the part at fault
and shows a policy that works.
"""

from __future__ import annotations

RETRY_MESSAGES: dict[str, dict[str, str]] = {
    "parse.bad_retry": {
        "en": "Nothing was scheduled: I can't read the retry policy. {why} Write e.g. `retry busy=3x2m noanswer=2` "
        "(busy, noanswer or error = how many times x after how long), or `retry off`.",
        "zh": "未安排任何呼叫：无法读懂重试设置。{why}请写如 `重试 忙=3x2分 无人接=2`"
        "（忙、无人接 或 出错 = 次数x间隔），或 `重试 关`。",
    },
    "retry.why.empty": {
        "en": "Say what to retry after `retry`.",
        "zh": "`重试` 后面要写明重试哪些情况。",
    },
    "retry.why.unknown_outcome": {
        "en": "“{text}” is not an outcome I retry: only busy, noanswer and error are (rejected, invalid or "
        "unknown calls are never called again).",
        "zh": "“{text}”不是可重试的情况：只有 忙、无人接 和 出错 可以重试（拒接、空号或结果不明的呼叫不会再拨）。",
    },
    "retry.why.bad_item": {
        "en": "“{text}” is not of the form outcome=times or outcome=times x delay.",
        "zh": "“{text}”的格式应为 情况=次数 或 情况=次数x间隔。",
    },
    "retry.why.bad_delay": {
        "en": "“{text}” is not a delay I can use: give one from 1s to 6h, e.g. 30s, 2m or 1h.",
        "zh": "“{text}”不是可用的间隔：请写 1秒 到 6小时 之间的时长，例如 30秒、2分 或 1小时。",
    },
    "retry.why.too_many": {
        "en": "“{text}” asks for too many retries: at most 10 per outcome.",
        "zh": "“{text}”重试次数太多：每种情况最多 10 次。",
    },
    "retry.why.duplicate": {
        "en": "“{text}” repeats an outcome already given.",
        "zh": "“{text}”重复写了同一种情况。",
    },
    "retry.line": {
        "en": "{reason} · retry {n}/{limit} at {at}",
        "zh": "{reason} · {at} 第 {n}/{limit} 次重试",
    },
    "summary.retries": {
        "en": "{n} retries used",
        "zh": "重试了 {n} 次",
    },
    "summary.retry_one": {
        "en": "1 retry used",
        "zh": "重试了 1 次",
    },
}
