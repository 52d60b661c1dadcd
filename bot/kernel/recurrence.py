"""Recurring time phrases ("every weekday at 9:30", "每周二、四下午4点") → a `Recurrence`.

A recurrence is an RFC 5545 rule (built with python-dateutil's `rrule`) over *local wall times*
in the asker's IANA zone, not over instants: 09:30 stays 09:30 local when daylight-saving time
starts or ends (a rule over UTC instants would drift by an hour, the complaint Grafana OnCall
users keep filing). Each occurrence becomes an instant only when it is asked for: a wall time
skipped by the change is moved forward by the gap (02:30 → 03:30), and one that occurs twice is
the first of the two (fold=0), so nobody is dialled twice that night.

The reader follows `bot.kernel.when`'s rule that every part of the answer comes from the words:
a frequency, the clock (read by the same reader, so "every monday at 9" is 09:00 and "每天下午6点"
18:00), and an optional end ("until dec 31", "for 4 weeks", "到12月31日"); anything else is refused.
In a series an hour written alone from 7 to 11 is the morning (there is no "next of the two" for
a rule that repeats), and 1–6 the afternoon as everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rrulestr, weekday

from bot.kernel.time_words import (
    END_FOR,
    END_UNTIL,
    EVERY_DAY_CN,
    EVERY_DAY_EN,
    EVERY_DAYS_CN,
    EVERY_DAYS_EN,
    EVERY_MONTH_CN,
    EVERY_MONTH_EN,
    EVERY_WEEKDAY_CN,
    EVERY_WEEKDAY_EN,
    FILLER,
    PERIOD_WORD,
    RECURRING,
    WEEKDAY_EN_WORD,
    WEEKDAYS_CN,
    WEEKDAYS_EN,
    cn_number,
    normalise,
)
from bot.kernel.when import (
    DAY_MINUTES,
    WhenError,
    WhenProblem,
    local_instant,
    periods_in,
    read_clock,
    read_date,
    zone,
)

__all__ = ["Recurrence", "is_recurring", "parse_recurrence"]

# Past the 28th some months have no such day, and RFC 5545 skips them: "every month on the 31st"
# would silently miss February. Refused rather than misread.
LAST_SAFE_MONTH_DAY = 28
_WORKDAYS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Recurrence:
    """A repeating time: an RFC 5545 rule over local wall times in an IANA zone."""

    rule: str  # the RRULE value, e.g. "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    zone: str  # IANA name, e.g. "America/New_York"
    start: datetime  # the first occurrence, as a naive local wall time (the rule's DTSTART)
    until: date | None = None  # the last local day an occurrence may fall on

    def ical(self) -> str:
        """The rule as RFC 5545 text with its zone: `DTSTART;TZID=…:…` and `RRULE:…`.

        `rule` keeps UNTIL as a local wall time, as RFC 5545 asks beside a floating DTSTART; beside
        a DTSTART with a TZID it must be UTC, so here it is the instant the last day ends.
        """
        rule = self.rule
        if self.until is not None:
            last = local_instant(self.until, DAY_MINUTES, zone(self.zone)) - timedelta(seconds=1)
            rule = re.sub(r"UNTIL=[0-9T]+", f"UNTIL={last.astimezone(UTC):%Y%m%dT%H%M%SZ}", rule)
        return f"DTSTART;TZID={self.zone}:{self.start:%Y%m%dT%H%M%S}\nRRULE:{rule}"

    def occurrences(self, after: datetime, count: int) -> list[datetime]:
        """The next `count` occurrences strictly after the instant `after`, aware, in the zone.

        Fewer when the series ends first.
        """
        if count < 1:
            return []
        tzinfo = zone(self.zone)
        rule = rrulestr(self.rule, dtstart=self.start)
        after_utc = after.astimezone(UTC)
        # A day early: a wall time in a DST gap is moved later, so one written before `after`'s
        # wall clock may still fall after it.
        from_wall = after.astimezone(tzinfo).replace(tzinfo=None) - timedelta(days=1)
        found: list[datetime] = []
        for wall in rule.xafter(from_wall, inc=True):
            at = local_instant(wall.date(), wall.hour * 60 + wall.minute, tzinfo)
            if at.astimezone(UTC) > after_utc:
                found.append(at)
                if len(found) == count:
                    break
        return found


def is_recurring(phrase: str) -> bool:
    """Whether `phrase` asks for a repeating time (it starts with every/daily/每/工作日…)."""
    return bool(RECURRING.search(normalise(phrase)))


@dataclass(frozen=True)
class _Frequency:
    freq: int
    weekdays: tuple[int, ...] = ()
    month_day: int | None = None


def parse_recurrence(phrase: str, now: datetime, tz: str) -> Recurrence:
    """Read a recurring phrase in zone `tz` at instant `now` (or WhenError).

    UNREADABLE when any word is not accounted for, NEEDS_TIME without a clock time, PAST when
    the end comes before the first occurrence.
    """
    tzinfo = zone(tz)
    local_now = now.astimezone(tzinfo)
    text = normalise(phrase)
    text, end = _take_end(text, local_now.date(), phrase)
    frequency, rest = _take_frequency(text, phrase)
    clock = read_clock(rest, periods_in(rest), beside_day=True)
    if clock is None:
        raise WhenError(WhenProblem.UNREADABLE, phrase)
    minutes, rest = clock
    if FILLER.sub(" ", PERIOD_WORD.sub(" ", rest)).strip():
        raise WhenError(WhenProblem.UNREADABLE, phrase)
    if not minutes:
        raise WhenError(WhenProblem.NEEDS_TIME, phrase)
    minute_of_day = min(minutes)
    if minute_of_day == DAY_MINUTES:  # "every friday at midnight": the end of Friday or its start?
        raise WhenError(WhenProblem.UNREADABLE, phrase)
    clock_time = time(minute_of_day // 60, minute_of_day % 60)
    first = _first_occurrence(frequency, clock_time, local_now, tzinfo)
    until = end(first.date()) if end else None
    rule = _rrule(frequency, first, until)
    if until is not None and first.date() > until:
        raise WhenError(WhenProblem.PAST, phrase, local_instant(until, DAY_MINUTES - 1, tzinfo))
    # The RRULE line of dateutil's RFC 5545 text (its first line is the naive DTSTART, kept in `start`).
    return Recurrence(rule=str(rule).splitlines()[-1].removeprefix("RRULE:"), zone=tz, start=first, until=until)


def _take_frequency(text: str, phrase: str) -> tuple[_Frequency, str]:
    for pattern in (EVERY_WEEKDAY_EN, EVERY_WEEKDAY_CN):
        match = pattern.search(text)
        if match:
            return _Frequency(WEEKLY, _WORKDAYS), text[match.end() :]
    for pattern in (EVERY_DAY_EN, EVERY_DAY_CN):
        match = pattern.search(text)
        if match:
            return _Frequency(DAILY), text[match.end() :]
    match = EVERY_DAYS_EN.search(text)
    if match:
        days = tuple(sorted({WEEKDAYS_EN[name] for name in WEEKDAY_EN_WORD.findall(match["days"])}))
        return _Frequency(WEEKLY, days), text[match.end() :]
    match = EVERY_DAYS_CN.search(text)
    if match:
        days = tuple(sorted({WEEKDAYS_CN[ch] for ch in re.findall(r"[一二三四五六日天七]", match["days"])}))
        return _Frequency(WEEKLY, days), text[match.end() :]
    for pattern in (EVERY_MONTH_EN, EVERY_MONTH_CN):
        match = pattern.search(text)
        if match:
            month_day = cn_number(match["d"])
            if not 1 <= month_day <= LAST_SAFE_MONTH_DAY:
                raise WhenError(WhenProblem.UNREADABLE, phrase)
            return _Frequency(MONTHLY, month_day=month_day), text[match.end() :]
    raise WhenError(WhenProblem.UNREADABLE, phrase)


_EndRule = Callable[[date], date]


def _take_end(text: str, today: date, phrase: str) -> tuple[str, _EndRule | None]:
    """The phrase without its end, and how to find the last day from the first occurrence's day."""
    match = END_FOR.search(text)
    if match:
        amount = int(match["n"]) if match["n"] else cn_number(match["cn_n"])
        unit = (match["unit"] or match["cn_unit"]).rstrip("s")
        span = {
            "day": relativedelta(days=amount),
            "天": relativedelta(days=amount),
            "week": relativedelta(weeks=amount),
            "周": relativedelta(weeks=amount),
            "星期": relativedelta(weeks=amount),
            "个星期": relativedelta(weeks=amount),
            "month": relativedelta(months=amount),
            "个月": relativedelta(months=amount),
        }[unit]
        if amount < 1:
            raise WhenError(WhenProblem.UNREADABLE, phrase)
        return text[: match.start()], lambda first: first + span - timedelta(days=1)
    match = END_UNTIL.search(text)
    if match:
        dated = read_date(match["date"], today)
        if dated is None:
            raise WhenError(WhenProblem.UNREADABLE, phrase)
        last, explicit_year, other_words = dated
        if last is None or FILLER.sub(" ", other_words).strip():
            raise WhenError(WhenProblem.UNREADABLE, phrase)
        return text[: match.start()], lambda first: _on_or_after(last, first, explicit_year)
    return text, None


def _on_or_after(last: date, first: date, explicit_year: bool) -> date:
    """A last day written without a year is its next occurrence from the series' first day."""
    if explicit_year or last >= first:
        return last
    return last.replace(year=last.year + 1)


def _first_occurrence(frequency: _Frequency, clock: time, now: datetime, tzinfo: ZoneInfo) -> datetime:
    """The naive wall time of the first occurrence whose instant is after `now`."""
    rule = _rrule(frequency, datetime.combine(now.date(), clock), None)
    now_utc = now.astimezone(UTC)
    return next(
        wall
        for wall in rule
        if local_instant(wall.date(), wall.hour * 60 + wall.minute, tzinfo).astimezone(UTC) > now_utc
    )


def _rrule(frequency: _Frequency, start: datetime, until: date | None) -> rrule:
    return rrule(
        frequency.freq,
        dtstart=start,
        byweekday=[weekday(day) for day in frequency.weekdays] or None,
        bymonthday=frequency.month_day,
        until=datetime.combine(until, time(23, 59, 59)) if until else None,
    )
