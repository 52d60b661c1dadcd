"""The /dial route grammar: forms that must work (English and Chinese) and errors that say what is wrong."""

from __future__ import annotations

import pytest

from bot.inbound.core.route_command import (
    ListRoutesCommand,
    RemoveRouteCommand,
    RouteCommand,
    RouteError,
    RouteHelpCommand,
    RouteProblem,
    SetRouteCommand,
    is_route_text,
    parse_route_command,
)
from bot.inbound.core.routes import ConnMode, RecordMode, Ringback, RouteOptions, RuleAction
from bot.kernel.phone import DialingPolicy

POLICY = DialingPolicy("CN")


def parse(text: str, missing: tuple[str, ...] = ()) -> RouteCommand:
    return parse_route_command(text, POLICY, missing)


def error(text: str, missing: tuple[str, ...] = ()) -> RouteError:
    with pytest.raises(RouteError) as caught:
        parse_route_command(text, POLICY, missing)
    return caught.value


def test_a_route_to_a_mention_and_a_number_with_options_and_a_channel() -> None:
    command = parse(
        "route 400-123-4567 to <@U0AMY|amy> 139 0000 0002 in <#C0CALLS|calls> "
        'record=answer max=30m warn=1m mode=bridge ringback=pass prompt="welcome.wav+您好"'
    )
    assert command == SetRouteCommand(
        access_key="4001234567",
        access_display="400-123-4567",
        caller_prefix="",
        action=RuleAction.FORWARD,
        phones=("+8613900000002",),
        mentions=("U0AMY",),
        options=RouteOptions(
            record=RecordMode.ANSWER,
            max_s=1800,
            warn_s=60,
            mode=ConnMode.BRIDGE,
            ringback=Ringback.PASS,
            prompt="welcome.wav+您好",
        ),
        channel_id="C0CALLS",
    )


def test_the_chinese_form_reads_the_same() -> None:
    command = parse(
        "路由 4001234567 来自 139 转 <@U0AMY> 录音=接通 最长30分钟 提醒1分钟 模式=会议 回铃=透传 频道 <#C0CALLS>"
    )
    assert isinstance(command, SetRouteCommand)
    assert (command.access_key, command.caller_prefix, command.mentions, command.channel_id) == (
        "4001234567",
        "139",
        ("U0AMY",),
        "C0CALLS",
    )
    assert command.options == RouteOptions(
        record=RecordMode.ANSWER, max_s=1800, warn_s=60, mode=ConnMode.CONFERENCE, ringback=Ringback.PASS
    )


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("route 4001234567 from 139 to 13900000002", "139"),
        ("route 4001234567 from +86139 to 13900000002", "139"),
        ("route 4001234567 from 13900000001 to 13900000002", "13900000001"),
        ("呼入路由 4001234567 主叫 0086170 转接到 13900000002", "170"),
    ],
)
def test_caller_rules_take_a_prefix_or_a_whole_number(text: str, prefix: str) -> None:
    command = parse(text)
    assert isinstance(command, SetRouteCommand) and command.caller_prefix == prefix


def test_refusing_removing_listing_and_help() -> None:
    refuse = parse('route 4001234567 from 170 refuse prompt="sorry.wav"')
    assert isinstance(refuse, SetRouteCommand) and refuse.action is RuleAction.REFUSE
    assert refuse.caller_prefix == "170" and refuse.options.prompt == "sorry.wav"
    assert parse("路由 4001234567 来自 170 拒接").action is RuleAction.REFUSE
    assert parse("route 4001234567 off") == RemoveRouteCommand("4001234567", "4001234567", None)
    assert parse("路由 4001234567 删除") == RemoveRouteCommand("4001234567", "4001234567", None)
    assert parse("route 4001234567 from 139 off") == RemoveRouteCommand("4001234567", "4001234567", "139")
    assert parse("routes") == ListRoutesCommand() and parse("路由列表") == ListRoutesCommand()
    assert parse("route") == RouteHelpCommand() and parse("route help") == RouteHelpCommand()


def test_spaced_and_compound_durations_and_ringback_prompts() -> None:
    command = parse("route 4001234567 to 13900000002 max 1h30m warn 2m ringback=music.wav")
    assert isinstance(command, SetRouteCommand)
    assert (command.options.max_s, command.options.warn_s) == (5400, 120)
    assert (command.options.ringback, command.options.ringback_prompt) == (Ringback.TONE, "music.wav")


