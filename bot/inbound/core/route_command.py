"""`/dial route …` and `/dial routes`: the inbound routing grammar (English and Chinese).

    /dial route <access number> [from <prefix>] to <numbers and @mentions> [in #channel] [options]
    /dial route <access number> [from <prefix>] refuse [prompt=…]
    /dial route <access number> [from <prefix>] off        /dial routes        /dial route help
    /dial 路由 4001234567 [来自 139] 转 @amy 13800138000 [录音=接通] [最长30分钟]   /dial 路由 4001234567 关闭

Options: record=answer|now|off, max=30m, warn=1m, mode=bridge|conference, ringback=pass|tone,
prompt=<file or TTS text>, answer_prompt=, hangup_prompt=, fail_prompt=, warn_prompt=,
ringback_prompt=, display=caller|access|<number>. The /dial listener offers its text to this
grammar (through the inbound subcommand) before the dial grammar unwraps Slack links, because
`<#C…|name>` channel links must survive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.inbound.core.numbers import number_key, prefix_key
from bot.inbound.core.prompts import PromptError, parse_prompt
from bot.inbound.core.routes import (
    MAX_TARGETS,
    PROMPT_OPTIONS,
    ConnMode,
    RecordMode,
    Ringback,
    RouteOptions,
    RuleAction,
)
from bot.kernel.lexing import DURATION, QUOTES, PartiesProblem, parse_duration, parties_problem, read_parties
from bot.kernel.phone import DialingPolicy

MAX_ROUTE_CHARS = 4000  # a route rings at most a few targets; a longer text is a paste gone wrong


class RouteProblem(StrEnum):
    """Everything that can be wrong with a route command; each has a sentence in the catalogue."""

    NO_ACCESS_NUMBER = "no_access_number"
    BAD_ACCESS_NUMBER = "bad_access_number"
    BAD_PREFIX = "bad_prefix"
    NO_ACTION = "no_action"
    NO_TARGETS = "no_targets"
    UNKNOWN_WORDS = "unknown_words"
    PLAIN_AT_NAME = "plain_at_name"
    INVALID_NUMBERS = "invalid_numbers"
    TOO_MANY_TARGETS = "too_many_targets"
    BAD_OPTION_KEY = "bad_option_key"
    BAD_OPTION_VALUE = "bad_option_value"
    DUPLICATE_OPTION = "duplicate_option"
    WARN_NEEDS_MAX = "warn_needs_max"
    WARN_NOT_BELOW_MAX = "warn_not_below_max"
    RECORD_NOW_IN_BRIDGE = "record_now_in_bridge"
    BAD_PROMPT = "bad_prompt"
    NO_PHONE = "no_phone"
    NOT_CONFIGURED = "not_configured"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class RouteError(Exception):
    """A route command that cannot be carried out; its sentence is `route.problem.<problem>`."""

    problem: RouteProblem
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.problem.value} {dict(self.params)}"


@dataclass(frozen=True)
class SetRouteCommand:
    """Create or replace the rule for (access number, caller prefix)."""

    access_key: str
    access_display: str
    caller_prefix: str  # '' = every caller without a more specific rule
    action: RuleAction
    phones: tuple[str, ...] = ()  # E.164
    mentions: tuple[str, ...] = ()  # Slack user ids, resolved to profile numbers by the use case
    options: RouteOptions = field(default_factory=RouteOptions)
    channel_id: str | None = None  # None: keep the route's channel, or where it is created

    def as_json(self) -> dict[str, Any]:
        """The command as `confbot parse --json` prints it."""
        return {
            "command": "set_route",
            "access": self.access_key,
            "from": self.caller_prefix,
            "action": self.action.value,
            "phones": list(self.phones),
            "mentions": list(self.mentions),
            "options": self.options.as_dict(),
            "channel": self.channel_id,
        }


@dataclass(frozen=True)
class RemoveRouteCommand:
    """Remove one caller rule, or (caller_prefix None) the whole route."""

    access_key: str
    access_display: str
    caller_prefix: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The command as `confbot parse --json` prints it."""
        return {"command": "remove_route", "access": self.access_key, "from": self.caller_prefix}


@dataclass(frozen=True)
class ListRoutesCommand:
    """`/dial routes`: every route, its rules and the recent changes."""


