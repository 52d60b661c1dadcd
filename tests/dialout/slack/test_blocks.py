"""Block Kit builders: snapshots, Slack's own model validation, and the size limits."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from bot.dialout.core.models import CallAttempt, Invite, InviteStatus, Target, TargetKind
from bot.dialout.slack.roster_view import build_roster_view, page_count, read_page_value
from bot.dialout.slack.thread import (
    MAX_BLOCKS,
    View,
    build_failures,
    build_line,
    build_parent,
    build_roster,
    build_summary,
    format_local,
)
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.slack import ids

SNAPSHOTS = Path(__file__).parent / "snapshots"
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def invite(status: InviteStatus = InviteStatus.DIALING, kind: TargetKind = TargetKind.CONFERENCE) -> Invite:
    return Invite(
        team_id="T1",
        channel_id="C1",
        created_by="U0AMY",
        provider="sandbox",
        target=Target(kind, "42"),
        due_at=NOW + timedelta(hours=5),
        tz="Asia/Shanghai",
        status=status,
        id=17,
        created_at=NOW,
    )


def attempts() -> list[CallAttempt]:
    def make(pos: int, address: str, state: CallState, reason: FailReason | None = None, **kw) -> CallAttempt:
        return CallAttempt(
            invite_id=17,
            position=pos,
            party=Party(PartyKind.PHONE, address, **kw),
            state=state,
            reason=reason,
            id=pos + 1,
        )

    return [
        make(0, "+8613800138001", CallState.ANSWERED, slack_user_id="U0BOB", name="Bob"),
        make(1, "+8613800138000", CallState.FAILED, FailReason.BUSY),
        make(2, "+8613800138009", CallState.RINGING),
        make(3, "+8613800138008", CallState.COMPLETED),
    ]


def view(locale: str = "en") -> View:
    return View(
        locale=locale, mask_numbers=True, now=NOW, provider_title="Sandbox", names={"U0AMY": "Amy", "U0LI": "li"}
    )


def assert_valid_blocks(blocks: list[dict]) -> None:
    assert len(blocks) <= MAX_BLOCKS
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.to_dict()  # raises SlackObjectFormationError when Slack's limits are broken


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in {"", "0", "false", "no"}


def check_snapshot(name: str, value: object, directory: Path = SNAPSHOTS) -> None:
    """Compare with the stored snapshot; a missing one fails (CI never writes one, a local run writes it).

    UPDATE_SNAPSHOTS=1 rewrites snapshots on purpose (never under CI), and then they pass.
    """
    path = directory / f"{name}.json"
    rendered = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if _flag("CI"):
        if not path.exists():
            pytest.fail(f"snapshot {path} is missing: create it locally, review it and commit it")
    elif _flag("UPDATE_SNAPSHOTS"):
        path.write_text(rendered)
    elif not path.exists():
        path.write_text(rendered)
        pytest.fail(f"snapshot {path} did not exist and was written now: review it, commit it and run again")
    assert path.read_text() == rendered, f"{name} changed; run with UPDATE_SNAPSHOTS=1 if intended"


def test_a_missing_snapshot_fails_in_ci_and_is_not_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("UPDATE_SNAPSHOTS", "1")  # not even on purpose: CI checks, it does not write
    with pytest.raises(pytest.fail.Exception, match="is missing"):
        check_snapshot("new", {"a": 1}, tmp_path)
    assert not (tmp_path / "new.json").exists()


def test_a_missing_snapshot_is_written_locally_and_the_test_still_fails(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("UPDATE_SNAPSHOTS", raising=False)
    with pytest.raises(pytest.fail.Exception, match="was written now"):
        check_snapshot("new", {"a": 1}, tmp_path)
    assert json.loads((tmp_path / "new.json").read_text()) == {"a": 1}
    check_snapshot("new", {"a": 1}, tmp_path)  # once written, the same value passes…
    with pytest.raises(AssertionError, match="new changed"):
        check_snapshot("new", {"a": 2}, tmp_path)  # …and another fails


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_parent_snapshot(locale: str) -> None:
    text, blocks = build_parent(invite(InviteStatus.SCHEDULED), attempts(), view(locale))
    assert_valid_blocks(blocks)
    check_snapshot(f"parent_{locale}", {"text": text, "blocks": blocks})


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_parent_snapshots_while_dialling_and_once_finished_with_failures(locale: str) -> None:
    dialling = replace(invite(InviteStatus.DIALING), fired_by="U0LI")
    text, blocks = build_parent(dialling, attempts(), replace(view(locale), can_hang_up=True))
    assert_valid_blocks(blocks)
    check_snapshot(f"parent_dialing_{locale}", {"text": text, "blocks": blocks})
    text, blocks = build_parent(invite(InviteStatus.DONE), attempts(), view(locale))
    assert_valid_blocks(blocks)
    check_snapshot(f"parent_done_{locale}", {"text": text, "blocks": blocks})


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_roster_snapshot(locale: str) -> None:
    text, blocks = build_roster(invite(), attempts(), view(locale))
    assert_valid_blocks(blocks)
    check_snapshot(f"roster_{locale}", {"text": text, "blocks": blocks})


def test_the_parent_leads_with_its_status_then_what_who_when_provider_and_by_whom() -> None:
    text, blocks = build_parent(invite(InviteStatus.SCHEDULED), attempts()[:3], view())
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Invite #17 · Scheduled"}}
    assert [f["text"] for f in blocks[1]["fields"]] == [
        "*What*\nconference 42",
        "*Who*\n3 people",
        "*When*\n<!date^1795676400^{date_short_pretty} {time}|Thu 26 Nov 15:00 UTC+8>",
        "*Provider*\nSandbox",
        "*By*\nAmy",
    ]
    assert text == "Invite #17 · Scheduled: 3 people into conference 42 via Sandbox · Thu 26 Nov 15:00 UTC+8 · by Amy"


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_parent_pings_nobody_and_its_fallback_text_carries_no_mrkdwn(locale: str) -> None:
    for status in InviteStatus:
        early = replace(invite(status), fired_by="U0LI")
        text, blocks = build_parent(early, attempts(), view(locale))
        assert "<@" not in json.dumps(blocks) and "<!channel" not in json.dumps(blocks)
        assert not any(mark in text for mark in ("*", "_", "<", ">", "|")), text


def test_the_parent_shows_an_unnamed_creator_as_text_too() -> None:
    text, blocks = build_parent(invite(), attempts(), replace(view(), names={}))
    assert "by U0AMY" in text and "<@" not in json.dumps(blocks)


def test_the_parents_time_has_no_relative_hint_that_would_go_stale() -> None:
    for now in (NOW, NOW + timedelta(hours=4, minutes=59), NOW + timedelta(days=1)):
        text, blocks = build_parent(invite(InviteStatus.SCHEDULED), attempts(), replace(view(), now=now))
        assert build_parent(invite(InviteStatus.SCHEDULED), attempts(), view()) == (text, blocks)
    assert "(in " not in text


@pytest.mark.parametrize(("locale", "words"), [("en", "now (dialled "), ("zh", "立即（")])
def test_an_invite_for_now_shows_when_it_was_dialled(locale: str, words: str) -> None:
    right_away = replace(invite(InviteStatus.DIALING), due_at=NOW, fired_at=NOW + timedelta(seconds=2))
    text, blocks = build_parent(right_away, attempts(), view(locale))
    when = blocks[1]["fields"][2]["text"]
    assert words in when and f"<!date^{int(NOW.timestamp()) + 2}^" in when
    assert "10:00 UTC+8" in text


@pytest.mark.parametrize(
    ("status", "en"),
    [
        (InviteStatus.DIALING, "4/4 dialled · 2 of 4 joined"),
        (InviteStatus.DONE, "2 of 4 joined · 1 ringing · 1 failed"),
    ],
)
def test_the_parent_shows_live_counts_while_dialling_and_the_tally_once_done(status: InviteStatus, en: str) -> None:
    _, blocks = build_parent(invite(status), attempts(), view())
    assert blocks[2]["block_id"] == ids.PARENT_STATUS_BLOCK and blocks[2]["elements"][0]["text"] == en
    queued = [replace(a, state=CallState.QUEUED) for a in attempts()]
    _, blocks = build_parent(invite(InviteStatus.DIALING), [*queued[:2], *attempts()[2:]], view())
    assert blocks[2]["elements"][0]["text"] == "2/4 dialled · 1 of 4 joined"


def test_joined_counts_read_the_same_on_parent_roster_and_summary() -> None:
    done = [
        replace(a, state=CallState.FAILED, reason=FailReason.NO_ANSWER) if a.position == 2 else a for a in attempts()
    ]
    parent_text, _ = build_parent(invite(InviteStatus.DONE), done, view())
    roster_text, _ = build_roster(invite(InviteStatus.DONE), done, view())
    summary = build_summary(invite(InviteStatus.DONE), done, view())
    for said in (parent_text, roster_text, summary):
        assert "2 of 4 joined" in said


def test_time_zones_are_named_by_offset_never_by_an_ambiguous_abbreviation() -> None:
    assert format_local(NOW, "America/Chicago", "en") == "Wed 25 Nov 20:00 UTC-6"
    assert format_local(NOW, "Asia/Kolkata", "en") == "Thu 26 Nov 07:30 UTC+5:30"
    assert format_local(NOW, "UTC", "zh") == "11月26日 周四 02:00 UTC"


def _buttons(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    ("status", "can_hang_up", "expected"),
    [
        (
            InviteStatus.SCHEDULED,
            False,
            [ids.DIAL_NOW_ACTION, ids.EDIT_ACTION, ids.ADD_PEOPLE_ACTION, ids.CANCEL_INVITE_ACTION],
        ),
        (InviteStatus.DIALING, True, [ids.HANG_UP_ACTION, ids.ADD_PEOPLE_ACTION, ids.CANCEL_INVITE_ACTION]),
        (InviteStatus.DIALING, False, [ids.ADD_PEOPLE_ACTION, ids.CANCEL_INVITE_ACTION]),
        (InviteStatus.DONE, True, [ids.REDIAL_FAILED_ACTION]),  # someone's call failed busy
        (InviteStatus.CANCELLED, True, []),
        (InviteStatus.MISSED, True, []),
    ],
)
def test_the_parent_offers_only_the_buttons_that_can_act_now(
    status: InviteStatus, can_hang_up: bool, expected: list[str]
) -> None:
    _, blocks = build_parent(invite(status), attempts(), replace(view(), can_hang_up=can_hang_up))
    assert_valid_blocks(blocks)
    assert _buttons(blocks) == expected


def test_a_meeting_offers_no_add_people_since_it_calls_rooms() -> None:
    meeting = replace(invite(InviteStatus.SCHEDULED), target=Target(TargetKind.MEETING, "42"))
    _, blocks = build_parent(meeting, attempts(), view())
    assert _buttons(blocks) == [ids.DIAL_NOW_ACTION, ids.EDIT_ACTION, ids.CANCEL_INVITE_ACTION]


def test_a_finished_invite_offers_no_redial_when_no_failure_can_be_helped_by_one() -> None:
    joined = [replace(a, state=CallState.COMPLETED) for a in attempts()]
    unknown = [*joined[:1], replace(attempts()[1], reason=FailReason.UNKNOWN)]
    for finished in (joined, unknown):
        _, blocks = build_parent(invite(InviteStatus.DONE), finished, view())
        assert _buttons(blocks) == []


@pytest.mark.parametrize(("locale", "words"), [("en", "Dialled early by li."), ("zh", "已由 li 提前拨打。")])
def test_the_parent_says_who_dialled_it_early(locale: str, words: str) -> None:
    early = replace(invite(InviteStatus.DIALING), fired_by="U0LI")
    text, blocks = build_parent(early, attempts(), view(locale))
    assert words in text and words in blocks[2]["elements"][0]["text"]
    assert "5 h" not in text and "5 小时" not in text  # the planned time is shown, no longer "in 5 h"
    text, _ = build_parent(invite(InviteStatus.DIALING), attempts(), view(locale))
    assert "U0LI" not in text


def test_roster_line_names_the_person_without_pinging_them_and_masks_the_number() -> None:
    assert build_line(attempts()[0], view()) == ":white_check_mark: Bob (138****8001) — joined"
    assert build_line(attempts()[3], view()) == ":wave: 138****8008 — joined"
    assert build_line(attempts()[1], view()) == ":x: 138****8000 — failed: busy"
    unmasked = View(locale="en", mask_numbers=False, now=NOW)
    assert build_line(attempts()[1], unmasked) == ":x: +86 138 0013 8000 — failed: busy"


def test_a_name_that_looks_like_a_mention_is_shown_as_text_and_pings_nobody() -> None:
    tricky = replace(attempts()[0], party=Party(PartyKind.PHONE, "+8613800138001", "U0BOB", name="<@U0ALL> & <!here>"))
    line = build_line(tricky, view())
    assert "<@" not in line and "<!" not in line and "&lt;@U0ALL&gt; &amp; &lt;!here&gt;" in line


def test_a_party_who_joined_and_left_shows_how_long_they_were_in_not_left() -> None:
    left = replace(attempts()[3], answered_at=NOW, ended_at=NOW + timedelta(minutes=12, seconds=10))
    assert build_line(left, view()) == ":wave: 138****8008 — joined (12 min)"
    assert build_line(left, view("zh")) == ":wave: 138****8008 — 已加入（12 分钟）"


def test_a_labelled_number_is_shown_by_its_label_with_the_number_masked() -> None:
    amy = replace(attempts()[1], party=Party(PartyKind.PHONE, "+8613800138000", name="Amy"))
    assert build_line(amy, view()) == ":x: Amy (138****8000) — failed: busy"


def test_the_roster_lists_failed_and_ringing_first_and_collapses_joined_ones_beyond_what_fits() -> None:
    _, blocks = build_roster(invite(), attempts(), view())
    lines = render_lines(blocks[1:]).splitlines()
    assert [line.split(" ")[0] for line in lines] == [":x:", ":bell:", ":white_check_mark:", ":wave:"]
    joined = [
        CallAttempt(
            invite_id=17,
            position=i,
            party=Party(PartyKind.PHONE, f"+86138{i:08d}", name="y" * 60),
            state=CallState.ANSWERED,
            id=i + 1,
        )
        for i in range(400)
    ]
    failed = replace(attempts()[1], position=400, id=401)
    header, blocks = build_roster(invite(), [*joined, failed], view())
    assert_valid_blocks(blocks)
    assert header == "Roster · 400 of 401 joined · 1 failed"
    assert render_lines(blocks[1:2]).startswith(":x: 138****8000")  # the failure is not collapsed
    more = blocks[-2]["elements"][0]["text"]
    assert more.startswith("…and ") and more.endswith(" more joined.")


def _crowd(size: int) -> list[CallAttempt]:
    states = [CallState.FAILED, CallState.RINGING, CallState.ANSWERED, CallState.COMPLETED, CallState.QUEUED]
    return [
        CallAttempt(
            invite_id=17,
            position=i,
            party=Party(PartyKind.PHONE, f"+86138{i:08d}", slack_user_id=f"U{i:05d}", name="名字" * 20),
            state=states[i % len(states)],
            reason=FailReason.PROVIDER_REJECTED if states[i % len(states)] is CallState.FAILED else None,
            detail="d" * 150,
            answered_at=NOW if states[i % len(states)] is CallState.COMPLETED else None,
            ended_at=NOW + timedelta(minutes=3) if states[i % len(states)] is CallState.COMPLETED else None,
            id=i + 1,
        )
        for i in range(size)
    ]


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize("status", list(InviteStatus))
def test_500_parties_stay_within_slack_limits_in_both_languages(locale: str, status: InviteStatus) -> None:
    crowd = _crowd(500)
    for text, blocks in (
        build_parent(invite(status), crowd, view(locale)),
        build_roster(invite(status), crowd, view(locale)),
    ):
        assert_valid_blocks(blocks)
        assert len(text) <= 4000 and "<@" not in json.dumps(blocks, ensure_ascii=False)
    assert len(build_summary(invite(status), crowd, view(locale))) <= 4000
    assert len(build_failures([a for a in crowd if a.state is CallState.FAILED], view(locale))) <= 40000


def test_roster_of_hundreds_stays_within_slack_limits_and_counts_everyone() -> None:
    many = [
        CallAttempt(
            invite_id=17,
            position=i,
            party=Party(PartyKind.PHONE, f"+86138{i:08d}", name="x" * 40),
            state=CallState.FAILED,
            reason=FailReason.PROVIDER_REJECTED,
            detail="d" * 100,
            id=i + 1,
        )
        for i in range(800)
    ]
    text, blocks = build_roster(invite(), many, view())
    assert_valid_blocks(blocks)
    assert "800 failed" in text
    assert sum(len(b.get("text", {}).get("text", "")) for b in blocks) <= 13000
    assert blocks[-2]["type"] == "context" and "more not listed" in blocks[-2]["elements"][0]["text"]
    assert blocks[-1]["elements"][0]["action_id"] == ids.ROSTER_VIEW_ALL_ACTION


def test_roster_section_never_exceeds_3000_characters() -> None:
    many = [
        CallAttempt(
            invite_id=17, position=i, party=Party(PartyKind.SIP, f"room-{i}@" + "a" * 60), state=CallState.QUEUED, id=i
        )
        for i in range(120)
    ]
    _, blocks = build_roster(invite(TargetKind.MEETING), many, view())
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert_valid_blocks(blocks)


def test_summary_counts_joined_and_lists_failures() -> None:
    done = attempts()
    done[2] = CallAttempt(
        invite_id=17,
        position=2,
        party=Party(PartyKind.PHONE, "+8613800138009"),
        state=CallState.FAILED,
        reason=FailReason.NO_ANSWER,
        id=3,
    )
    summary = build_summary(invite(), done, view())
    assert summary == "<@U0AMY> 2 of 4 joined · 138****8000 busy · 138****8009 no answer"
    summary = build_summary(invite(), done, view("zh"))
    assert summary == "<@U0AMY> 4 方中 2 方已加入 · 138****8000忙线 · 138****8009无人接听"


def test_the_summary_mentions_the_creator_once_and_nobody_else() -> None:
    named = [
        replace(a, party=replace(a.party, slack_user_id=f"U0P{a.position}", name=f"P{a.position}")) for a in attempts()
    ]
    summary = build_summary(invite(InviteStatus.DONE), named, view())
    assert summary.count("<@") == 1 and summary.startswith("<@U0AMY> ")


def test_failure_digest_is_one_sentence_for_one_and_a_list_for_several() -> None:
    failed = [a for a in attempts() if a.state is CallState.FAILED]
    assert build_failures(failed, view()) == "138****8000 didn't join: busy."
    two = [
        *failed,
        CallAttempt(
            invite_id=17,
            position=5,
            party=Party(PartyKind.PHONE, "+8613800138007"),
            state=CallState.FAILED,
            reason=FailReason.REJECTED,
            id=9,
        ),
    ]
    assert build_failures(two, view()) == "2 calls didn't connect:\n• 138****8000: busy\n• 138****8007: declined"


def test_local_time_formats() -> None:
    assert format_local(NOW, "Asia/Shanghai", "en") == "Thu 26 Nov 10:00 UTC+8"
    assert format_local(NOW, "Asia/Shanghai", "zh") == "11月26日 周四 10:00 UTC+8"


def test_documented_provider_error_is_explained_from_the_catalogue(monkeypatch) -> None:
    from bot.slack import messages

    monkeypatch.setitem(messages.CATALOGUE, "error.acme.E42", {"en": "balance too low", "zh": "余额不足"})
    failed = CallAttempt(
        invite_id=17,
        position=0,
        party=Party(PartyKind.PHONE, "+8613800138000"),
        state=CallState.FAILED,
        reason=FailReason.PROVIDER_REJECTED,
        provider_code="E42",
        detail="raw vendor text",
        id=1,
    )
    acme = View(locale="zh", mask_numbers=True, now=NOW, provider="acme")
    assert build_line(failed, acme) == ":x: 138****8000 — 失败：被服务商拒绝（余额不足）"
    other = View(locale="en", mask_numbers=True, now=NOW, provider="other")
    assert build_failures([failed], other) == "138****8000 didn't join: refused by the provider (raw vendor text)."


def test_handed_over_note_only_when_the_provider_accepted_someone() -> None:
    quanshi = View(locale="en", mask_numbers=True, now=NOW, handed_over=True, provider_title="Quanshi")
    refused = CallAttempt(
        invite_id=17,
        position=0,
        party=Party(PartyKind.PHONE, "+8613800138000"),
        state=CallState.FAILED,
        reason=FailReason.PROVIDER_REJECTED,
        id=1,
    )
    queued = CallAttempt(
        invite_id=17,
        position=1,
        party=Party(PartyKind.PHONE, "+8613800138001"),
        state=CallState.QUEUED,
        provider_call_id="q-1",
        id=2,
        context={"total_count": "2", "success_count": "1", "fail_count": "1"},
    )
    _, only_refused = build_roster(invite(kind=TargetKind.EVENT), [refused], quanshi)
    _, some_queued = build_roster(invite(kind=TargetKind.EVENT), [refused, queued], quanshi)
    assert "Queued with Quanshi" not in str(only_refused) and "Queued with Quanshi" in str(some_queued)
    assert build_summary(invite(kind=TargetKind.EVENT), [refused, queued], quanshi) == (
        "<@U0AMY> 1 of 2 queued with Quanshi · Quanshi reported 2 received, 1 added, 1 refused · "
        "138****8000 refused by the provider"
    )


@pytest.mark.parametrize(("locale", "words"), [("en", "In progress"), ("zh", "通话中")])
def test_parent_says_in_progress_once_nobody_is_being_dialled(locale: str, words: str) -> None:
    joined = [replace(a, state=CallState.ANSWERED) for a in attempts()]
    text, _ = build_parent(invite(InviteStatus.DIALING), joined, view(locale))
    assert words in text
    ringing = [replace(joined[0], state=CallState.RINGING), *joined[1:]]
    text, _ = build_parent(invite(InviteStatus.DIALING), ringing, view(locale))
    assert words not in text


def test_a_redialled_party_is_counted_once_as_their_last_call_ended() -> None:
    busy = attempts()[1]
    again = replace(busy, position=4, id=5, state=CallState.ANSWERED, reason=None)
    text, _ = build_parent(invite(InviteStatus.DONE), [*attempts(), again], view())
    assert "4 people" in text and "failed" not in text  # the busy party joined on the redial
    header, blocks = build_roster(invite(), [*attempts(), again], view())
    assert "1 failed" not in header and render_lines(blocks).count("138****8000") == 2  # both calls listed
    done = [replace(a, state=CallState.COMPLETED) for a in attempts()[:1]] + [busy]
    assert build_summary(invite(), [*done, replace(busy, position=4, id=5)], view()).startswith(
        "<@U0AMY> 1 of 2 joined"
    )


def render_lines(blocks: list[dict]) -> str:
    return "\n".join(b.get("text", {}).get("text", "") for b in blocks)


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_roster_modal_pages_500_parties_within_slacks_view_limits(locale: str) -> None:
    crowd = _crowd(500)
    pages = page_count(crowd)
    lines = 0
    for page in range(pages):
        modal = build_roster_view(invite(), crowd, view(locale), page)
        assert len(modal["blocks"]) <= 100 and len(modal["title"]["text"]) <= 24
        pager = [e["action_id"] for b in modal["blocks"] if b["type"] == "actions" for e in b["elements"]]
        expected = [f"{ids.ROSTER_PAGE_ACTION}:{p}" for p in (page - 1, page + 1) if 0 <= p < pages]
        assert pager == expected
        lines += render_lines(modal["blocks"][2:]).count(" — ")
    assert lines == 500  # every call is on exactly one page
    assert build_roster_view(invite(), crowd, view(locale), 999) == build_roster_view(
        invite(), crowd, view(locale), pages - 1
    )


def test_only_a_roster_that_could_not_list_everyone_offers_view_all() -> None:
    _, short = build_roster(invite(), attempts(), view())
    assert ids.ROSTER_VIEW_ALL_ACTION not in json.dumps(short)
    _, long = build_roster(invite(), _crowd(500), view())
    assert long[-1]["elements"][0]["action_id"] == ids.ROSTER_VIEW_ALL_ACTION
    assert long[-1]["elements"][0]["value"] == "17"


@pytest.mark.parametrize("value", ["17:2", "17:0"])
def test_a_page_button_value_is_read_back(value: str) -> None:
    assert read_page_value(value) == (17, int(value[3:]))


@pytest.mark.parametrize("value", ["", "17", "x:1", "17:99999", "1" * 12 + ":1", "17:1:2"])
def test_a_forged_page_button_value_is_refused(value: str) -> None:
    assert read_page_value(value) is None


@pytest.mark.parametrize(
    ("locale", "words"), [("en", "one run of repeating series #3"), ("zh", "重复外呼系列 #3 的一次")]
)
def test_an_occurrences_parent_says_which_series_it_is_a_run_of(locale: str, words: str) -> None:
    occurrence = replace(invite(InviteStatus.SCHEDULED), request_key="series:3:2027-01-04T14:30:00+00:00")
    _, blocks = build_parent(occurrence, attempts(), view(locale))
    assert_valid_blocks(blocks)
    assert words in json.dumps(blocks, ensure_ascii=False)
    _, plain = build_parent(replace(occurrence, request_key="inbox:abc"), attempts(), view(locale))
    assert "series" not in json.dumps(plain) and "系列" not in json.dumps(plain, ensure_ascii=False)