def test_route_text_is_recognised_before_slack_links_are_unwrapped() -> None:
    assert is_route_text("route 400 to x") and is_route_text("路由 400") and is_route_text("routes")
    assert not is_route_text("router 1 into conf 2") and not is_route_text("13800138000 呼入会议 42")
    assert not is_route_text("13800138001 into conf 42 now")  # left to the dial grammar


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("route to <@U0AMY>", RouteProblem.NO_ACCESS_NUMBER, {}),
        ("route 12 to 13900000002", RouteProblem.BAD_ACCESS_NUMBER, {"text": "12"}),
        ("route 4001234567 <@U0AMY>", RouteProblem.NO_ACTION, {"access": "4001234567"}),
        ("route 4001234567 from abc to 13900000002", RouteProblem.BAD_PREFIX, {"text": "abc"}),
        ("route 4001234567 to", RouteProblem.NO_TARGETS, {"access": "4001234567"}),
        ("route 4001234567 to bob", RouteProblem.UNKNOWN_WORDS, {"words": ["bob"]}),
        ("route 4001234567 to @bob", RouteProblem.PLAIN_AT_NAME, {"names": ["@bob"]}),
        ("route 4001234567 off please", RouteProblem.UNKNOWN_WORDS, {"words": ["please"]}),
        ("route 4001234567 refuse everyone", RouteProblem.UNKNOWN_WORDS, {"words": ["everyone"]}),
        ("route 4001234567 to 13900000002 warn=1m", RouteProblem.WARN_NEEDS_MAX, {}),
        (
            "route 4001234567 to 13900000002 max=1m warn=1m",
            RouteProblem.WARN_NOT_BELOW_MAX,
            {"warn": "1m", "max": "1m"},
        ),
        ("route 4001234567 to 13900000002 record=now", RouteProblem.RECORD_NOW_IN_BRIDGE, {}),
        ("route 4001234567 to 13900000002 max=30m max 20m", RouteProblem.DUPLICATE_OPTION, {"key": "max"}),
        ("route 4001234567 to 13900000002 in <#C1> in <#C2>", RouteProblem.DUPLICATE_OPTION, {"key": "channel"}),
    ],
)
def test_mistakes_are_named(text: str, problem: RouteProblem, params: dict) -> None:
    found = error(text)
    assert isinstance(found, RouteError)
    assert (found.problem, dict(found.params)) == (problem, params)


def test_invalid_numbers_are_listed_with_why() -> None:
    found = error("route 4001234567 to 12345, 13900000002")
    assert found.problem is RouteProblem.INVALID_NUMBERS
    assert found.params["numbers"] == [{"text": "12345", "why": "invalid", "region": "CN"}]


def test_bad_options_say_what_is_expected() -> None:
    assert error("route 4001234567 to 13900000002 colour=red").params["key"] == "colour"
    bad_mode = error("route 4001234567 to 13900000002 mode=party")
    assert bad_mode.problem is RouteProblem.BAD_OPTION_VALUE and bad_mode.params["hint"] == "conference|bridge"
    assert error("route 4001234567 to 13900000002 max=forever").params == {
        "key": "max",
        "value": "forever",
        "hint": "30m, 1h, 90s",
    }
    assert error("route 4001234567 to 13900000002 max=10s").params["hint"] == "1 min – 24 h"
    prompt = error("route 4001234567 to 13900000002 prompt=4_20260230")
    assert prompt.problem is RouteProblem.BAD_PROMPT and prompt.params["why"] == "not a real date"
    assert error("route 4001234567 to 13900000002 display=nobody").params["key"] == "display"


def test_too_many_callees_are_refused() -> None:
    numbers = ", ".join(f"139000000{i:02d}" for i in range(11))
    found = error(f"route 4001234567 to {numbers}")
    assert (found.problem, found.params) == (RouteProblem.TOO_MANY_TARGETS, {"count": 11, "max": 10})


def test_routes_cannot_change_until_inbound_routing_is_configured() -> None:
    found = error("route 4001234567 to 13900000002", missing=("CTI_PATH_SECRET", "CTI_VCC_ID"))
    assert (found.problem, found.params) == (
        RouteProblem.NOT_CONFIGURED,
        {"missing": ["CTI_PATH_SECRET", "CTI_VCC_ID"]},
    )
    assert error("route 4001234567 off", missing=("CTI_VCC_ID",)).problem is RouteProblem.NOT_CONFIGURED
    assert parse("routes", missing=("CTI_VCC_ID",)) == ListRoutesCommand()  # reading is always possible
    assert parse("route help", missing=("CTI_VCC_ID",)) == RouteHelpCommand()


def test_route_commands_print_as_json_for_the_cli() -> None:
    import json

    command = parse("route 4001234567 from 139 to 13900000002 max=30m in <#C0CALLS>")
    assert json.loads(json.dumps(command.as_json())) == {
        "command": "set_route",
        "access": "4001234567",
        "from": "139",
        "action": "forward",
        "phones": ["+8613900000002"],
        "mentions": [],
        "options": {"max_s": 1800},
        "channel": "C0CALLS",
    }
    assert parse("route 4001234567 off").as_json() == {"command": "remove_route", "access": "4001234567", "from": None}
