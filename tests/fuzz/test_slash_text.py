"""Fuzzing the slash-command grammars: whatever is typed, the answer is a command or a ParseError/RouteError.

Anything else raised (OverflowError, RecursionError, a ValueError from int()) would reach Bolt's error
handler as "something went wrong" instead of telling the user what to fix.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialout.core.command import (
    MAX_FIELD_CHARS,
    CancelCommand,
    HelpCommand,
    InviteDraft,
    ListCommand,
    ParseContext,
    ParseError,
    parse_command,
)
from bot.dialout.core.models import Capability, TargetKind
from bot.dialout.core.ports import OptionSpec, ProviderInfo, SecondsRange, Timing
from bot.inbound.core.route_command import (
    ListRoutesCommand,
    RemoveRouteCommand,
    RouteError,
    RouteHelpCommand,
    SetRouteCommand,
    is_route_text,
    parse_route_command,
)
from bot.kernel.phone import DialingPolicy
from bot.kernel.when import MAX_AHEAD

POLICY = DialingPolicy("CN")
PROVIDERS = {
    "sandbox": ProviderInfo(
        "sandbox",
        "Sandbox",
        frozenset({Capability.CONFERENCE}),
        options={"ring": OptionSpec("ring", "10s-60s", str)},
        timing=Timing(max_duration=SecondsRange(60, 21600)),
    ),
    "tencent_meeting": ProviderInfo("tencent_meeting", "Tencent Meeting", frozenset({Capability.MEETING})),
    "quanshi": ProviderInfo("quanshi", "Quanshi", frozenset({Capability.EVENT})),
}
CTX = ParseContext(
    now=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    tz="Asia/Shanghai",
    policy=POLICY,
    providers=PROVIDERS,
    default_provider={
        TargetKind.CONFERENCE: "sandbox",
        TargetKind.MEETING: "tencent_meeting",
        TargetKind.EVENT: "quanshi",
    },
)

# Words of both grammars, so examples reach deep into them instead of failing at the first word.
WORDS = [
    "into",
    "conf",
    "meeting",
    "event",
    "room",
    "sip:",
    "h323:",
    "via",
    "sandbox",
    "max",
    "before",
    "cancel",
    "list",
    "help",
    "now",
    "in",
    "minutes",
    "days",
    "hours",
    "tomorrow",
    "3pm",
    "at",
    "2026-12-01",
    "14:00",
    "明天",
    "下午3点",
    "分钟后",
    "呼入会议",
    "会议室",
    "取消",
    "直播",
    "提前",
    "最长",
    "route",
    "路由",
    "to",
    "ring=",
    "voice=listen",
    "<@U0AMY>",
    "<tel:+8613800138001|138>",
    "@bob",
    "#17",
    "+86",
    "138 0013 8000",
    "+1-900-FLOWERS",
    "1-415-555-2671",
    "+881612345678",
    "9" * 40,
    "²",
    "٣",
    "1e400",
    "30m",
    "1h30m",
    "半小时",
    "remove",
    "delete",
    "all",
    "access",
    "channel",
    "<#C0OPS|ops>",
    ",",
    "，",
    "、",
    '"',
    "'",
    "\n",
    "\u202e",
]
phrases = st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=14).map(" ".join)
# Half the examples are well-formed up to the target, so the options and the time phrase get fuzzed too.
texts = phrases | st.text(max_size=300) | phrases.map(lambda rest: f"13800138001, <@U0BOB> into conf 42 {rest}")


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_any_dial_text_is_a_command_or_a_parse_error(text: str) -> None:
    try:
        command = parse_command(text, CTX)
    except ParseError:
        return
    if isinstance(command, InviteDraft):  # what is accepted keeps within the limits checked when it is read
        assert 0 < len(command.target.id) <= MAX_FIELD_CHARS
        assert all(len(v) <= MAX_FIELD_CHARS for v in command.options.values())
        assert CTX.now <= command.when.at <= CTX.now + MAX_AHEAD
    else:
        assert isinstance(command, HelpCommand | CancelCommand | ListCommand)


@settings(max_examples=200, deadline=None)
@given(text=texts.map(lambda t: "route " + t) | texts)
def test_any_route_text_is_a_route_command_or_a_route_error(text: str) -> None:
    if not is_route_text(text):
        return
    try:
        command = parse_route_command(text, POLICY)
    except RouteError:
        return
    assert isinstance(command, SetRouteCommand | RemoveRouteCommand | ListRoutesCommand | RouteHelpCommand)
