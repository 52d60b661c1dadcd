"""App Home's workspace settings form, read: every box checked, all problems at once, nothing half-saved.

The form's values arrive as the text the admin typed (and the ticked number types); `read_settings`
turns them into a WorkspaceSettings or raises SettingsFormErrors naming each wrong box, so the modal
shows every error on its own field and nothing is stored while any is wrong. Boxes are named by the
stored keys (bot/kernel/workspace_settings.py settings_values), so one vocabulary runs from the form
to the row to the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.dialout.core.retry_policy import RetrySyntaxError, parse_retry
from bot.kernel.workspace_settings import (
    BLOCKABLE_TYPES,
    PROVIDER_KINDS,
    QuietHoursSyntaxError,
    WorkspaceSettings,
    parse_quiet_hours,
    settings_values,
    with_values,
)

BLOCKED_TYPES_FIELD = "blocked_types"  # the checkboxes; every other box is named by its stored key
ANY_PROVIDER = "any"  # the select's value for "whichever configured provider can" ('' when stored)
COUNT_FIELDS = ("max_parties", "daily_per_user", "daily_per_workspace", "approval_over")
MAX_COUNT = 1_000_000
MAX_REMINDER_MINUTES = 24 * 60
MAX_PACE = 100_000.0
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
_TENCENT_USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


class SettingsProblem(StrEnum):
    """Why a box of the settings form was refused (its message is `settings.error.<value>`)."""

    NOT_ADMIN = "not_admin"
    PROVIDER = "provider"  # not a configured provider that serves that kind (a forged value)
    REGION = "region"
    COUNTRY = "country"
    COUNT = "count"  # not a whole number from 0
    REMINDER = "reminder"
    QUIET_HOURS = "quiet_hours"
    TIME_ZONE = "time_zone"
    RETRY = "retry"
    PACE = "pace"
    OPERATORS = "operators"
    GROUP = "group"
    BLOCKED_TYPE = "blocked_type"


@dataclass(frozen=True)
class SettingsError:
    """One refused box: the problem and what to name in its message."""

    problem: SettingsProblem
    params: Mapping[str, Any] = field(default_factory=dict)


class SettingsFormErrors(Exception):
    """Boxes refused, by field name; nothing of the form is saved."""

    def __init__(self, errors: Mapping[str, SettingsError]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


def written_operators(operators: Mapping[str, str]) -> str:
    """The Tencent operator mapping as the form shows it: `U123=user1, U456=user2`."""
    return ", ".join(f"{user}={userid}" for user, userid in sorted(operators.items()))


def form_values(settings: WorkspaceSettings) -> dict[str, str]:
    """Each box's text for `settings` (what the modal is prefilled with); the checkboxes are `blocked_of`."""
    values = settings_values(settings)
    text = {key: str(value) for key, value in values.items() if key not in BLOCKABLE_TYPES}
    text["allowed_countries"] = ", ".join(values["allowed_countries"])
    text["pace_per_min"] = f"{settings.pace_per_min:g}"
    text["tencent_operators"] = written_operators(settings.tencent_operators)
    for kind in PROVIDER_KINDS:
        text[f"provider_{kind}"] = values[f"provider_{kind}"] or ANY_PROVIDER
    return text


def blocked_of(settings: WorkspaceSettings) -> frozenset[str]:
    """The number types `settings` blocks, by their DialingPolicy flag."""
    return frozenset(flag for flag in BLOCKABLE_TYPES if getattr(settings.policy, flag))


