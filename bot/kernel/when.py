"""Time phrases in English and Chinese → an aware instant in the asker's zone.

dateparser gets several everyday forms wrong or not at all (Chinese 点 times, 下周一,
bare clock times that have passed today, naive relative bases), so the forms people
actually type are read here by rule; dateparser is only a fallback for the rest, with
its languages fixed and its answer checked. Rules:

- a bare clock time is the next such time (at 10:00 "3pm" is today, "9am" is tomorrow);
- a weekday is its next occurrence (today if the time is still ahead); "next friday" and
  "下周五" are the Friday of next week (weeks start on Monday);
- a date without a year is its next occurrence; a day without a clock time is refused
  (dialling people at a guessed hour is worse than asking);
- anything that resolves to the past is refused, never silently moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.kernel.time_words import (
    CLOCK_24,
    CLOCK_CN,
    CLOCK_CN_COLON,
    CLOCK_EN,
    CLOCK_PERIOD_ONLY_CN,
    CLOCK_WORD_EN,
    CN_NUM,
    DATE_CN,
    DATE_EN_DM,
    DATE_EN_MD,
    DATE_ISO,
    DAY_WORD,
    DAY_WORDS,
    EVENING_HINTS,
    FILLER,
    MONTHS_EN,
    NOW_WORDS,
    PERIODS_CN,
    RECURRING,
    WEEKDAY_CN,
    WEEKDAY_EN,
    WEEKDAYS_CN,
    WEEKDAYS_EN,
    cn_number,
    normalise,
    relative_seconds,
)


class WhenProblem(StrEnum):
    """Why a phrase cannot be used; each has a sentence in the message catalogue."""

    UNREADABLE = "unreadable"
    PAST = "past"
    NEEDS_TIME = "needs_time"
    RECURRING = "recurring"
    BAD_ZONE = "bad_zone"
    TOO_FAR = "too_far"


# Nobody schedules a dial-out years ahead; a bound also keeps `in 99999999 days` from overflowing
# datetime (and the database's integer columns) instead of being refused.
MAX_AHEAD = timedelta(days=366)


class WhenError(ValueError):
    """A phrase that does not name a usable future time."""

    def __init__(self, problem: WhenProblem, phrase: str, at: datetime | None = None) -> None:
        super().__init__(f"{problem.value}: {phrase!r}")
        self.problem = problem
        self.phrase = phrase
        self.at = at


@dataclass(frozen=True)
class When:
    """A resolved time: the instant, in the zone it was asked in."""

    at: datetime
    is_now: bool = False


def zone(tz: str) -> ZoneInfo:
    """The IANA zone `tz`, or WhenError(BAD_ZONE)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WhenError(WhenProblem.BAD_ZONE, tz) from exc


@dataclass
class _Parts:
    day: date | None = None
    explicit_year: bool = True
    weekday: int | None = None
    next_week: bool = False
    clock: time | None = None
    evening_hint: bool = False
    # A Chinese hour said without 上午/下午 ("3点"): read as the afternoon for 1–6 and, for
    # 7–11 with no day given, as whichever of the two comes next.
    bare_cn_hour: bool = False


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if not match:
        return None, text
    return match, text[: match.start()] + " " + text[match.end() :]


