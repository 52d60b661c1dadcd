"""Pure pieces both features' Slack threads are built from: icons, limits, times, people, reasons.

An invite's roster line and an inbound call's callee line say the same things the same way
(who, in what state, why it failed, in the provider's or platform's own words), so they share
these; each feature's builders (dialout/slack/thread.py, inbound/slack/blocks.py) compose them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import display
from bot.kernel.states import CallState, FailReason
from bot.slack.messages import CATALOGUE, t

MAX_BLOCKS = 50
SECTION_LIMIT = 2900  # Slack allows 3000 characters per section; keep a margin

STATE_ICONS = {
    CallState.QUEUED: ":hourglass_flowing_sand:",
    CallState.DIALING: ":telephone_receiver:",
    CallState.RINGING: ":bell:",
    CallState.ANSWERED: ":white_check_mark:",
    CallState.COMPLETED: ":wave:",
    CallState.FAILED: ":x:",
    CallState.CANCELLED: ":no_entry_sign:",
    CallState.UNKNOWN: ":grey_question:",
}


def zone_label(local: datetime) -> str:
    """'UTC+8', 'UTC-3:30', 'UTC': an abbreviation such as CST names three different zones."""
    offset = local.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_local(at: datetime, tz: str, locale: str) -> str:
    """A wall-clock time in `tz`: 'Thu 26 Nov 15:00 UTC+8' / '11月26日 周四 15:00 UTC+8'."""
    local = at.astimezone(ZoneInfo(tz))
    zone_name = zone_label(local)
    if locale == "zh":
        weekday = "一二三四五六日"[local.weekday()]
        return f"{local.month}月{local.day}日 周{weekday} {local:%H:%M} {zone_name}"
    return f"{local:%a} {local.day} {local:%b %H:%M} {zone_name}"


def slack_date(at: datetime, fallback: str) -> str:
    """Slack's date token: each reader sees the time in their own zone; others see `fallback`."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def describe_person(party: Party, mask_numbers: bool, locale: str) -> str:
    """How a party is named in Slack: their name with a masked number, a number, or a room.

    A name, never a `<@mention>`: a roster or a reply that mentions people pings each of them every
    time it is posted (a day early for a scheduled invite, again in each failure reply).
    """
    if party.kind is PartyKind.PHONE:
        number = display(party.address, mask_numbers)
        if party.name:
            return t("who.person", locale, mention=no_markup(party.name), number=number)
        return number
    return t(f"who.{party.kind.value}", locale, address=party.address)


def no_markup(name: str) -> str:
    """A name as plain text: nothing in it can become a mention, a link or formatting."""
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reason_words(reason: FailReason | None, locale: str) -> str:
    """The failure reason in words ('busy', 'no answer', …); '' for none."""
    return t(f"reason.{reason.value}", locale) if reason else ""


def explain_code(provider: str, code: str | None, locale: str) -> str | None:
    """A provider's (or the CTI platform's) error code in words, when the catalogue documents it."""
    key = f"error.{provider}.{code}"
    return t(key, locale) if code and key in CATALOGUE else None
