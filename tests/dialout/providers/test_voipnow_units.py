"""VoipNow pieces that need no server: option grammar, the seed's printed listing, metadata, catalogue."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.dialout.core.command import InviteDraft, ParseContext, ParseError, ParseProblem, parse_command
from bot.dialout.core.models import TargetKind
from bot.dialout.core.ports import StatusSource
from bot.dialout.providers import REGISTRY
from bot.dialout.providers.voipnow import provider as voipnow
from bot.dialout.providers.voipnow.client import loads, records
from bot.dialout.providers.voipnow.provider import VoipNowProvider
from bot.dialout.providers.voipnow.settings import VoipNowSettings
from bot.dialout.slack.replies import build_parse_error
from bot.kernel.phone import DialingPolicy
from bot.kernel.states import FailReason
from bot.slack.messages import CATALOGUE
from tests.dialout.providers.fakes.voipnow import MESSAGES


def context() -> ParseContext:
    info = VoipNowProvider(VoipNowSettings(_env_file=None)).info
    return ParseContext(
        now=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        tz="Asia/Shanghai",
        policy=DialingPolicy("CN"),
        providers={"voipnow": replace(info, missing_settings=())},
        default_provider={TargetKind.CONFERENCE: "voipnow"},
    )


def test_users_write_every_option_after_the_target_and_it_is_normalised() -> None:
    # Slack sends a typed "<" and ">" as &lt; and &gt;
    text = '13692206627 into conf 3 via voipnow pin=2233 wait=40s callerid="Ops &lt;4000&gt;" ext=0003*211 now'
    draft = parse_command(text, context())
    assert isinstance(draft, InviteDraft) and draft.target.id == "3"
    assert draft.options == {"pin": "2233", "wait": "40", "callerid": "Ops <4000>", "ext": "0003*211"}


@pytest.mark.parametrize(
    ("text", "problem", "key"),
    [
        ("13692206627 into conf 3 wait=0s now", ParseProblem.BAD_OPTION_VALUE, "wait"),
        ('13692206627 into conf 3 callerid="Ops" now', ParseProblem.BAD_OPTION_VALUE, "callerid"),
        ("13692206627 into conf 3 pin=12ab now", ParseProblem.BAD_OPTION_VALUE, "pin"),
        ("13692206627 into conf 3 voice=listen now", ParseProblem.BAD_OPTION_KEY, "voice"),
    ],
)
def test_bad_options_are_refused_before_anything_is_scheduled(text: str, problem: ParseProblem, key: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_command(text, context())
    assert caught.value.problem is problem and caught.value.params["key"] == key
    if problem is ParseProblem.BAD_OPTION_KEY:
        assert caught.value.params["valid"] == ["callerid", "ext", "pin", "wait"]


@pytest.mark.parametrize("code", ["busy", "failed", "no_answer", "not_allowed"])
def test_every_failing_disposition_is_explained(code: str) -> None:
    assert set(CATALOGUE[f"error.voipnow.disposition_{code}"]) == {"en", "zh"}


def test_the_seeds_printed_listing_reads_as_records() -> None:
    printed = b'{ "entry": [ { "id": "b817d2618fe6f1804db1", "phoneCallView": [ {"status": "5"} ] },\n'
    printed += b'{ "links": {} } ] },\n{ "startIndex": 0, "totalResults": 1 }'
    assert [r["id"] for r in records(loads(printed))] == ["b817d2618fe6f1804db1"]


@pytest.mark.parametrize(
    ("key", "value", "normalised"),
    [
        ("pin", "2233", "2233"),
        ("pin", "22a3", None),
        ("pin", "", None),
        ("wait", "40s", "40"),
        ("wait", "40", "40"),
        ("wait", "1m", "60"),
        ("wait", "0", None),
        ("wait", "0s", None),
        ("wait", "11m", None),
        ("wait", "soon", None),
        ("callerid", "Ops <4000>", "Ops <4000>"),
        ("callerid", "  John   Doe <+3334444> ", "John Doe <+3334444>"),
        ("callerid", "Ops", None),
        ("callerid", "<4000>", None),
        ("callerid", "Ops <40a0>", None),
        ("ext", "211", "211"),
        ("ext", "0003*211", "0003*211"),
        ("ext", "abc", None),
    ],
)
def test_options_are_validated_before_scheduling(key: str, value: str, normalised: str | None) -> None:
    spec = voipnow.OPTIONS[key]
    if normalised is None:
        with pytest.raises(ValueError):
            spec.normalise(value)
    else:
        assert spec.normalise(value) == normalised


def test_info_declares_a_polling_conference_provider_and_names_missing_settings() -> None:
    provider = REGISTRY["voipnow"].from_settings(Settings(_env_file=None))
    info = provider.info
    assert info.name == "voipnow" and [c.value for c in info.capabilities] == ["conference"]
    assert info.status is StatusSource.POLLING and info.timing.poll_every_s == 3.0
    assert info.timing.limits.ring_s == 25 + 90 and info.timing.silence_reason is FailReason.UNKNOWN
    assert set(info.options) == {"pin", "wait", "callerid", "ext"}
    assert set(info.missing_settings) == {
        "VOIPNOW_BASE_URL",
        "VOIPNOW_CLIENT_ID",
        "VOIPNOW_CLIENT_SECRET",
        "VOIPNOW_EXTENSION",
    }


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_documented_voipnow_code_has_words_in_both_languages(code: str) -> None:
    assert set(CATALOGUE[f"error.voipnow.{code}"]) == {"en", "zh"}


@pytest.mark.parametrize("conference", ["abc", "3a", "12.5", "3#"])
def test_a_conference_id_that_is_not_a_number_is_refused_before_scheduling(conference: str) -> None:
    """Seed 001 types `number` (the scheduled conference) as Number: `number=abc` is never sent."""
    with pytest.raises(ParseError) as caught:
        parse_command(f"13800138000 into conf {conference} via voipnow", context())
    error = caught.value
    assert error.problem is ParseProblem.PROVIDER_REFUSED
    assert error.params == {"provider": "voipnow", "code": "conference_not_a_number"}
    english, chinese = (build_parse_error(error, locale) for locale in ("en", "zh"))
    assert "Nothing was scheduled" in english and "digits" in english
    assert "未安排任何呼叫" in chinese and "数字" in chinese


def test_a_numeric_conference_id_is_accepted() -> None:
    draft = parse_command("13800138000 into conf 3 via voipnow", context())
    assert isinstance(draft, InviteDraft) and draft.target.id == "3"