@dataclass(frozen=True)
class RouteHelpCommand:
    """`/dial route help`."""


RouteCommand = SetRouteCommand | RemoveRouteCommand | ListRoutesCommand | RouteHelpCommand
ROUTE_COMMANDS = (SetRouteCommand, RemoveRouteCommand, ListRoutesCommand, RouteHelpCommand)

_HEAD = re.compile(r"^\s*(?:routes?\b|呼入路由|呼入转接|路由)", re.I)
_LIST = re.compile(r"^\s*(?:routes|route\s+list|路由列表|全部路由|所有路由|查看路由|呼入路由列表)\s*$", re.I)
_HELP = re.compile(r"^\s*(?:route|路由|呼入路由|呼入转接)\s*(?:help|\?|帮助|说明)?\s*$", re.I)
_CHANNEL = re.compile(r"(?:\b(?:in|channel)\s+|(?:频道|在)\s*)?<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>", re.I)
_MENTION_OR_LINK = re.compile(r"<(?P<body>[^>]*)>")
_PAIR = re.compile(r"(?P<k>[A-Za-z_\u4e00-\u9fff][\w\-]*)\s*=\s*(?P<v>\"[^\"]*\"|'[^']*'|\S+)")
_SPACED_DURATION = re.compile(
    rf"(?P<k>\bmax(?:imum)?\b|\bwarn\b|最长|时长|提醒)\s*[:：]?\s*(?P<v>{DURATION}|半小时)",
    re.I,
)
_BODY = re.compile(
    r"^(?:routes?|呼入路由|呼入转接|路由)\s*"
    r"(?P<access>[+\d][\d\s\-().]*?)?\s*"
    r"(?:(?:\bfrom\b|来自|主叫)\s*(?P<prefix>\S*?))?\s*"
    r"(?P<verb>\bto\b|→|->|转接到|转接给|转到|转给|转接|转|接到|"
    r"\boff\b|\bremove\b|\bdelete\b|关闭|删除|取消|"
    r"\brefuse\b|\breject\b|\bblock\b|拒接|拒绝)"
    r"(?P<rest>.*)$",
    re.I | re.S,
)
_OFF = {"off", "remove", "delete", "关闭", "删除", "取消"}
_REFUSE = {"refuse", "reject", "block", "拒接", "拒绝"}

_KEY_ALIASES = {
    "录音": "record",
    "最长": "max",
    "时长": "max",
    "最长时长": "max",
    "提醒": "warn",
    "模式": "mode",
    "回铃": "ringback",
    "回铃音": "ringback_prompt",
    "提示音": "prompt",
    "应答提示音": "answer_prompt",
    "挂机提示音": "hangup_prompt",
    "失败提示音": "fail_prompt",
    "提醒提示音": "warn_prompt",
    "显示号码": "display",
    "maximum": "max",
}
_VALUE_ALIASES = {
    "record": {"接通": "answer", "接通后": "answer", "应答": "answer", "立即": "now", "马上": "now",
               "关": "off", "关闭": "off", "不录": "off", "no": "off", "on": "answer"},
    "mode": {"桥接": "bridge", "桥": "bridge", "会议": "conference"},
    "ringback": {"透传": "pass", "铃声": "tone", "默认": "tone"},
    "display": {"主叫": "caller", "接入号": "access"},
}  # fmt: skip
MAX_DURATION_RANGE = (60, 86400)


def is_route_text(text: str) -> bool:
    """Whether `/dial` text is a route command (checked before anything else reads it)."""
    return bool(_HEAD.match(text.translate(QUOTES)))


