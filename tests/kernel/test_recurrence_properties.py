"""Generated recurring phrases: every occurrence falls on a day the phrase names, at the clock it names.

Zones with daylight-saving time and instants all over two years, so series cross the changes: the
wall time stays put except where it does not exist (moved forward by the gap), and no local day
gets two occurrences.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kernel.recurrence import parse_recurrence
from bot.kernel.when import local_instant

ZONES = ("America/New_York", "Europe/London", "Asia/Shanghai")
EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CN_WEEKDAYS = "一二三四五六日"


@st.composite
def recurring(draw: st.DrawFn) -> tuple[str, set[int], int | None, int, int]:
    """(phrase, weekdays allowed, day of month or None, hour, minute)."""
    hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))
    chinese = draw(st.booleans())
    if chinese:
        period = "上午" if hour < 12 else "下午"
        clock = (
            f"{period}{hour % 12 or 12}:{minute:02d}" if 1 <= hour <= 23 and hour != 12 else f"{hour:02d}:{minute:02d}"
        )
    else:
        clock = f"{hour % 12 or 12}:{minute:02d}{'am' if hour < 12 else 'pm'}"
    form = draw(st.sampled_from(["weekdays", "daily", "days", "monthly"]))
    if form == "weekdays":
        head = draw(st.sampled_from(["每个工作日", "工作日每天"] if chinese else ["every weekday at", "weekdays at"]))
        return f"{head}{'' if chinese else ' '}{clock}", {0, 1, 2, 3, 4}, None, hour, minute
    if form == "daily":
        head = "每天" if chinese else draw(st.sampled_from(["daily at ", "every day at "]))
        return f"{head}{clock}", set(range(7)), None, hour, minute
    if form == "monthly":
        day = draw(st.integers(1, 28))
        head = f"每月{day}号" if chinese else f"every month on the {day}th at "
        return f"{head}{clock}", set(range(7)), day, hour, minute
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=3)))
    if chinese:
        return f"每周{'、'.join(CN_WEEKDAYS[d] for d in days)}{clock}", set(days), None, hour, minute
    names = [EN_WEEKDAYS[d] for d in days]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"every {listed} at {clock}", set(days), None, hour, minute


@settings(max_examples=100, deadline=None)
@given(
    recurring(),
    st.sampled_from(ZONES),
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
)
def test_each_occurrence_is_on_a_named_day_at_the_named_local_time(
    case: tuple[str, set[int], int | None, int, int], tz: str, naive_now: datetime
) -> None:
    phrase, weekdays, month_day, hour, minute = case
    zone = ZoneInfo(tz)
    now = naive_now.replace(tzinfo=zone)
    occurrences = parse_recurrence(phrase, now, tz).occurrences(now, 12)
    assert len(occurrences) == 12, phrase
    instants = [at.astimezone(UTC) for at in occurrences]
    assert instants[0] > now.astimezone(UTC), phrase
    assert all(a < b for a, b in itertools.pairwise(instants)), phrase
    assert len({at.date() for at in occurrences}) == 12, phrase  # never twice on one local day
    for at in occurrences:
        assert at.weekday() in weekdays, (phrase, at)
        if month_day is not None:
            assert at.day == month_day, (phrase, at)
        # The named wall time, or where a DST gap moves it.
        assert at == local_instant(at.date(), hour * 60 + minute, zone), (phrase, at)
        wall = datetime.combine(at.date(), time(hour, minute), zone)
        if wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
            assert (at.hour, at.minute, at.fold) == (hour, minute, 0), (phrase, at)
