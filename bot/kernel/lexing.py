"""The words both grammars of `/dial` share: durations, people (numbers and @mentions), quotes.

Dial-out (`/dial … into conf 42`) and inbound routing (`/dial route … to …`) read people and
durations the same way, so a number written in groups or a `1h30m` means one thing everywhere.
Pure: no Slack, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.kernel.phone import DialingPolicy, NumberProblem, looks_like_number, normalise

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Quotes, equals signs and commas as Chinese input methods type them.
QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "＝": "=", "，": ",", "、": ","})
_SEPARATORS = re.compile(r"[,;；]|\band\b|和|及|与")

DURATION_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "秒": 1,
    "秒钟": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "分": 60,
    "分钟": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "小时": 3600,
    "个小时": 3600,
}
_UNIT = "|".join(sorted((re.escape(u) for u in DURATION_UNITS), key=len, reverse=True))
# A duration as written in commands ("30m", "1h 30m", "90 分钟"); `parse_duration` reads it.
DURATION = rf"(?:\d+(?:\.\d+)?\s*(?:{_UNIT})(?![a-z]))(?:\s*\d+\s*(?:{_UNIT})(?![a-z]))*"


LONGEST_DURATION_S = 10 * 366 * 86400  # beyond this a "duration" is a typo, not a time a call may last


def parse_duration(text: str) -> int | None:
    """Seconds in "30m", "1h", "1h30m", "90 minutes", "半小时", "2小时"; None when unreadable."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned in {"半小时", "半个小时"}:
        return 1800
    pairs = re.findall(rf"(\d+(?:\.\d+)?)({_UNIT})", cleaned)
    if not pairs or "".join(a + u for a, u in pairs) != cleaned:
        return None
    if any(len(amount) > 12 for amount, _ in pairs):
        return None  # no call lasts that long: unreadable, and never a float too large to convert
    seconds = sum(float(amount) * DURATION_UNITS[unit] for amount, unit in pairs)
    return int(seconds) if seconds <= LONGEST_DURATION_S else None


# --- people ---------------------------------------------------------------------------


@dataclass
class Parties:
    """The numbers (E.164) and @mentions in a command, and what could not be read."""

    phones: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    problems: list[NumberProblem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    at_names: list[str] = field(default_factory=list)


def read_parties(text: str, policy: DialingPolicy) -> Parties:
    """Numbers and mentions in `text`; numbers split by spaces are rejoined while that helps."""
    found = Parties()
    mentions = MENTION.findall(text)
    text = MENTION.sub(" ", text)
    for user_id in mentions:
        if user_id not in found.mentions:
            found.mentions.append(user_id)
    # Commas (and "and", 和) always separate parties; spaces may also sit inside a number.
    for chunk in _SEPARATORS.split(text):
        _read_chunk(chunk.split(), policy, found)
    return found


def _read_chunk(tokens: list[str], policy: DialingPolicy, found: Parties) -> None:
    """Numbers in whitespace-separated tokens, rejoining groups ("+86 136 9220 6627") while that helps."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("@"):
            found.at_names.append(token)
            i += 1
            continue
        if not looks_like_number(token):
            found.unknown.append(token)
            i += 1
            continue
        result = normalise(token, policy)
        taken = 1
        if not isinstance(result, str):
            # "+86 136 9220 6627", "010 5851 2042": join with following number-ish tokens.
            for j in range(i + 2, min(i + 6, len(tokens) + 1)):
                if not all(looks_like_number(t) or t.isdigit() for t in tokens[i:j]):
                    break
                joined = normalise("".join(tokens[i:j]), policy)
                if isinstance(joined, str):
                    result, taken = joined, j - i
                    break
        if isinstance(result, str):
            if result not in found.phones:
                found.phones.append(result)
        else:
            if token.startswith("+"):
                # "+999 1234567": an international number written in groups is one bad number.
                while i + taken < len(tokens) and taken < 6 and tokens[i + taken].isdigit():
                    taken += 1
                text_given = " ".join(tokens[i : i + taken])
                joined = normalise(text_given.replace(" ", ""), policy)
                result = (
                    NumberProblem(text_given, joined.kind, joined.region)
                    if isinstance(joined, NumberProblem)
                    else result
                )
            found.problems.append(result)
        i += taken


class PartiesProblem(StrEnum):
    """What can be wrong with the people of a command (each grammar words it in its own catalogue keys)."""

    PLAIN_AT_NAME = "plain_at_name"
    UNKNOWN_WORDS = "unknown_words"
    INVALID_NUMBERS = "invalid_numbers"
    NO_PARTIES = "no_parties"


def parties_problem(parties: Parties) -> tuple[PartiesProblem, dict[str, Any]] | None:
    """The first thing wrong with `parties` and its details, or None when they can be called."""
    if parties.at_names:
        return PartiesProblem.PLAIN_AT_NAME, {"names": parties.at_names}
    if parties.unknown:
        return PartiesProblem.UNKNOWN_WORDS, {"words": parties.unknown}
    if parties.problems:
        numbers = [{"text": p.text, "why": p.kind.value, "region": p.region} for p in parties.problems]
        return PartiesProblem.INVALID_NUMBERS, {"numbers": numbers}
    if not parties.phones and not parties.mentions:
        return PartiesProblem.NO_PARTIES, {}
    return None
