"""Pure builders for what the asker sees privately: help, errors, confirmations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialout.core.answers import ButtonReply, CancelReply, ErrorReply, HelpReply, Reply, ScheduledReply, WhoMay
from bot.dialout.core.command import ParseError, ParseProblem
from bot.dialout.core.outcomes import (
    AddPeopleOutcome,
    ApprovalOutcome,
    CancelOutcome,
    DialNowOutcome,
    EditOutcome,
    HangUpOutcome,
    RedialOutcome,
)
from bot.dialout.core.pausing import PauseOutcome
from bot.dialout.core.reminders import PostponeOutcome, SkipMeOutcome
from bot.dialout.core.series_requests import SeriesReply
from bot.dialout.slack.series_view import build_series_reply
from bot.dialout.slack.thread import View, describe_count, describe_target, describe_when
from bot.slack.messages import CATALOGUE, t

_REGION_NAMES = {
    "en": {"CN": "China", "US": "the US", "HK": "Hong Kong", "TW": "Taiwan", "GB": "the UK"},
    "zh": {"CN": "中国", "US": "美国", "HK": "香港", "TW": "台湾", "GB": "英国"},
}


def region_name(code: str | None, locale: str) -> str:
    """A region code as people say it ('CN' → 'China' / '中国'); the code itself when not named."""
    if not code:
        return "?"
    return _REGION_NAMES.get(locale, {}).get(code, code)


def _quoted(items: list[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) if items else "—"


def build_number_problem(why: str, text: str, region: str | None, locale: str) -> str:
    """One bullet line saying why `text` cannot be dialled (`why`: a NumberProblemKind value)."""
    return t(f"number.{why}", locale, text=text, region=region_name(region, locale))


def build_parse_error(error: ParseError, locale: str, now: datetime | None = None) -> str:
    """The sentence explaining `error`, with the details it needs (bullet lists included)."""
    params: dict[str, Any] = dict(error.params)
    problem = error.problem
    if problem is ParseProblem.INVALID_NUMBERS:
        lines = [build_number_problem(n["why"], n["text"], n.get("region"), locale) for n in params["numbers"]]
        return t("parse.invalid_numbers", locale, lines="\n".join(lines))
    if problem is ParseProblem.NO_PHONE:
        lines = []
        for user in params["users"]:
            key = f"no_phone.{user['why']}" if user["why"] in {"no_phone", "unknown_user"} else "no_phone.other"
            lines.append(t(key, locale, user_id=user["user_id"], text=user.get("text", "")))
        return t("parse.no_phone", locale, lines="\n".join(lines))
    if problem in {ParseProblem.PROVIDER_CANNOT, ParseProblem.NO_PROVIDER_FOR_KIND}:
        params["kind_name"] = t(f"kind.{params['kind']}", locale)
        params["able"] = _quoted(params.get("able", []))
    if problem is ParseProblem.UNKNOWN_PROVIDER:
        params["known"] = _quoted(params["known"])
    if problem is ParseProblem.BAD_OPTION_KEY:
        params["valid"] = _quoted(params["valid"])
    if problem is ParseProblem.PROVIDER_NOT_CONFIGURED:
        params["missing"] = _quoted(params["missing"])
    if problem is ParseProblem.UNKNOWN_WORDS:
        params["words"] = _quoted(params["words"])
    if problem is ParseProblem.PLAIN_AT_NAME:
        params["names"] = _quoted(params["names"])
    if problem is ParseProblem.PROVIDER_REFUSED:
        key = f"error.{params['provider']}.{params['code']}"
        params["explanation"] = t(key, locale) if key in CATALOGUE else params["code"]
    if problem is ParseProblem.BAD_RETRY:
        params["why"] = t(f"retry.why.{params['why']}", locale, text=params.get("text", ""))
    if problem is ParseProblem.PAST_TIME and "at" in params:
        params["at"] = datetime.fromisoformat(params["at"]).strftime("%Y-%m-%d %H:%M")
    params.setdefault("phrase", "")
    return t(f"parse.{problem.value}", locale, **params)


_BUTTON_KEYS = {
    DialNowOutcome: "dial_now",
    RedialOutcome: "redial",
    HangUpOutcome: "hang_up",
    EditOutcome: "edit",
    AddPeopleOutcome: "add_people",
    PostponeOutcome: "postpone",
    SkipMeOutcome: "skip_me",
    PauseOutcome: "pause",
    ApprovalOutcome: "approval",
}


def build_refusal(invite_id: int, who_may: WhoMay | None, locale: str, *, plain: bool = False) -> str:
    """Who may act on an invite, for someone who may not: the creator, admins and the admin group.

    `plain` for a form's field error, which Slack shows as plain text: `<@U…>` and `<!subteam^S…>`
    would show raw there, so the creator is named and the group described.
    """
    creator = who_may.creator if who_may else ""
    if plain:
        name = (who_may.creator_name if who_may else "") or creator
        key = "action.not_allowed_group_plain" if who_may and who_may.group else "action.not_allowed_plain"
        return t(key, locale, id=invite_id, creator=name)
    if who_may and who_may.group:
        return t("action.not_allowed_group", locale, id=invite_id, creator=creator, group=who_may.group)
    return t("action.not_allowed", locale, id=invite_id, creator=creator)


def build_button_reply(reply: ButtonReply) -> str:
    """What pressing a parent's button did, or why it did nothing (refused, or the invite moved on)."""
    if reply.outcome.value == "not_allowed":
        return build_refusal(reply.invite_id, reply.who_may, reply.locale)
    if reply.outcome is ApprovalOutcome.ADMINS_ONLY and reply.who_may and reply.who_may.group:
        return t("approval.admins_only_group", reply.locale, id=reply.invite_id, group=reply.who_may.group)
    return t(f"{_BUTTON_KEYS[type(reply.outcome)]}.{reply.outcome.value}", reply.locale, id=reply.invite_id)


def build_reply(reply: Reply | ButtonReply, now: datetime, mask_numbers: bool) -> str:
    """The private answer to a /dial command or a button on the thread parent."""
    if isinstance(reply, HelpReply):
        return t("help", reply.locale, tz=reply.tz, providers=_quoted(list(reply.providers)))
    if isinstance(reply, ErrorReply):
        return build_parse_error(reply.error, reply.locale, now)
    if isinstance(reply, ButtonReply):
        return build_button_reply(reply)
    if isinstance(reply, CancelReply):
        if reply.outcome is CancelOutcome.NOT_ALLOWED:
            return build_refusal(reply.invite_id, reply.who_may, reply.locale)
        return t(f"cancel.{reply.outcome.value}", reply.locale, id=reply.invite_id)
    if isinstance(reply, SeriesReply):
        return build_series_reply(reply)
    assert isinstance(reply, ScheduledReply)
    view = View(locale=reply.locale, mask_numbers=mask_numbers, now=now)
    assumed = [
        t("scheduled.assumed_region", reply.locale, user=user, region=region_name(region, reply.locale))
        for user, region in reply.assumed_regions.items()
    ]
    return " ".join(
        [
            t(
                "scheduled",
                reply.locale,
                id=reply.invite.id,
                count=describe_count(reply.invite, reply.count, reply.locale),
                target=describe_target(reply.invite, reply.locale),
                provider=reply.provider_title,
                when=describe_when(reply.invite, view),
            ),
            *assumed,
        ]
    )