def _cn_clock(match: re.Match[str], evening_hint: bool) -> time | None:
    hour = cn_number(match.group("hour"))
    groups = match.groupdict()
    minute = 0
    if groups.get("half"):
        minute = 30
    elif groups.get("quarter"):
        minute = 15 if match.group("quarter") == "一刻" else 45
    elif groups.get("minute"):
        minute = cn_number(match.group("minute"))
    period = groups.get("period") or ("晚上" if evening_hint else "")
    if (period in {"下午", "午后", "傍晚", "晚上", "晚间", "夜里", "夜间", "夜晚", "晚"} and hour < 12) or (
        period in {"中午", "正午"} and hour < 6
    ):
        hour += 12
    elif period in {"凌晨", "半夜"} and hour == 12:
        hour = 0
    if hour == 24 and minute == 0:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _read_parts(text: str, today: date) -> _Parts | None:
    """Split a phrase into a day and a clock time; None when anything is left unread."""
    parts = _Parts(evening_hint=any(h in text for h in EVENING_HINTS))
    rest = _read_day(text, today, parts)
    if rest is None:
        return None
    rest = _read_clock(rest, parts)
    if rest is None:
        return None
    # Words that only qualify a day ("tomorrow morning", "明天晚上") are fine once a clock is read.
    rest = re.sub(r"\b(?:morning|afternoon|evening|night)\b|" + PERIODS_CN, " ", rest)
    rest = FILLER.sub(" ", rest)
    if rest.strip():
        return None
    if parts.day is None and parts.weekday is None and parts.clock is None:
        return None
    return parts


def _read_day(rest: str, today: date, parts: _Parts) -> str | None:
    """Take the day (a date, a day word or a weekday) into `parts`; the rest, or None for an impossible date."""
    match, rest = _take(DATE_ISO, rest)
    if match:
        parts.day = _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
        return rest if parts.day else None
    match, rest = _take(DATE_CN, rest)
    if match:
        year = int(match["y"]) if match["y"] else today.year
        parts.explicit_year = bool(match["y"])
        parts.day = _safe_date(year, cn_number(match["m"]), cn_number(match["d"]))
        return rest if parts.day else None
    for pattern in (DATE_EN_MD, DATE_EN_DM):
        match, rest = _take(pattern, rest)
        if match:
            year = int(match["y"]) if match["y"] else today.year
            parts.explicit_year = bool(match["y"])
            parts.day = _safe_date(year, MONTHS_EN[match["mon"]], int(match["d"]))
            return rest if parts.day else None
    match, rest = _take(DAY_WORD, rest)
    if match:
        parts.day = today + timedelta(days=DAY_WORDS[match.group(0)])
        return rest
    for pattern in (WEEKDAY_CN, WEEKDAY_EN):
        match, rest = _take(pattern, rest)
        if match:
            day_key = match["day"]
            parts.weekday = WEEKDAYS_CN[day_key] if pattern is WEEKDAY_CN else WEEKDAYS_EN[day_key]
            parts.next_week = (match["mod"] or "") in {"next", "下", "下个"}
            break
    return rest


def _read_clock(rest: str, parts: _Parts) -> str | None:
    """Take the clock time into `parts`; the rest, or None for an impossible time ("25:00", "13pm")."""
    for pattern in (CLOCK_CN_COLON, CLOCK_CN):
        match, rest = _take(pattern, rest)
        if match:
            parts.clock = _cn_clock(match, parts.evening_hint)
            if parts.clock is None:
                return None
            parts.bare_cn_hour = not match["period"] and not parts.evening_hint and 1 <= parts.clock.hour <= 11
            return rest
    match, rest = _take(CLOCK_EN, rest)
    if match:
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        pm = match["ampm"].startswith("p")
        parts.clock = time((hour % 12) + (12 if pm else 0), minute)
        return rest
    match, rest = _take(CLOCK_24, rest)
    if match:
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            return None
        if parts.evening_hint and hour < 12:
            hour += 12
        parts.clock = time(hour, minute)
        return rest
    match, rest = _take(CLOCK_WORD_EN, rest)
    if match:
        parts.clock = time(0, 0) if match["word"] == "midnight" else time(12, 0)
        return rest
    match, rest = _take(CLOCK_PERIOD_ONLY_CN, rest)
    if match:
        parts.clock = time(0, 0) if match["period"] == "半夜" else time(12, 0)
    return rest


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _local(day: date, clock: time, tzinfo: ZoneInfo) -> datetime:
    # Round-trip through UTC so a wall time inside a DST gap lands on a real instant.
    return datetime.combine(day, clock, tzinfo).astimezone(UTC).astimezone(tzinfo)


