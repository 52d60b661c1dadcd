"""Recurring invites ("every weekday at 9:30"): the series is the schedule, each occurrence an invite.

A series keeps the template of its invites (provider, target, options, the parties as they were
resolved when it was asked for) and an RFC 5545 rule over local wall times in the asker's zone
(`bot.kernel.recurrence`), so 09:30 stays 09:30 across daylight-saving changes.

Each occurrence becomes its own invite row `lead` before it is due (SERIES_LEAD_MINUTES, default
10): early enough that its thread parent and roster are in the channel before anyone is called,
so people can see who will be dialled, press Dial now or Edit on that one occurrence, or skip it.
From then on it is an ordinary invite, fired by the normal path: the same claims, the dialing
policy of the moment it is dialled, the missed-run grace for each occurrence.

Exactly once: moving the series' `next_at` from one occurrence to the following one and inserting
that occurrence's invite happen in one transaction, conditional on `next_at` still being the
occurrence (the store's `make_occurrence`). Two schedulers, or a restart halfway, make it once; the
invite's `request_key` ("series:{id}:{instant}") is unique as a second guard. An occurrence found
long past (the bot was down) is still made into an invite, which its firing then marks missed, as
for any invite: nothing old is dialled to catch up, and each missed run says so in its thread.

Each occurrence is its own thread parent, not a reply under the series' message: an occurrence
has its own roster, buttons and replies, and Slack threads do not nest, so a reply could not carry
a thread of its own. The series' message (top level, with Skip next / Pause / Resume / End) is
where the series itself is controlled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.dialout.core.invites import InviteService
from bot.dialout.core.models import Invite, InviteStatus, Target
from bot.dialout.core.outcomes import Actor, CancelOutcome, may_act, same_workspace
from bot.dialout.core.ports import InviteStore, Notifier, Scheduler
from bot.dialout.core.retry_policy import RetryPolicy
from bot.kernel.people import Party
from bot.kernel.ports import Clock
from bot.kernel.recurrence import Recurrence

log = logging.getLogger(__name__)

__all__ = [
    "Series",
    "SeriesChange",
    "SeriesControl",
    "SeriesNotifier",
    "SeriesOutcome",
    "SeriesService",
    "SeriesStatus",
    "SeriesStore",
    "occurrence_key",
]

DEFAULT_LEAD_S = 600
MAX_OCCURRENCES_PER_PASS = 500  # a bound on one catch-up pass (a daily series down for over a year)


class SeriesStatus(StrEnum):
    """Whether a series still makes invites."""

    ACTIVE = "active"
    PAUSED = "paused"  # makes nothing until resumed; occurrences meanwhile are not caught up
    ENDED = "ended"  # ended by someone, or its rule has no more occurrences


@dataclass(frozen=True)
class Series:
    """A recurring invite: its template, its rule in the asker's zone, and where it stands."""

    team_id: str
    channel_id: str
    created_by: str
    provider: str
    target: Target
    recurrence: Recurrence
    parties: tuple[Party, ...]
    locale: str = "en"
    max_duration_s: int | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    status: SeriesStatus = SeriesStatus.ACTIVE
    next_at: datetime | None = None  # the next occurrence not yet made into an invite (aware)
    skip_at: datetime | None = None  # the occurrence Skip next leaves out
    last_at: datetime | None = None  # the latest occurrence made into an invite
    id: int | None = None
    message_ts: str | None = None
    created_at: datetime | None = None
    source_text: str = ""
    request_key: str | None = None  # the acknowledged command that asked for it
    # Carried to every occurrence: its reminder lead (0: none), DMs to the people, its retry policy
    # (None: the workspace's RETRY_POLICY at the time each occurrence is made).
    remind_minutes: int = 0
    remind_dm: bool = False
    retry: RetryPolicy | None = None

    @property
    def tz(self) -> str:
        return self.recurrence.zone

    def upcoming(self, now: datetime, count: int) -> list[datetime]:
        """The next `count` occurrences that will be dialled (none when not active; a skipped one left out)."""
        if self.status is not SeriesStatus.ACTIVE or self.next_at is None:
            return []
        found = [self.next_at] if self.next_at > now else []
        found += self.recurrence.occurrences(max(self.next_at, now), count + 1)
        return [at for at in found if at != self.skip_at][:count]


