"""Retry policy per outcome, as values and as written: which failed calls are dialled again, and when.

A retry is a new call for the same party, placed through the same per-call claim as a first one.
Only outcomes that say the call did not connect are retried: busy and no answer (the person may be
free soon), and errors where the request cannot have been acted on (the provider or the network
failed before anything rang; these back off, doubling the delay each time). Rejected, invalid,
barred and refused-by-policy calls are never retried (dialling again would reach the same refusal),
and neither is an unknown outcome: the call may have connected, and a second one would ring a
person who is already in the conference.

Written as `busy=3x2m noanswer=2 error=3x30s` (times x delay; the delay may be left out) or `off`,
with Chinese keys alike (`忙=3x2分 无人接=2 出错=3x30秒`, `关`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.kernel.lexing import parse_duration
from bot.kernel.states import FailReason

MAX_RETRIES = 10  # per outcome: past this a retry loop is a nuisance, not persistence
LONGEST_DELAY_S = 6 * 3600  # a retry later than this belongs to another invite
MAX_SPEC_CHARS = 200
# The code a call silent past its ring limit is failed with (call_watch.py): it may have connected.
SILENT_CODE = "no_news"


class RetryOutcome(StrEnum):
    """The outcomes a policy says something about (several FailReasons map to one)."""

    BUSY = "busy"
    NO_ANSWER = "noanswer"
    ERROR = "error"


RETRIED_REASONS: Mapping[FailReason, RetryOutcome] = {
    FailReason.BUSY: RetryOutcome.BUSY,
    FailReason.NO_ANSWER: RetryOutcome.NO_ANSWER,
    # The request failed before anything rang (a ProviderError that was not maybe_sent becomes a
    # failure with its reason; one that may have been sent becomes unknown, never retried).
    FailReason.PROVIDER_ERROR: RetryOutcome.ERROR,
    FailReason.NETWORK: RetryOutcome.ERROR,
    FailReason.UNREACHABLE: RetryOutcome.ERROR,
    FailReason.RATE_LIMITED: RetryOutcome.ERROR,
}
# Everything else (rejected, invalid_number, barred, policy, provider_rejected, auth, timeout,
# max_duration, missed, unknown) is never retried.

DEFAULT_DELAY_S: Mapping[RetryOutcome, int] = {
    RetryOutcome.BUSY: 120,
    RetryOutcome.NO_ANSWER: 120,
    RetryOutcome.ERROR: 30,
}

_KEYS: Mapping[str, RetryOutcome] = {
    "busy": RetryOutcome.BUSY,
    "忙": RetryOutcome.BUSY,
    "占线": RetryOutcome.BUSY,
    "noanswer": RetryOutcome.NO_ANSWER,
    "no_answer": RetryOutcome.NO_ANSWER,
    "no-answer": RetryOutcome.NO_ANSWER,
    "无人接": RetryOutcome.NO_ANSWER,
    "无人接听": RetryOutcome.NO_ANSWER,
    "未接": RetryOutcome.NO_ANSWER,
    "error": RetryOutcome.ERROR,
    "出错": RetryOutcome.ERROR,
    "错误": RetryOutcome.ERROR,
}
OFF_WORDS = frozenset({"off", "none", "no", "never", "关", "关闭", "不", "不重试", "无"})
RETRY_WORDS = ("retry", "retries", "重试")
# For command.py: the keys, longest first, so a regex alternation prefers 无人接听 to 无人接.
RETRY_KEYS = tuple(sorted(_KEYS, key=len, reverse=True))

_ITEM = re.compile(r"^(?P<key>[^=:：]+)\s*[=:：]\s*(?P<times>\d{1,3})\s*(?:[x×*]\s*(?P<delay>\S+))?$", re.I)


@dataclass(frozen=True)
class RetryRule:
    """Up to `times` retries, the first `delay_s` after the failure."""

    times: int = 0
    delay_s: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    """How an invite retries each outcome; an outcome without a rule is never retried."""

    rules: Mapping[RetryOutcome, RetryRule] = field(default_factory=dict)

    @property
    def is_off(self) -> bool:
        return not any(rule.times for rule in self.rules.values())

    def rule_for(self, reason: FailReason | None) -> RetryRule | None:
        """The rule for a call that failed for `reason`, None when it is never retried."""
        outcome = RETRIED_REASONS.get(reason) if reason is not None else None
        rule = self.rules.get(outcome) if outcome is not None else None
        return rule if rule is not None and rule.times > 0 else None

    def as_json(self) -> dict[str, Any]:
        """As stored on the invite row."""
        return {o.value: {"times": r.times, "delay_s": r.delay_s} for o, r in self.rules.items() if r.times}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RetryPolicy:
        """From the invite row (anything unreadable is no rule: never retry rather than guess)."""
        rules: dict[RetryOutcome, RetryRule] = {}
        for key, value in (data or {}).items():
            try:
                rules[RetryOutcome(key)] = RetryRule(int(value["times"]), int(value["delay_s"]))
            except (ValueError, KeyError, TypeError):
                continue
        return cls(rules)

    def spec(self) -> str:
        """As a user would write it (the form's box, `confbot parse`)."""
        if self.is_off:
            return "off"
        parts = []
        for outcome in RetryOutcome:
            rule = self.rules.get(outcome)
            if rule and rule.times:
                parts.append(f"{outcome.value}={rule.times}x{_compact(rule.delay_s)}")
        return " ".join(parts)


RETRY_OFF = RetryPolicy()


class RetryProblem(StrEnum):
    """What can be wrong with a written policy (each has a sentence in both languages)."""

    EMPTY = "empty"
    UNKNOWN_OUTCOME = "unknown_outcome"
    BAD_ITEM = "bad_item"
    BAD_DELAY = "bad_delay"
    TOO_MANY = "too_many"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class RetrySyntaxError(ValueError):
    """A written retry policy that cannot be read; `text` is the part at fault."""

    problem: RetryProblem
    text: str = ""

    def __str__(self) -> str:
        return f"{self.problem.value}: {self.text}"


def parse_retry(text: str) -> RetryPolicy:
    """`busy=3x2m noanswer=2`, `off`, `忙=3x2分 无人接=2` (a leading `retry`/`重试` is allowed).

    Raises RetrySyntaxError naming the part it cannot read; nothing is half-read.
    """
    cleaned = text.strip()
    if len(cleaned) > MAX_SPEC_CHARS:
        raise RetrySyntaxError(RetryProblem.BAD_ITEM, cleaned[:40] + "…")
    for word in RETRY_WORDS:
        if cleaned.lower().startswith(word):
            cleaned = cleaned[len(word) :].strip()
            break
    if not cleaned:
        raise RetrySyntaxError(RetryProblem.EMPTY)
    if cleaned.lower() in OFF_WORDS:
        return RETRY_OFF
    rules: dict[RetryOutcome, RetryRule] = {}
    for item in (i for i in re.split(r"[\s,，;；、]+", cleaned) if i):
        outcome, rule = _read_item(item)
        if outcome in rules:
            raise RetrySyntaxError(RetryProblem.DUPLICATE, item)
        rules[outcome] = rule
    return RetryPolicy(rules)


def _read_item(item: str) -> tuple[RetryOutcome, RetryRule]:
    match = _ITEM.match(item)
    if match is None:
        key = re.split(r"[=:：]", item, maxsplit=1)[0].lower()
        if "=" in item and key not in _KEYS:
            raise RetrySyntaxError(RetryProblem.UNKNOWN_OUTCOME, key)
        raise RetrySyntaxError(RetryProblem.BAD_ITEM, item)
    outcome = _KEYS.get(match["key"].strip().lower())
    if outcome is None:
        raise RetrySyntaxError(RetryProblem.UNKNOWN_OUTCOME, match["key"].strip())
    times = int(match["times"])
    if times > MAX_RETRIES:
        raise RetrySyntaxError(RetryProblem.TOO_MANY, item)
    if match["delay"] is None:
        return outcome, RetryRule(times, DEFAULT_DELAY_S[outcome])
    delay = parse_duration(match["delay"])
    if delay is None or delay <= 0 or delay > LONGEST_DELAY_S:
        raise RetrySyntaxError(RetryProblem.BAD_DELAY, match["delay"])
    return outcome, RetryRule(times, delay)


def _compact(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


@dataclass(frozen=True)
class RetryMark:
    """What a retry call carries: the call it retries, when it is due, and its number (2 of 3)."""

    of: int  # the failed attempt's id (one retry per failed call)
    at: datetime
    number: int
    limit: int
    reason: FailReason  # why the call it retries failed
