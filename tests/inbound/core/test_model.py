"""Inbound transfer domain (seed 003): the code mapping, prompts, caller rules, the answer, event planning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.inbound.core.answer import (
    AnswerDefaults,
    Callee,
    Decision,
    InboundQuery,
    QueryOutcome,
    build_answer,
    decide,
    with_seq,
)
from bot.inbound.core.calls import InboundLeg, call_state, plan_event, talk_time
from bot.inbound.core.events import (
    CALL_RESULTS,
    EVENT_CODES,
    EventScope,
    InboundEvent,
    end_state,
    map_event,
    normalise_result,
    result_reason,
)
from bot.inbound.core.numbers import dialable, number_key, prefix_key
from bot.inbound.core.prompts import (
    PromptError,
    PromptFile,
    PromptVar,
    VarType,
    build_prompt,
    parse_prompt,
    render_prompt,
)
from bot.inbound.core.routes import (
    ConnMode,
    RecordMode,
    Ringback,
    Route,
    RouteOptions,
    RouteRule,
    RuleAction,
    RuleTarget,
    match_rule,
)
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason

# --- every code in the seed -----------------------------------------------------------------

SEED_EVENT_CODES = {"15", "16", "22", "30", "31", "32", "40", "42", "43", "44"}
SEED_CALL_RESULTS = {
    "00", "01", "02", "03", "04", "05", "06", "11", "12", "13", "18", "20", "21", "22", "23", "24",
    "101", "102", "103", "104", "108", "109", "110", "113", "180",
}  # fmt: skip


def test_the_mapping_covers_exactly_the_seeds_event_and_call_result_codes() -> None:
    assert set(EVENT_CODES) == SEED_EVENT_CODES
    assert set(CALL_RESULTS) == SEED_CALL_RESULTS


@pytest.mark.parametrize(
    ("code", "call_result", "scope", "state", "reason"),
    [
        ("15", None, EventScope.LEG, CallState.DIALING, None),
        ("15", "180", EventScope.LEG, CallState.RINGING, None),
        ("16", None, EventScope.LEG, CallState.RINGING, None),
        ("31", None, EventScope.LEG, CallState.ANSWERED, None),
        ("30", "02", EventScope.LEG, CallState.FAILED, FailReason.BUSY),
        ("30", None, EventScope.LEG, CallState.FAILED, FailReason.UNKNOWN),
        ("30", "00", EventScope.LEG, CallState.FAILED, FailReason.UNKNOWN),
        ("40", None, EventScope.ANSWER, CallState.ANSWERED, None),
        ("22", None, EventScope.END, None, None),
        ("32", None, EventScope.END, None, None),
        ("44", None, EventScope.END, None, None),
        ("42", None, EventScope.END, None, FailReason.MAX_DURATION),
        ("43", None, EventScope.WARNING, None, None),
        ("99", None, EventScope.NONE, None, None),
        ("99", "180", EventScope.LEG, CallState.RINGING, None),
    ],
)
def test_every_event_code_maps_to_its_scope_state_and_reason(code, call_result, scope, state, reason) -> None:
    meaning = map_event(code, call_result)
    assert (meaning.scope, meaning.state, meaning.reason) == (scope, state, reason)


@pytest.mark.parametrize(
    ("call_result", "reason"),
    [
        ("00", None),
        ("01", FailReason.NETWORK),
        ("02", FailReason.BUSY),
        ("03", FailReason.UNREACHABLE),
        ("04", FailReason.NO_ANSWER),
        ("05", FailReason.UNREACHABLE),
        ("06", FailReason.INVALID_NUMBER),
        ("11", FailReason.BARRED),
        ("12", FailReason.BARRED),
        ("13", FailReason.UNREACHABLE),
        ("18", FailReason.INVALID_NUMBER),
        ("20", FailReason.BARRED),
        ("21", FailReason.BARRED),
        ("22", FailReason.BARRED),
        ("23", FailReason.BUSY),
        ("24", FailReason.REJECTED),
        ("101", FailReason.NETWORK),
        ("102", FailReason.BUSY),
        ("103", FailReason.UNREACHABLE),
        ("104", FailReason.NO_ANSWER),
        ("108", FailReason.NETWORK),
        ("109", FailReason.NETWORK),
        ("110", FailReason.INVALID_NUMBER),
        ("113", FailReason.UNREACHABLE),
        ("180", None),
    ],
)
def test_every_call_result_code_maps_to_the_notes_reason(call_result: str, reason: FailReason | None) -> None:
    assert result_reason(call_result) is reason
    failed = map_event("30", call_result)
    assert failed.state is CallState.FAILED and failed.reason is (reason or FailReason.UNKNOWN)


def test_call_results_are_read_however_the_platform_writes_them() -> None:
    assert normalise_result("2") == "02" and normalise_result("20:") == "20" and normalise_result(" 102 ") == "102"
    assert normalise_result("") is None and normalise_result(None) is None
    assert result_reason("999") is None


@pytest.mark.parametrize(
    ("code", "call_result", "answered", "expected"),
    [
        ("22", None, True, (CallState.COMPLETED, None)),
        ("32", None, True, (CallState.COMPLETED, None)),
        ("44", None, True, (CallState.COMPLETED, None)),
        ("42", None, True, (CallState.COMPLETED, FailReason.MAX_DURATION)),
        ("22", None, False, (CallState.CANCELLED, None)),
        ("44", None, False, (CallState.CANCELLED, None)),
        ("22", "04", False, (CallState.FAILED, FailReason.NO_ANSWER)),
        ("22", "180", False, (CallState.CANCELLED, None)),
        ("32", None, False, (CallState.FAILED, FailReason.REJECTED)),
        ("32", "24", False, (CallState.FAILED, FailReason.REJECTED)),
        ("44", "23", False, (CallState.FAILED, FailReason.BUSY)),
        ("42", None, False, (CallState.FAILED, FailReason.MAX_DURATION)),
    ],
)
def test_end_codes_complete_answered_lines_and_explain_the_others(code, call_result, answered, expected) -> None:
    assert end_state(code, call_result, answered) == expected


# --- prompts --------------------------------------------------------------------------------


def test_a_lone_recording_is_its_file_name() -> None:
    assert render_prompt("welcome.wav") == "welcome.wav"


def test_text_becomes_tts_in_the_extended_form() -> None:
    assert render_prompt("您好，正在为您转接") == "<msg><var>7_您好，正在为您转接</var></msg>"


def test_parts_joined_by_plus_keep_their_order_and_types() -> None:
    assert (
        render_prompt("1.wav+7_你好+2.wav") == "<msg><file>1.wav</file><var>7_你好</var><file>2.wav</file></msg>"
    )  # the seed's own example
    assert render_prompt("queue.wav+2_5+minutes.wav") == (
        "<msg><file>queue.wav</file><var>2_5</var><file>minutes.wav</file></msg>"
    )


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("1_-42", PromptVar(VarType.INTEGER, "-42")),
        ("2_13800138000", PromptVar(VarType.DIGITS, "13800138000")),
        ("3_0930", PromptVar(VarType.TIME_HHMM, "0930")),
        ("4_20261231", PromptVar(VarType.DATE_YYYYMMDD, "20261231")),
        ("5_0012345", PromptVar(VarType.PRICE_YYYYYJF, "0012345")),
        ("6_000123045", PromptVar(VarType.TIME_HHHHMMMSS, "000123045")),
        ("7_hello", PromptVar(VarType.TTS, "hello")),
        ("hello", PromptVar(VarType.TTS, "hello")),
        ("a/b-c.mp3", PromptFile("a/b-c.mp3")),
    ],
)
def test_every_vartype_is_read_and_built(text: str, part) -> None:
    assert parse_prompt(text) == (part,)
    built = build_prompt((PromptFile("x.wav"), part))
    expected = f"<file>{part.name}</file>" if isinstance(part, PromptFile) else f"<var>{part.type}_{part.value}</var>"
    assert built == f"<msg><file>x.wav</file>{expected}</msg>"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1_abc", "vartype 1 needs an integer"),
        ("2_12a", "vartype 2 needs digits"),
        ("3_2561", "vartype 3 needs a time as HHMM"),
        ("4_20260230", "not a real date"),
        ("5_123", "vartype 5 needs a price"),
        ("6_12345", "vartype 6 needs a duration"),
        ("7_   ", "TTS text is empty"),
        ("a.wav++b.wav", "an empty part"),
        ("x" * 501, "longer than 500"),
        ("<msg><file>a.wav</file>junk</msg>", "only <file> and <var>"),
        ("<msg><var>9_x</var></msg>", "vartype 1–7"),
        ("<msg><file>a.wav</file>", "must end with </msg>"),
    ],
)
def test_prompts_that_cannot_be_played_say_why(text: str, why: str) -> None:
    with pytest.raises(PromptError) as caught:
        parse_prompt(text)
    assert why in caught.value.why


def test_tts_text_is_escaped_so_the_msg_stays_well_formed() -> None:
    assert render_prompt("a<b & c") == "<msg><var>7_a&lt;b &amp; c</var></msg>"
    assert parse_prompt("<msg><var>7_a&lt;b</var><file>x.wav</file></msg>") == (
        PromptVar(VarType.TTS, "a<b"),
        PromptFile("x.wav"),
    )


def test_an_extended_prompt_round_trips() -> None:
    text = "<msg><file>1.wav</file><var>3_0930</var><var>7_再见</var></msg>"
    assert render_prompt(text) == text
    assert render_prompt("") == ""


# --- numbers and rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("4001234567", "4001234567"),
        ("400-123-4567", "4001234567"),
        ("+86 400 123 4567", "4001234567"),
        ("+86 10 5851 2042", "01058512042"),
        ("010-58512042", "01058512042"),
        ("008613800138000", "13800138000"),
        ("+1 650 253 0000", "0016502530000"),
        ("95555", "95555"),
    ],
)
def test_access_and_caller_numbers_compare_in_the_platforms_national_form(text: str, key: str) -> None:
    assert number_key(text, "CN") == key


def test_prefixes_are_read_like_caller_numbers() -> None:
    assert prefix_key("+86139", "CN") == "139" and prefix_key("139", "CN") == "139"
    assert prefix_key("+1", "CN") == "001" and prefix_key("0086170", "CN") == "170"


def test_callees_are_dialled_nationally_at_home_and_with_00_abroad() -> None:
    assert dialable("+8613900000001", "CN") == "13900000001"
    assert dialable("+861058512042", "CN") == "01058512042"
    assert dialable("+16502530000", "CN") == "0016502530000"


VIP = RouteRule("139", RuleAction.FORWARD, (RuleTarget(number="+8613900000002"),))
VIP_ONE = RouteRule("13900000001", RuleAction.FORWARD, (RuleTarget(number="+8613900000003"),))
BLOCKED = RouteRule("170", RuleAction.REFUSE)
FALLBACK = RouteRule("", RuleAction.FORWARD, (RuleTarget(number="+8613900000001"),))


def test_the_most_specific_rule_wins_and_the_fallback_takes_the_rest() -> None:
    rules = [FALLBACK, VIP, VIP_ONE, BLOCKED]
    assert match_rule(rules, "13900000001") is VIP_ONE
    assert match_rule(rules, "13912345678") is VIP
    assert match_rule(rules, "17000000000") is BLOCKED
    assert match_rule(rules, "13800138000") is FALLBACK
    assert match_rule(rules, "") is FALLBACK  # a withheld caller
    assert match_rule([VIP], "13800138000") is None


def test_decisions_say_why_a_caller_is_not_put_through() -> None:
    assert decide(None, "13800138000", "CN").outcome is QueryOutcome.NO_ROUTE
    route = Route("4001234567", "4001234567", "C1", (VIP, BLOCKED))
    assert decide(route, "13800138000", "CN").outcome is QueryOutcome.NO_RULE
    assert decide(route, "+86 170 0000 0000", "CN").outcome is QueryOutcome.REFUSED
    nobody = Route("4001234567", "4001234567", "C1", (RouteRule("", RuleAction.FORWARD, (RuleTarget(None, "U1"),)),))
    decision = decide(nobody, "13800138000", "CN")
    assert decision.outcome is QueryOutcome.NO_NUMBER and decision.missing == ("U1",)


def test_mentions_ring_their_resolved_number_and_duplicates_ring_once() -> None:
    rule = RouteRule(
        "",
        RuleAction.FORWARD,
        (
            RuleTarget(slack_user_id="U1", name="amy", resolved="+8613900000001"),
            RuleTarget(number="+8613900000001"),
            RuleTarget(slack_user_id="U2", resolved=None),
        ),
    )
    decision = decide(Route("4001234567", "4001234567", "C1", (rule,)), "13800138000", "CN")
    assert decision.outcome is QueryOutcome.ROUTED
    assert decision.callees == (Callee("+8613900000001", "13900000001", "U1", "amy"),)
    assert decision.missing == ("U2",)


# --- the answer -----------------------------------------------------------------------------

QUERY = InboundQuery("sid-1", "VCC", "call-1", "13812341234", "4001234567")
DEFAULTS = AnswerDefaults(charge_ext="8001", fail_prompt="sorry.wav")


def routed(options: RouteOptions) -> Decision:
    rule = RouteRule("", RuleAction.FORWARD, (RuleTarget(number="+8613900000001"),), options)
    return decide(Route("4001234567", "4001234567", "C1", (rule,)), QUERY.calling_number, "CN")


def test_a_routed_answer_carries_every_field_that_applies_in_the_seeds_order() -> None:
    options = RouteOptions(
        record=RecordMode.ANSWER,
        max_s=1800,
        warn_s=60,
        mode=ConnMode.BRIDGE,
        ringback=Ringback.TONE,
        prompt="welcome.wav",
        answer_prompt="来自热线的电话",
        hangup_prompt="bye.wav",
        fail_prompt="busy.wav+7_请稍后",
        warn_prompt="last.wav",
        ringback_prompt="music.wav",
    )
    answer = build_answer(QUERY, routed(options), "client-1", DEFAULTS)
    assert answer == {
        "sid": "sid-1",
        "vccId": "VCC",
        "callId": "call-1",
        "seq": "0",
        "chargeExt": "8001",
        "result": "0000",
        "clientId": "client-1",
        "callerPrompt": "welcome.wav",
        "userList": [
            {
                "number": "13900000001",
                "type": "1",
                "displayNumber": "13812341234",
                "answerPrompt": "<msg><var>7_来自热线的电话</var></msg>",
                "disconnectPrompt": "bye.wav",
                "failPrompt": "<msg><file>busy.wav</file><var>7_请稍后</var></msg>",
            }
        ],
        "maxDuration": "1800",
        "recordType": "2",
        "warningDuration": "60",
        "warningPrompt": "last.wav",
        "connType": "1",
        "ringbackMode": "0",
        "ringbackPrompt": "music.wav",
    }


def test_defaults_answer_bridge_mode_no_recording_and_the_platforms_maximum() -> None:
    answer = build_answer(QUERY, routed(RouteOptions()), "c", DEFAULTS)
    assert {k: answer[k] for k in ("maxDuration", "recordType", "warningDuration", "connType", "ringbackMode")} == {
        "maxDuration": "0",
        "recordType": "0",
        "warningDuration": "0",
        "connType": "1",
        "ringbackMode": "0",
    }
    assert "callerPrompt" not in answer and "warningPrompt" not in answer and "ringbackPrompt" not in answer


def test_record_modes_connection_modes_and_ringback_use_the_seeds_codes() -> None:
    conference = build_answer(
        QUERY,
        routed(RouteOptions(record=RecordMode.NOW, mode=ConnMode.CONFERENCE, ringback=Ringback.PASS)),
        "c",
        DEFAULTS,
    )
    assert (conference["recordType"], conference["connType"], conference["ringbackMode"]) == ("1", "0", "1")
    passed = build_answer(QUERY, routed(RouteOptions(ringback=Ringback.PASS, ringback_prompt="x.wav")), "c", DEFAULTS)
    assert "ringbackPrompt" not in passed  # only valid with ringbackMode 0


def test_the_warning_is_never_above_the_maximum_duration() -> None:
    clamped = build_answer(QUERY, routed(RouteOptions(max_s=60, warn_s=120)), "c", DEFAULTS)
    assert clamped["warningDuration"] == "60"
    no_max = build_answer(QUERY, routed(RouteOptions(warn_s=60, warn_prompt="w.wav")), "c", DEFAULTS)
    assert no_max["warningDuration"] == "0" and "warningPrompt" not in no_max


def test_display_number_can_be_the_caller_the_access_number_or_a_fixed_number() -> None:
    def shown(display: str) -> str:
        return build_answer(QUERY, routed(RouteOptions(display=display)), "c", DEFAULTS)["userList"][0]["displayNumber"]

    assert (shown("caller"), shown("access"), shown("95555")) == ("13812341234", "4001234567", "95555")


def test_failures_answer_a_failure_result_with_the_fail_prompt_and_no_callees() -> None:
    no_route = build_answer(QUERY, decide(None, QUERY.calling_number, "CN"), "c", DEFAULTS)
    assert no_route == {
        "sid": "sid-1",
        "vccId": "VCC",
        "callId": "call-1",
        "seq": "0",
        "chargeExt": "8001",
        "result": "1001",
        "clientId": "c",
        "callerPrompt": "sorry.wav",
    }
    refuse = RouteRule("", RuleAction.REFUSE, options=RouteOptions(prompt="您好，本号码不接受您的来电"))
    refused = build_answer(QUERY, decide(Route("k", "k", "C1", (refuse,)), "1", "CN"), "c", DEFAULTS)
    assert (
        refused["result"] == "1002" and refused["callerPrompt"] == "<msg><var>7_您好，本号码不接受您的来电</var></msg>"
    )
    silent = build_answer(QUERY, decide(None, "1", "CN"), "c", AnswerDefaults())
    assert "callerPrompt" not in silent and silent["chargeExt"] == ""


def test_seq_is_echoed_when_the_query_has_one_and_on_repeats() -> None:
    answer = build_answer(InboundQuery("s", "V", "c", "1", "2", seq="17"), decide(None, "1", "CN"), "x", DEFAULTS)
    assert answer["seq"] == "17"
    assert with_seq(answer, "18")["seq"] == "18" and with_seq(answer, None)["seq"] == "0"


# --- events on lines ------------------------------------------------------------------------

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def leg(leg_id: int, number: str, state: CallState = CallState.QUEUED, position: int | None = None) -> InboundLeg:
    return InboundLeg(
        call_id=1,
        position=leg_id if position is None else position,
        party=Party(PartyKind.PHONE, number),
        dialled=number.removeprefix("+86"),
        state=state,
        id=leg_id,
    )


def test_a_single_line_follows_the_call_from_dialling_to_hang_up() -> None:
    line = leg(1, "+8613900000001")
    for code, state in [("15", CallState.DIALING), ("16", CallState.RINGING), ("31", CallState.ANSWERED)]:
        [change] = plan_event([line], code, None)
        assert (change.expected, change.new) == (line.state, state)
        line.state = state
    [end] = plan_event([line], "22", None)
    assert (end.new, end.reason) == (CallState.COMPLETED, None)


def test_late_and_repeated_events_plan_nothing() -> None:
    answered = leg(1, "+8613900000001", CallState.ANSWERED)
    assert plan_event([answered], "16", None) == []
    assert plan_event([answered], "31", None) == []
    assert plan_event([answered], "15", None) == []
    done = leg(1, "+8613900000001", CallState.COMPLETED)
    assert plan_event([done], "30", "02") == [] and plan_event([done], "22", None) == []


def test_a_failure_after_an_answer_is_just_the_end() -> None:
    [change] = plan_event([leg(1, "+8613900000001", CallState.ANSWERED)], "30", "02")
    assert (change.new, change.reason, change.code) == (CallState.COMPLETED, None, None)


def test_an_unreachable_callee_fails_with_the_call_result_kept() -> None:
    [change] = plan_event([leg(1, "+8613900000001", CallState.DIALING)], "30", "05")
    assert (change.new, change.reason, change.code) == (CallState.FAILED, FailReason.UNREACHABLE, "05")


def test_events_naming_a_callee_move_that_line_only() -> None:
    lines = [leg(1, "+8613900000001", CallState.RINGING), leg(2, "+8613900000002", CallState.RINGING)]
    [change] = plan_event(lines, "31", None, ["13900000002"])
    assert change.leg_id == 2 and change.new is CallState.ANSWERED
    [translated] = plan_event(lines, "30", "04", ["+86 139 0000 0001"])
    assert translated.leg_id == 1 and translated.reason is FailReason.NO_ANSWER


def test_without_a_number_new_attempts_take_the_next_waiting_line_and_others_the_furthest_along() -> None:
    lines = [leg(1, "+8613900000001", CallState.FAILED), leg(2, "+8613900000002"), leg(3, "+8613900000003")]
    [dialing] = plan_event(lines, "15", None)
    assert dialing.leg_id == 2
    lines[1].state = CallState.RINGING
    [answered] = plan_event(lines, "40", None)
    assert answered.leg_id == 2 and answered.new is CallState.ANSWERED


def test_the_end_of_the_call_closes_every_open_line() -> None:
    lines = [
        leg(1, "+8613900000001", CallState.ANSWERED),
        leg(2, "+8613900000002", CallState.RINGING),
        leg(3, "+8613900000003", CallState.FAILED),
    ]
    ended_by_time = {c.leg_id: (c.new, c.reason) for c in plan_event(lines, "42", None)}
    assert ended_by_time == {
        1: (CallState.COMPLETED, FailReason.MAX_DURATION),
        2: (CallState.FAILED, FailReason.MAX_DURATION),  # still ringing when time ran out: nobody withdrew it
    }
    caller_left = {c.leg_id: (c.new, c.reason) for c in plan_event(lines, "22", None)}
    assert caller_left == {1: (CallState.COMPLETED, None), 2: (CallState.CANCELLED, None)}


def test_an_end_with_a_call_result_explains_the_line_it_names() -> None:
    lines = [leg(1, "+8613900000001", CallState.DIALING), leg(2, "+8613900000002", CallState.DIALING)]
    changes = {c.leg_id: (c.new, c.reason, c.code) for c in plan_event(lines, "22", "02", ["13900000002"])}
    assert changes == {1: (CallState.CANCELLED, None, None), 2: (CallState.FAILED, FailReason.BUSY, "02")}


def test_the_call_as_a_whole_follows_its_lines() -> None:
    assert call_state([]) is CallState.FAILED
    assert call_state([CallState.QUEUED, CallState.QUEUED]) is CallState.QUEUED
    assert call_state([CallState.DIALING, CallState.QUEUED]) is CallState.DIALING
    assert call_state([CallState.RINGING, CallState.FAILED]) is CallState.RINGING
    assert call_state([CallState.ANSWERED, CallState.RINGING]) is CallState.ANSWERED
    assert call_state([CallState.COMPLETED, CallState.RINGING]) is CallState.ANSWERED
    assert call_state([CallState.COMPLETED, CallState.CANCELLED]) is CallState.COMPLETED
    assert call_state([CallState.FAILED, CallState.CANCELLED]) is CallState.FAILED
    assert call_state([CallState.CANCELLED]) is CallState.CANCELLED


def test_talk_time_runs_from_the_first_answer_to_the_last_hang_up() -> None:
    first, second = leg(1, "+8613900000001"), leg(2, "+8613900000002")
    assert talk_time([first, second]) is None
    first.answered_at, first.ended_at = T0, T0 + timedelta(seconds=95)
    assert talk_time([first, second]) == 95


def test_duplicate_events_share_a_dedupe_key_and_different_events_do_not() -> None:
    def event(**kw) -> InboundEvent:
        values = {"sid": "s", "vcc_id": "V", "call_id": "c", "seq": "3", "code": "16"} | kw
        return InboundEvent(**values)

    assert event().dedupe_key == event(charge_ext="x").dedupe_key
    assert len({event().dedupe_key, event(code="31").dedupe_key, event(seq="4").dedupe_key}) == 3
    assert event(callee_numbers=("1",)).dedupe_key != event(callee_numbers=("2",)).dedupe_key
    assert event(call_result="2").dedupe_key == event(call_result="02").dedupe_key


def test_options_keep_only_what_differs_from_the_defaults() -> None:
    options = RouteOptions(record=RecordMode.ANSWER, max_s=1800, prompt="hi")
    assert options.as_dict() == {"record": "answer", "max_s": 1800, "prompt": "hi"}
    assert RouteOptions.from_dict(options.as_dict()) == options
    assert RouteOptions.from_dict({"unknown": 1}) == RouteOptions()


def _call(state: CallState = CallState.QUEUED, **kw):
    from bot.inbound.core.calls import InboundCall

    values = {
        "vcc_id": "V",
        "platform_call_id": "c",
        "sid": "s",
        "client_id": "x",
        "calling_number": "1",
        "access_number": "2",
        "outcome": QueryOutcome.ROUTED,
        "channel_id": "C1",
        "created_at": T0,
        "state": state,
        "id": 1,
    }
    return InboundCall(**(values | kw))


def _event(code: str, call_result: str | None = None) -> InboundEvent:
    return InboundEvent(sid="s", vcc_id="V", call_id="c", seq="1", code=code, call_result=call_result)


def plan(call, legs, event: InboundEvent):
    """What an event does, as the core decides it: line changes, once-per-call flags, the call's move."""
    from bot.inbound.core.calls import call_move, due_flags, with_changes

    changes = plan_event(legs, event.code, event.call_result, event.callee_numbers)
    after = with_changes(legs, changes)
    moved = call_move(call, [leg.state for leg in after]) if changes else None
    return changes, due_flags(call, event), moved


