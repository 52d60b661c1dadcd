"""The parent while a bulk invite is sent at its pace: progress, the time left, who paused it, and the
Pause/Resume dialling buttons, in English and Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.dialout.core.models import CallAttempt, Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.pacing import BURST
from bot.dialout.slack.thread import View, build_parent
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState
from bot.slack import ids

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def bulk_invite(**changes: object) -> Invite:
    values: dict[str, object] = {
        "team_id": "T1",
        "channel_id": "C1",
        "created_by": "U0AMY",
        "provider": "tencent_meeting",
        "target": Target(TargetKind.CONFERENCE, "42"),
        "due_at": NOW,
        "tz": "Asia/Shanghai",
        "status": InviteStatus.DIALING,
        "id": 9,
        "created_at": NOW,
        "fired_at": NOW,
    }
    values.update(changes)
    return Invite(**values)  # type: ignore[arg-type]


def three_hundred(dialled: int = 120, joined: int = 87) -> list[CallAttempt]:
    """300 calls: `joined` answered, the rest of the first `dialled` ringing, the others waiting."""
    calls = []
    for i in range(300):
        sent = i < dialled
        state = CallState.ANSWERED if i < joined else CallState.RINGING if sent else CallState.QUEUED
        calls.append(
            CallAttempt(
                invite_id=9,
                position=i,
                party=Party(PartyKind.PHONE, f"+86138{i:08d}"),
                state=state,
                id=i + 1,
                sent_at=NOW if sent else None,
                provider_call_id=f"c{i}" if sent else None,
            )
        )
    return calls


def status_line(invite: Invite, calls: list[CallAttempt], view: View) -> str:
    _, blocks = build_parent(invite, calls, view)
    Block.parse_all(blocks)
    status = next(b for b in blocks if b.get("block_id") == ids.PARENT_STATUS_BLOCK)
    return str(status["elements"][0]["text"])


def buttons(invite: Invite, calls: list[CallAttempt], view: View) -> list[str]:
    _, blocks = build_parent(invite, calls, view)
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_the_parent_shows_progress_and_the_time_left_at_the_pace_in_english() -> None:
    view = View(locale="en", mask_numbers=True, now=NOW, pace_per_min=40)
    # 180 waiting at 40 a minute: 4.5 min, rounded up.
    assert status_line(bulk_invite(), three_hundred(), view) == (
        "120/300 dialled · 87 of 300 joined · about 5 min left"
    )


def test_the_parent_shows_progress_and_the_time_left_at_the_pace_in_chinese() -> None:
    view = View(locale="zh", mask_numbers=True, now=NOW, pace_per_min=40)
    expected = "已拨 120/300 · 300 方中 87 方已加入 · 预计还需约 5 分钟"
    assert status_line(bulk_invite(), three_hundred(), view) == expected


def test_under_a_minute_left_says_so_and_nothing_waiting_says_nothing() -> None:
    view = View(locale="en", mask_numbers=True, now=NOW, pace_per_min=240)
    assert status_line(bulk_invite(), three_hundred(dialled=290), view).endswith("· less than a minute left")
    assert "left" not in status_line(bulk_invite(), three_hundred(dialled=300), view)


def test_an_unpaced_invite_shows_no_time_left() -> None:
    view = View(locale="en", mask_numbers=True, now=NOW, pace_per_min=0)
    assert status_line(bulk_invite(), three_hundred(), view) == "120/300 dialled · 87 of 300 joined"


def test_a_paused_invite_names_who_paused_it_and_how_many_wait_in_both_languages() -> None:
    paused = bulk_invite(paused_at=NOW + timedelta(seconds=30), paused_by="U0AMY")
    names = {"U0AMY": "amy"}
    en = View(locale="en", mask_numbers=True, now=NOW, pace_per_min=40, names=names)
    zh = View(locale="zh", mask_numbers=True, now=NOW, pace_per_min=40, names=names)
    assert status_line(paused, three_hundred(), en).endswith("· Paused by amy: 180 not dialled yet")
    assert status_line(paused, three_hundred(), zh).endswith("· 已由 amy 暂停外呼：还有 180 方未拨")


def test_pause_is_offered_while_calls_wait_and_resume_once_paused() -> None:
    view = View(locale="en", mask_numbers=True, now=NOW, pace_per_min=40)
    assert buttons(bulk_invite(), three_hundred(), view)[0] == ids.PAUSE_DIALLING_ACTION
    for dialled in (300, 300 - BURST):  # nothing waits, or no more than goes at once anyway
        shown = buttons(bulk_invite(), three_hundred(dialled=dialled), view)
        assert ids.PAUSE_DIALLING_ACTION not in shown and ids.RESUME_DIALLING_ACTION not in shown
    paused = bulk_invite(paused_at=NOW, paused_by="U0AMY")
    assert buttons(paused, three_hundred(), view)[0] == ids.RESUME_DIALLING_ACTION
    assert ids.PAUSE_DIALLING_ACTION not in buttons(paused, three_hundred(), view)


def test_the_pause_buttons_read_in_both_languages() -> None:
    for locale, pause, resume in (("en", "Pause dialling", "Resume dialling"), ("zh", "暂停外呼", "继续外呼")):
        view = View(locale=locale, mask_numbers=True, now=NOW)
        for invite, label in ((bulk_invite(), pause), (bulk_invite(paused_at=NOW, paused_by="U0AMY"), resume)):
            _, blocks = build_parent(invite, three_hundred(), view)
            actions = next(b for b in blocks if b["type"] == "actions")
            assert actions["elements"][0]["text"]["text"] == label