def _resolve(parts: _Parts, now: datetime, tzinfo: ZoneInfo, phrase: str) -> datetime:
    today = now.date()
    if parts.clock is None:
        raise WhenError(WhenProblem.NEEDS_TIME, phrase)
    if parts.bare_cn_hour and parts.clock.hour <= 6:
        parts.clock = parts.clock.replace(hour=parts.clock.hour + 12)
    elif parts.bare_cn_hour and parts.day is None and parts.weekday is None:
        morning = _local(today, parts.clock, tzinfo)
        if morning <= now:
            parts.clock = parts.clock.replace(hour=parts.clock.hour + 12)
    if parts.weekday is not None:
        if parts.next_week:
            monday_next = today + timedelta(days=7 - today.weekday())
            day = monday_next + timedelta(days=parts.weekday)
        else:
            day = today + timedelta(days=(parts.weekday - today.weekday()) % 7)
            if _local(day, parts.clock, tzinfo) <= now:
                day += timedelta(days=7)
        return _local(day, parts.clock, tzinfo)
    if parts.day is None:
        at = _local(today, parts.clock, tzinfo)
        return at if at > now else _local(today + timedelta(days=1), parts.clock, tzinfo)
    at = _local(parts.day, parts.clock, tzinfo)
    if at <= now and not parts.explicit_year:
        next_year = _safe_date(parts.day.year + 1, parts.day.month, parts.day.day)
        if next_year is not None:
            at = _local(next_year, parts.clock, tzinfo)
    return at


def _dateparser_fallback(text: str, now: datetime, tzinfo: ZoneInfo) -> datetime | None:
    # Only phrases with a digit or a Chinese numeral: bare words ("sat", "may") are too easy
    # for dateparser to turn into a guessed day at a guessed hour.
    if not re.search(rf"[\d{CN_NUM}]", text):
        return None
    import dateparser  # local: the import costs ~0.25 s and most phrases never get here

    settings: Any = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": str(tzinfo.key),
        "RETURN_AS_TIMEZONE_AWARE": True,
        "STRICT_PARSING": False,
    }
    result = dateparser.parse(text, languages=["en", "zh"], settings=settings)
    if result is None:
        return None
    return result.astimezone(tzinfo)


def parse_when(phrase: str, now: datetime, tz: str) -> When:
    """Resolve `phrase`, read in zone `tz` at instant `now`, to a future instant (or WhenError)."""
    tzinfo = zone(tz)
    local_now = now.astimezone(tzinfo)
    text = normalise(phrase)
    if text in NOW_WORDS:
        return When(local_now, is_now=True)
    if RECURRING.search(text):
        raise WhenError(WhenProblem.RECURRING, phrase)
    seconds = relative_seconds(text)
    if seconds is not None:
        if seconds > MAX_AHEAD.total_seconds():
            raise WhenError(WhenProblem.TOO_FAR, phrase)
        return When(local_now + timedelta(seconds=seconds))
    parts = _read_parts(text, local_now.date())
    if parts is not None:
        at = _resolve(parts, local_now, tzinfo, phrase)
    else:
        fallback = _dateparser_fallback(text, local_now, tzinfo)
        if fallback is None:
            raise WhenError(WhenProblem.UNREADABLE, phrase)
        at = fallback
    if at <= local_now:
        raise WhenError(WhenProblem.PAST, phrase, at)
    if at - local_now > MAX_AHEAD:
        raise WhenError(WhenProblem.TOO_FAR, phrase, at)
    return When(at)


def warm_up() -> None:
    """Import dateparser and run one parse, so the first user does not wait ~0.3 s for it."""
    now = datetime.now(UTC)
    _dateparser_fallback("2 dec 2099 10:00", now, ZoneInfo("UTC"))
    _dateparser_fallback("2099年12月2日 10:00", now, ZoneInfo("Asia/Shanghai"))
