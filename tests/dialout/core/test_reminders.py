"""When a reminder is due (pure), and how `/dial` reads `remind` in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.dialout.core.command import InviteDraft, ParseError, ParseProblem, parse_command
from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.reminders import DM_REMIND_MINUTES, remind_minutes, reminder_at, reminder_due
from tests.dialout.core.test_command import CTX

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def invite(due_in_min: float, remind: int | None, **changes: object) -> Invite:
    base = Invite(
        team_id="T",
        channel_id="C",
        created_by="U",
        provider="sandbox",
        target=Target(TargetKind.CONFERENCE, "42"),
        due_at=NOW + timedelta(minutes=due_in_min),
        tz="UTC",
        created_at=NOW - timedelta(hours=3),
        remind_minutes=remind,
        id=1,
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_the_reminder_is_due_from_n_minutes_before_the_run_until_the_run() -> None:
    assert not reminder_due(invite(11, 10), NOW)
    assert reminder_due(invite(10, 10), NOW)
    assert reminder_due(invite(1, 10), NOW)
    assert not reminder_due(invite(0, 10), NOW)


def test_no_reminder_when_off_already_sent_no_longer_scheduled_or_made_too_late() -> None:
    assert reminder_at(invite(5, 0)) is None and reminder_at(invite(5, None)) is None
    assert not reminder_due(invite(5, 10, reminded_at=NOW - timedelta(minutes=1)), NOW)
    assert not reminder_due(invite(5, 10, status=InviteStatus.CANCELLED), NOW)
    made_late = invite(5, 10, created_at=NOW - timedelta(minutes=2))  # made 7 min before its run
    assert reminder_at(made_late) is None and not reminder_due(made_late, NOW)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("13800138000 into conf 42 tomorrow 3pm", None),
        ("13800138000 into conf 42 tomorrow 3pm remind 15m", 15),
        ("13800138000 into conf 42 tomorrow 3pm remind me 1h before", 60),
        ("13800138000 into conf 42 tomorrow 3pm remind off", 0),
        ("13800138000 呼入 会议 42 明天 15:00 提前15分钟提醒", 15),
        ("13800138000 呼入 会议 42 明天 15:00 提前半小时提醒", 30),
        ("13800138000 呼入 会议 42 明天 15:00 不提醒", 0),
    ],
)
def test_remind_is_read_in_english_and_chinese(text: str, minutes: int | None) -> None:
    draft = parse_command(text, CTX)
    assert isinstance(draft, InviteDraft)
    assert draft.remind_minutes == minutes
    assert draft.when.at.hour == 15


@pytest.mark.parametrize("written", ["remind 5 parsecs", "remind 30s", "remind 2d", "提前五分钟提醒"])
def test_an_unreadable_or_out_of_range_reminder_is_refused(written: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse_command(f"13800138000 into conf 42 tomorrow 3pm {written}", CTX)
    assert raised.value.problem is ParseProblem.BAD_REMIND


@pytest.mark.parametrize(
    "text", ["13800138000 into conf 42 tomorrow 3pm remind dm", "13800138000 呼入 会议 42 明天 15:00 私信提醒"]
)
def test_remind_dm_is_read_in_english_and_chinese(text: str) -> None:
    draft = parse_command(text, CTX)
    assert isinstance(draft, InviteDraft) and draft.remind_dm and draft.remind_minutes is None


def test_the_lead_time_is_the_commands_else_the_workspaces_and_asking_for_dms_reminds_even_when_off() -> None:
    assert remind_minutes(15, False, 10) == 15
    assert remind_minutes(None, False, 10) == 10
    assert remind_minutes(None, False, 0) == 0
    assert remind_minutes(None, True, 0) == DM_REMIND_MINUTES
    assert remind_minutes(0, True, 10) == 0  # `remind off` wins
