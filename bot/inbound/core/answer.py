"""The number query (`method=query`) and our answer: which rule decides, whom to ring, the answer's fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.inbound.core.numbers import dialable, number_key
from bot.inbound.core.prompts import render_prompt
from bot.inbound.core.routes import (
    CONN_TYPE,
    RECORD_TYPE,
    RINGBACK_MODE,
    Ringback,
    Route,
    RouteOptions,
    RouteRule,
    RuleAction,
    match_rule,
)
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy, normalise


class QueryOutcome(StrEnum):
    """How we answered a number query; everything but ROUTED is a failure `result`."""

    ROUTED = "routed"
    NO_ROUTE = "no_route"  # nobody set up this access number
    REFUSED = "refused"  # a rule refuses this caller
    NO_RULE = "no_rule"  # rules exist, none matches and there is no fallback
    NO_NUMBER = "no_number"  # the rule's people have no usable number right now


# `result` is "4位数字编码, 0000 success, others failure"; the failure codes are ours.
RESULT_CODES = {
    QueryOutcome.ROUTED: "0000",
    QueryOutcome.NO_ROUTE: "1001",
    QueryOutcome.REFUSED: "1002",
    QueryOutcome.NO_RULE: "1003",
    QueryOutcome.NO_NUMBER: "1004",
}


@dataclass(frozen=True)
class InboundQuery:
    """A number query (`method=query`) as the platform sent it."""

    sid: str
    vcc_id: str
    call_id: str
    calling_number: str
    access_number: str
    seq: str | None = None  # the seed documents none in the query, yet wants it echoed


@dataclass(frozen=True)
class Callee:
    """A B number we tell the platform to ring, and who it belongs to."""

    e164: str
    dialled: str  # the form sent to the platform
    slack_user_id: str | None = None
    name: str | None = None

    def party(self) -> Party:
        return Party(PartyKind.PHONE, self.e164, slack_user_id=self.slack_user_id, name=self.name)


@dataclass(frozen=True)
class Decision:
    """What a query gets: the outcome, the rule that decided it and the callees to ring."""

    outcome: QueryOutcome
    route: Route | None = None
    rule: RouteRule | None = None
    callees: tuple[Callee, ...] = ()
    missing: tuple[str, ...] = ()  # Slack users of the rule without a usable number
    refused: tuple[str, ...] = ()  # numbers of the rule the dialing policy refuses now (never sent)

    @property
    def result(self) -> str:
        return RESULT_CODES[self.outcome]


def decide(route: Route | None, calling_number: str, region: str, policy: DialingPolicy | None = None) -> Decision:
    """Which rule applies to this caller, and whom to ring.

    With `policy`, a number the policy refuses now is not rung, whenever the route was set: a route
    outlives the settings it was checked against (ALLOWED_COUNTRIES set later, a type blocked since).
    """
    if route is None:
        return Decision(QueryOutcome.NO_ROUTE)
    rule = match_rule(route.rules, number_key(calling_number, region))
    if rule is None:
        return Decision(QueryOutcome.NO_RULE, route)
    if rule.action is RuleAction.REFUSE:
        return Decision(QueryOutcome.REFUSED, route, rule)
    callees: list[Callee] = []
    missing: list[str] = []
    refused: list[str] = []
    seen: set[str] = set()
    for target in rule.targets:
        number = target.current
        if number is None:
            missing.append(target.slack_user_id or "?")
            continue
        if policy is not None and normalise(number, policy) != number:
            refused.append(number)
            continue
        if number in seen:
            continue
        seen.add(number)
        callees.append(Callee(number, dialable(number, region), target.slack_user_id, target.name))
    if not callees:
        return Decision(QueryOutcome.NO_NUMBER, route, rule, missing=tuple(missing), refused=tuple(refused))
    return Decision(QueryOutcome.ROUTED, route, rule, tuple(callees), tuple(missing), tuple(refused))


@dataclass(frozen=True)
class AnswerDefaults:
    """Workspace settings the answer needs."""

    charge_ext: str = ""
    fail_prompt: str = ""  # what refused callers hear, as users write prompts


def build_answer(query: InboundQuery, decision: Decision, client_id: str, defaults: AnswerDefaults) -> dict[str, Any]:
    """The query answer as plain data, every field in the seed's order.

    Required fields always; on success every field that applies (empty prompts are left out,
    numeric modes are always given); on failure the fail prompt as `callerPrompt`. `seq`
    echoes the query's when it has one, else "0" (the seed documents no `seq` in the query).
    The userList users always carry all six documented fields, as the seed's sample shows.
    """
    answer: dict[str, Any] = {
        "sid": query.sid,
        "vccId": query.vcc_id,
        "callId": query.call_id,
        "seq": query.seq if query.seq else "0",
        "chargeExt": defaults.charge_ext,
        "result": decision.result,
        "clientId": client_id,
    }
    options = decision.rule.options if decision.rule else RouteOptions()
    if decision.outcome is not QueryOutcome.ROUTED:
        own = options.prompt if decision.outcome is QueryOutcome.REFUSED else ""
        prompt = render_prompt(own or defaults.fail_prompt)
        if prompt:
            answer["callerPrompt"] = prompt
        return answer
    if options.prompt:
        answer["callerPrompt"] = render_prompt(options.prompt)
    display = _display_number(options.display, query)
    answer["userList"] = [
        {
            "number": callee.dialled,
            "type": "1",
            "displayNumber": display,
            "answerPrompt": render_prompt(options.answer_prompt),
            "disconnectPrompt": render_prompt(options.hangup_prompt),
            "failPrompt": render_prompt(options.fail_prompt),
        }
        for callee in decision.callees
    ]
    max_s = options.max_s or 0
    warn_s = min(options.warn_s or 0, max_s) if max_s else 0  # never above maxDuration
    answer["maxDuration"] = str(max_s)
    answer["recordType"] = RECORD_TYPE[options.record]
    answer["warningDuration"] = str(warn_s)
    if warn_s and options.warn_prompt:
        answer["warningPrompt"] = render_prompt(options.warn_prompt)
    answer["connType"] = CONN_TYPE[options.mode]
    answer["ringbackMode"] = RINGBACK_MODE[options.ringback]
    if options.ringback is Ringback.TONE and options.ringback_prompt:
        answer["ringbackPrompt"] = render_prompt(options.ringback_prompt)
    return answer


def _display_number(display: str, query: InboundQuery) -> str:
    if display == "caller":
        return query.calling_number
    if display == "access":
        return query.access_number
    return display


def with_seq(answer: Mapping[str, Any], seq: str | None) -> dict[str, Any]:
    """A stored answer re-sent for a repeated query, with this request's `seq` echoed."""
    again = dict(answer)
    again["seq"] = seq if seq else "0"
    return again
