"""Pure builders for inbound calls: the call's thread, its replies, and the route commands' answers.

Like the invite thread, the call's message is re-rendered from the store every time, so
duplicate or late CTI events can never leave a wrong line behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.inbound.core.answer import QueryOutcome
from bot.inbound.core.calls import InboundCall, InboundLeg, InboundNoticeKind, talk_time
from bot.inbound.core.route_book import (
    RouteHelpReply,
    RouteNotAllowedReply,
    RouteNothingReply,
    RouteReply,
    RoutesReply,
)
from bot.inbound.core.route_command import RouteError, RouteProblem
from bot.inbound.core.routes import RouteChange, RouteOptions, RouteRule, RuleAction, RuleTarget
from bot.kernel.phone import display, mask
from bot.kernel.states import CallState, FailReason
from bot.slack.lines import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    STATE_ICONS,
    describe_person,
    explain_code,
    format_local,
    reason_words,
    slack_date,
)
from bot.slack.messages import t

PROVIDER = "cti"  # catalogue block explaining callResult codes: error.cti.<code>
MAX_LISTED_ROUTES = 40


# --- the call's thread ---------------------------------------------------------------------


@dataclass(frozen=True)
class InboundView:
    """How an inbound call's messages are rendered: the channel language and whether numbers are masked."""

    locale: str
    mask_numbers: bool


def describe_callee(leg: InboundLeg, view: InboundView) -> str:
    """A callee as every line names people: a mention with a masked number, or a number."""
    return describe_person(leg.party, view.mask_numbers, view.locale)


def explain_result(leg: InboundLeg, locale: str) -> str | None:
    """The platform's callResult in words (`error.cti.<code>` in the catalogue), when it gave one."""
    return explain_code(PROVIDER, leg.code, locale)


