"""What a person may do to an invite, and what came of it: the outcomes the Slack layer words.

One permission rule (`may_act`) serves every button and `/dial cancel`; each action's outcome is
an enum whose values the message catalogue keys on (every refusal spells `not_allowed`, every
stale click says what happened instead). Kept apart from `invites.py`, which does the acting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.dialout.core.models import CallAttempt, Invite, InviteStatus, PartiesChanged


class CancelOutcome(StrEnum):
    """What `/dial cancel` achieved, for the reply to the asker."""

    CANCELLED = "cancelled"
    HANGING_UP = "hanging_up"
    NOT_FOUND = "not_found"
    ALREADY_OVER = "already_over"
    NOT_ALLOWED = "not_allowed"


class DialNowOutcome(StrEnum):
    """What the Dial now button achieved."""

    DIALLING = "dialling"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    ALREADY_DIALLED = "already_dialled"  # the scheduler or someone else fired it first
    ALREADY_OVER = "already_over"  # cancelled or missed meanwhile


class RedialOutcome(StrEnum):
    """What Redial failed achieved."""

    REDIALLING = "redialling"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    NOTHING_TO_REDIAL = "nothing_to_redial"  # no call failed for a reason a redial can help with
    NOT_FINISHED = "not_finished"  # still being dialled (someone redialled first) or never dialled
    BLOCKED = "blocked"  # every number to redial is refused by the dialing policy now


class HangUpOutcome(StrEnum):
    """What Hang up all achieved."""

    HANGING_UP = "hanging_up"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    NOT_DIALLING = "not_dialling"  # not dialled yet, or already over
    CANNOT = "cannot"  # the provider cannot hang up calls


class EditOutcome(StrEnum):
    """What Edit achieved (when the form was asked for, or submitted)."""

    EDITED = "edited"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    ALREADY_DIALLED = "already_dialled"  # the scheduler or Dial now fired it first
    ALREADY_OVER = "already_over"  # cancelled or missed meanwhile
    CHANGED = "changed"  # edited (or given people) by someone else since the form was opened


class AddPeopleOutcome(StrEnum):
    """What Add people achieved."""

    ADDED = "added"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    ALREADY_OVER = "already_over"  # finished, cancelled or missed: there is no call to join any more
    ALREADY_IN = "already_in"  # everyone given is already called by the invite
    TOO_MANY = "too_many"  # the invite would call more than MAX_PARTIES


class ApprovalOutcome(StrEnum):
    """What Approve or Decline on an invite awaiting approval achieved (policy.approval)."""

    APPROVED = "approved"  # scheduled as usual; dialled at once when its time passed while it waited
    DECLINED = "declined"  # cancelled: nobody is dialled
    NOT_FOUND = "not_found"
    ADMINS_ONLY = "admins_only"  # only workspace admins and the invite admin group decide, not its creator
    ALREADY_DECIDED = "already_decided"  # approved, declined or cancelled meanwhile


@dataclass(frozen=True)
class Actor:
    """Who presses a button or types a command, and whether they may act on anyone's invite."""

    user_id: str
    privileged: bool = False  # a workspace admin or owner, or a member of the invite admin group
    name: str | None = None  # how the thread names them (plain text, so nobody is pinged)
    team_id: str | None = None  # their workspace: another's invites are not found (None: not known, one workspace)


@dataclass(frozen=True)
class Editing:
    """A scheduled invite as an Edit form shows it, and the version the submit must still find."""

    invite: Invite
    attempts: tuple[CallAttempt, ...]
    version: str


@dataclass(frozen=True)
class Edited:
    """What an Edit did (for the editor's reply), or why it did nothing."""

    outcome: EditOutcome
    moved: bool = False
    changes: PartiesChanged = field(default_factory=PartiesChanged)


@dataclass(frozen=True)
class PeopleAdded:
    """What Add people did, or why it did nothing."""

    outcome: AddPeopleOutcome
    changes: PartiesChanged = field(default_factory=PartiesChanged)


class Created(Protocol):
    """Something a person asked for: an invite, a series of them."""

    @property
    def created_by(self) -> str: ...


def same_workspace(thing: object, actor: Actor) -> bool:
    """Whether `thing` (an invite, a series) is of the actor's workspace; another's is never found.

    True when either does not say (single-token mode: one workspace).
    """
    team = getattr(thing, "team_id", None)
    return not actor.team_id or not team or team == actor.team_id


def may_act(invite: Created, actor: Actor) -> bool:
    """The one rule for every button and `/dial cancel` (and a series' controls): the creator, or a privileged user."""
    return actor.privileged or invite.created_by == actor.user_id


@dataclass(frozen=True)
class Redial:
    """What Redial failed would place again, and what the dialing policy now refuses."""

    invite: Invite
    calls: tuple[CallAttempt, ...]
    refused: tuple[CallAttempt, ...]
    known: int = 0  # calls the invite had when this was decided (the store's claim checks it)


def edit_stale(status: InviteStatus) -> EditOutcome:
    """Why an Edit found nothing to change, from the invite's status."""
    if status in {InviteStatus.DIALING, InviteStatus.DONE}:
        return EditOutcome.ALREADY_DIALLED
    return EditOutcome.ALREADY_OVER


def dial_now_stale(status: InviteStatus) -> DialNowOutcome:
    """Why Dial now found nothing to fire, from the invite's status."""
    if status in {InviteStatus.DIALING, InviteStatus.DONE}:
        return DialNowOutcome.ALREADY_DIALLED
    return DialNowOutcome.ALREADY_OVER
