"""Recurring phrases read into RFC 5545 rules over local wall times, and their occurrences across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from bot.kernel.recurrence import Recurrence, is_recurring, parse_recurrence
from bot.kernel.when import WhenError, WhenProblem

NY = "America/New_York"
LONDON = "Europe/London"
SH = "Asia/Shanghai"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(SH))  # a Thursday


def _local(occurrences: list[datetime]) -> list[str]:
    return [at.strftime("%a %Y-%m-%d %H:%M") for at in occurrences]


# Phrases in English and Chinese that name the same series: (phrases, rule, first three occurrences after NOW).
SERIES = [
    (
        ("every weekday at 9:30", "每个工作日上午9:30"),
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ["Fri 2026-11-27 09:30", "Mon 2026-11-30 09:30", "Tue 2026-12-01 09:30"],
    ),
    (
        ("工作日每天上午10点",),
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ["Fri 2026-11-27 10:00", "Mon 2026-11-30 10:00", "Tue 2026-12-01 10:00"],
    ),
    (
        ("every monday 9am", "每周一上午9点"),
        "FREQ=WEEKLY;BYDAY=MO",
        ["Mon 2026-11-30 09:00", "Mon 2026-12-07 09:00", "Mon 2026-12-14 09:00"],
    ),
    (
        ("every tuesday and thursday at 4pm", "每周二、四下午4点"),
        "FREQ=WEEKLY;BYDAY=TU,TH",
        ["Thu 2026-11-26 16:00", "Tue 2026-12-01 16:00", "Thu 2026-12-03 16:00"],
    ),
    (("daily at 8am",), "FREQ=DAILY", ["Fri 2026-11-27 08:00", "Sat 2026-11-28 08:00", "Sun 2026-11-29 08:00"]),
    (("每天下午6点",), "FREQ=DAILY", ["Thu 2026-11-26 18:00", "Fri 2026-11-27 18:00", "Sat 2026-11-28 18:00"]),
    (
        ("every month on the 1st at 9am", "每月1号上午9点"),
        "FREQ=MONTHLY;BYMONTHDAY=1",
        ["Tue 2026-12-01 09:00", "Fri 2027-01-01 09:00", "Mon 2027-02-01 09:00"],
    ),
]


@pytest.mark.parametrize(
    ("phrase", "rule", "first_three"),
    [(phrase, rule, first_three) for phrases, rule, first_three in SERIES for phrase in phrases],
)
def test_recurring_phrase_becomes_a_rule_and_its_next_occurrences(
    phrase: str, rule: str, first_three: list[str]
) -> None:
    recurrence = parse_recurrence(phrase, NOW, SH)
    assert recurrence.rule == rule
    assert recurrence.zone == SH
    assert recurrence.until is None
    assert _local(recurrence.occurrences(NOW, 3)) == first_three
    assert recurrence.start.strftime("%a %Y-%m-%d %H:%M") == first_three[0]


@pytest.mark.parametrize(
    ("phrase", "until", "count"),
    [
        ("every weekday at 9:30 until dec 31", date(2026, 12, 31), 25),
        ("every monday 9am for 4 weeks", date(2026, 12, 27), 4),
        ("daily at 8am for 10 days", date(2026, 12, 6), 10),
        ("每天下午6点到12月31日", date(2026, 12, 31), 36),
        ("每天下午6点直到12月31日为止", date(2026, 12, 31), 36),
        ("每周一上午9点持续4周", date(2026, 12, 27), 4),
        ("every month on the 1st at 9am until 2027-03-01", date(2027, 3, 1), 4),
        ("daily at 8am until nov 1", date(2027, 11, 1), 340),
    ],
)
def test_an_end_bounds_the_series(phrase: str, until: date, count: int) -> None:
    recurrence = parse_recurrence(phrase, NOW, SH)
    assert recurrence.until == until
    occurrences = recurrence.occurrences(NOW, 1000)
    assert len(occurrences) == count
    assert occurrences[-1].date() <= until


def test_the_rule_is_rfc_5545_text_with_its_zone() -> None:
    recurrence = parse_recurrence("every weekday at 9:30 until dec 31", NOW, SH)
    assert recurrence.rule == "FREQ=WEEKLY;UNTIL=20261231T235959;BYDAY=MO,TU,WE,TH,FR"
    assert recurrence.ical() == (
        "DTSTART;TZID=Asia/Shanghai:20261127T093000\nRRULE:FREQ=WEEKLY;UNTIL=20261231T155959Z;BYDAY=MO,TU,WE,TH,FR"
    )
    reread = list(rrulestr(recurrence.ical()))
    assert reread[0].strftime("%Y-%m-%d %H:%M %Z") == "2026-11-27 09:30 CST"
    assert reread[-1].strftime("%Y-%m-%d %H:%M") == "2026-12-31 09:30"
    assert len(reread) == 25


@pytest.mark.parametrize("tz", [NY, LONDON])
def test_the_local_time_stays_put_when_daylight_saving_time_starts_and_ends(tz: str) -> None:
    zone = ZoneInfo(tz)
    recurrence = parse_recurrence("every weekday at 9:30", datetime(2027, 3, 1, 12, tzinfo=zone), tz)
    spring = recurrence.occurrences(datetime(2027, 3, 1, 12, tzinfo=zone), 30)
    autumn = recurrence.occurrences(datetime(2027, 10, 25, 12, tzinfo=zone), 10)
    for at in spring + autumn:
        assert at.strftime("%H:%M") == "09:30"
        assert at.weekday() < 5
    offsets = {at.utcoffset() for at in spring + autumn}
    assert len(offsets) == 2  # the same wall time on both sides of each change


@pytest.mark.parametrize(
    ("tz", "phrase", "walls"),
    [
        (NY, "daily at 2:30am", ["03-12 02:30", "03-13 02:30", "03-14 03:30", "03-15 02:30"]),
        (LONDON, "daily at 1:30am", ["03-26 01:30", "03-27 01:30", "03-28 02:30", "03-29 01:30"]),
    ],
)
def test_a_time_skipped_by_the_change_is_moved_forward_by_the_gap(tz: str, phrase: str, walls: list[str]) -> None:
    before = datetime(2027, int(walls[0][:2]), int(walls[0][3:5]), tzinfo=ZoneInfo(tz))
    occurrences = parse_recurrence(phrase, before, tz).occurrences(before, 4)
    assert [at.strftime("%m-%d %H:%M") for at in occurrences] == walls
    elapsed = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in itertools.pairwise(occurrences)]
    assert elapsed == [timedelta(hours=24), timedelta(hours=24), timedelta(hours=23)]


@pytest.mark.parametrize(
    ("tz", "phrase", "twice_day"),
    [(NY, "daily at 1:30am", date(2027, 11, 7)), (LONDON, "daily at 1:30am", date(2027, 10, 31))],
)
def test_a_time_that_occurs_twice_is_used_once(tz: str, phrase: str, twice_day: date) -> None:
    zone = ZoneInfo(tz)
    before = datetime.combine(twice_day - timedelta(days=1), datetime.min.time(), zone)
    occurrences = parse_recurrence(phrase, before, tz).occurrences(before, 3)
    assert [at.strftime("%m-%d %H:%M") for at in occurrences] == [
        f"{twice_day - timedelta(days=1):%m-%d} 01:30",
        f"{twice_day:%m-%d} 01:30",
        f"{twice_day + timedelta(days=1):%m-%d} 01:30",
    ]
    assert occurrences[1].fold == 0  # the first 01:30 of the night, with summer time's offset
    assert occurrences[1].utcoffset() == occurrences[0].utcoffset()


def test_occurrences_after_an_instant_inside_the_night_of_the_change_are_all_ahead() -> None:
    zone = ZoneInfo(NY)
    recurrence = parse_recurrence("daily at 2:30am", datetime(2027, 3, 1, tzinfo=zone), NY)
    after = datetime(2027, 3, 14, 3, 10, tzinfo=zone)  # 02:30 that day is 03:30, still ahead
    first = recurrence.occurrences(after, 1)[0]
    assert first.strftime("%m-%d %H:%M") == "03-14 03:30"


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("every weekday", WhenProblem.NEEDS_TIME),
        ("每周一", WhenProblem.NEEDS_TIME),
        ("every blah at 9", WhenProblem.UNREADABLE),
        ("every weekday at 9:30 sharp", WhenProblem.UNREADABLE),
        ("every month on the 31st at 9am", WhenProblem.UNREADABLE),  # February has none
        ("every friday at midnight", WhenProblem.UNREADABLE),
        ("every weekday at 9:30 until someday", WhenProblem.UNREADABLE),
        ("daily at 8am until 2026-11-01", WhenProblem.PAST),
        ("every weekday at 25:00", WhenProblem.UNREADABLE),
        ("every monday tonight at 9am", WhenProblem.UNREADABLE),
    ],
)
def test_an_unusable_recurring_phrase_is_refused_with_its_reason(phrase: str, problem: WhenProblem) -> None:
    with pytest.raises(WhenError) as caught:
        parse_recurrence(phrase, NOW, SH)
    assert caught.value.problem is problem


def test_a_bare_hour_in_a_series_is_the_morning_from_7_and_the_afternoon_to_6() -> None:
    assert parse_recurrence("every monday at 9", NOW, SH).start.hour == 9
    assert parse_recurrence("每周一3点", NOW, SH).start.hour == 15
    assert parse_recurrence("every monday night at 9", NOW, SH).start.hour == 21


def test_recurring_phrases_are_told_apart_from_one_off_ones() -> None:
    assert is_recurring("Every weekday at 9:30")
    assert is_recurring("每天下午6点")
    assert not is_recurring("tomorrow 9:30")
    assert not is_recurring("周一上午9点")


def test_a_recurrence_is_a_plain_value() -> None:
    recurrence = parse_recurrence("daily at 8am", NOW, SH)
    assert recurrence == Recurrence("FREQ=DAILY", SH, datetime(2026, 11, 27, 8, 0))
