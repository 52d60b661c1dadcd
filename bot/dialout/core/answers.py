"""What a request to confbot answers: plain values the Slack layer renders (dialout/slack/replies.py).

Kept apart from the requests that make them (core/requests.py), so that code rendering an answer
depends on its shape only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.dialout.core.command import ParseError
from bot.dialout.core.form import DialForm, FormField, Preview
from bot.dialout.core.launches import LaunchHeld
from bot.dialout.core.listing import HomePage, InviteListing
from bot.dialout.core.models import CallAttempt, Capability, Invite, PartiesChanged, TargetKind
from bot.dialout.core.outcomes import (
    AddPeopleOutcome,
    ApprovalOutcome,
    CancelOutcome,
    DialNowOutcome,
    EditOutcome,
    HangUpOutcome,
    Redial,
    RedialOutcome,
)
from bot.dialout.core.pausing import PauseOutcome
from bot.dialout.core.ports import ProviderInfo, SecondsRange
from bot.dialout.core.reminders import PostponeOutcome, SkipMeOutcome
from bot.dialout.core.series_requests import SeriesReply


@dataclass(frozen=True)
class HelpReply:
    """Show the usage text."""

    locale: str
    tz: str
    providers: tuple[str, ...]


@dataclass(frozen=True)
class ErrorReply:
    """Explain what is wrong; nothing was stored."""

    locale: str
    error: ParseError


@dataclass(frozen=True)
class ScheduledReply:
    """The invite was stored and will be dialled."""

    locale: str
    invite: Invite
    count: int
    provider_title: str
    assumed_regions: Mapping[str, str] = field(default_factory=dict)  # user → region their number was read in


@dataclass(frozen=True)
class WhoMay:
    """Who may act on an invite, named when someone else is refused: its creator, admins, the admin group."""

    creator: str
    group: str = ""  # empty: no invite admin group is configured
    creator_name: str = ""  # their name in the directory, for plain text (a form's field error); empty: unknown


@dataclass(frozen=True)
class CancelReply:
    """What `/dial cancel` achieved."""

    locale: str
    invite_id: int
    outcome: CancelOutcome
    who_may: WhoMay | None = None  # set when the asker was refused


@dataclass(frozen=True)
class ButtonReply:
    """What a button on a thread parent (Dial now, Redial failed, Hang up all) achieved, for the presser."""

    locale: str
    invite_id: int
    outcome: (
        DialNowOutcome
        | RedialOutcome
        | HangUpOutcome
        | EditOutcome
        | AddPeopleOutcome
        | PostponeOutcome
        | SkipMeOutcome
        | PauseOutcome
        | ApprovalOutcome
    )
    who_may: WhoMay | None = None  # set when the presser was refused


@dataclass(frozen=True)
class RedialConfirmation:
    """Who Redial failed would call again and why they failed, to confirm before anything is placed."""

    locale: str
    plan: Redial
    provider_title: str = ""


@dataclass(frozen=True)
class EditReply:
    """What submitting an Edit form achieved; anything but EDITED is shown on the form and changed nothing."""

    locale: str
    invite_id: int
    outcome: EditOutcome
    who_may: WhoMay | None = None
    moved_to: datetime | None = None
    tz: str = "UTC"
    changes: PartiesChanged = field(default_factory=PartiesChanged)


@dataclass(frozen=True)
class AddPeopleSetup:
    """What the Add people modal is drawn for."""

    locale: str
    invite_id: int


@dataclass(frozen=True)
class AddPeopleReply:
    """What submitting Add people achieved (who was added, who the invite already calls)."""

    locale: str
    invite_id: int
    outcome: AddPeopleOutcome
    who_may: WhoMay | None = None
    changes: PartiesChanged = field(default_factory=PartiesChanged)


@dataclass(frozen=True)
class ListReply:
    """What `/dial list` found for the asker."""

    locale: str
    listing: InviteListing
    provider_titles: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RosterReply:
    """An invite's whole roster, for the View all modal."""

    locale: str
    invite: Invite
    attempts: Sequence[CallAttempt]
    provider_title: str = ""


@dataclass(frozen=True)
class HomeReply:
    """What a user's App Home shows them (the settings part only to admins)."""

    locale: str
    page: HomePage
    is_admin: bool
    provider_titles: Mapping[str, str] = field(default_factory=dict)
    channels_unlisted: bool = False  # the channels the user is in could not be read: only their own invites


Reply = HelpReply | ErrorReply | ScheduledReply | SeriesReply | CancelReply | ListReply | LaunchHeld


@dataclass(frozen=True)
class ProviderChoice:
    """A configured provider and a kind of target it serves, as the form offers it."""

    name: str
    title: str
    kind: TargetKind
    options: tuple[tuple[str, str], ...] = ()  # its key=value options and what a valid value looks like
    max_duration: SecondsRange | None = None  # what `max` may be; None: it can't limit calls


@dataclass(frozen=True)
class FormSetup:
    """What the form needs to know of its user and the workspace when it is drawn."""

    locale: str
    tz: str
    choices: tuple[ProviderChoice, ...]  # the default provider first


@dataclass(frozen=True)
class PreviewReply:
    """How the form's time phrase reads in the user's zone right now (or why it can't be used)."""

    locale: str
    tz: str
    phrase: str
    preview: Preview | None = None
    error: ParseError | None = None


@dataclass(frozen=True)
class EditSetup:
    """An Edit form: the form's setup, the invite's values, and what the submit must still find."""

    setup: FormSetup
    invite_id: int
    channel_id: str
    version: str
    values: DialForm
    preview: Preview


@dataclass(frozen=True)
class FormErrorReply:
    """What is wrong with a submitted form, by field; nothing was stored."""

    locale: str
    errors: Mapping[FormField, ParseError]


_KIND_ORDER = (TargetKind.CONFERENCE, TargetKind.MEETING, TargetKind.EVENT)


def provider_choices(
    providers: Mapping[str, ProviderInfo], defaults: Mapping[TargetKind, str]
) -> tuple[ProviderChoice, ...]:
    """Every configured provider for every kind it serves, conferences first, each kind's default first."""
    choices: list[ProviderChoice] = []
    for kind in _KIND_ORDER:
        able = sorted(
            name
            for name, info in providers.items()
            if Capability(kind.value) in info.capabilities and not info.missing_settings
        )
        default = defaults.get(kind)
        for name in sorted(able, key=lambda n: (n != default, n)):
            info = providers[name]
            options = tuple((key, spec.hint) for key, spec in sorted(info.options.items()) if key != "before")
            choices.append(ProviderChoice(name, info.title, kind, options, info.timing.max_duration))
    return tuple(choices)
