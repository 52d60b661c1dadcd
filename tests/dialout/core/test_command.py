"""The /dial grammar: forms that must work, and errors that must say exactly what is wrong."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dialout.core.command import (
    CancelCommand,
    HelpCommand,
    InviteDraft,
    ListCommand,
    ParseContext,
    ParseError,
    ParseProblem,
    parse_command,
    parse_duration,
    resolve_parties,
)
from bot.dialout.core.models import Capability, TargetKind
from bot.dialout.core.ports import OptionSpec, ProviderInfo, SecondsRange, Timing
from bot.kernel.people import PartyKind, UserProfile
from bot.kernel.phone import DialingPolicy


def _voice(value: str) -> str:
    if value not in {"listen", "speak"}:
        raise ValueError("must be listen or speak")
    return value


PROVIDERS = {
    "sandbox": ProviderInfo("sandbox", "Sandbox", frozenset({Capability.CONFERENCE})),
    "yunhuni": ProviderInfo(
        "yunhuni",
        "Yunhuni",
        frozenset({Capability.CONFERENCE}),
        options={"voice": OptionSpec("voice", "listen|speak", _voice)},
        timing=Timing(max_duration=SecondsRange(1, 21600)),
    ),
    "tencent_meeting": ProviderInfo("tencent_meeting", "Tencent Meeting", frozenset({Capability.MEETING})),
    "quanshi": ProviderInfo(
        "quanshi", "Quanshi", frozenset({Capability.EVENT}), options={"before": OptionSpec("before", "0-60", str)}
    ),
    "broken": ProviderInfo("broken", "Broken", frozenset({Capability.CONFERENCE}), missing_settings=("BROKEN_KEY",)),
}
CTX = ParseContext(
    now=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    tz="Asia/Shanghai",
    policy=DialingPolicy("CN"),
    providers=PROVIDERS,
    default_provider={
        TargetKind.CONFERENCE: "sandbox",
        TargetKind.MEETING: "tencent_meeting",
        TargetKind.EVENT: "quanshi",
    },
)


def draft(text: str) -> InviteDraft:
    command = parse_command(text, CTX)
    assert isinstance(command, InviteDraft)
    return command


def error(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_command(text, CTX)
    return caught.value


def test_numbers_and_mention_into_conference_tomorrow() -> None:
    d = draft("+8613692206627, 13800138000 <@U024BE7LH> into conf 42 tomorrow 3pm")
    assert d.phones == ("+8613692206627", "+8613800138000")
    assert d.mentions == ("U024BE7LH",)
    assert (d.target.kind, d.target.id, d.provider) == (TargetKind.CONFERENCE, "42", "sandbox")
    assert d.when.at.strftime("%Y-%m-%d %H:%M") == "2026-11-27 15:00"


def test_provider_and_relative_time() -> None:
    d = draft("13692206627 to conference 42 via sandbox in 10 minutes")
    assert d.provider == "sandbox" and d.when.at.strftime("%H:%M") == "10:10"


def test_now_with_maximum_duration() -> None:
    d = draft("13692206627 into conf 42 now max 30m")
    assert d.when.is_now and d.max_duration_s == 1800


def test_chinese_keywords() -> None:
    d = draft("13692206627 呼入会议 42 明天下午3点 最长半小时")
    assert d.target.id == "42" and d.when.at.strftime("%d %H") == "27 15" and d.max_duration_s == 1800


def test_no_time_means_now() -> None:
    assert draft("13692206627 into conf 42").when.is_now


def test_number_split_by_spaces_is_rejoined() -> None:
    assert draft("+86 136 9220 6627 into conf 42").phones == ("+8613692206627",)
    assert draft("010 5851 2042 into conf 42").phones == ("+861058512042",)


def test_duplicate_numbers_are_dialled_once() -> None:
    assert draft("13692206627, +8613692206627 into conf 42").phones == ("+8613692206627",)


def test_slack_autolinks_are_read_as_the_text_they_wrap() -> None:
    d = draft("room sip:<mailto:room1@10.1.2.3|room1@10.1.2.3> into meeting 5")
    assert d.rooms[0].kind is PartyKind.SIP and d.rooms[0].address == "room1@10.1.2.3"


@pytest.mark.parametrize("text", ["", "help", "帮助", "  ?  "])
def test_help(text: str) -> None:
    assert isinstance(parse_command(text, CTX), HelpCommand)


@pytest.mark.parametrize("text", ["list", "LS", " mine ", "我的外呼", "列表"])
def test_list_words_ask_for_the_list(text: str) -> None:
    assert isinstance(parse_command(text, CTX), ListCommand)


def test_cancel() -> None:
    assert parse_command("cancel 17", CTX) == CancelCommand(17)
    assert parse_command("取消 #17", CTX) == CancelCommand(17)
    assert error("cancel soon").problem is ParseProblem.BAD_CANCEL


def test_meeting_rooms_and_mra_addresses() -> None:
    d = draft("room h323:10.1.2.4 room r2, sip:room1@10.1.2.3 into meeting 987654 tomorrow 9:30")
    assert [(r.kind, r.address) for r in d.rooms] == [
        (PartyKind.H323, "10.1.2.4"),
        (PartyKind.ROOM, "r2"),
        (PartyKind.SIP, "room1@10.1.2.3"),
    ]
    assert d.target.kind is TargetKind.MEETING and d.provider == "tencent_meeting"
    assert draft("会议室 r1 呼入会议 987654 明天下午3点").rooms[0].address == "r1"


def test_live_event_call_list() -> None:
    d = draft("event 542818 13800138000, <@U1> before 15m via quanshi tomorrow 3pm")
    assert d.target.kind is TargetKind.EVENT and d.target.id == "542818"
    assert d.phones == ("+8613800138000",) and d.mentions == ("U1",) and d.options == {"before": "15"}
    assert draft("直播 542818 13800138000 提前15分钟 明天下午3点").options == {"before": "15"}


def test_provider_options_are_validated_by_the_provider() -> None:
    assert draft("13692206627 into conf 42 via yunhuni voice=listen").options == {"voice": "listen"}
    bad_value = error("13692206627 into conf 42 via yunhuni voice=loud")
    assert bad_value.problem is ParseProblem.BAD_OPTION_VALUE and bad_value.params["hint"] == "listen|speak"
    bad_key = error("13692206627 into conf 42 via yunhuni colour=red")
    assert bad_key.problem is ParseProblem.BAD_OPTION_KEY and bad_key.params["valid"] == ["voice"]
    assert error("13692206627 into conf 42 voice=listen voice=speak").problem is ParseProblem.DUPLICATE_OPTION


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("into conf 42", ParseProblem.NO_PARTIES),
        ("13692206627", ParseProblem.NO_TARGET),
        ("13692206627 into conf", ParseProblem.BAD_TARGET_ID),
        ("13692206627 into conf 42 sometime", ParseProblem.UNREADABLE_TIME),
        ("13692206627 into conf 42 2026-11-01 09:00", ParseProblem.PAST_TIME),
        ("13692206627 into conf 42 tomorrow", ParseProblem.NEEDS_TIME),
        ("13692206627 into conf 42 every weekday at noonish", ParseProblem.UNREADABLE_TIME),
        ("13692206627 into conf 42 every weekday", ParseProblem.NEEDS_TIME),
        ("12345 into conf 42", ParseProblem.INVALID_NUMBERS),
        ("bob into conf 42", ParseProblem.UNKNOWN_WORDS),
        ("@amy into conf 42", ParseProblem.PLAIN_AT_NAME),
        ("13692206627 into conf 42 via nope", ParseProblem.UNKNOWN_PROVIDER),
        ("13692206627 into conf 42 via broken", ParseProblem.PROVIDER_NOT_CONFIGURED),
        ("13692206627 into conf 42 via quanshi", ParseProblem.PROVIDER_CANNOT),
        ("13692206627 into conf 42 max 5 parsecs", ParseProblem.BAD_DURATION),
        ("13692206627 into conf 42 via yunhuni max 7h", ParseProblem.DURATION_OUT_OF_RANGE),
        ("room r1 into conf 42", ParseProblem.ROOMS_NEED_MEETING),
        ("13692206627 into meeting 42", ParseProblem.MEETING_NEEDS_ROOMS),
        ("event abc 13692206627", ParseProblem.BAD_TARGET_ID),
    ],
)
def test_bad_text_names_the_problem(text: str, problem: ParseProblem) -> None:
    assert error(text).problem is problem


@pytest.mark.parametrize(
    ("phrase", "rule", "first"),
    [
        ("every weekday at 9:30", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-11-27T09:30"),
        ("every monday 9am", "FREQ=WEEKLY;BYDAY=MO", "2026-11-30T09:00"),
        ("every tuesday and thursday at 4pm", "FREQ=WEEKLY;BYDAY=TU,TH", "2026-11-26T16:00"),
        ("daily at 8am", "FREQ=DAILY", "2026-11-27T08:00"),
        ("every month on the 1st at 9am", "FREQ=MONTHLY;BYMONTHDAY=1", "2026-12-01T09:00"),
        ("every monday 9am until dec 31", "FREQ=WEEKLY;UNTIL=20261231T235959;BYDAY=MO", "2026-11-30T09:00"),
        ("daily at 8am for 4 weeks", "FREQ=DAILY;UNTIL=20261224T235959", "2026-11-27T08:00"),
        ("每个工作日上午9:30", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-11-27T09:30"),
        ("工作日每天上午10点", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-11-27T10:00"),
        ("每周一上午9点", "FREQ=WEEKLY;BYDAY=MO", "2026-11-30T09:00"),
        ("每周二、四下午4点", "FREQ=WEEKLY;BYDAY=TU,TH", "2026-11-26T16:00"),
        ("每天下午6点", "FREQ=DAILY", "2026-11-26T18:00"),
        ("每月1号上午9点", "FREQ=MONTHLY;BYMONTHDAY=1", "2026-12-01T09:00"),
        ("每天下午6点到12月31日", "FREQ=DAILY;UNTIL=20261231T235959", "2026-11-26T18:00"),
    ],
)
def test_a_recurring_time_makes_a_series_whose_first_occurrence_is_the_time(phrase: str, rule: str, first: str) -> None:
    d = draft(f"13692206627 into conf 42 {phrase}")
    assert d.recurrence is not None
    assert d.recurrence.rule == rule and d.recurrence.zone == "Asia/Shanghai"
    assert d.when.at == datetime.fromisoformat(first).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert d.as_json()["rule"].startswith("DTSTART;TZID=Asia/Shanghai:")


def test_a_one_off_time_makes_no_series() -> None:
    assert draft("13692206627 into conf 42 tomorrow 9am").recurrence is None


def test_invalid_numbers_are_all_listed_with_why() -> None:
    err = error("12345, +999 1234567, 13692206627 into conf 42")
    assert [(n["text"], n["why"]) for n in err.params["numbers"]] == [
        ("12345", "invalid"),
        ("+999 1234567", "bad_country_code"),
    ]


def test_provider_that_cannot_names_those_that_can() -> None:
    err = error("13692206627 into conf 42 via quanshi")
    assert err.params["able"] == ["sandbox", "yunhuni"]


def test_too_many_parties_is_refused() -> None:
    numbers = ", ".join(f"+86138{i:08d}" for i in range(501))
    assert error(f"{numbers} into conf 42").problem is ParseProblem.TOO_MANY_PARTIES


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("1h", 3600),
        ("1h30m", 5400),
        ("90 minutes", 5400),
        ("半小时", 1800),
        ("2小时", 7200),
        ("45s", 45),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_mentions_resolve_to_profile_numbers_and_deduplicate() -> None:
    d = draft("13800138000 <@U1> <@U2> into conf 42")
    profiles = {
        "U1": UserProfile("U1", phone="+86 138 0013 8000", real_name="Amy"),
        "U2": UserProfile("U2", phone="13692206627", real_name="Bob"),
    }
    parties = resolve_parties(d, profiles, CTX.policy)
    assert [(p.address, p.slack_user_id) for p in parties] == [
        ("+8613800138000", "U1"),
        ("+8613692206627", "U2"),
    ]


def test_mention_without_usable_number_names_everyone_missing() -> None:
    d = draft("<@U1> <@U2> <@U3> into conf 42")
    profiles = {"U1": UserProfile("U1"), "U2": UserProfile("U2", phone="12"), "U3": None}
    with pytest.raises(ParseError) as caught:
        resolve_parties(d, profiles, CTX.policy)
    assert caught.value.problem is ParseProblem.NO_PHONE
    assert [u["user_id"] for u in caught.value.params["users"]] == ["U1", "U2", "U3"]
    assert [u["why"] for u in caught.value.params["users"]] == ["no_phone", "too_short", "unknown_user"]


def test_max_is_refused_for_a_provider_that_cannot_limit_calls() -> None:
    unlimited = ProviderInfo("rooms", "Rooms", frozenset({Capability.MEETING}), timing=Timing(max_duration=None))
    ctx = ParseContext(CTX.now, CTX.tz, CTX.policy, {"rooms": unlimited}, {TargetKind.MEETING: "rooms"})
    assert parse_command("room r1 into meeting 9", ctx)
    with pytest.raises(ParseError) as caught:
        parse_command("room r1 into meeting 9 max 30m", ctx)
    assert caught.value.problem is ParseProblem.DURATION_NOT_SUPPORTED


@pytest.mark.parametrize("text", ["9" * 400 + "m", "1" + "0" * 309 + "h", "1e400m", "9" * 30 + ".5h"])
def test_an_absurdly_long_duration_is_unreadable_not_a_crash(text: str) -> None:
    assert parse_duration(text) is None


def test_max_with_an_absurd_duration_is_refused_with_the_usual_message() -> None:
    assert error(f"13692206627 into conf 42 max {'9' * 400}m").problem is ParseProblem.BAD_DURATION
