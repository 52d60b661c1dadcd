"""A series in words and blocks: the rule read back in both languages, and its message in each state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.dialout.core.models import Target, TargetKind
from bot.dialout.core.series import Series, SeriesStatus
from bot.dialout.slack.series_view import build_series_message, describe_rule
from bot.kernel.people import Party, PartyKind
from bot.kernel.recurrence import parse_recurrence
from bot.slack import ids

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai


def series(phrase: str, tz: str = "Asia/Shanghai") -> Series:
    return Series(
        team_id="T",
        channel_id="C",
        created_by="U1",
        provider="sandbox",
        target=Target(TargetKind.CONFERENCE, "42"),
        recurrence=parse_recurrence(phrase, NOW, tz),
        parties=(Party(PartyKind.PHONE, "+8613800138001"),),
        id=3,
        next_at=parse_recurrence(phrase, NOW, tz).occurrences(NOW, 1)[0],
    )


@pytest.mark.parametrize(
    ("phrase", "english", "chinese"),
    [
        ("every weekday at 9:30", "every weekday at 09:30", "每个工作日 09:30"),
        ("每周二、四下午4点", "every Tuesday and Thursday at 16:00", "每周二、四 16:00"),
        ("daily at 8am", "every day at 08:00", "每天 08:00"),
        ("每月1号上午9点", "on day 1 of every month at 09:00", "每月1日 09:00"),
        ("every monday 9am until dec 31", "every Monday at 09:00, until 2026-12-31", "每周一 09:00，至2026-12-31"),
    ],
)
def test_the_rule_reads_back_in_both_languages_with_its_zone(phrase: str, english: str, chinese: str) -> None:
    assert describe_rule(series(phrase), "en") == f"{english} (Asia/Shanghai)"
    assert describe_rule(series(phrase), "zh") == f"{chinese}（Asia/Shanghai）"


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize(
    ("status", "wanted"),
    [
        (SeriesStatus.ACTIVE, [ids.SERIES_SKIP_ACTION, ids.SERIES_PAUSE_ACTION, ids.SERIES_END_ACTION]),
        (SeriesStatus.PAUSED, [ids.SERIES_RESUME_ACTION, ids.SERIES_END_ACTION]),
        (SeriesStatus.ENDED, []),
    ],
)
def test_the_series_message_offers_what_its_state_allows_within_slacks_limits(
    locale: str, status: SeriesStatus, wanted: list[str]
) -> None:
    text, blocks = build_series_message(replace(series("every weekday at 9:30"), status=status), NOW, locale, "Sandbox")
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None
        parsed.to_dict()  # raises when Slack's limits are broken
    assert [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == wanted
    assert "#3" in text or "第 3 号" in text
    if status is SeriesStatus.ACTIVE:
        assert blocks[1]["elements"][0]["text"].count("<!date^") == 3


def test_a_skipped_occurrence_is_left_out_of_the_next_times_and_named() -> None:
    weekly = series("every weekday at 9:30")
    skipped = replace(weekly, skip_at=weekly.next_at)
    assert weekly.next_at not in skipped.upcoming(NOW, 3) and len(skipped.upcoming(NOW, 3)) == 3
    _, blocks = build_series_message(skipped, NOW, "en", "Sandbox")
    assert "Skipping Thu 3 Dec 09:30 UTC+8." in blocks[1]["elements"][0]["text"]