def parse_route_command(text: str, policy: DialingPolicy, missing: Sequence[str] = ()) -> RouteCommand:
    """Read a route command; raises RouteError saying what is wrong.

    `missing` names the settings inbound routing still needs: routes can be listed and help
    read without them, but nothing can be changed until they are set.
    """
    if len(text) > MAX_ROUTE_CHARS:
        raise RouteError(RouteProblem.TOO_LONG, {"length": len(text), "max": MAX_ROUTE_CHARS})
    text = text.translate(QUOTES).strip()
    if _LIST.match(text):
        return ListRoutesCommand()
    if _HELP.match(text):
        return RouteHelpCommand()
    if missing:
        raise RouteError(RouteProblem.NOT_CONFIGURED, {"missing": list(missing)})
    channel_id, text = _take_channel(text)
    options_raw, text = _take_options(text)
    text = _unescape(text)
    body = _BODY.match(text)
    if body is None:
        access = re.match(r"^\S+\s*(?P<a>[+\d][\d\s\-().]*)", text)
        if access is None or not access["a"].strip():
            raise RouteError(RouteProblem.NO_ACCESS_NUMBER, {})
        raise RouteError(RouteProblem.NO_ACTION, {"access": access["a"].strip()})
    access_text = (body["access"] or "").strip()
    if not access_text:
        raise RouteError(RouteProblem.NO_ACCESS_NUMBER, {})
    access_key = number_key(access_text, policy.region)
    if not 3 <= len(access_key) <= 20:
        raise RouteError(RouteProblem.BAD_ACCESS_NUMBER, {"text": access_text})
    has_prefix = body["prefix"] is not None
    prefix = _read_prefix(body["prefix"], policy) if has_prefix else ""
    verb = body["verb"].lower()
    rest = body["rest"].strip()
    if verb in _OFF:
        if rest or options_raw or channel_id:
            raise RouteError(RouteProblem.UNKNOWN_WORDS, {"words": [*rest.split(), *options_raw]})
        return RemoveRouteCommand(access_key, access_text, prefix if has_prefix else None)
    options = _read_options(options_raw)
    if verb in _REFUSE:
        if rest:
            raise RouteError(RouteProblem.UNKNOWN_WORDS, {"words": rest.split()})
        return SetRouteCommand(
            access_key, access_text, prefix, RuleAction.REFUSE, options=options, channel_id=channel_id
        )
    phones, mentions = _read_targets(rest, access_text, policy)
    return SetRouteCommand(
        access_key,
        access_text,
        prefix,
        RuleAction.FORWARD,
        phones=phones,
        mentions=mentions,
        options=options,
        channel_id=channel_id,
    )


