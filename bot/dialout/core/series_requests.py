"""What a person asks of a series: start one (a `/dial` or form whose time repeats), control it, list it.

Replies are data, worded by the Slack layer in the asker's language. Who may control a series is
decided by the same rule as every invite button (`outcomes.may_act`: its creator, a workspace admin
or the invite admin group); the asker is worked out by `DialRequests`, as for those buttons.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.dialout.core.command import InviteDraft
from bot.dialout.core.outcomes import Actor
from bot.dialout.core.series import Series, SeriesControl, SeriesOutcome, SeriesService
from bot.kernel.feature import Asker
from bot.kernel.people import Party

UPCOMING_SHOWN = 3  # occurrences the confirmation lists


@dataclass(frozen=True)
class SeriesReply:
    """A series was started: what it repeats, and its next occurrences (in the asker's zone)."""

    locale: str
    tz: str
    series: Series
    count: int  # parties each occurrence calls
    provider_title: str
    upcoming: tuple[datetime, ...]
    lead_min: int = 0  # how long before each occurrence its invite is posted


@dataclass(frozen=True)
class SeriesWhoMay:
    """Who may control a series, named when someone else is refused."""

    creator: str
    group: str = ""


@dataclass(frozen=True)
class SeriesControlReply:
    """What a control achieved, for the person who asked (the series' own message shows it to everyone)."""

    locale: str
    tz: str
    series_id: int
    control: SeriesControl
    who_may: SeriesWhoMay | None = None


@dataclass(frozen=True)
class SeriesListReply:
    """The live series `/dial list` shows the asker, with their next occurrences."""

    locale: str
    tz: str
    series: tuple[Series, ...]
    now: datetime


class SeriesAction(StrEnum):
    """A control, as typed (`/dial skip 3`, `/dial 暂停 3`) or pressed on the series' message."""

    SKIP = "skip"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"


_ACTION_WORDS = {
    "skip": SeriesAction.SKIP,
    "跳过": SeriesAction.SKIP,
    "pause": SeriesAction.PAUSE,
    "暂停": SeriesAction.PAUSE,
    "resume": SeriesAction.RESUME,
    "恢复": SeriesAction.RESUME,
    "end": SeriesAction.END,
    "结束": SeriesAction.END,
}
_CONTROL = re.compile(
    r"^\s*(?P<word>skip|pause|resume|end|跳过|暂停|恢复|结束)(?:\s+|(?=[#0-9])|$)(?P<rest>.*)$", re.I | re.S
)
MAX_SERIES_ID_DIGITS = 12


@dataclass(frozen=True)
class ControlCommand:
    """`/dial skip 3` read: the action and the series id (None when it was not a readable number)."""

    action: SeriesAction
    series_id: int | None
    written: str


def read_control(text: str) -> ControlCommand | None:
    """The control a `/dial` text asks for, or None when it is not one (then it is an ordinary `/dial`)."""
    match = _CONTROL.match(text)
    if match is None:
        return None
    written = match["rest"].strip()
    bare = written.lstrip("#")
    series_id = int(bare) if re.fullmatch(rf"[0-9]{{1,{MAX_SERIES_ID_DIGITS}}}", bare) else None
    return ControlCommand(_ACTION_WORDS[match["word"].lower()], series_id, written[:40])


def series_of_draft(
    draft: InviteDraft,
    asker: Asker,
    locale: str,
    parties: Sequence[Party],
    text: str,
    request_key: str | None,
    remind_minutes: int = 0,
) -> Series:
    """The series a `/dial` (or the form) with a repeating time asks for, parties as resolved now.

    `remind_minutes` is the reminder lead its occurrences get (what was asked, else the workspace's).
    """
    assert draft.recurrence is not None
    return Series(
        team_id=asker.team_id,
        channel_id=asker.channel_id,
        created_by=asker.user_id,
        provider=draft.provider,
        target=draft.target,
        recurrence=draft.recurrence,
        parties=tuple(parties),
        locale=locale,
        max_duration_s=draft.max_duration_s,
        options=dict(draft.options),
        source_text=text,
        request_key=request_key,
        remind_minutes=remind_minutes,
        remind_dm=draft.remind_dm,
        retry=draft.retry,
    )


@dataclass(frozen=True)
class Presser:
    """Who asked, as the permission rule sees them, and how to answer them."""

    actor: Actor
    locale: str
    tz: str


class SeriesRequests:
    """Serves the controls and the listing of series, typed or pressed."""

    def __init__(
        self,
        series: SeriesService,
        presser: Callable[[str], Awaitable[Presser]],
        admin_group: str = "",
        *,
        team_presser: Callable[[str, str], Awaitable[tuple[Presser, str]]] | None = None,
    ) -> None:
        """`team_presser(user, team)`: the presser and admin group of the series' own workspace (None: `presser`
        and `admin_group` for every workspace)."""
        self._series = series
        self._presser = presser
        self._admin_group = admin_group
        self._team_presser = team_presser

    async def presser_of(self, user_id: str) -> Presser:
        """Who `user_id` is to the permission rule, in their language and zone."""
        return await self._presser(user_id)

    async def control(self, action: SeriesAction, series_id: int, user_id: str) -> SeriesControlReply:
        """Skip next, Pause, Resume or End, for `user_id` (refused with who may when it is not theirs)."""
        presser, admin_group = await self._presser(user_id), self._admin_group
        if self._team_presser is not None:
            found = await self._series.get(series_id)
            if found is not None:
                presser, admin_group = await self._team_presser(user_id, found.team_id)
        act = {
            SeriesAction.SKIP: self._series.skip,
            SeriesAction.PAUSE: self._series.pause,
            SeriesAction.RESUME: self._series.resume,
            SeriesAction.END: self._series.end,
        }[action]
        control = await act(series_id, presser.actor)
        who_may = None
        if control.outcome is SeriesOutcome.NOT_ALLOWED and control.series is not None:
            who_may = SeriesWhoMay(control.series.created_by, admin_group)
        return SeriesControlReply(presser.locale, presser.tz, series_id, control, who_may)

    async def listing(self, user_id: str, channel_id: str, now: datetime) -> SeriesListReply:
        """The asker's live series and this channel's."""
        presser = await self._presser(user_id)
        found = await self._series.listing(user_id, channel_id)
        return SeriesListReply(presser.locale, presser.tz, tuple(found), now)