def occurrence_key(series_id: int, at: datetime) -> str:
    """The request key of an occurrence's invite: one invite per series and instant."""
    return f"series:{series_id}:{at.astimezone(UTC).isoformat()}"


def series_of_occurrence(request_key: str | None) -> int | None:
    """The series an invite is an occurrence of (read back from its request key), or None."""
    kind, _, rest = (request_key or "").partition(":")
    number = rest.partition(":")[0]
    return int(number) if kind == "series" and number.isdigit() else None


class SeriesOutcome(StrEnum):
    """What a control (a `/dial skip|pause|resume|end` or a button on the series' message) achieved."""

    SKIPPED = "skipped"
    PAUSED = "paused"
    RESUMED = "resumed"
    ENDED = "ended"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    NOT_ACTIVE = "not_active"  # skip or pause on a paused or ended series
    NOT_PAUSED = "not_paused"  # resume on one that is not paused
    ALREADY_ENDED = "already_ended"
    ALREADY_SKIPPED = "already_skipped"  # the next occurrence is skipped already
    NO_MORE = "no_more"  # nothing left to skip


@dataclass(frozen=True)
class SeriesControl:
    """A control's outcome, the series as it is now, and the occurrence it concerned (skip)."""

    outcome: SeriesOutcome
    series: Series | None = None
    at: datetime | None = None


class SeriesStore(Protocol):
    """Series rows, and the one claim that makes an occurrence's invite."""

    async def add_series(self, series: Series) -> Series: ...
    async def get_series(self, series_id: int) -> Series | None: ...
    async def series_for_request(self, request_key: str) -> Series | None: ...
    async def series_due(self, before: datetime) -> list[Series]:
        """Active series whose next occurrence is at or before `before`."""
        ...

    async def series_of(self, user_id: str, channel_id: str) -> list[Series]:
        """Active and paused series `user_id` created or that report in `channel_id`, soonest first."""
        ...

    async def make_occurrence(
        self, series_id: int, at: datetime, following: datetime | None, invite: Invite, parties: Sequence[Party]
    ) -> Invite | None:
        """Move `next_at` from `at` to `following` and store `invite`, in one transaction; None if not at `at`."""
        ...

    async def pass_occurrence(self, series_id: int, at: datetime, following: datetime | None) -> bool:
        """Move `next_at` from `at` to `following` without an invite (a skipped occurrence)."""
        ...

    async def set_skip(self, series_id: int, at: datetime) -> bool:
        """Mark the occurrence `at` skipped, while it is still the next one of an active series."""
        ...

    async def set_status(
        self, series_id: int, status: SeriesStatus, expected: Sequence[SeriesStatus], next_at: datetime | None
    ) -> bool: ...
    async def set_message_ts(self, series_id: int, ts: str) -> None: ...


@dataclass(frozen=True)
class SeriesChange:
    """Who started, skipped, paused, resumed or ended a series (for the audit trail; Slack re-renders the row)."""

    action: str  # started | skipped | paused | resumed | ended
    by: str


class SeriesNotifier(Protocol):
    """The series' own message as the core sees it (re-rendered from the row)."""

    async def series_changed(self, series_id: int, change: SeriesChange | None = None) -> None: ...