def test_the_first_event_opens_the_thread_and_moves_the_call() -> None:
    from bot.inbound.core.calls import CallFlag

    changes, flags, moved = plan(_call(), [leg(1, "+8613900000001")], _event("15"))
    assert flags == (CallFlag.OPENED,) and moved is CallState.DIALING and len(changes) == 1
    later = plan(_call(CallState.DIALING, opened=True), [leg(1, "+8613900000001", CallState.DIALING)], _event("16"))
    assert later[1] == () and later[2] is CallState.RINGING


def test_an_event_that_changes_nothing_moves_nothing_but_still_opens_a_thread() -> None:
    from bot.inbound.core.calls import CallFlag

    changes, flags, moved = plan(
        _call(CallState.ANSWERED), [leg(1, "+8613900000001", CallState.ANSWERED)], _event("16")
    )
    assert changes == [] and moved is None and flags == (CallFlag.OPENED,)


def test_the_warning_is_due_once_and_the_end_completes_the_call() -> None:
    from bot.inbound.core.calls import CallFlag

    answered = [leg(1, "+8613900000001", CallState.ANSWERED)]
    assert plan(_call(CallState.ANSWERED, opened=True), answered, _event("43"))[1] == (CallFlag.WARNED,)
    assert plan(_call(CallState.ANSWERED, opened=True, warned=True), answered, _event("43"))[1] == ()
    changes, _, moved = plan(_call(CallState.ANSWERED, opened=True), answered, _event("32"))
    assert moved is CallState.COMPLETED and changes[0].new is CallState.COMPLETED


def test_a_line_failing_while_another_rings_keeps_the_call_ringing() -> None:
    legs = [leg(1, "+8613900000001", CallState.RINGING), leg(2, "+8613900000002", CallState.RINGING)]
    changes, _, moved = plan(_call(CallState.RINGING, opened=True), legs, _event("30", "02"))
    assert [c.leg_id for c in changes] == [1]  # the first of the lines furthest along
    assert moved is None  # the other line still rings: so does the call
