"""Time phrases in English and Chinese → an aware instant in the asker's zone.

A misreading is worse than a refusal: every part of the answer must come from a word of the
phrase, and a phrase with a word the reader cannot account for is refused with an example.
So there is no guessing library behind the rules (dateparser used to be one, and read "at 5"
as 25 May and "friday at 3" as a date in March). Rules:

- a clock time without a day is the next such time (at 10:00 "3pm" is today, "9am" is tomorrow);
- an hour written alone ("at 5", "tomorrow 9", "3点") is in the afternoon for 1–6 (nobody is
  dialled at 3 in the night unless they write 3am, 03:00 or 凌晨3点) and, for 7–11, whichever of
  the morning and evening comes next on the day given; "3:30" is 15:30 by the same rule, while
  "9:30" is 09:30 as a 24-hour clock shows it; a part of the day ("tonight", "下午", "tomorrow
  morning") chooses instead, and one that contradicts the clock ("tonight 9am") is refused;
- "midnight" is the one that ends the day named ("tonight at midnight", "friday midnight");
- a weekday is its next occurrence (today if the time is still ahead); "next friday" and
  "下周五" are the Friday of next week (weeks start on Monday);
- a date without a year is its next occurrence; a day without a clock time is refused
  (dialling people at a guessed hour is worse than asking);
- "in 24 hours" is 24 elapsed hours, also across a daylight-saving change;
- anything that resolves to the past is refused, never silently moved.

Recurring phrases ("every weekday at 9:30") are refused here with their own reason; they are
read by `bot.kernel.recurrence`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.kernel.time_words import (
    CLOCK_24,
    CLOCK_BARE_EN,
    CLOCK_CN,
    CLOCK_CN_COLON,
    CLOCK_EN,
    CLOCK_PERIOD_ONLY_CN,
    CLOCK_WORD_EN,
    DATE_CN,
    DATE_EN_DM,
    DATE_EN_MD,
    DATE_ISO,
    DAY_WORD,
    DAY_WORDS,
    FILLER,
    MONTHS_EN,
    NOW_WORDS,
    PERIOD_MINUTES,
    PERIOD_WORD,
    RECURRING,
    WEEKDAY_CN,
    WEEKDAY_EN,
    WEEKDAYS_CN,
    WEEKDAYS_EN,
    Period,
    cn_number,
    normalise,
    relative_seconds,
)

__all__ = [
    "When",
    "WhenError",
    "WhenProblem",
    "cn_number",
    "local_instant",
    "parse_when",
    "periods_in",
    "read_clock",
    "read_date",
    "zone",
]

DAY_MINUTES = 24 * 60


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


def local_instant(day: date, minutes: int, tzinfo: ZoneInfo) -> datetime:
    """The instant `minutes` after the local midnight starting `day` as a wall clock shows it.

    A wall time inside a DST gap is moved forward by the gap (round-trip through UTC); one that
    occurs twice is the first of the two (fold=0).
    """
    day += timedelta(days=minutes // DAY_MINUTES)
    minutes %= DAY_MINUTES
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo)
    return wall.astimezone(UTC).astimezone(tzinfo)


@dataclass
class _Parts:
    day: date | None = None
    explicit_year: bool = True
    weekday: int | None = None
    next_week: bool = False
    # The clock times the words allow, as minutes after the day's midnight; several when an
    # hour was written alone ("9" is 9:00 or 21:00), the next of which is taken.
    minutes: tuple[int, ...] = ()


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if not match:
        return None, text
    return match, text[: match.start()] + " " + text[match.end() :]


_Readings = tuple[tuple[int, ...], tuple[int, ...]]


def _in_periods(minutes: int, periods: list[Period]) -> bool:
    return all(any(low <= minutes < high for low, high in ranges) for ranges in periods)


def _candidates(
    hour: int, minute: int, *, meridiem: str = "", padded: bool = False, bare: bool = False
) -> _Readings | None:
    """What a written hour may mean: (every reading, the default when no part of the day is said).

    None when no clock shows it (25:00, 13pm, 9:75).
    """
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        value = (hour % 12 + (12 if meridiem == "pm" else 0)) * 60 + minute
        return (value,), (value,)
    if hour == 24 and minute == 0:
        return (DAY_MINUTES,), (DAY_MINUTES,)
    if hour > 23:
        return None
    if hour == 0 or hour >= 13 or padded:
        return (hour * 60 + minute,), (hour * 60 + minute,)
    if hour == 12:
        noon = 720 + minute
        readings = (noon, minute) + ((DAY_MINUTES,) if minute == 0 else ())
        return readings, (noon,)
    morning, evening = hour * 60 + minute, (hour + 12) * 60 + minute
    if hour <= 6:
        return (morning, evening), (evening,)
    return (morning, evening), ((morning, evening) if bare else (morning,))


def _in_own_period(found: _Readings | None, period: str | None) -> _Readings | None:
    """Keep the readings inside the part of the day written before the hour ("上午5点": 5:00 only).

    The phrase's parts of the day are also found by `periods_in`, but words run together there:
    in "今晚上午5点" it finds 晚上 (evening) where the clock says 上午 (morning). The clock's own
    word is certain, so a clock it contradicts is refused rather than read by the other.
    """
    if found is None or not period:
        return found
    inside = tuple(m for m in found[0] if _in_periods(m, [PERIOD_MINUTES[period]]))
    return (inside, inside) if inside else None


def read_clock(text: str, periods: list[Period], *, beside_day: bool) -> tuple[tuple[int, ...], str] | None:
    """The clock times `text` allows (minutes after midnight) and the words it did not use.

    `periods` are the parts of the day said in the whole phrase; they choose between the readings
    of an hour and refuse a clock they contradict. An hour written alone counts only after "at",
    before "o'clock" or `beside_day`, so a stray number is never taken for a time. None when a
    clock is written but impossible or contradicted; an empty tuple when there is no clock.
    """
    found, rest = _read_clock_words(text)
    if found == ():
        match = CLOCK_BARE_EN.search(rest)
        if match and (match["at"] or match["oclock"] or beside_day):
            found = _candidates(int(match["hour"]), 0, bare=True)
            rest = rest[: match.start()] + " " + rest[match.end() :]
    if found is None:
        return None
    if not found:
        return (), rest
    readings, default = found
    chosen = tuple(m for m in readings if _in_periods(m, periods)) if periods else default
    return (chosen, rest) if chosen else None


def periods_in(text: str) -> list[Period]:
    """The parts of the day `text` names ("tonight", "下午"), as minute ranges."""
    return [PERIOD_MINUTES[word] for word in PERIOD_WORD.findall(text)]


def _read_clock_words(rest: str) -> tuple[_Readings | tuple[()] | None, str]:
    match, rest = _take(CLOCK_CN_COLON, rest)
    if match:
        return _in_own_period(_candidates(int(match["hour"]), int(match["minute"])), match["period"]), rest
    match, rest = _take(CLOCK_CN, rest)
    if match:
        minute = 0
        if match["half"]:
            minute = 30
        elif match["quarter"]:
            minute = 15 if match["quarter"] == "一刻" else 45
        elif match["minute"]:
            minute = cn_number(match["minute"])
        return _in_own_period(_candidates(cn_number(match["hour"]), minute, bare=True), match["period"]), rest
    match, rest = _take(CLOCK_EN, rest)
    if match:
        meridiem = "pm" if match["ampm"].startswith("p") else "am"
        return _candidates(int(match["hour"]), int(match["minute"] or 0), meridiem=meridiem), rest
    match, rest = _take(CLOCK_24, rest)
    if match:
        padded = match["hour"].startswith("0") and len(match["hour"]) == 2
        return _candidates(int(match["hour"]), int(match["minute"]), padded=padded), rest
    match, rest = _take(CLOCK_WORD_EN, rest)
    if match:
        value = DAY_MINUTES if match["word"] == "midnight" else 720
        return ((value,), (value,)), rest
    match = CLOCK_PERIOD_ONLY_CN.search(rest)
    if match:
        value = DAY_MINUTES if match["period"] == "半夜" else 720
        return ((value,), (value,)), rest
    return (), rest


def read_date(text: str, today: date) -> tuple[date | None, bool, str] | None:
    """A written date in `text`: (the date or None, whether a year was written, the other words).

    None for an impossible date (31 February); a date without a year is in `today`'s year.
    """
    match, rest = _take(DATE_ISO, text)
    if match:
        day = _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
        return (day, True, rest) if day else None
    match, rest = _take(DATE_CN, text)
    if match:
        year = int(match["y"]) if match["y"] else today.year
        day = _safe_date(year, cn_number(match["m"]), cn_number(match["d"]))
        return (day, bool(match["y"]), rest) if day else None
    month_first, day_first = DATE_EN_MD.search(text), DATE_EN_DM.search(text)
    if month_first and day_first and month_first.start("mon") == day_first.start("mon"):
        return None  # "1 jan 2": the 1st of January at 2, or the 2nd at 1? Refused rather than guessed.
    for match in (month_first, day_first):
        if match:
            year = int(match["y"]) if match["y"] else today.year
            day = _safe_date(year, MONTHS_EN[match["mon"]], int(match["d"]))
            rest = text[: match.start()] + " " + text[match.end() :]
            return (day, bool(match["y"]), rest) if day else None
    return None, True, text


def _read_parts(text: str, today: date) -> _Parts | None:
    """Split a phrase into a day and its clock times; None when any word is left unread."""
    parts = _Parts()
    rest = _read_day(text, today, parts)
    if rest is None:
        return None
    beside_day = parts.day is not None or parts.weekday is not None
    clock = read_clock(rest, periods_in(text), beside_day=beside_day)
    if clock is None:
        return None
    parts.minutes, rest = clock
    # Words that only qualify a day ("tomorrow morning", "明天晚上") are fine once a clock is read.
    rest = PERIOD_WORD.sub(" ", rest)
    rest = FILLER.sub(" ", rest)
    if rest.strip():
        return None
    if not beside_day and not parts.minutes:
        return None
    return parts


def _read_day(rest: str, today: date, parts: _Parts) -> str | None:
    """Take the day (a date, a day word or a weekday) into `parts`; the rest, or None for an impossible date."""
    dated = read_date(rest, today)
    if dated is None:
        return None
    parts.day, parts.explicit_year, rest = dated
    if parts.day is None:
        match, rest = _take(DAY_WORD, rest)
        if match:
            parts.day = today + timedelta(days=DAY_WORDS[match.group(0)])
    for pattern in (WEEKDAY_CN, WEEKDAY_EN):
        match, rest = _take(pattern, rest)
        if match:
            day_key = match["day"]
            parts.weekday = WEEKDAYS_CN[day_key] if pattern is WEEKDAY_CN else WEEKDAYS_EN[day_key]
            parts.next_week = (match["mod"] or "") in {"next", "下", "下个"}
            break
    return rest


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _instant(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _resolve(parts: _Parts, now: datetime, tzinfo: ZoneInfo, phrase: str) -> datetime:
    """The next instant the parts allow after `now`, or WhenError (no clock time; past)."""
    if not parts.minutes:
        raise WhenError(WhenProblem.NEEDS_TIME, phrase)
    today = now.date()
    if parts.day is not None:
        day, at = _on_day(parts.day, parts, now, tzinfo, phrase)
        # A weekday beside a date ("tuesday dec 1") must be that date's, or which one was meant?
        if parts.weekday is not None and (parts.next_week or day.weekday() != parts.weekday):
            raise WhenError(WhenProblem.UNREADABLE, phrase)
        return at
    if parts.weekday is None:
        return _first_ahead([today, today + timedelta(days=1)], parts.minutes, now, tzinfo, phrase)
    if parts.next_week:
        return _first_ahead(
            [today + timedelta(days=7 - today.weekday() + parts.weekday)], parts.minutes, now, tzinfo, phrase
        )
    first = today + timedelta(days=(parts.weekday - today.weekday()) % 7)
    return _first_ahead([first, first + timedelta(days=7)], parts.minutes, now, tzinfo, phrase)


def _on_day(day: date, parts: _Parts, now: datetime, tzinfo: ZoneInfo, phrase: str) -> tuple[date, datetime]:
    """The first instant ahead on `day`, or on its next anniversary when its year was not written."""
    try:
        return day, _first_ahead([day], parts.minutes, now, tzinfo, phrase)
    except WhenError:
        next_year = None if parts.explicit_year else _safe_date(day.year + 1, day.month, day.day)
        if next_year is None:
            raise
        return next_year, _first_ahead([next_year], parts.minutes, now, tzinfo, phrase)


def _first_ahead(days: list[date], minutes: tuple[int, ...], now: datetime, tzinfo: ZoneInfo, phrase: str) -> datetime:
    """The earliest of the clock times on the days that is after `now`, or WhenError(PAST)."""
    # Compared as instants (UTC): Python compares two times of one zone by their wall clocks and
    # ignores fold, so 01:45 EDT would count as after 01:30 EST on the night clocks go back.
    instants = sorted((local_instant(day, m, tzinfo) for day in days for m in minutes), key=_instant)
    ahead = [at for at in instants if _instant(at) > _instant(now)]
    if not ahead:
        raise WhenError(WhenProblem.PAST, phrase, instants[-1])
    return ahead[0]


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
        # Elapsed time: added in UTC, so "in 24 hours" is 24 hours across a DST change too.
        return When((local_now.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(tzinfo))
    parts = _read_parts(text, local_now.date())
    if parts is None:
        raise WhenError(WhenProblem.UNREADABLE, phrase)
    at = _resolve(parts, local_now, tzinfo, phrase)
    if at - local_now > MAX_AHEAD:
        raise WhenError(WhenProblem.TOO_FAR, phrase, at)
    return When(at)
