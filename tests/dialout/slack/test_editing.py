"""What Edit and Add people say: the thread reply naming who changed what (never a mention), and the answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dialout.core.answers import AddPeopleReply, EditReply, WhoMay
from bot.dialout.core.models import CallAttempt, Invite, PartiesChanged, Target, TargetKind
from bot.dialout.core.outcomes import AddPeopleOutcome, EditOutcome
from bot.dialout.slack.editing import build_add_people_answer, build_edit_answer, build_edit_notice
from bot.kernel.people import Party, PartyKind

AT = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
INVITE = Invite("T", "C", "U0AMY", "sandbox", Target(TargetKind.CONFERENCE, "42"), AT, "Asia/Shanghai", id=7)
AMY = Party(PartyKind.PHONE, "+8613800138001", name="Amy")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "li <b> moved it to Thu 26 Nov 15:00 UTC+8; added 2 people; removed 1 person."),
        ("zh", "li <b> 将时间改到 11月26日 周四 15:00 UTC+8；添加了 2 人；移除了 1 人。"),
    ],
)
def test_the_thread_says_who_moved_it_and_who_was_added_by_name_without_a_mention(locale: str, expected: str) -> None:
    params = {"by": "U0LI", "name": "li <b>", "at": AT.isoformat(), "added": 2, "removed": 1, "other": False}
    text = build_edit_notice(params, INVITE, locale)
    assert text == expected.replace("<b>", "&lt;b&gt;")
    assert "<@" not in text


def test_settings_changed_alone_are_said_in_one_phrase() -> None:
    params = {"name": "li", "at": None, "added": 0, "removed": 0, "other": True}
    assert build_edit_notice(params, INVITE, "en") == "li changed its settings."


def test_a_refused_edit_names_who_may_and_a_stale_one_says_what_happened() -> None:
    refused = EditReply("en", 7, EditOutcome.NOT_ALLOWED, WhoMay("U0AMY"))
    # A field error is plain text, where a mention would show raw: the name, else the id, never `<@…>`.
    assert build_edit_answer(refused).startswith("Only the person who created invite #7 (U0AMY)")
    named = EditReply("zh", 7, EditOutcome.NOT_ALLOWED, WhoMay("U0AMY", "S0LEADS", "amy"))
    assert build_edit_answer(named) == (
        "只有第 7 号邀请的创建者（amy）、工作区管理员或邀请管理员用户组的成员可以这样做。"
    )
    stale = EditReply("zh", 7, EditOutcome.ALREADY_OVER)
    assert build_edit_answer(stale) == "第 7 号邀请已被取消或已错过；未做任何更改。"


def test_add_people_answers_name_who_was_already_on_the_invite() -> None:
    added = CallAttempt(7, 1, Party(PartyKind.PHONE, "+8613800138002"), id=2)
    some = AddPeopleReply("en", 7, AddPeopleOutcome.ADDED, changes=PartiesChanged(added=(added,), already_in=(AMY,)))
    assert build_add_people_answer(some, mask_numbers=True) == (
        "Added 1 person to invite #7; already on it, so not added again: Amy (138****8001)."
    )
    none = AddPeopleReply("zh", 7, AddPeopleOutcome.ALREADY_IN, changes=PartiesChanged(already_in=(AMY,)))
    assert build_add_people_answer(none, mask_numbers=False) == (
        "所填人员都已在第 7 号邀请中，未添加任何人：Amy（+86 138 0013 8001）。"
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Invite #7 would then call more than 500 people, more than one invite may; nobody was added."),
        ("zh", "添加后第 7 号邀请将超过 500 人，超出单个邀请的上限；未添加任何人。"),
    ],
)
def test_too_many_people_is_said_with_the_limit(locale: str, expected: str) -> None:
    assert build_add_people_answer(AddPeopleReply(locale, 7, AddPeopleOutcome.TOO_MANY), mask_numbers=True) == expected