def _read_targets(text: str, access_text: str, policy: DialingPolicy) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The numbers (E.164) and mentions a forwarding rule rings."""
    parties = read_parties(text, policy)
    found = parties_problem(parties)
    if found is not None:
        problem, params = found
        if problem is PartiesProblem.NO_PARTIES:
            raise RouteError(RouteProblem.NO_TARGETS, {"access": access_text})
        raise RouteError(RouteProblem(problem.value), params)
    count = len(parties.phones) + len(parties.mentions)
    if count > MAX_TARGETS:
        raise RouteError(RouteProblem.TOO_MANY_TARGETS, {"count": count, "max": MAX_TARGETS})
    return tuple(parties.phones), tuple(parties.mentions)


def _take_channel(text: str) -> tuple[str | None, str]:
    found = [m["id"] for m in _CHANNEL.finditer(text)]
    if len(found) > 1:
        raise RouteError(RouteProblem.DUPLICATE_OPTION, {"key": "channel"})
    return (found[0] if found else None), _CHANNEL.sub(" ", text)


def _unescape(text: str) -> str:
    """Slack's <tel:…|…> and other links → their text; mentions stay <@U…>."""

    def keep(match: re.Match[str]) -> str:
        body = match["body"]
        if body.startswith("@"):
            return match.group(0)
        label = body.split("|", 1)[-1]
        return re.sub(r"^(?:tel:|mailto:|https?://)", "", label)

    return _MENTION_OR_LINK.sub(keep, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _take_options(text: str) -> tuple[dict[str, str], str]:
    """`key=value` pairs and spaced durations (`max 30m`, `最长30分钟`) → raw options; the rest."""
    found: dict[str, str] = {}

    def add(key: str, value: str) -> None:
        key = _KEY_ALIASES.get(key, key.lower().replace("-", "_"))
        if key in found:
            raise RouteError(RouteProblem.DUPLICATE_OPTION, {"key": key})
        found[key] = value

    def pair(match: re.Match[str]) -> str:
        value = match["v"]
        if value[:1] in {'"', "'"}:
            value = value[1:-1]
        add(match["k"], value)
        return " "

    def spaced(match: re.Match[str]) -> str:
        add(match["k"].lower(), match["v"].strip())
        return " "

    text = _PAIR.sub(pair, text)
    text = _SPACED_DURATION.sub(spaced, text)
    return found, re.sub(r"\s+", " ", text).strip()


def _read_prefix(text: str, policy: DialingPolicy) -> str:
    key = prefix_key(_unescape(text), policy.region)
    if not re.fullmatch(r"\d{1,20}", key) or not re.fullmatch(r"[+\d\-]+", _unescape(text)):
        raise RouteError(RouteProblem.BAD_PREFIX, {"text": text})
    return key


def _duration(key: str, value: str) -> int:
    seconds = parse_duration(value)
    if seconds is None or seconds <= 0:
        raise RouteError(RouteProblem.BAD_OPTION_VALUE, {"key": key, "value": value, "hint": "30m, 1h, 90s"})
    return seconds


def _choice(key: str, value: str, kind: type[StrEnum]) -> Any:
    value = _VALUE_ALIASES.get(key, {}).get(value, value).lower()
    try:
        return kind(value)
    except ValueError as exc:
        raise RouteError(
            RouteProblem.BAD_OPTION_VALUE, {"key": key, "value": value, "hint": "|".join(m.value for m in kind)}
        ) from exc


def _prompt(key: str, value: str) -> str:
    try:
        parse_prompt(value)
    except PromptError as exc:
        raise RouteError(RouteProblem.BAD_PROMPT, {"key": key, "part": exc.part, "why": exc.why}) from exc
    return value.strip()


def _display(value: str) -> str:
    value = _VALUE_ALIASES["display"].get(value, value)
    if value in {"caller", "access"}:
        return value
    digits = re.sub(r"[\s\-()]", "", value)
    if not re.fullmatch(r"\+?\d{3,20}", digits):
        raise RouteError(
            RouteProblem.BAD_OPTION_VALUE, {"key": "display", "value": value, "hint": "caller|access|<number>"}
        )
    return digits


_READERS: dict[str, Callable[[str], Any]] = {
    "record": lambda v: _choice("record", v, RecordMode),
    "mode": lambda v: _choice("mode", v, ConnMode),
    "max": lambda v: _duration("max", v),
    "warn": lambda v: _duration("warn", v),
    "display": _display,
}
_FIELD = {"max": "max_s", "warn": "warn_s"}


def _read_options(raw: dict[str, str]) -> RouteOptions:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "ringback":
            choice = _VALUE_ALIASES["ringback"].get(value, value).lower()
            if choice in {r.value for r in Ringback}:
                values["ringback"] = Ringback(choice)
            else:  # ringback=<file or TTS>: our own ringback prompt (ringbackMode 0)
                values["ringback"] = Ringback.TONE
                if "ringback_prompt" in raw:
                    raise RouteError(RouteProblem.DUPLICATE_OPTION, {"key": "ringback_prompt"})
                values["ringback_prompt"] = _prompt("ringback", value)
        elif key in PROMPT_OPTIONS:
            values[key] = _prompt(key, value)
        elif key in _READERS:
            values[_FIELD.get(key, key)] = _READERS[key](value)
        else:
            valid = sorted(["record", "max", "warn", "mode", "ringback", "display", *PROMPT_OPTIONS])
            raise RouteError(RouteProblem.BAD_OPTION_KEY, {"key": key, "valid": valid})
    options = RouteOptions(**values)
    low, high = MAX_DURATION_RANGE
    if options.max_s is not None and not low <= options.max_s <= high:
        raise RouteError(
            RouteProblem.BAD_OPTION_VALUE,
            {"key": "max", "value": raw["max"], "hint": f"{low // 60} min – {high // 3600} h"},
        )
    if options.warn_s is not None:
        if options.max_s is None:
            raise RouteError(RouteProblem.WARN_NEEDS_MAX, {})
        if options.warn_s >= options.max_s:
            raise RouteError(RouteProblem.WARN_NOT_BELOW_MAX, {"warn": raw["warn"], "max": raw["max"]})
    if options.record is RecordMode.NOW and options.mode is ConnMode.BRIDGE:
        # The seed: "桥模式下recordType仅0和2有效" — in bridge mode only 0 (off) and 2 (answer) work.
        raise RouteError(RouteProblem.RECORD_NOW_IN_BRIDGE, {})
    return options
