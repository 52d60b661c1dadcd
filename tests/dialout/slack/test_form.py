"""The /dial form's pure builders: within Slack's limits in both languages, read back as drawn, errors placed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.views import View as SlackView

from bot.dialout.core.answers import FormSetup, PreviewReply, ProviderChoice
from bot.dialout.core.command import ParseError, ParseProblem
from bot.dialout.core.form import DialForm, FormField, Preview
from bot.dialout.core.models import TargetKind
from bot.dialout.core.ports import SecondsRange
from bot.dialout.slack.form import FormMetadata, build_errors, build_form, read_state
from bot.emulator.driver import view_state
from bot.kernel.when import When
from tests.dialout.slack.test_blocks import check_snapshot

CHOICES = (
    ProviderChoice("yunhuni", "Yunhuni", TargetKind.CONFERENCE, (("voice", "listen|speak"),), SecondsRange(60, 21600)),
    ProviderChoice("tencent_meeting", "Tencent Meeting", TargetKind.MEETING),
    ProviderChoice("multi", "Multi", TargetKind.CONFERENCE),
    ProviderChoice("multi", "Multi", TargetKind.EVENT),
)
SETUP = FormSetup("en", "Asia/Shanghai", CHOICES)
FULL = DialForm(
    provider="yunhuni",
    target_id="42",
    people=("U0BOB",),
    numbers="Amy <13800138001>\n13800138002",
    when="tomorrow 3pm",
    options="voice=listen",
    max_duration="30m",
)


def blocks_of(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"]}


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize(
    "values",
    [
        FULL,
        DialForm(provider="tencent_meeting", kind=TargetKind.MEETING, target_id="9", rooms="sip:a@b"),
        DialForm(provider="multi", kind=TargetKind.EVENT, target_id="542818", before="15"),
    ],
)
def test_every_kind_of_form_is_a_valid_slack_modal_in_both_languages(values: DialForm, locale: str) -> None:
    view = build_form(values, replace(SETUP, locale=locale), FormMetadata("C1"))
    SlackView(**view).validate_json()
    assert len(view["title"]["text"]) <= 24 and len(view["private_metadata"]) <= 3000


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_prefilled_conference_form_matches_its_snapshot(locale: str) -> None:
    check_snapshot(f"form_{locale}", build_form(FULL, replace(SETUP, locale=locale), FormMetadata("C1")))


def test_the_fields_follow_the_chosen_providers_kind() -> None:
    conference = blocks_of(build_form(FULL, SETUP, FormMetadata("C1")))
    assert list(conference) == [
        "dial_form_provider",
        "dial_form_target",
        "dial_form_people",
        "dial_form_numbers",
        "dial_form_when",
        "dial_form_when_preview",
        "dial_form_date",
        "dial_form_time",
        "dial_form_options",
        "dial_form_max",
        "dial_form_retry",
    ]
    assert "voice (listen|speak)" in conference["dial_form_options"]["hint"]["text"]
    assert "Yunhuni allows 1m to 6h" in conference["dial_form_max"]["hint"]["text"]
    meeting = blocks_of(
        build_form(DialForm(provider="tencent_meeting", kind=TargetKind.MEETING), SETUP, FormMetadata())
    )
    assert list(meeting) == [
        "dial_form_provider",
        "dial_form_target",
        "dial_form_rooms",
        "dial_form_when",
        "dial_form_when_preview",
        "dial_form_date",
        "dial_form_time",
        "dial_form_channel",
        "dial_form_retry",
    ]
    assert meeting["dial_form_target"]["label"]["text"] == "Meeting id"


def test_a_provider_serving_two_kinds_is_offered_once_per_kind() -> None:
    options = build_form(DialForm(), SETUP, FormMetadata("C1"))["blocks"][0]["element"]["options"]
    assert [(o["text"]["text"], o["value"]) for o in options] == [
        ("Yunhuni", "yunhuni:conference"),
        ("Tencent Meeting", "tencent_meeting:meeting"),
        ("Multi · conference", "multi:conference"),
        ("Multi · live event", "multi:event"),
    ]


def test_the_provider_select_and_time_box_dispatch_their_actions() -> None:
    blocks = blocks_of(build_form(FULL, SETUP, FormMetadata("C1")))
    assert blocks["dial_form_provider"]["dispatch_action"] is True
    assert blocks["dial_form_when"]["dispatch_action"] is True
    config = blocks["dial_form_when"]["element"]["dispatch_action_config"]
    assert config == {"trigger_actions_on": ["on_enter_pressed", "on_character_entered"]}


def test_what_is_drawn_reads_back_as_the_same_values() -> None:
    for values in (FULL, DialForm(provider="multi", kind=TargetKind.EVENT, target_id="5", before="15", when="now")):
        view = build_form(values, SETUP, FormMetadata())
        assert read_state(view_state(view, {}, current_channel="C9")["values"]) == (values, "C9")


def test_the_preview_line_says_how_the_phrase_reads_or_why_not() -> None:
    at = datetime(2026, 11, 27, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    read = PreviewReply("en", "Asia/Shanghai", "tomorrow 3pm", Preview("tomorrow 3pm", When(at)))
    line = blocks_of(build_form(FULL, SETUP, FormMetadata("C1"), read))["dial_form_when_preview"]
    assert line["elements"][0]["text"] == "Read as Fri 27 Nov 15:00 UTC+8 (Asia/Shanghai)."
    failed = PreviewReply("zh", "Asia/Shanghai", "x", error=ParseError(ParseProblem.UNREADABLE_TIME, {"phrase": "x"}))
    zh = build_form(replace(FULL, when="x"), replace(SETUP, locale="zh"), FormMetadata("C1"), failed)
    assert blocks_of(zh)["dial_form_when_preview"]["elements"][0]["text"].startswith("⚠️ 无法把“x”理解为时间")


def test_the_date_and_time_pickers_are_optional_read_back_as_slack_sends_them_and_keep_what_was_picked() -> None:
    view = build_form(FULL, SETUP, FormMetadata("C1"))
    blocks = blocks_of(view)
    assert (blocks["dial_form_date"]["element"]["type"], blocks["dial_form_time"]["element"]["type"]) == (
        "datepicker",
        "timepicker",
    )
    assert all(blocks[b]["optional"] for b in ("dial_form_when", "dial_form_date", "dial_form_time"))
    assert "Asia/Shanghai" in blocks["dial_form_date"]["hint"]["text"]
    picked = {"dial_form_date_input": "2026-11-27", "dial_form_time_input": "15:00", "dial_form_when_input": ""}
    values, _ = read_state(view_state(view, picked)["values"])
    assert (values.when, values.date, values.time) == ("", "2026-11-27", "15:00")
    redrawn = blocks_of(build_form(values, SETUP, FormMetadata("C1")))  # a provider switch keeps the picks
    assert redrawn["dial_form_date"]["element"]["initial_date"] == "2026-11-27"
    assert redrawn["dial_form_time"]["element"]["initial_time"] == "15:00"


def test_metadata_survives_the_round_trip_and_garbage_reads_as_none() -> None:
    at = datetime(2026, 11, 27, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    metadata = FormMetadata("C1", Preview("明天下午3点", When(at)))
    assert FormMetadata.decode(metadata.encode()) == metadata
    assert FormMetadata.decode("not json") == FormMetadata()
    assert FormMetadata.decode('{"c": "C1", "at": "yesterday"}') == FormMetadata()


def test_errors_land_under_their_fields_and_unshown_ones_under_the_first() -> None:
    view = build_form(FULL, SETUP, FormMetadata("C1"))  # no channel field: opened in a channel
    errors = {
        FormField.TARGET: ParseError(ParseProblem.BAD_TARGET_ID, {"keyword": "conference", "text": "4 2"}),
        FormField.OPTIONS: ParseError(
            ParseProblem.BAD_OPTION_KEY, {"key": "colour", "provider": "yunhuni", "valid": ["voice"]}
        ),
        FormField.CHANNEL: ParseError(ParseProblem.CANNOT_POST_HERE, {}),
    }
    answer = build_errors(errors, view, "en")
    assert answer == {
        "dial_form_target": "Write the id only, e.g. 42: letters, digits and - _ . * #.",
        "dial_form_options": "colour is not an option of yunhuni. Valid options: voice.",
        "dial_form_provider": "Nothing was scheduled: I'm not in this conversation, so nobody could follow the "
        "calls here. Add me with /invite @confbot (or use a channel I'm in) and try again.",
    }
    global_form = build_form(FULL, SETUP, FormMetadata())  # the global shortcut's form has a channel field
    assert build_errors({FormField.CHANNEL: ParseError(ParseProblem.CANNOT_POST_HERE, {})}, global_form, "en") == {
        "dial_form_channel": "I'm not in that conversation, so I can't post the thread there. Add me with "
        "/invite @confbot, or pick one I'm in."
    }
