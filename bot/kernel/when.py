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


class WhenProblem(StrEnum):
    """Why a phrase cannot be used; each has a sentence in the message catalogue."""

    UNREADABLE = "unreadable"
    PAST = "past"
    NEEDS_TIME = "needs_time"
    RECURRING = "recurring"
    BAD_ZONE = "bad_zone"


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


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUM = "零〇一二两三四五六七八九十"


def cn_number(text: str) -> int:
    """Integer value of a small number in digits or Chinese numerals (up to 99)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS[ch]
    return value


_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
}

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_EN_UNITS = {
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "m": "m",
    "min": "m",
    "mins": "m",
    "minute": "m",
    "minutes": "m",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "d": "d",
    "day": "d",
    "days": "d",
    "w": "w",
    "week": "w",
    "weeks": "w",
}
_CN_UNITS = {
    "秒": "s",
    "秒钟": "s",
    "分": "m",
    "分钟": "m",
    "小时": "h",
    "个小时": "h",
    "钟头": "h",
    "个钟头": "h",
    "天": "d",
    "日": "d",
    "周": "w",
    "星期": "w",
    "个星期": "w",
}

_NOW_WORDS = {"", "now", "right now", "immediately", "asap", "现在", "立即", "立刻", "马上", "即刻"}

_WEEKDAYS_EN = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_WEEKDAYS_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_MONTHS_EN = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}

_FULLWIDTH = str.maketrans("０１２３４５６７８９：　，．／－", "0123456789: ,./-")


def _normalise(phrase: str) -> str:
    text = phrase.translate(_FULLWIDTH).strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,!;。！")


# --- relative phrases -------------------------------------------------------------------

_EN_AMOUNT = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + ")"
_EN_UNIT = "|".join(sorted(_EN_UNITS, key=len, reverse=True))
_EN_PAIR = re.compile(rf"({_EN_AMOUNT})\s*({_EN_UNIT})\b")
_EN_RELATIVE = re.compile(
    rf"^(?:in|after)\s+((?:(?:and\s+)?(?:half an? hour|an? hour and a half|{_EN_AMOUNT}\s*(?:{_EN_UNIT})\b)"
    r"\s*(?:and a half\s*)?)+)(?:\s+from now)?$"
)
_CN_AMOUNT = rf"(?:\d+(?:\.\d+)?|[{_CN_NUM}]+)"
_CN_UNIT = "|".join(sorted(_CN_UNITS, key=len, reverse=True))
_CN_RELATIVE = re.compile(rf"^((?:(?:{_CN_AMOUNT})?(?:个)?半?(?:{_CN_UNIT})半?)+)(?:后|以后|之后|过后)$")
_CN_PAIR = re.compile(rf"({_CN_AMOUNT})?(个)?(半)?({_CN_UNIT})(半)?")


def _amount(text: str) -> float:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text in _EN_NUMBERS:
        return float(_EN_NUMBERS[text])
    return float(cn_number(text))


def _relative_seconds(text: str) -> float | None:
    match = _EN_RELATIVE.match(text)
    if match:
        body = match.group(1)
        total = 0.0
        if re.search(r"half an? hour", body):
            total += 1800
            body = re.sub(r"half an? hour", "", body)
        if re.search(r"an? hour and a half", body):
            total += 5400
            body = re.sub(r"an? hour and a half", "", body)
        for amount, unit in _EN_PAIR.findall(body):
            seconds = _UNIT_SECONDS[_EN_UNITS[unit]]
            total += _amount(amount) * seconds
            if re.search(rf"{re.escape(amount)}\s*{re.escape(unit)}\s*and a half", body):
                total += seconds / 2
        return total if total > 0 else None
    match = _CN_RELATIVE.match(text)
    if match:
        total = 0.0
        for amount, _ge, half_before, unit, half_after in _CN_PAIR.findall(match.group(1)):
            seconds = _UNIT_SECONDS[_CN_UNITS[unit]]
            if amount:
                total += _amount(amount) * seconds
            elif half_before:
                total += seconds / 2
                continue
            if half_after or (amount and half_before):
                total += seconds / 2
        return total if total > 0 else None
    return None


# --- absolute phrases -------------------------------------------------------------------

_PERIODS_CN = "上午|早上|早晨|清晨|早|中午|正午|下午|午后|傍晚|晚上|晚间|夜里|夜间|夜晚|晚|凌晨|半夜"
_CLOCK_CN = re.compile(
    rf"(?P<period>{_PERIODS_CN})?\s*(?P<hour>\d{{1,2}}|[{_CN_NUM}]+)\s*(?:点钟|点|點|时|時)"
    rf"(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)|\s*(?P<minute>\d{{1,2}}|[{_CN_NUM}]+)\s*分?)?"
)
_CLOCK_CN_COLON = re.compile(rf"(?P<period>{_PERIODS_CN})\s*(?P<hour>\d{{1,2}})[:：](?P<minute>\d{{2}})")
_CLOCK_PERIOD_ONLY_CN = re.compile(r"(?P<period>中午|正午|半夜)")
_CLOCK_EN = re.compile(r"\b(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)(?![a-z])")
_CLOCK_24 = re.compile(r"(?<![\d:])(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?(?![\d:])")
_CLOCK_WORD_EN = re.compile(r"\b(?P<word>noon|midday|midnight)\b")

_DATE_ISO = re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:t(?=\d))?")
_DATE_CN = re.compile(
    rf"(?:(?P<y>\d{{4}})\s*年\s*)?(?P<m>\d{{1,2}}|[{_CN_NUM}]+)\s*月\s*(?P<d>\d{{1,2}}|[{_CN_NUM}]+)\s*(?:日|号|號)"
)
_MONTH_NAMES = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_DATE_EN_MD = re.compile(
    rf"\b(?P<mon>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<y>\d{{4}})\b)?"
)
_DATE_EN_DM = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_NAMES})\b\.?(?:,?\s*(?P<y>\d{{4}})\b)?"
)
_DAY_WORDS = {
    "today": 0,
    "tonight": 0,
    "this evening": 0,
    "this afternoon": 0,
    "this morning": 0,
    "tomorrow": 1,
    "tmr": 1,
    "tmrw": 1,
    "tomorrow morning": 1,
    "tomorrow afternoon": 1,
    "tomorrow evening": 1,
    "tomorrow night": 1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "今天": 0,
    "今日": 0,
    "今晚": 0,
    "今早": 0,
    "明天": 1,
    "明日": 1,
    "明早": 1,
    "明晚": 1,
    "后天": 2,
    "後天": 2,
    "大后天": 3,
}
_DAY_WORD = re.compile("|".join(re.escape(w) for w in sorted(_DAY_WORDS, key=len, reverse=True) if w))
_WEEKDAY_EN = re.compile(
    rf"\b(?:(?P<mod>next|this|coming)\s+)?(?P<day>{'|'.join(sorted(_WEEKDAYS_EN, key=len, reverse=True))})\b"
)
_WEEKDAY_CN = re.compile(r"(?P<mod>下个|下|这个|这|本)?(?:周|星期|礼拜|禮拜)(?P<day>[一二三四五六日天七])")
_EVENING_HINTS = ("tonight", "this evening", "evening", "night", "今晚", "明晚")
_FILLER = re.compile(r"\b(?:at|on|the|of|by|around|about)\b|[@,]|于|在|的|大约|左右")
_RECURRING = re.compile(r"^(?:every|each|daily|weekly|weekdays?\b)|^(?:每|工作日)")


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
    parts = _Parts(evening_hint=any(h in text for h in _EVENING_HINTS))
    rest = text

    match, rest = _take(_DATE_ISO, rest)
    if match:
        parts.day = _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
        if parts.day is None:
            return None
    if parts.day is None:
        match, rest = _take(_DATE_CN, rest)
        if match:
            year = int(match["y"]) if match["y"] else today.year
            parts.explicit_year = bool(match["y"])
            parts.day = _safe_date(year, cn_number(match["m"]), cn_number(match["d"]))
            if parts.day is None:
                return None
    if parts.day is None:
        for pattern in (_DATE_EN_MD, _DATE_EN_DM):
            match, rest = _take(pattern, rest)
            if match:
                year = int(match["y"]) if match["y"] else today.year
                parts.explicit_year = bool(match["y"])
                parts.day = _safe_date(year, _MONTHS_EN[match["mon"]], int(match["d"]))
                if parts.day is None:
                    return None
                break
    if parts.day is None:
        match, rest = _take(_DAY_WORD, rest)
        if match:
            parts.day = today + timedelta(days=_DAY_WORDS[match.group(0)])
    if parts.day is None:
        for pattern in (_WEEKDAY_CN, _WEEKDAY_EN):
            match, rest = _take(pattern, rest)
            if match:
                day_key = match["day"]
                parts.weekday = _WEEKDAYS_CN[day_key] if pattern is _WEEKDAY_CN else _WEEKDAYS_EN[day_key]
                parts.next_week = (match["mod"] or "") in {"next", "下", "下个"}
                break

    for pattern in (_CLOCK_CN_COLON, _CLOCK_CN):
        match, rest = _take(pattern, rest)
        if match:
            parts.clock = _cn_clock(match, parts.evening_hint)
            if parts.clock is None:
                return None
            parts.bare_cn_hour = not match["period"] and not parts.evening_hint and 1 <= parts.clock.hour <= 11
            break
    if parts.clock is None:
        match, rest = _take(_CLOCK_EN, rest)
        if match:
            hour = int(match["hour"])
            minute = int(match["minute"] or 0)
            if not 1 <= hour <= 12 or minute > 59:
                return None
            pm = match["ampm"].startswith("p")
            parts.clock = time((hour % 12) + (12 if pm else 0), minute)
    if parts.clock is None:
        match, rest = _take(_CLOCK_24, rest)
        if match:
            hour, minute = int(match["hour"]), int(match["minute"])
            if hour > 23 or minute > 59:
                return None
            if parts.evening_hint and hour < 12:
                hour += 12
            parts.clock = time(hour, minute)
    if parts.clock is None:
        match, rest = _take(_CLOCK_WORD_EN, rest)
        if match:
            parts.clock = time(0, 0) if match["word"] == "midnight" else time(12, 0)
    if parts.clock is None:
        match, rest = _take(_CLOCK_PERIOD_ONLY_CN, rest)
        if match:
            parts.clock = time(0, 0) if match["period"] == "半夜" else time(12, 0)

    # Words that only qualify a day ("tomorrow morning", "明天晚上") are fine once a clock is read.
    rest = re.sub(r"\b(?:morning|afternoon|evening|night)\b|" + _PERIODS_CN, " ", rest)
    rest = _FILLER.sub(" ", rest)
    if rest.strip():
        return None
    if parts.day is None and parts.weekday is None and parts.clock is None:
        return None
    return parts


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
    if not re.search(rf"[\d{_CN_NUM}]", text):
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
    text = _normalise(phrase)
    if text in _NOW_WORDS:
        return When(local_now, is_now=True)
    if _RECURRING.search(text):
        raise WhenError(WhenProblem.RECURRING, phrase)
    seconds = _relative_seconds(text)
    if seconds is not None:
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
    return When(at)


def warm_up() -> None:
    """Import dateparser and run one parse, so the first user does not wait ~0.3 s for it."""
    now = datetime.now(UTC)
    _dateparser_fallback("2 dec 2099 10:00", now, ZoneInfo("UTC"))
    _dateparser_fallback("2099年12月2日 10:00", now, ZoneInfo("Asia/Shanghai"))
