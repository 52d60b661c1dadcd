"""Builders for inbound calls: the call's thread, its replies and route answers, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.models.blocks import Block

from bot.inbound.core.answer import QueryOutcome
from bot.inbound.core.calls import InboundCall, InboundLeg, InboundNoticeKind
from bot.inbound.core.route_book import (
    RouteChangedReply,
    RouteHelpReply,
    RouteNotAllowedReply,
    RouteNothingReply,
    RoutesReply,
)
from bot.inbound.core.route_command import RouteError, RouteProblem
from bot.inbound.core.routes import RecordMode, RouteChange, RouteOptions, RouteRule, RuleAction, RuleTarget
from bot.inbound.slack.blocks import (
    InboundView,
    build_inbound_notice,
    build_inbound_thread,
    build_route_error,
    build_route_reply,
    describe_duration,
)
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.slack.messages import CATALOGUE

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
EN = InboundView(locale="en", mask_numbers=True)
ZH = InboundView(locale="zh", mask_numbers=True)


def call(**kw) -> InboundCall:
    values = {
        "vcc_id": "V",
        "platform_call_id": "call-1",
        "sid": "s",
        "client_id": "c",
        "calling_number": "13812341234",
        "access_number": "4001234567",
        "outcome": QueryOutcome.ROUTED,
        "channel_id": "C1",
        "created_at": NOW,
        "rule_prefix": "",
        "id": 7,
        "answer": {"maxDuration": "1800"},
    }
    values.update(kw)
    return InboundCall(**values)


def line(state: CallState, reason: FailReason | None = None, code: str | None = None, **kw) -> InboundLeg:
    return InboundLeg(
        call_id=7,
        position=0,
        party=Party(PartyKind.PHONE, "+8613900000011", slack_user_id="U0BOB", name="Bob"),
        dialled="13900000011",
        state=state,
        reason=reason,
        code=code,
        id=1,
        **kw,
    )


def valid(blocks: list[dict]) -> None:
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.to_dict()  # raises when Slack would refuse it


@pytest.mark.parametrize(
    ("state", "title"),
    [
        (CallState.QUEUED, "Inbound call from 138****1234 to 4001234567 → dialling Bob (139****0011)"),
        (CallState.DIALING, "Inbound call from 138****1234 to 4001234567 → dialling Bob (139****0011)"),
        (CallState.RINGING, "Inbound call from 138****1234 to 4001234567 → ringing Bob (139****0011)"),
        (
            CallState.CANCELLED,
            "Inbound call from 138****1234 to 4001234567 → the caller hung up before Bob (139****0011) answered",
        ),
    ],
)
def test_the_title_says_where_the_call_stands(state: CallState, title: str) -> None:
    text, blocks = build_inbound_thread(call(state=state), [line(state)], EN)
    assert text == title
    valid(blocks)


def test_an_answered_and_a_finished_call_name_who_talked_and_for_how_long() -> None:
    talking = line(CallState.ANSWERED, answered_at=NOW)
    text, _ = build_inbound_thread(call(state=CallState.ANSWERED), [talking], EN)
    assert text.endswith("→ talking with Bob (139****0011)")
    done = line(CallState.COMPLETED, answered_at=NOW, ended_at=NOW + timedelta(seconds=192))
    text, blocks = build_inbound_thread(call(state=CallState.COMPLETED), [done], EN)
    assert text.endswith("→ talked with Bob (139****0011) for 3 min 12 s")
    assert blocks[1]["text"]["text"] == ":wave: Bob (139****0011) — hung up"
    assert blocks[-1]["elements"][0]["text"] == "Rule: any caller · call call-1"


def test_a_failed_line_shows_the_reason_and_the_call_result_in_words() -> None:
    failed = line(CallState.FAILED, FailReason.BUSY, "102")
    text, blocks = build_inbound_thread(call(state=CallState.FAILED, rule_prefix="139"), [failed], EN)
    assert text.endswith("→ not connected: busy")
    assert blocks[1]["text"]["text"] == ":x: Bob (139****0011) — not reached: busy (callResult 102: busy (signalling))"
    assert blocks[-1]["elements"][0]["text"] == "Rule: callers starting 139 · call call-1"
    _, zh = build_inbound_thread(call(state=CallState.FAILED), [failed], ZH)
    assert "未接通：忙线（callResult 102：根据信令判别呼叫遇忙）" in zh[1]["text"]["text"]


@pytest.mark.parametrize(
    ("outcome", "prefix", "ending"),
    [
        (QueryOutcome.NO_ROUTE, None, "refused: no route is set up for this number"),
        (QueryOutcome.REFUSED, "170", "refused: the route refuses callers starting 170"),
        (QueryOutcome.REFUSED, "", "refused by its route"),
        (QueryOutcome.NO_RULE, None, "refused: no rule matches this caller and the route has no fallback"),
        (QueryOutcome.NO_NUMBER, "", "refused: nobody on the route has a usable number"),
    ],
)
def test_refusals_are_reported_with_why(outcome: QueryOutcome, prefix: str | None, ending: str) -> None:
    text, blocks = build_inbound_thread(call(outcome=outcome, state=CallState.FAILED, rule_prefix=prefix), [], EN)
    assert text == f"Inbound call from 138****1234 to 4001234567 {ending}"
    assert blocks[0]["text"]["text"].startswith(":x: ")
    valid(blocks)


def test_a_withheld_caller_and_unmasked_numbers() -> None:
    text, _ = build_inbound_thread(call(calling_number=""), [line(CallState.DIALING)], EN)
    assert text.startswith("Inbound call from a withheld number to 4001234567")
    plain = InboundView(locale="en", mask_numbers=False)
    text, _ = build_inbound_thread(call(), [line(CallState.DIALING)], plain)
    assert text.startswith("Inbound call from 13812341234") and "+86 139 0000 0011" in text


def test_many_callees_stay_within_slacks_limits() -> None:
    legs = [
        InboundLeg(7, i, Party(PartyKind.PHONE, f"+86139000{i:05d}", name=f"n{i}"), f"139000{i:05d}", id=i)
        for i in range(400)
    ]
    _, blocks = build_inbound_thread(call(), legs, EN)
    assert len(blocks) <= 50
    valid(blocks)


def test_replies_for_what_matters() -> None:
    answered = line(CallState.ANSWERED, answered_at=NOW)
    assert build_inbound_notice(InboundNoticeKind.ANSWERED, {"leg_id": 1}, call(), [answered], EN) == (
        "Bob (139****0011) answered the call from 138****1234."
    )
    failed = line(CallState.FAILED, FailReason.NO_ANSWER, "04")
    assert build_inbound_notice(InboundNoticeKind.FAILED, {"leg_id": 1}, call(), [failed], EN) == (
        "Couldn't reach Bob (139****0011): no answer (callResult 04: nobody answered)."
    )
    unexplained = line(CallState.FAILED, FailReason.UNKNOWN)
    assert build_inbound_notice(InboundNoticeKind.FAILED, {"leg_id": 1}, call(), [unexplained], ZH) == (
        "未能接通 Bob（139****0011）：结果未知。"
    )
    assert build_inbound_notice(InboundNoticeKind.WARNING, {}, call(), [], EN) == (
        "One minute left: the call will be cut off at its 30 min limit."
    )
    assert build_inbound_notice(InboundNoticeKind.WARNING, {}, call(answer={}), [], ZH) == (
        "还剩最后一分钟，通话即将达到最长时长。"
    )
    done = line(CallState.COMPLETED, answered_at=NOW, ended_at=NOW + timedelta(seconds=45))
    assert build_inbound_notice(InboundNoticeKind.ENDED, {"code": "22"}, call(), [done], EN) == (
        "The call ended after 45 s."
    )
    assert build_inbound_notice(InboundNoticeKind.ENDED, {"code": "42"}, call(), [done], EN) == (
        "The call ended after 45 s: it reached its maximum duration."
    )
    assert build_inbound_notice(InboundNoticeKind.ENDED, {"code": "22"}, call(), [line(CallState.CANCELLED)], EN) == (
        "The caller hung up before anyone answered."
    )


def test_durations_read_naturally() -> None:
    assert [describe_duration(s, "en") for s in (0, 59, 60, 192, 1800, 3725)] == [
        "0 s",
        "59 s",
        "1 min",
        "3 min 12 s",
        "30 min",
        "1 h 02 min",
    ]
    assert describe_duration(192, "zh") == "3 分 12 秒"


def test_every_call_result_in_the_catalogue_is_explained_in_both_languages() -> None:
    from bot.inbound.core.events import CALL_RESULTS

    explained = {key.removeprefix("error.cti.") for key in CATALOGUE if key.startswith("error.cti.")}
    assert explained == set(CALL_RESULTS) - {"180"}  # 180 means ringing, never a failure


# --- route answers --------------------------------------------------------------------------

RULE = RouteRule(
    "",
    RuleAction.FORWARD,
    (RuleTarget(slack_user_id="U0BOB", resolved="+8613900000011"), RuleTarget(number="+8613900000001")),
    RouteOptions(record=RecordMode.ANSWER, max_s=5400, prompt="x" * 60),
)


def change(action: str = "set", before=(), after=(RULE,), prefix: str | None = "") -> RouteChange:
    return RouteChange("4001234567", "400-123-4567", prefix, action, "U0ADMIN", NOW, "C0OPS", before, after)


def test_a_saved_route_says_what_it_does_what_it_replaced_and_where_calls_are_reported() -> None:
    old = RouteRule("", RuleAction.FORWARD, (RuleTarget(slack_user_id="U0AMY"),))
    text = build_route_reply(RouteChangedReply("en", "Asia/Shanghai", change(before=(old,)), "C0OPS"), True)
    assert text == (
        "Saved: calls to 400-123-4567 from any caller now ring <@U0BOB> (139****0011), 139****0001 "
        f"`record=answer` `max=1h30m` `prompt={'x' * 40}…`. Before: any caller: ring <@U0AMY>. "
        "Its calls are reported in <#C0OPS>."
    )


def test_removals_nothing_to_remove_refusals_and_help() -> None:
    removed_rule = build_route_reply(
        RouteChangedReply("en", "UTC", change("remove", before=(RULE,), after=(), prefix="139"), "C0OPS"), True
    )
    assert removed_rule == "Removed the rule for callers starting 139 on 400-123-4567."
    removed = build_route_reply(
        RouteChangedReply("zh", "UTC", change("remove_route", before=(RULE,), after=(), prefix=None), "C0OPS"), True
    )
    assert removed == "已删除 400-123-4567 的路由（1 条规则）；之后的来电将被拒绝。"
    assert build_route_reply(RouteNothingReply("en", "4001234567", None), True) == "There is no route for 4001234567."
    assert build_route_reply(RouteNothingReply("en", "4001234567", "139"), True) == (
        "The route for 4001234567 has no rule for callers starting 139."
    )
    assert build_route_reply(RouteNotAllowedReply("en", ""), True).startswith("Only workspace admins can change")
    assert "<!subteam^S1>" in build_route_reply(RouteNotAllowedReply("zh", "S1"), True)
    assert build_route_reply(RouteHelpReply("zh"), True).startswith("*呼入路由*")


def test_an_empty_route_list_says_how_to_add_one() -> None:
    assert build_route_reply(RoutesReply("en", "UTC", (), ()), True).startswith("No inbound routes yet.")


SAMPLE_PARAMS = {
    RouteProblem.NO_ACCESS_NUMBER: {},
    RouteProblem.BAD_ACCESS_NUMBER: {"text": "12"},
    RouteProblem.BAD_PREFIX: {"text": "abc"},
    RouteProblem.NO_ACTION: {"access": "4001234567"},
    RouteProblem.NO_TARGETS: {"access": "4001234567"},
    RouteProblem.UNKNOWN_WORDS: {"words": ["bob"]},
    RouteProblem.PLAIN_AT_NAME: {"names": ["@bob"]},
    RouteProblem.INVALID_NUMBERS: {"numbers": [{"text": "12345", "why": "invalid", "region": "CN"}]},
    RouteProblem.TOO_MANY_TARGETS: {"count": 11, "max": 10},
    RouteProblem.BAD_OPTION_KEY: {"key": "colour", "valid": ["max", "record"]},
    RouteProblem.BAD_OPTION_VALUE: {"key": "mode", "value": "party", "hint": "conference|bridge"},
    RouteProblem.DUPLICATE_OPTION: {"key": "max"},
    RouteProblem.WARN_NEEDS_MAX: {},
    RouteProblem.WARN_NOT_BELOW_MAX: {"warn": "1m", "max": "1m"},
    RouteProblem.RECORD_NOW_IN_BRIDGE: {},
    RouteProblem.BAD_PROMPT: {"key": "prompt", "part": "3_2561", "why": "vartype 3 needs a time as HHMM"},
    RouteProblem.NO_PHONE: {"users": [{"user_id": "U1", "why": "no_phone"}, {"user_id": "U2", "why": "invalid"}]},
    RouteProblem.NOT_CONFIGURED: {"missing": ["CTI_PATH_SECRET", "CTI_VCC_ID"]},
    RouteProblem.TOO_LONG: {"length": 130000, "max": 4000},
}


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize("problem", list(RouteProblem))
def test_every_route_error_renders_in_both_languages(problem: RouteProblem, locale: str) -> None:
    text = build_route_error(RouteError(problem, SAMPLE_PARAMS[problem]), locale)
    assert text and "{" not in text.replace("{example}", "")


def test_route_errors_list_what_is_wrong() -> None:
    numbers = build_route_error(
        RouteError(RouteProblem.INVALID_NUMBERS, SAMPLE_PARAMS[RouteProblem.INVALID_NUMBERS]), "en"
    )
    assert numbers == "Nothing was changed, because these can't be dialled:\n• `12345` is not a valid number in CN."
    people = build_route_error(RouteError(RouteProblem.NO_PHONE, SAMPLE_PARAMS[RouteProblem.NO_PHONE]), "en")
    assert "• <@U1> has no phone number in their Slack profile." in people
    unset = build_route_error(RouteError(RouteProblem.NOT_CONFIGURED, SAMPLE_PARAMS[RouteProblem.NOT_CONFIGURED]), "en")
    assert unset.startswith(
        "Inbound call routing is not set up yet: an admin must set `CTI_PATH_SECRET`, `CTI_VCC_ID`."
    )
    words = build_route_error(RouteError(RouteProblem.UNKNOWN_WORDS, {"words": ["bob", "alice"]}), "en")
    assert words.startswith("I can't read `bob`, `alice` in a route command.")