def describe_duration(seconds: float, locale: str) -> str:
    """'45 s', '3 min 12 s', '1 h 05 min'."""
    total = round(seconds)
    if total < 60:
        return t("inbound.duration.s", locale, s=total)
    if total < 3600:
        if total % 60 == 0:
            return t("inbound.duration.m", locale, m=total // 60)
        return t("inbound.duration.ms", locale, m=total // 60, s=total % 60)
    return t("inbound.duration.hm", locale, h=total // 3600, m=f"{total % 3600 // 60:02d}")


def describe_caller(call: InboundCall, view: InboundView) -> str:
    """The caller's number, masked like every number in channels (withheld callers say so)."""
    if not call.calling_number:
        return t("inbound.withheld", view.locale)
    return mask(call.calling_number) if view.mask_numbers else call.calling_number


def _who(legs: Sequence[InboundLeg], view: InboundView) -> str:
    return ", ".join(describe_callee(leg, view) for leg in legs) or "—"


def _reasons(legs: Sequence[InboundLeg], locale: str) -> str:
    words: list[str] = []
    for leg in legs:
        if leg.state is CallState.FAILED and leg.reason:
            word = t(f"reason.{leg.reason.value}", locale)
            if word not in words:
                words.append(word)
    return ", ".join(words) or t("reason.unknown", locale)


def describe_title(call: InboundCall, legs: Sequence[InboundLeg], view: InboundView) -> str:
    """One sentence: who called which number, and where the call stands."""
    params: dict[str, Any] = {"caller": describe_caller(call, view), "access": call.access_number}
    locale = view.locale
    if call.outcome is not QueryOutcome.ROUTED:
        if call.outcome is QueryOutcome.REFUSED and call.rule_prefix:
            return t("inbound.title.refused_from", locale, prefix=call.rule_prefix, **params)
        return t(f"inbound.title.{call.outcome.value}", locale, **params)
    state = call.state if call.state is not CallState.UNKNOWN else CallState.DIALING
    if state is CallState.ANSWERED:
        answered = [leg for leg in legs if leg.answered_at]
        return t("inbound.title.answered", locale, callees=_who(answered, view), **params)
    if state is CallState.COMPLETED:
        talked = talk_time(legs)
        return t(
            "inbound.title.completed",
            locale,
            callees=_who([leg for leg in legs if leg.answered_at], view),
            duration=describe_duration(talked or 0, locale),
            **params,
        )
    if state is CallState.FAILED:
        return t("inbound.title.failed", locale, reasons=_reasons(legs, locale), **params)
    return t(f"inbound.title.{state.value}", locale, callees=_who(legs, view), **params)


def build_leg_line(leg: InboundLeg, view: InboundView) -> str:
    """One callee: icon, who, state and, when it did not go well, why (with the callResult in words)."""
    who = describe_callee(leg, view)
    state = t(f"inbound.state.{leg.state.value}", view.locale)
    icon = STATE_ICONS[leg.state]
    if leg.reason and leg.state in {CallState.FAILED, CallState.COMPLETED}:
        reason = reason_words(leg.reason, view.locale)
        detail = explain_result(leg, view.locale) if leg.state is CallState.FAILED else None
        if detail:
            return t("line.with_detail", view.locale, icon=icon, who=who, state=state, reason=reason, detail=detail)
        return t("line.with_reason", view.locale, icon=icon, who=who, state=state, reason=reason)
    return t("line.plain", view.locale, icon=icon, who=who, state=state)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def build_inbound_thread(
    call: InboundCall, legs: Sequence[InboundLeg], view: InboundView
) -> tuple[str, list[dict[str, Any]]]:
    """The call's thread parent: the title sentence, one line per callee (edited in place), the rule."""
    title = describe_title(call, legs, view)
    icon = STATE_ICONS[call.state if call.outcome is QueryOutcome.ROUTED else CallState.FAILED]
    blocks: list[dict[str, Any]] = [_section(f"{icon} {title}")]
    lines = [build_leg_line(leg, view) for leg in legs]
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > SECTION_LIMIT:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        if len(blocks) >= MAX_BLOCKS - 2:
            break
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if call.rule_prefix is None:
        context = t("inbound.context.none", view.locale, call_id=call.platform_call_id)
    elif call.rule_prefix:
        context = t("inbound.context.rule", view.locale, prefix=call.rule_prefix, call_id=call.platform_call_id)
    else:
        context = t("inbound.context.fallback", view.locale, call_id=call.platform_call_id)
    blocks.append(_context(context))
    return title, blocks


def build_inbound_notice(
    kind: InboundNoticeKind,
    params: Mapping[str, Any],
    call: InboundCall,
    legs: Sequence[InboundLeg],
    view: InboundView,
) -> str:
    """A thread reply for what matters: answered, failed (with the callResult in words), ended, last minute."""
    locale = view.locale
    if kind in {InboundNoticeKind.ANSWERED, InboundNoticeKind.FAILED}:
        leg = next((leg for leg in legs if leg.id == params.get("leg_id")), None)
        if leg is None:
            return t("inbound.reply.ended_plain", locale)
        who = describe_callee(leg, view)
        if kind is InboundNoticeKind.ANSWERED:
            return t("inbound.reply.answered", locale, who=who, caller=describe_caller(call, view))
        reason = reason_words(leg.reason, locale) or t("reason.unknown", locale)
        detail = explain_result(leg, locale)
        if detail:
            return t("inbound.reply.failed_detail", locale, who=who, reason=reason, detail=detail)
        return t("inbound.reply.failed", locale, who=who, reason=reason)
    if kind is InboundNoticeKind.WARNING:
        if call.max_s:
            return t("inbound.reply.warning", locale, max=describe_duration(call.max_s, locale))
        return t("inbound.reply.warning_plain", locale)
    talked = talk_time(legs)
    if talked is None:
        return t("inbound.reply.abandoned", locale)
    if params.get("code") == "42" or any(leg.reason is FailReason.MAX_DURATION for leg in legs):
        return t("inbound.reply.ended_max", locale, duration=describe_duration(talked, locale))
    return t("inbound.reply.ended", locale, duration=describe_duration(talked, locale))


# --- answers to route commands -------------------------------------------------------------


def _duration_token(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def describe_options(options: RouteOptions) -> str:
    """Non-default options as the `key=value` tokens users type: `record=answer` `max=30m`."""
    tokens = []
    for key, value in options.as_dict().items():
        if key in {"max_s", "warn_s"}:
            tokens.append(f"`{key[:-2]}={_duration_token(int(value))}`")
        elif isinstance(value, str) and len(value) > 40:
            tokens.append(f"`{key}={value[:40]}…`")
        else:
            tokens.append(f"`{key}={value}`")
    return " ".join(tokens)


def describe_target(target: RuleTarget, mask_numbers: bool, locale: str, history: bool = False) -> str:
    """'<@U0AMY> (139****0001)', '139****0002', '<@U0AMY> (no number)'; in history just '<@U0AMY>'."""
    if target.slack_user_id:
        if history:
            return f"<@{target.slack_user_id}>"  # history keeps who, not the number their profile had
        number = target.resolved or target.number
        shown = display(number, mask_numbers) if number else t("inbound.no_number", locale)
        return t("who.person", locale, mention=f"<@{target.slack_user_id}>", number=shown)
    return display(target.number or "", mask_numbers)


def describe_rule_action(rule: RouteRule, mask_numbers: bool, locale: str, history: bool = False) -> str:
    """'ring <@U0AMY> (139****0001) `max=30m`' or 'refuse the call'."""
    options = describe_options(rule.options)
    if rule.action is RuleAction.REFUSE:
        text = t("routes.refuse", locale)
    else:
        targets = ", ".join(describe_target(target, mask_numbers, locale, history) for target in rule.targets)
        text = t("routes.ring", locale, targets=targets)
    return f"{text} {options}".strip()


def describe_callers(prefix: str | None, locale: str) -> str:
    """'any caller', 'callers starting 139', or 'the whole route'."""
    if prefix is None:
        return t("routes.whole_route", locale)
    if not prefix:
        return t("routes.any_caller", locale)
    return t("routes.callers_from", locale, prefix=prefix)


def _when(at: datetime, tz: str, locale: str) -> str:
    return slack_date(at, format_local(at, tz, locale))


def _describe_rules(rules: Sequence[RouteRule], mask_numbers: bool, locale: str) -> str:
    """Rules as history shows them (people by mention, without the numbers their profiles had)."""
    if not rules:
        return t("routes.nothing", locale)
    return "; ".join(
        t(
            "routes.rule_short",
            locale,
            callers=describe_callers(rule.caller_prefix, locale),
            action=describe_rule_action(rule, mask_numbers, locale, history=True),
        )
        for rule in rules
    )


def build_change(change: RouteChange, mask_numbers: bool, locale: str) -> str:
    """What a change did, in one sentence."""
    if change.action == "remove_route":
        return t("route.removed_route", locale, access=change.access_display, n=len(change.before))
    callers = describe_callers(change.caller_prefix, locale)
    if change.action == "remove":
        return t("route.removed_rule", locale, access=change.access_display, callers=callers)
    [rule] = change.after
    text = t(
        "route.saved",
        locale,
        access=change.access_display,
        callers=callers,
        action=describe_rule_action(rule, mask_numbers, locale),
    )
    if change.before:
        text += " " + t("route.replaced", locale, before=_describe_rules(change.before, mask_numbers, locale))
    return text


def build_routes(reply: RoutesReply, mask_numbers: bool) -> str:
    """Every route with its rules and channel, then the latest changes (who, when, before → after)."""
    locale = reply.locale
    if not reply.routes:
        lines = [t("routes.none", locale)]
    else:
        lines = [t("routes.title", locale, n=len(reply.routes))]
        for route in reply.routes[:MAX_LISTED_ROUTES]:
            lines.append(t("routes.route", locale, access=route.access_display, channel=route.channel_id))
            for rule in sorted(route.rules, key=lambda r: (r.caller_prefix == "", r.caller_prefix)):
                lines.append(
                    t(
                        "routes.rule",
                        locale,
                        callers=describe_callers(rule.caller_prefix, locale),
                        action=describe_rule_action(rule, mask_numbers, locale),
                    )
                )
        if len(reply.routes) > MAX_LISTED_ROUTES:
            lines.append(t("summary.more", locale, n=len(reply.routes) - MAX_LISTED_ROUTES))
    if reply.changes:
        lines.append(t("routes.history_title", locale))
        for change in reply.changes:
            lines.append(
                t(
                    "routes.change",
                    locale,
                    when=_when(change.changed_at, reply.tz, locale),
                    by=change.changed_by,
                    access=change.access_display,
                    callers=describe_callers(change.caller_prefix, locale),
                    before=_describe_rules(change.before, mask_numbers, locale),
                    after=_describe_rules(change.after, mask_numbers, locale),
                )
            )
    return "\n".join(lines)


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) if items else "—"


def build_route_error(error: RouteError, locale: str) -> str:
    """The sentence explaining what is wrong with a route command, with the details it needs."""
    params: dict[str, Any] = dict(error.params)
    problem = error.problem
    if problem is RouteProblem.INVALID_NUMBERS:
        params["lines"] = "\n".join(
            t(f"number.{n['why']}", locale, text=n["text"], region=n.get("region") or "?") for n in params["numbers"]
        )
    if problem is RouteProblem.NO_PHONE:
        lines = []
        for user in params["users"]:
            key = f"no_phone.{user['why']}" if user["why"] in {"no_phone", "unknown_user"} else "no_phone.other"
            lines.append(t(key, locale, user_id=user["user_id"], text=user.get("text", "")))
        params["lines"] = "\n".join(lines)
    if "key" in params:
        params["option"] = params.pop("key")  # `key` is t()'s own first argument
    for key in ("words", "names", "valid", "missing"):
        if key in params:
            params[key] = _quoted([str(v) for v in params[key]])
    return t(f"route.problem.{problem.value}", locale, **params)


def build_route_reply(reply: RouteReply, mask_numbers: bool) -> str:
    """The private answer to a route command."""
    if isinstance(reply, RouteHelpReply):
        return t("route.help", reply.locale)
    if isinstance(reply, RoutesReply):
        return build_routes(reply, mask_numbers)
    if isinstance(reply, RouteNothingReply):
        if reply.caller_prefix is None:
            return t("route.nothing_route", reply.locale, access=reply.access_display)
        return t(
            "route.nothing_rule",
            reply.locale,
            access=reply.access_display,
            callers=describe_callers(reply.caller_prefix, reply.locale),
        )
    if isinstance(reply, RouteNotAllowedReply):
        if reply.group:
            return t("route.not_allowed_group", reply.locale, group=reply.group)
        return t("route.not_allowed", reply.locale)
    text = build_change(reply.change, mask_numbers, reply.locale)
    if reply.change.after and reply.channel_id:
        text += " " + t("route.reported_in", reply.locale, channel=reply.channel_id)
    return text