class SeriesService:
    """Starts series, makes each occurrence's invite when it is due, and serves the controls."""

    def __init__(
        self,
        store: SeriesStore,
        invites: InviteService,
        invite_store: InviteStore,
        scheduler: Scheduler,
        notifier: Notifier,
        series_notifier: SeriesNotifier,
        clock: Clock,
        lead_s: int = DEFAULT_LEAD_S,
    ) -> None:
        self._store = store
        self._invites = invites
        self._invite_store = invite_store
        self._scheduler = scheduler
        self._notifier = notifier
        self._series_notifier = series_notifier
        self._clock = clock
        self._lead = timedelta(seconds=lead_s)

    @property
    def lead_min(self) -> int:
        """How many minutes before its time each occurrence's invite is made (and posted)."""
        return int(self._lead.total_seconds() // 60)

    async def start(self, series: Series) -> Series:
        """Store a new series (once per acknowledged command) and make an occurrence already due."""
        if series.request_key is not None:
            made = await self._store.series_for_request(series.request_key)
            if made is not None:
                return made
        now = self._clock.now()
        first = series.recurrence.occurrences(now, 1)
        saved = await self._store.add_series(
            replace(
                series,
                next_at=first[0] if first else None,
                status=SeriesStatus.ACTIVE if first else SeriesStatus.ENDED,
                created_at=now,
            )
        )
        assert saved.id is not None
        await self._series_notifier.series_changed(saved.id, SeriesChange("started", saved.created_by))
        await self._advance(saved.id)
        return await self._store.get_series(saved.id) or saved

    async def tick(self) -> None:
        """Make every occurrence due within the lead time into an invite (periodic, and at start-up)."""
        for series in await self._store.series_due(self._clock.now() + self._lead):
            assert series.id is not None
            try:
                await self._advance(series.id)
            except Exception:  # one broken series must not hold back the others; the next pass tries again
                log.exception("series %s: could not make its due occurrences", series.id)

    async def _advance(self, series_id: int) -> None:
        """Make this series' due occurrences, one claim each; another process's progress is taken as found."""
        for _ in range(MAX_OCCURRENCES_PER_PASS):
            series = await self._store.get_series(series_id)
            horizon = self._clock.now() + self._lead
            if series is None or series.status is not SeriesStatus.ACTIVE or series.next_at is None:
                return
            at = series.next_at
            if at > horizon:
                return
            following = next(iter(series.recurrence.occurrences(at, 1)), None)
            if at == series.skip_at:
                await self._store.pass_occurrence(series_id, at, following)
            else:
                default_retry = await self._invites.default_retry_for(series.team_id)
                made = _invite_of(series, at, self._clock.now(), default_retry)
                invite = await self._store.make_occurrence(series_id, at, following, made, series.parties)
                if invite is not None:
                    assert invite.id is not None
                    log.info("series %s: the occurrence at %s is invite %s", series_id, at.isoformat(), invite.id)
                    await self._notifier.invite_created(invite.id)
                    self._scheduler.schedule_fire(invite.id, invite.due_at)
            await self._series_notifier.series_changed(series_id)

    # --- controls -------------------------------------------------------------------------

    async def get(self, series_id: int) -> Series | None:
        return await self._store.get_series(series_id)

    async def listing(self, user_id: str, channel_id: str) -> list[Series]:
        """The series `/dial list` shows: the asker's, and this channel's."""
        return await self._store.series_of(user_id, channel_id)

    async def _pressed(self, series_id: int, actor: Actor) -> Series | SeriesControl:
        series = await self._store.get_series(series_id)
        if series is None or not same_workspace(series, actor):
            return SeriesControl(SeriesOutcome.NOT_FOUND)
        if not may_act(series, actor):
            return SeriesControl(SeriesOutcome.NOT_ALLOWED, series)
        return series

    async def _pending(self, series: Series) -> Invite | None:
        """The latest occurrence's invite while it is still waiting for its time (made ahead, not dialled)."""
        if series.id is None or series.last_at is None:
            return None
        invite = await self._invite_store.invite_for_request(occurrence_key(series.id, series.last_at))
        if invite is None or invite.status is not InviteStatus.SCHEDULED:
            return None
        return invite

    async def _withdraw_pending(self, series: Series, actor: Actor) -> datetime | None:
        """Cancel the occurrence already made and not yet dialled (its thread says who); its time, if any."""
        pending = await self._pending(series)
        if pending is None or pending.id is None:
            return None
        outcome = await self._invites.cancel(pending.id, actor)
        return pending.due_at if outcome is CancelOutcome.CANCELLED else None

    async def skip(self, series_id: int, actor: Actor) -> SeriesControl:
        """Leave out only the next occurrence: cancel it if already made, else mark it skipped."""
        series = await self._pressed(series_id, actor)
        if isinstance(series, SeriesControl):
            return series
        if series.status is not SeriesStatus.ACTIVE:
            return SeriesControl(SeriesOutcome.NOT_ACTIVE, series)
        withdrawn = await self._withdraw_pending(series, actor)
        if withdrawn is not None:
            await self._series_notifier.series_changed(series_id, SeriesChange("skipped", actor.user_id))
            return SeriesControl(SeriesOutcome.SKIPPED, await self._fresh(series), withdrawn)
        if series.next_at is None:
            return SeriesControl(SeriesOutcome.NO_MORE, series)
        if series.skip_at == series.next_at:
            return SeriesControl(SeriesOutcome.ALREADY_SKIPPED, series, series.skip_at)
        if not await self._store.set_skip(series_id, series.next_at):
            return await self.skip(series_id, actor)  # it moved on meanwhile: decide again
        await self._series_notifier.series_changed(series_id, SeriesChange("skipped", actor.user_id))
        return SeriesControl(SeriesOutcome.SKIPPED, await self._fresh(series), series.next_at)

    async def pause(self, series_id: int, actor: Actor) -> SeriesControl:
        """Stop making occurrences (one already made and waiting is cancelled) until resumed."""
        series = await self._pressed(series_id, actor)
        if isinstance(series, SeriesControl):
            return series
        if series.status is not SeriesStatus.ACTIVE:
            return SeriesControl(SeriesOutcome.NOT_ACTIVE, series)
        if not await self._store.set_status(series_id, SeriesStatus.PAUSED, [SeriesStatus.ACTIVE], series.next_at):
            return await self.pause(series_id, actor)
        await self._withdraw_pending(await self._fresh(series), actor)
        await self._series_notifier.series_changed(series_id, SeriesChange("paused", actor.user_id))
        return SeriesControl(SeriesOutcome.PAUSED, await self._fresh(series))

    async def resume(self, series_id: int, actor: Actor) -> SeriesControl:
        """Start again from the next occurrence after now (those while paused are not caught up)."""
        series = await self._pressed(series_id, actor)
        if isinstance(series, SeriesControl):
            return series
        if series.status is not SeriesStatus.PAUSED:
            return SeriesControl(SeriesOutcome.NOT_PAUSED, series)
        upcoming = series.recurrence.occurrences(self._clock.now(), 1)
        if not upcoming:
            await self._store.set_status(series_id, SeriesStatus.ENDED, [SeriesStatus.PAUSED], None)
            await self._series_notifier.series_changed(series_id, SeriesChange("ended", actor.user_id))
            return SeriesControl(SeriesOutcome.NO_MORE, await self._fresh(series))
        if not await self._store.set_status(series_id, SeriesStatus.ACTIVE, [SeriesStatus.PAUSED], upcoming[0]):
            return await self.resume(series_id, actor)
        await self._series_notifier.series_changed(series_id, SeriesChange("resumed", actor.user_id))
        await self._advance(series_id)
        return SeriesControl(SeriesOutcome.RESUMED, await self._fresh(series))

    async def end(self, series_id: int, actor: Actor) -> SeriesControl:
        """End the series for good (one occurrence already made and waiting is cancelled)."""
        series = await self._pressed(series_id, actor)
        if isinstance(series, SeriesControl):
            return series
        if series.status is SeriesStatus.ENDED:
            return SeriesControl(SeriesOutcome.ALREADY_ENDED, series)
        if not await self._store.set_status(
            series_id, SeriesStatus.ENDED, [SeriesStatus.ACTIVE, SeriesStatus.PAUSED], None
        ):
            return await self.end(series_id, actor)
        await self._withdraw_pending(await self._fresh(series), actor)
        await self._series_notifier.series_changed(series_id, SeriesChange("ended", actor.user_id))
        return SeriesControl(SeriesOutcome.ENDED, await self._fresh(series))

    async def _fresh(self, series: Series) -> Series:
        assert series.id is not None
        return await self._store.get_series(series.id) or series


def _invite_of(series: Series, at: datetime, now: datetime, default_retry: RetryPolicy) -> Invite:
    """The invite of the occurrence at `at`, from the series' template."""
    assert series.id is not None
    return Invite(
        team_id=series.team_id,
        channel_id=series.channel_id,
        created_by=series.created_by,
        provider=series.provider,
        target=series.target,
        due_at=at.astimezone(UTC),
        tz=series.tz,
        locale=series.locale,
        max_duration_s=series.max_duration_s,
        options=dict(series.options),
        created_at=now,
        source_text=series.source_text,
        request_key=occurrence_key(series.id, at),
        remind_minutes=series.remind_minutes,
        remind_dm=series.remind_dm,
        retry=series.retry if series.retry is not None else default_retry,
    )