def read_settings(
    form: Mapping[str, str],
    blocked: Collection[str],
    current: WorkspaceSettings,
    choices: Mapping[str, Sequence[str]],
) -> WorkspaceSettings:
    """The settings the form asks for; a box missing from `form` keeps its `current` value.

    `choices` are the configured providers that serve each kind (the selects' options).
    """
    values: dict[str, Any] = settings_values(current)
    errors: dict[str, SettingsError] = {}

    def box(key: str) -> str | None:
        text = form.get(key)
        return None if text is None else text.strip()

    for kind in PROVIDER_KINDS:
        key = f"provider_{kind}"
        if (chosen := box(key)) is not None:
            name = "" if chosen in ("", ANY_PROVIDER) else chosen
            if name and name not in choices.get(kind, ()) and name != values[key]:  # unchanged: kept as it is
                errors[key] = SettingsError(SettingsProblem.PROVIDER, {"provider": name[:40]})
            values[key] = name
    if (region := box("region")) is not None:
        if region.upper() not in _REGIONS:
            errors["region"] = SettingsError(SettingsProblem.REGION, {"code": region[:20]})
        values["region"] = region.upper()
    if (countries := box("allowed_countries")) is not None:
        codes = [c.strip().upper() for c in re.split(r"[,\s，、]+", countries) if c.strip()]
        unknown = [c for c in codes if c not in _REGIONS]
        if unknown:
            errors["allowed_countries"] = SettingsError(SettingsProblem.COUNTRY, {"codes": ", ".join(unknown)[:60]})
        values["allowed_countries"] = sorted(set(codes))
    unknown_types = sorted(set(blocked) - set(BLOCKABLE_TYPES))
    if unknown_types:
        errors[BLOCKED_TYPES_FIELD] = SettingsError(SettingsProblem.BLOCKED_TYPE, {"type": unknown_types[0][:40]})
    values.update({flag: flag in blocked for flag in BLOCKABLE_TYPES})
    for key in COUNT_FIELDS:
        if (text := box(key)) is not None:
            number = _whole(text, MAX_COUNT)
            if number is None:
                errors[key] = SettingsError(SettingsProblem.COUNT, {"text": text[:20], "max": MAX_COUNT})
            values[key] = number or 0
    if (text := box("reminder_minutes")) is not None:
        minutes = _whole(text, MAX_REMINDER_MINUTES)
        if minutes is None:
            errors["reminder_minutes"] = SettingsError(
                SettingsProblem.REMINDER, {"text": text[:20], "max": MAX_REMINDER_MINUTES}
            )
        values["reminder_minutes"] = minutes or 0
    if (text := box("quiet_hours")) is not None:
        try:
            quiet = parse_quiet_hours(text)
        except QuietHoursSyntaxError:
            errors["quiet_hours"] = SettingsError(SettingsProblem.QUIET_HOURS, {"text": text[:40]})
            quiet = None
        values["quiet_hours"] = quiet.written() if quiet else ""
    if (text := box("default_tz")) is not None:
        if not _is_zone(text):
            errors["default_tz"] = SettingsError(SettingsProblem.TIME_ZONE, {"text": text[:60]})
        values["default_tz"] = text
    if (text := box("retry_policy")) is not None:
        try:
            parse_retry(text or "off")
        except RetrySyntaxError as exc:
            errors["retry_policy"] = SettingsError(SettingsProblem.RETRY, {"text": (exc.text or text)[:80]})
        values["retry_policy"] = text or "off"
    if (text := box("pace_per_min")) is not None:
        pace = _pace(text)
        if pace is None:
            errors["pace_per_min"] = SettingsError(SettingsProblem.PACE, {"text": text[:20], "max": f"{MAX_PACE:g}"})
        values["pace_per_min"] = pace or 0.0
    if (text := box("tencent_operators")) is not None:
        operators, wrong = _operators(text)
        if wrong is not None:
            errors["tencent_operators"] = SettingsError(SettingsProblem.OPERATORS, {"part": wrong[:60]})
        values["tencent_operators"] = operators
    for key in ("invite_admin_group", "route_admin_group"):
        if (text := box(key)) is not None:
            if text and not _GROUP_ID.fullmatch(text):
                errors[key] = SettingsError(SettingsProblem.GROUP, {"text": text[:40]})
            values[key] = text
    if errors:
        raise SettingsFormErrors(errors)
    return with_values(current, values)


def _whole(text: str, most: int) -> int | None:
    """A whole number 0..most typed in a box ('' is 0: no limit)."""
    if text == "":
        return 0
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= most else None


def _pace(text: str) -> float | None:
    if text == "":
        return 0.0
    try:
        pace = float(text)
    except ValueError:
        return None
    return pace if 0 <= pace <= MAX_PACE else None  # also refuses nan and inf


def _is_zone(text: str) -> bool:
    if not text or ".." in text or text.startswith("/"):
        return False
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _operators(text: str) -> tuple[dict[str, str], str | None]:
    """`U123=user1, U456=user2` → the mapping, and the first part not written so (None: all good)."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in re.split(r"[,\n，]+", text)):
        if not part:
            continue
        user, sep, userid = (s.strip() for s in part.partition("="))
        user = user.removeprefix("<@").removesuffix(">")
        if not sep or not _USER_ID.fullmatch(user) or not _TENCENT_USERID.fullmatch(userid):
            return mapping, part
        mapping[user] = userid
    return mapping, None
