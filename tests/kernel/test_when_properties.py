"""Generated phrases: whatever the reader returns agrees with every part the phrase names, or it refuses.

Each phrase is built from parts (a day word, a weekday, a date, a clock with or without am/pm or
上午/下午, a relative duration) that also say what they require of the answer: its hour (or hour
modulo 12 for an hour written alone), minute, weekday, day and month. A reading that contradicts
any of them is a misreading; the only refusal allowed for these well-formed phrases is "past".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kernel.when import MAX_AHEAD, WhenError, WhenProblem, parse_when

ZONES = ("Asia/Shanghai", "America/New_York", "Europe/London")
EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EN_WEEKDAYS_SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CN_WEEKDAYS = "一二三四五六日"
EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CN_DIGITS = "零一二三四五六七八九十"
MORNING, AFTERNOON, EVENING = (0, 720), (720, 1440), (1020, 1441)
EN_PARTS_OF_DAY = [
    ("tonight", 0, EVENING),
    ("this evening", 0, EVENING),
    ("this afternoon", 0, AFTERNOON),
    ("this morning", 0, MORNING),
    ("tomorrow morning", 1, MORNING),
    ("tomorrow afternoon", 1, AFTERNOON),
    ("tomorrow night", 1, EVENING),
]
CN_PARTS_OF_DAY = [
    ("今晚", 0, EVENING),
    ("今天晚上", 0, EVENING),
    ("今天下午", 0, AFTERNOON),
    ("明早", 1, MORNING),
    ("明天上午", 1, MORNING),
    ("明晚", 1, EVENING),
    ("明天晚上", 1, EVENING),
]


@dataclass(frozen=True)
class Part:
    """Words, and what they require of the instant they are read as."""

    words: str
    hours: frozenset[int] = frozenset()  # empty: no clock in these words
    minute: int | None = None
    day_offset: int | None = None  # days after today
    weekday: int | None = None
    next_week: bool = False
    month_day: tuple[int, int] | None = None
    year: int | None = None
    period: tuple[int, int] | None = None  # minutes after the day's midnight the clock must fall in


def _cn_number(value: int) -> str:
    if value <= 10:
        return CN_DIGITS[value]
    tens, units = divmod(value, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[units] if units else "")


@st.composite
def en_clocks(draw: st.DrawFn) -> Part:
    form = draw(st.sampled_from(["ampm", "ampm_minutes", "24h", "bare_at", "oclock", "noon"]))
    hour12 = draw(st.integers(1, 12))
    minute = draw(st.sampled_from([0, 5, 15, 30, 45, 59]))
    if form == "noon":
        return Part("noon", frozenset({12}), 0)
    if form in {"ampm", "ampm_minutes"}:
        pm = draw(st.booleans())
        suffix = draw(st.sampled_from(["pm", " pm", "p.m."] if pm else ["am", " am", "a.m."]))
        hour = hour12 % 12 + (12 if pm else 0)
        if form == "ampm":
            return Part(f"{hour12}{suffix}", frozenset({hour}), 0)
        return Part(f"{hour12}:{minute:02d}{suffix}", frozenset({hour}), minute)
    if form == "24h":
        hour = draw(st.integers(0, 23))
        text = f"{hour:02d}:{minute:02d}" if hour < 10 and draw(st.booleans()) else f"{hour}:{minute:02d}"
        padded = text.startswith("0")
        hours = {hour} if padded or hour == 0 or hour >= 12 else {hour, hour + 12}
        return Part(text, frozenset(hours), minute)
    hours = {hour12 % 12, hour12 % 12 + 12} | ({24} if hour12 == 12 else set())
    if form == "bare_at":
        return Part(f"at {hour12}", frozenset(hours), 0)
    return Part(f"{hour12} o'clock", frozenset(hours), 0)


@st.composite
def cn_clocks(draw: st.DrawFn) -> Part:
    form = draw(st.sampled_from(["period", "bare", "colon", "noon"]))
    if form == "noon":
        return Part("中午", frozenset({12}), 0)
    hour12 = draw(st.integers(1, 11))
    minute = draw(st.sampled_from([0, 15, 30, 45, 20]))
    hour_text = draw(st.sampled_from([str(hour12), _cn_number(hour12)]))
    minute_text = {0: "", 30: "半", 15: draw(st.sampled_from(["一刻", "15分", "十五分"])), 45: "三刻"}.get(
        minute, f"{minute}分"
    )
    if form == "colon":
        period, hour = draw(st.sampled_from([("上午", hour12), ("下午", hour12 + 12), ("晚上", hour12 + 12)]))
        if period == "晚上" and hour < 17:
            period, hour = "下午", hour12 + 12
        return Part(f"{period}{hour12}:{minute:02d}", frozenset({hour}), minute)
    if form == "period":
        period, hour = draw(st.sampled_from([("上午", hour12), ("早上", hour12), ("下午", hour12 + 12)]))
        return Part(f"{period}{hour_text}点{minute_text}", frozenset({hour}), minute)
    return Part(f"{hour_text}点{minute_text}", frozenset({hour12, hour12 + 12}), minute)


@st.composite
def en_days(draw: st.DrawFn, today: date) -> Part:
    form = draw(st.sampled_from(["word", "part_of_day", "weekday", "next_weekday", "date_md", "date_dm", "iso"]))
    if form == "part_of_day":
        word, offset, period = draw(st.sampled_from(EN_PARTS_OF_DAY))
        return Part(word, day_offset=offset, period=period)
    if form == "word":
        word, offset = draw(st.sampled_from([("today", 0), ("tomorrow", 1), ("day after tomorrow", 2)]))
        return Part(word, day_offset=offset)
    if form in {"weekday", "next_weekday"}:
        weekday = draw(st.integers(0, 6))
        name = draw(st.sampled_from([EN_WEEKDAYS[weekday], EN_WEEKDAYS_SHORT[weekday]]))
        if form == "next_weekday":
            return Part(f"next {name}", weekday=weekday, next_week=True)
        return Part(name, weekday=weekday)
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    if form == "iso":
        year = today.year + draw(st.integers(0, 1))
        return Part(f"{year}-{month:02d}-{day:02d}", month_day=(month, day), year=year)
    if form == "date_md":
        return Part(f"{EN_MONTHS[month - 1]} {day}", month_day=(month, day))
    return Part(f"{day} {EN_MONTHS[month - 1]}", month_day=(month, day))


@st.composite
def cn_days(draw: st.DrawFn, today: date) -> Part:
    form = draw(st.sampled_from(["word", "part_of_day", "weekday", "next_weekday", "date"]))
    if form == "part_of_day":
        word, offset, period = draw(st.sampled_from(CN_PARTS_OF_DAY))
        return Part(word, day_offset=offset, period=period)
    if form == "word":
        word, offset = draw(st.sampled_from([("今天", 0), ("明天", 1), ("后天", 2)]))
        return Part(word, day_offset=offset)
    if form in {"weekday", "next_weekday"}:
        weekday = draw(st.integers(0, 6))
        stem = draw(st.sampled_from(["周", "星期"]))
        prefix = "下" if form == "next_weekday" else ""
        return Part(f"{prefix}{stem}{CN_WEEKDAYS[weekday]}", weekday=weekday, next_week=bool(prefix))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    marker = draw(st.sampled_from(["日", "号"]))
    return Part(f"{month}月{day}{marker}", month_day=(month, day))


@st.composite
def relative_durations(draw: st.DrawFn) -> tuple[str, timedelta]:
    """'in 1 hour and 15 minutes', 'in 1h30m', '一小时十五分钟后'… and the time they add."""
    hours, minutes = draw(st.integers(0, 30)), draw(st.sampled_from([0, 1, 5, 15, 30, 45]))
    if hours == minutes == 0:
        minutes = 10
    chinese = draw(st.booleans())
    if chinese:
        numeral = draw(st.sampled_from([str, _cn_number])) if hours <= 99 and minutes <= 99 else str
        parts = ([f"{numeral(hours)}小时"] if hours else []) + ([f"{numeral(minutes)}分钟"] if minutes else [])
        return "".join(parts) + "后", timedelta(hours=hours, minutes=minutes)
    form = draw(st.sampled_from(["words", "short", "short_spaced"]))
    if form == "words":
        unit_h = "hour" if hours == 1 else "hours"
        parts = ([f"{hours} {unit_h}"] if hours else []) + ([f"{minutes} minutes"] if minutes else [])
        text = " and ".join(parts)
    else:
        parts = ([f"{hours}h"] if hours else []) + ([f"{minutes}m"] if minutes else [])
        text = ("" if form == "short" else " ").join(parts)
    return f"in {text}", timedelta(hours=hours, minutes=minutes)


@st.composite
def phrases(draw: st.DrawFn) -> tuple[str, datetime, str, Part, Part | None, timedelta | None]:
    """(phrase, now, zone, clock part, day part or None, relative duration or None)."""
    tz = draw(st.sampled_from(ZONES))
    now = draw(st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(ZoneInfo(tz))))
    today = now.date()
    kind = draw(st.sampled_from(["en", "zh", "relative"]))
    if kind == "relative":
        words, duration = draw(relative_durations())
        return words, now, tz, Part(words), None, duration
    clock = draw(en_clocks() if kind == "en" else cn_clocks())
    day = draw(st.none() | (en_days(today) if kind == "en" else cn_days(today)))
    if day is None:
        return clock.words, now, tz, clock, None, None
    glue = draw(st.sampled_from([" ", " at "] if kind == "en" and not clock.words.startswith("at") else [" "]))
    if kind == "zh":
        glue = draw(st.sampled_from(["", " "]))
    first_clock = kind == "en" and draw(st.booleans())
    on = " " if day.period else " on "
    words = f"{clock.words}{on}{day.words}" if first_clock else f"{day.words}{glue}{clock.words}"
    return words, now, tz, clock, day, None


def _wall_time_exists(day: date, hour: int, minute: int, tz: ZoneInfo) -> bool:
    wall = datetime.combine(day, time(hour % 24, minute), tz)
    return wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None)


@settings(max_examples=300, deadline=None)
@given(phrases())
def test_a_reading_agrees_with_every_part_the_phrase_names_or_is_refused(
    case: tuple[str, datetime, str, Part, Part | None, timedelta | None],
) -> None:
    phrase, now, tz, clock, day, duration = case
    zone = ZoneInfo(tz)
    try:
        at = parse_when(phrase, now, tz).at
    except WhenError as refused:
        if refused.problem is WhenProblem.TOO_FAR:  # beyond the year ahead the bot schedules to
            far_day = refused.at is not None and refused.at - now > MAX_AHEAD
            assert far_day or (duration is not None and duration > MAX_AHEAD), phrase
            return
        # A part of the day may contradict the clock ("tonight 9am"); nothing else may be refused.
        allowed = {WhenProblem.PAST, WhenProblem.UNREADABLE} if day and day.period else {WhenProblem.PAST}
        assert refused.problem in allowed, (phrase, refused.problem)
        return
    assert at.astimezone(UTC) > now.astimezone(UTC), phrase
    if duration is not None:
        assert at.astimezone(UTC) - now.astimezone(UTC) == duration, phrase
        return
    # Midnight (24) is the one ending the day named, so its date is the day after.
    day_of = at.date() - timedelta(days=1) if at.hour == 0 and 24 in clock.hours else at.date()
    wall_hour = 24 if day_of != at.date() else at.hour
    # A wall time skipped by a DST change is moved forward by the gap (tested on its own).
    if all(_wall_time_exists(day_of, hour, clock.minute or 0, zone) for hour in clock.hours):
        assert wall_hour in clock.hours, (phrase, at)
        assert at.minute == clock.minute, (phrase, at)
    if day is None:
        assert day_of - now.date() <= timedelta(days=1), (phrase, at)
        return
    if day.period is not None:
        low, high = day.period
        assert low <= wall_hour * 60 + at.minute < high, (phrase, at)
    if day.day_offset is not None:
        assert day_of == now.date() + timedelta(days=day.day_offset), (phrase, at)
    if day.weekday is not None:
        assert day_of.weekday() == day.weekday, (phrase, at)
        next_monday = now.date() + timedelta(days=7 - now.date().weekday())
        if day.next_week:
            assert next_monday <= day_of < next_monday + timedelta(days=7), (phrase, at)
        else:
            assert day_of - now.date() <= timedelta(days=7), (phrase, at)
    if day.month_day is not None:
        assert (day_of.month, day_of.day) == day.month_day, (phrase, at)
    if day.year is not None:
        assert day_of.year == day.year, (phrase, at)
