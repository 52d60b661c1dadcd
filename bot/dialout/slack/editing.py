"""Pure builders for Edit and Add people: the thread reply saying who changed what, and the presser's answer.

People are named in plain text (their Slack name, escaped), never `<@mentioned>`: an edit notifies
nobody, like the roster.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.dialout.core.answers import AddPeopleReply, EditReply
from bot.dialout.core.command import MAX_PARTIES
from bot.dialout.core.models import Invite
from bot.dialout.core.outcomes import AddPeopleOutcome, EditOutcome
from bot.dialout.slack.replies import build_refusal
from bot.dialout.slack.thread import describe_count
from bot.kernel.people import Party
from bot.slack.lines import describe_person, format_local
from bot.slack.messages import t

MAX_NAMED = 20  # people named in an answer; the rest are counted


def _plain_name(name: str) -> str:
    """A name as plain text: nothing in it can become a mention, a link or formatting."""
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_edit_notice(params: Mapping[str, Any], invite: Invite, locale: str) -> str:
    """'li moved it to Thu 26 Nov 15:00 UTC+8; added 2 people.' from the EDITED notice's params."""
    parts = []
    if params.get("at"):
        at = format_local(datetime.fromisoformat(str(params["at"])), invite.tz, locale)
        parts.append(t("edit.part.moved", locale, at=at))
    if params.get("added"):
        parts.append(t("edit.part.added", locale, n=describe_count(invite, int(params["added"]), locale)))
    if params.get("removed"):
        parts.append(t("edit.part.removed", locale, n=describe_count(invite, int(params["removed"]), locale)))
    if params.get("other"):
        parts.append(t("edit.part.settings", locale))
    what = t("edit.part.joiner", locale).join(parts)
    return t("notice.edited", locale, by=_plain_name(str(params.get("name") or "?")), what=what)


def build_people_added_notice(params: Mapping[str, Any], invite: Invite, locale: str) -> str:
    """'li added 2 people.' from the PEOPLE_ADDED notice's params."""
    n = describe_count(invite, int(params.get("n", 0)), locale)
    return t("notice.people_added", locale, by=_plain_name(str(params.get("name") or "?")), n=n)


def _count(n: int, locale: str) -> str:
    return t("count.person", locale) if n == 1 else t("count.people", locale, n=n)


def _names(parties: tuple[Party, ...], mask_numbers: bool, locale: str) -> str:
    named = [describe_person(p, mask_numbers, locale) for p in parties[:MAX_NAMED]]
    if len(parties) > MAX_NAMED:
        named.append(t("redial.modal_more", locale, n=len(parties) - MAX_NAMED))
    return ", ".join(named)


def build_edit_answer(reply: EditReply) -> str:
    """What the editor is told: saved, or (on the form, as plain text) why nothing was changed."""
    if reply.outcome is EditOutcome.NOT_ALLOWED:
        return build_refusal(reply.invite_id, reply.who_may, reply.locale, plain=True)
    return t(f"edit.{reply.outcome.value}", reply.locale, id=reply.invite_id)


def build_add_people_answer(reply: AddPeopleReply, mask_numbers: bool) -> str:
    """What the presser of Add people is told: who was added, who was already on the invite, or why nobody."""
    locale, changes = reply.locale, reply.changes
    if reply.outcome is AddPeopleOutcome.NOT_ALLOWED:  # shown on the modal, as plain text
        return build_refusal(reply.invite_id, reply.who_may, locale, plain=True)
    already = _names(changes.already_in, mask_numbers, locale)
    if reply.outcome is AddPeopleOutcome.ALREADY_IN:
        return t("add_people.already_in", locale, id=reply.invite_id, names=already)
    if reply.outcome is AddPeopleOutcome.ADDED:
        n = _count(len(changes.added), locale)
        if changes.already_in:
            return t("add_people.added_some_in", locale, id=reply.invite_id, n=n, names=already)
        return t("add_people.added", locale, id=reply.invite_id, n=n)
    if reply.outcome is AddPeopleOutcome.TOO_MANY:
        return t("add_people.too_many", locale, id=reply.invite_id, max=MAX_PARTIES)
    return t(f"add_people.{reply.outcome.value}", locale, id=reply.invite_id)
