"""Inbound routes: an access number, its caller rules (by prefix), whom they ring and how, and their history.

Plain values and pure functions: which rule a caller matches, how a rule is kept in the
change history. The store keeps them (store/routes.py); the route command edits them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_TARGETS = 10  # callees per rule: userList is rung by the platform, keep it human-sized


class RuleAction(StrEnum):
    """What a rule does with a matching caller."""

    FORWARD = "forward"
    REFUSE = "refuse"


class RecordMode(StrEnum):
    """`record=`: the seed's recordType 0 (off), 1 (at once), 2 (once the callee answers)."""

    OFF = "off"
    NOW = "now"
    ANSWER = "answer"


class ConnMode(StrEnum):
    """`mode=`: the seed's connType 0 (conference) or 1 (bridge)."""

    CONFERENCE = "conference"
    BRIDGE = "bridge"


class Ringback(StrEnum):
    """`ringback=`: the seed's ringbackMode 0 (our tone/prompt) or 1 (pass the callee's ringing through)."""

    TONE = "tone"
    PASS = "pass"


RECORD_TYPE = {RecordMode.OFF: "0", RecordMode.NOW: "1", RecordMode.ANSWER: "2"}
CONN_TYPE = {ConnMode.CONFERENCE: "0", ConnMode.BRIDGE: "1"}
RINGBACK_MODE = {Ringback.TONE: "0", Ringback.PASS: "1"}
PROMPT_OPTIONS = ("prompt", "answer_prompt", "hangup_prompt", "fail_prompt", "warn_prompt", "ringback_prompt")


@dataclass(frozen=True)
class RouteOptions:
    """How the platform handles a forwarded call; prompts are kept as users wrote them."""

    record: RecordMode = RecordMode.OFF
    max_s: int | None = None  # None: the platform's own maximum (maxDuration 0)
    warn_s: int | None = None  # warn this long before max_s (code 43 reports it)
    mode: ConnMode = ConnMode.BRIDGE
    ringback: Ringback = Ringback.TONE
    display: str = "caller"  # displayNumber: caller | access | a number
    prompt: str = ""  # callerPrompt (or, on a refusing rule, what the caller hears)
    answer_prompt: str = ""
    hangup_prompt: str = ""
    fail_prompt: str = ""
    warn_prompt: str = ""
    ringback_prompt: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Only what differs from the defaults, in `key=value` terms users know."""
        default = RouteOptions()
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value != getattr(default, name):
                out[name] = value.value if isinstance(value, StrEnum) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RouteOptions:
        """The inverse of `as_dict` (unknown keys are ignored: old rows stay readable)."""
        values: dict[str, Any] = {}
        kinds = {"record": RecordMode, "mode": ConnMode, "ringback": Ringback}
        for name in cls.__dataclass_fields__:
            if name in data and data[name] is not None:
                values[name] = kinds[name](data[name]) if name in kinds else data[name]
        return cls(**values)


@dataclass(frozen=True)
class RuleTarget:
    """A callee: a typed number, or a Slack user whose profile number is resolved in the background."""

    number: str | None = None  # E.164, when typed
    slack_user_id: str | None = None
    name: str | None = None
    resolved: str | None = None  # E.164 from the user's profile, refreshed on user_change and periodically

    @property
    def current(self) -> str | None:
        """The number to ring now (None: a mention whose profile has no usable number)."""
        return self.number or self.resolved


@dataclass(frozen=True)
class RouteRule:
    """Callers of an access number starting with `caller_prefix` ('' = everyone else) → an action."""

    caller_prefix: str
    action: RuleAction
    targets: tuple[RuleTarget, ...] = ()
    options: RouteOptions = field(default_factory=RouteOptions)
    id: int | None = None


@dataclass(frozen=True)
class Route:
    """An access number, its caller rules and the channel its calls are reported in."""

    access_key: str
    access_display: str
    channel_id: str
    rules: tuple[RouteRule, ...] = ()
    id: int | None = None
    # The workspace that set it ("": not known): only it sees and changes the route, and its dialing
    # policy applies to the numbers the route rings.
    team_id: str = ""

    def rule(self, caller_prefix: str) -> RouteRule | None:
        """The rule for exactly this prefix, if any."""
        return next((r for r in self.rules if r.caller_prefix == caller_prefix), None)


def match_rule(rules: Iterable[RouteRule], caller_key: str) -> RouteRule | None:
    """The most specific rule for a caller: the longest matching prefix, else the fallback ('')."""
    best: RouteRule | None = None
    for rule in rules:
        if caller_key.startswith(rule.caller_prefix) and (
            best is None or len(rule.caller_prefix) > len(best.caller_prefix)
        ):
            best = rule
    return best


def rule_to_json(rule: RouteRule) -> dict[str, Any]:
    """A rule as stored in the change history."""
    return {
        "prefix": rule.caller_prefix,
        "action": rule.action.value,
        "targets": [{"number": t.number, "user": t.slack_user_id, "name": t.name} for t in rule.targets],
        "options": rule.options.as_dict(),
    }


def rule_from_json(data: Mapping[str, Any]) -> RouteRule:
    """The inverse of `rule_to_json`."""
    return RouteRule(
        caller_prefix=str(data.get("prefix", "")),
        action=RuleAction(data.get("action", RuleAction.FORWARD.value)),
        targets=tuple(
            RuleTarget(number=t.get("number"), slack_user_id=t.get("user"), name=t.get("name"))
            for t in data.get("targets", [])
        ),
        options=RouteOptions.from_dict(data.get("options", {})),
    )


@dataclass(frozen=True)
class RouteChange:
    """One recorded change: who, when, which route and rule, what it was before and after."""

    access_key: str
    access_display: str
    caller_prefix: str | None  # None: the whole route
    action: str  # set | remove | remove_route
    changed_by: str
    changed_at: datetime
    channel_id: str | None
    before: tuple[RouteRule, ...] = ()
    after: tuple[RouteRule, ...] = ()
    id: int | None = None
    team_id: str = ""  # the route's workspace ("": recorded before routes were told apart by workspace)


def without_resolution(rule: RouteRule) -> RouteRule:
    """The rule as history keeps it (resolved profile numbers change without anyone changing the rule)."""
    return replace(rule, id=None, targets=tuple(replace(t, resolved=None) for t in rule.targets))
