"""Numbers, caller rules and the answer to a number query, field by field against the seed."""

from __future__ import annotations

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
from bot.inbound.core.numbers import dialable, number_key, prefix_key
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
from bot.kernel.phone import DialingPolicy

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


def test_a_route_number_outside_the_policy_of_the_moment_is_not_rung() -> None:
    rule = RouteRule(
        "",
        RuleAction.FORWARD,
        (RuleTarget(number="+85291234567"), RuleTarget(slack_user_id="U1", resolved="+8613900000001")),
    )
    route = Route("4001234567", "4001234567", "C1", (rule,))
    only_cn = DialingPolicy("CN", allowed_countries=frozenset({"CN"}))
    decision = decide(route, "13800138000", "CN", only_cn)
    assert [c.e164 for c in decision.callees] == ["+8613900000001"] and decision.refused == ("+85291234567",)
    hong_kong_only = decide(
        Route("4001234567", "4001234567", "C1", (rule,)),
        "13800138000",
        "CN",
        DialingPolicy("CN", allowed_countries=frozenset({"HK"})),
    )
    assert [c.e164 for c in hong_kong_only.callees] == ["+85291234567"]
    satellite = RouteRule("", RuleAction.FORWARD, (RuleTarget(number="+881612345678"),))
    blocked = decide(Route("4001234567", "4001234567", "C1", (satellite,)), "13800138000", "CN", DialingPolicy("CN"))
    assert blocked.outcome is QueryOutcome.NO_NUMBER and blocked.refused == ("+881612345678",)


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


def test_options_keep_only_what_differs_from_the_defaults() -> None:
    options = RouteOptions(record=RecordMode.ANSWER, max_s=1800, prompt="hi")
    assert options.as_dict() == {"record": "answer", "max_s": 1800, "prompt": "hi"}
    assert RouteOptions.from_dict(options.as_dict()) == options
    assert RouteOptions.from_dict({"unknown": 1}) == RouteOptions()
