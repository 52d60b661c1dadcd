"""Series in Slack words and blocks: the rule in words, the confirmation, the series' own message, the list.

Pure functions of the series as stored (re-rendered from the row, never patched), in one language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.dialout.core.models import Invite
from bot.dialout.core.series import Series, SeriesOutcome, SeriesStatus
from bot.dialout.core.series_requests import SeriesControlReply, SeriesListReply, SeriesReply
from bot.dialout.slack.thread import describe_count, describe_target
from bot.slack import ids
from bot.slack.lines import format_local, slack_date
from bot.slack.messages import t

_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAYS_ZH = "一二三四五六日"
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UPCOMING_ON_MESSAGE = 3


def describe_rule(series: Series, locale: str) -> str:
    """'every weekday at 09:30', 'every Tuesday and Thursday at 16:00, until 2026-12-31' / '每周二、四 16:00'."""
    recurrence = series.recurrence
    parts = dict(part.split("=", 1) for part in recurrence.rule.split(";") if "=" in part)
    time = f"{recurrence.start:%H:%M}"
    days = [_BYDAY.index(d) for d in parts.get("BYDAY", "").split(",") if d in _BYDAY]
    if parts.get("FREQ") == "DAILY":
        words = t("rule.daily", locale, time=time)
    elif parts.get("FREQ") == "MONTHLY":
        words = t("rule.monthly", locale, day=parts.get("BYMONTHDAY", "?"), time=time)
    elif days == [0, 1, 2, 3, 4]:
        words = t("rule.weekdays", locale, time=time)
    else:
        if locale == "zh":
            named = "周" + "、".join(_DAYS_ZH[d] for d in days)
        else:
            named = t("rule.and", locale).join(_DAYS_EN[d] for d in days)
        words = t("rule.weekly", locale, days=named, time=time)
    if recurrence.until is not None:
        words = t("rule.until", locale, rule=words, day=recurrence.until.isoformat())
    return t("rule.zone", locale, rule=words, tz=recurrence.zone)


def _stamp(at: datetime, tz: str, locale: str) -> str:
    return format_local(at, tz, locale)


def describe_upcoming(times: Sequence[datetime], tz: str, locale: str) -> str:
    """The next times as wall times in `tz` ('Fri 27 Nov 09:30 UTC-5; Mon 30 Nov 09:30 UTC-5')."""
    return "; ".join(_stamp(at, tz, locale) for at in times) or "—"


def _as_invite(series: Series) -> Invite:
    """The series' template as an invite, so the invite words (target, count) serve it too."""
    return Invite(
        team_id=series.team_id,
        channel_id=series.channel_id,
        created_by=series.created_by,
        provider=series.provider,
        target=series.target,
        due_at=series.next_at or series.recurrence.start,
        tz=series.tz,
    )


def build_series_reply(reply: SeriesReply) -> str:
    """The private confirmation: the rule in words and the next three times in the asker's zone."""
    series, locale = reply.series, reply.locale
    rule = describe_rule(series, locale)
    if not reply.upcoming:
        return t("series.started_none", locale, id=series.id, rule=rule)
    return t(
        "series.started",
        locale,
        id=series.id,
        count=describe_count(_as_invite(series), reply.count, locale),
        target=describe_target(_as_invite(series), locale),
        provider=reply.provider_title,
        rule=rule,
        upcoming=describe_upcoming(reply.upcoming, reply.tz, locale),
        lead=reply.lead_min,
    )


def build_control_reply(reply: SeriesControlReply, now: datetime) -> str:
    """The private answer to a control (typed or pressed)."""
    control, locale = reply.control, reply.locale
    outcome = control.outcome
    if outcome is SeriesOutcome.NOT_ALLOWED and reply.who_may is not None:
        key = "series.not_allowed_group" if reply.who_may.group else "series.not_allowed"
        return t(key, locale, id=reply.series_id, creator=reply.who_may.creator, group=reply.who_may.group)
    at = _stamp(control.at, reply.tz, locale) if control.at else ""
    upcoming = ""
    if control.series is not None and outcome is SeriesOutcome.RESUMED:
        upcoming = describe_upcoming(control.series.upcoming(now, UPCOMING_ON_MESSAGE), reply.tz, locale)
    return t(f"series.{outcome.value}", locale, id=reply.series_id, at=at, upcoming=upcoming)


def _button(action_id: str, key: str, series: Series, locale: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": t(f"button.{key}", locale)},
        "value": str(series.id),
        **extra,
    }


def build_series_message(
    series: Series, now: datetime, locale: str, provider_title: str
) -> tuple[str, list[dict[str, Any]]]:
    """The series' own message in its channel: what it does, what comes next, and its controls."""
    text = t(
        "series.message",
        locale,
        id=series.id,
        creator=series.created_by,
        count=describe_count(_as_invite(series), len(series.parties), locale),
        target=describe_target(_as_invite(series), locale),
        provider=provider_title,
        rule=describe_rule(series, locale),
    )
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    status_lines: list[str] = []
    if series.status is SeriesStatus.ACTIVE:
        upcoming = series.upcoming(now, UPCOMING_ON_MESSAGE)
        status_lines.append(
            t(
                "series.next",
                locale,
                upcoming="; ".join(slack_date(at, _stamp(at, series.tz, locale)) for at in upcoming) or "—",
            )
        )
        if series.skip_at is not None and series.skip_at > now:
            status_lines.append(t("series.skipping", locale, at=_stamp(series.skip_at, series.tz, locale)))
    else:
        status_lines.append(t(f"series.status.{series.status.value}", locale))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(status_lines)}]})
    buttons: list[dict[str, Any]] = []
    if series.status is SeriesStatus.ACTIVE:
        buttons.append(_button(ids.SERIES_SKIP_ACTION, "series_skip", series, locale))
        buttons.append(_button(ids.SERIES_PAUSE_ACTION, "series_pause", series, locale))
    if series.status is SeriesStatus.PAUSED:
        buttons.append(_button(ids.SERIES_RESUME_ACTION, "series_resume", series, locale, style="primary"))
    if series.status is not SeriesStatus.ENDED:
        confirm = {
            key: {"type": "plain_text", "text": t(f"button.series_end_confirm_{word}", locale)}
            for key, word in (("title", "title"), ("text", "text"), ("confirm", "yes"), ("deny", "no"))
        }
        buttons.append(_button(ids.SERIES_END_ACTION, "series_end", series, locale, style="danger", confirm=confirm))
    if buttons:
        blocks.append({"type": "actions", "block_id": ids.SERIES_ACTIONS_BLOCK, "elements": buttons})
    return text, blocks


def build_series_list(reply: SeriesListReply) -> list[str]:
    """The lines `/dial list` adds for series (none when there are none): rule, and next time in the asker's zone."""
    if not reply.series:
        return []
    lines = [t("series.list_title", reply.locale)]
    for series in reply.series:
        upcoming = series.upcoming(reply.now, 1)
        if series.status is SeriesStatus.PAUSED:
            state = t("series.list_paused", reply.locale)
        else:
            state = t(
                "series.list_next", reply.locale, at=_stamp(upcoming[0], reply.tz, reply.locale) if upcoming else "—"
            )
        rule = describe_rule(series, reply.locale)
        lines.append(t("series.list_line", reply.locale, id=series.id, rule=rule, state=state))
    return lines
