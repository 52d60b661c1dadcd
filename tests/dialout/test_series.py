"""Recurring invites on the real SQL store (SQLite; PostgreSQL with CONFBOT_TEST_DATABASE_URL), a fake clock,
a scripted provider and a recording scheduler: occurrences made once, fired by the normal invite path."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.invites import DialingRules, InviteService
from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor
from bot.dialout.core.retry_policy import parse_retry
from bot.dialout.core.series import Series, SeriesChange, SeriesOutcome, SeriesService, SeriesStatus, occurrence_key
from bot.dialout.core.status import StatusService
from bot.dialout.series_store import SqlSeriesStore
from bot.dialout.store import SqlInviteStore
from bot.kernel import db
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy
from bot.kernel.recurrence import parse_recurrence
from bot.kernel.states import CallState, FailReason
from tests.conftest import FakeClock
from tests.dialout.core.fakes import RecordingNotifier, RecordingScheduler, ScriptedProvider

if TYPE_CHECKING:  # imported at run time, pytest would try to collect it as a test class
    from tests.conftest import TestDatabase

ALICE = Party(PartyKind.PHONE, "+12025550101", slack_user_id="U2", name="Alice")
LEAD_S = 600
STEP = timedelta(minutes=5)


class RecordingSeriesNotifier:
    def __init__(self) -> None:
        self.changed: list[int] = []

    async def series_changed(self, series_id: int, change: SeriesChange | None = None) -> None:
        self.changed.append(series_id)


class Process:
    """One confbot process on the shared database: its own scheduler, services and provider."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: FakeClock,
        provider: ScriptedProvider | None = None,
        policy: DialingPolicy | None = None,
    ) -> None:
        self.store = SqlInviteStore(engine)
        self.series_store = SqlSeriesStore(engine)
        self.notifier = RecordingNotifier()
        self.series_notifier = RecordingSeriesNotifier()
        self.scheduler = RecordingScheduler()
        self.provider = provider or ScriptedProvider()
        self.clock = clock
        status = StatusService(self.store, self.notifier, clock, {self.provider.name: self.provider.info})
        self.invites = InviteService(
            self.store,
            self.scheduler,
            self.notifier,
            {self.provider.name: self.provider},
            status,
            clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
            rules=DialingRules(grace_s=600, policy=policy or DialingPolicy()),
        )
        self.series = SeriesService(
            self.series_store,
            self.invites,
            self.store,
            self.scheduler,
            self.notifier,
            self.series_notifier,
            clock,
            lead_s=LEAD_S,
        )

    async def start(
        self,
        phrase: str,
        tz: str = "America/New_York",
        *,
        by: str = "U1",
        key: str | None = None,
        **carried: Any,
    ) -> Series:
        recurrence = parse_recurrence(phrase, self.clock.now(), tz)
        return await self.series.start(
            Series(
                team_id="T",
                channel_id="C",
                created_by=by,
                provider=self.provider.name,
                target=Target(TargetKind.CONFERENCE, "42"),
                recurrence=recurrence,
                parties=(ALICE,),
                source_text=phrase,
                request_key=key,
                **carried,
            )
        )

    async def step(self) -> None:
        """What the running scheduler does at this instant: the periodic pass, then every job now due."""
        await self.series.tick()
        now = self.clock.now()
        for invite_id, at in sorted(self.scheduler.jobs.items()):
            if at <= now:
                self.scheduler.jobs.pop(invite_id)
                await self.invites.fire(invite_id)

    async def run_until(self, end: datetime) -> None:
        while self.clock.now() < end:
            self.clock.advance(seconds=STEP.total_seconds())
            await self.step()

    async def occurrences(self, series: Series | None = None) -> list[Invite]:
        invites: list[Invite] = []
        for status in InviteStatus:
            invites += await self.store.invites_with_status(status)
        if series is not None:
            invites = [i for i in invites if (i.request_key or "").startswith(f"series:{series.id}:")]
        return sorted(invites, key=lambda i: i.due_at)


def at(text: str, tz: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


@pytest.fixture
def process(engine: AsyncEngine, clock: FakeClock) -> Process:
    return Process(engine, clock)


@pytest.mark.parametrize(
    ("tz", "start", "end", "days"),
    [
        ("America/New_York", "2027-03-12T10:00", "2027-03-16T10:00", [13, 14, 15, 16]),  # summer time starts 14th
        ("America/New_York", "2027-11-05T10:00", "2027-11-09T10:00", [6, 7, 8, 9]),  # and ends the 7th
        ("Europe/London", "2027-03-26T10:00", "2027-03-30T10:00", [27, 28, 29, 30]),  # starts the 28th
        ("Europe/London", "2027-10-29T10:00", "2027-11-02T10:00", [30, 31, 1, 2]),  # ends the 31st
    ],
)
async def test_a_daily_series_is_dialled_at_the_same_local_time_across_a_daylight_saving_change(
    engine: AsyncEngine, tz: str, start: str, end: str, days: list[int]
) -> None:
    clock = FakeClock(at(start, tz))
    process = Process(engine, clock)
    await process.start("daily at 9:30", tz)
    await process.run_until(at(end, tz))
    fired = [i for i in await process.occurrences() if i.fired_at is not None]
    local = [i.fired_at.astimezone(ZoneInfo(tz)) for i in fired if i.fired_at]
    assert [(t.day, t.hour, t.minute) for t in local] == [(day, 9, 30) for day in days]
    # The same wall time is a different UTC hour on either side of the change.
    assert len({i.due_at.hour for i in fired}) == 2
    assert all(i.late_by_s is None for i in fired)
    assert process.provider.dialled == [ALICE.address] * 4
    # Each occurrence was made LEAD_S ahead, so its thread was there before anyone was called.
    ahead = timedelta(seconds=LEAD_S) - STEP
    assert all(i.created_at and i.due_at - i.created_at >= ahead for i in fired)


async def test_a_local_time_that_does_not_exist_is_dialled_after_the_gap_and_a_repeated_one_once(
    engine: AsyncEngine,
) -> None:
    tz = "America/New_York"
    clock = FakeClock(at("2027-03-13T12:00", tz))
    process = Process(engine, clock)
    first = await process.start("daily at 2:30am", tz)
    await process.run_until(at("2027-03-15T12:00", tz))
    assert [i.due_at.astimezone(ZoneInfo(tz)).strftime("%d %H:%M") for i in await process.occurrences()] == [
        "14 03:30",  # 02:30 does not exist that night: moved forward by the hour
        "15 02:30",
    ]
    clock = FakeClock(at("2027-11-06T12:00", tz))
    process = Process(engine, clock)
    twice = await process.start("daily at 1:30am", tz)
    await process.series_store.set_status(first.id or 0, SeriesStatus.ENDED, [SeriesStatus.ACTIVE], None)
    await process.run_until(at("2027-11-07T12:00", tz))
    made = [i.due_at for i in await process.occurrences(twice)]
    assert made == [at("2027-11-07T05:30", "UTC")]  # 01:30 EDT, the first of the two


async def test_an_occurrence_is_made_a_lead_time_ahead_and_dialled_at_its_time(process: Process) -> None:
    process.clock._now = at("2027-01-04T09:00", "America/New_York")  # a Monday
    series = await process.start("every weekday at 9:30")
    assert await process.occurrences() == []
    await process.run_until(at("2027-01-04T09:20", "America/New_York"))
    (invite,) = await process.occurrences()
    assert invite.request_key == occurrence_key(series.id or 0, invite.due_at)
    assert invite.status is InviteStatus.SCHEDULED
    assert process.notifier.created == [invite.id]
    assert process.scheduler.jobs == {invite.id: invite.due_at}
    await process.run_until(at("2027-01-04T09:30", "America/New_York"))
    assert (await process.store.get_invite(invite.id or 0)).status is InviteStatus.DIALING  # type: ignore[union-attr]
    again = await process.series.get(series.id or 0)
    assert again is not None and again.next_at == at("2027-01-05T09:30", "America/New_York")


async def test_every_occurrence_carries_the_series_reminder_and_retry_policy(engine: AsyncEngine) -> None:
    clock = FakeClock(at("2027-01-04T08:00", "America/New_York"))
    asked = Process(engine, clock)
    busy_twice = parse_retry("busy=2x1m")
    await asked.start("daily at 9:30", remind_minutes=15, remind_dm=True, retry=busy_twice)
    workspace = parse_retry("noanswer=3")
    default = Process(engine, clock)
    default.invites._rules = DialingRules(grace_s=600, retry=workspace)
    plain = await default.start("daily at 9:45")
    await asked.run_until(at("2027-01-04T09:25", "America/New_York"))  # before the other is due to be made
    (first,) = [i for i in await asked.occurrences() if not (i.request_key or "").startswith(f"series:{plain.id}:")]
    again = await SqlSeriesStore(engine).get_series(plain.id or 0)  # read back from its row
    assert again is not None and again.retry is None and again.remind_minutes == 0
    assert (first.remind_minutes, first.remind_dm, first.retry) == (15, True, busy_twice)
    await default.run_until(at("2027-01-04T09:45", "America/New_York"))
    (second,) = await default.occurrences(plain)
    assert (second.remind_minutes, second.remind_dm, second.retry) == (0, False, workspace)


async def test_a_series_survives_a_restart_and_the_next_occurrence_is_made_once(engine: AsyncEngine) -> None:
    clock = FakeClock(at("2027-01-04T08:00", "America/New_York"))
    first = Process(engine, clock)
    series = await first.start("every weekday at 9:30")
    del first  # the process dies; its jobs with it
    clock.advance(hours=1, minutes=25)
    restarted = Process(engine, clock)
    await restarted.invites.rebuild()
    await restarted.series.tick()
    await restarted.series.tick()
    (invite,) = await restarted.occurrences()
    assert invite.request_key == occurrence_key(series.id or 0, at("2027-01-04T09:30", "America/New_York"))
    await restarted.run_until(at("2027-01-04T09:45", "America/New_York"))
    assert restarted.provider.dialled == [ALICE.address]


async def test_occurrences_missed_while_down_are_marked_missed_and_none_is_dialled_to_catch_up(
    engine: AsyncEngine,
) -> None:
    clock = FakeClock(at("2027-01-04T08:00", "America/New_York"))
    first = Process(engine, clock)
    await first.start("daily at 9:30")
    clock._now = at("2027-01-07T09:35", "America/New_York")  # down for three days; back 5 minutes late
    restarted = Process(engine, clock)
    await restarted.invites.rebuild()
    await restarted.step()
    new_york = ZoneInfo("America/New_York")
    statuses = [(i.due_at.astimezone(new_york).day, i.status) for i in await restarted.occurrences()]
    assert statuses == [
        (4, InviteStatus.MISSED),
        (5, InviteStatus.MISSED),
        (6, InviteStatus.MISSED),
        (7, InviteStatus.DIALING),  # within the grace: dialled late, once
    ]
    assert restarted.provider.dialled == [ALICE.address]
    await restarted.step()
    await restarted.invites.rebuild()
    assert restarted.provider.dialled == [ALICE.address]


async def test_two_schedulers_racing_make_each_occurrence_once(engine: AsyncEngine, test_db: TestDatabase) -> None:
    other_engine = db.create_engine(test_db.url, schema=test_db.schema)  # a second process: its own connections
    clock = FakeClock(at("2027-01-04T08:00", "America/New_York"))
    one, two = Process(engine, clock), Process(other_engine, clock)
    await one.start("daily at 9:30")
    clock._now = at("2027-01-06T09:25", "America/New_York")  # two days of occurrences due at once
    await asyncio.gather(one.series.tick(), two.series.tick(), one.series.tick(), two.series.tick())
    made = await one.occurrences()
    assert len(made) == 3
    assert len({i.request_key for i in made}) == 3
    assert sorted(one.notifier.created + two.notifier.created) == sorted(i.id for i in made)
    clock.advance(minutes=5)
    await asyncio.gather(one.step(), two.step())
    assert one.provider.dialled + two.provider.dialled == [ALICE.address]
    await other_engine.dispose()


async def test_starting_the_same_command_twice_makes_one_series(process: Process) -> None:
    first = await process.start("daily at 9:30", key="inbox:7")
    again = await process.start("daily at 9:30", key="inbox:7")
    assert first.id == again.id


async def test_skip_leaves_out_only_the_next_occurrence(process: Process) -> None:
    tz = "America/New_York"
    process.clock._now = at("2027-01-04T08:00", tz)
    series = await process.start("daily at 9:30")
    control = await process.series.skip(series.id or 0, Actor("U1"))
    assert control.outcome is SeriesOutcome.SKIPPED and control.at == at("2027-01-04T09:30", tz)
    assert (await process.series.skip(series.id or 0, Actor("U1"))).outcome is SeriesOutcome.ALREADY_SKIPPED
    await process.run_until(at("2027-01-05T09:45", tz))
    assert [i.due_at for i in await process.occurrences()] == [at("2027-01-05T09:30", tz)]
    assert process.provider.dialled == [ALICE.address]


async def test_skip_cancels_the_next_occurrence_already_made(process: Process) -> None:
    tz = "America/New_York"
    process.clock._now = at("2027-01-04T09:25", tz)
    series = await process.start("daily at 9:30")
    (made,) = await process.occurrences()
    control = await process.series.skip(series.id or 0, Actor("U1"))
    assert control.outcome is SeriesOutcome.SKIPPED and control.at == made.due_at
    assert (await process.store.get_invite(made.id or 0)).status is InviteStatus.CANCELLED  # type: ignore[union-attr]
    await process.run_until(at("2027-01-04T10:00", tz))
    assert process.provider.dialled == []


async def test_pause_stops_the_series_and_resume_starts_again_without_catching_up(process: Process) -> None:
    tz = "America/New_York"
    process.clock._now = at("2027-01-04T09:25", tz)
    series = await process.start("daily at 9:30")
    assert (await process.series.pause(series.id or 0, Actor("U1"))).outcome is SeriesOutcome.PAUSED
    assert (await process.series.pause(series.id or 0, Actor("U1"))).outcome is SeriesOutcome.NOT_ACTIVE
    await process.run_until(at("2027-01-06T12:00", tz))
    assert process.provider.dialled == []
    assert [i.status for i in await process.occurrences()] == [InviteStatus.CANCELLED]
    resumed = await process.series.resume(series.id or 0, Actor("U1"))
    assert resumed.outcome is SeriesOutcome.RESUMED
    assert resumed.series is not None and resumed.series.next_at == at("2027-01-07T09:30", tz)
    await process.run_until(at("2027-01-07T09:45", tz))
    assert process.provider.dialled == [ALICE.address]


async def test_end_stops_the_series_for_good(process: Process) -> None:
    tz = "America/New_York"
    process.clock._now = at("2027-01-04T09:00", tz)
    series = await process.start("daily at 9:30")
    ended = await process.series.end(series.id or 0, Actor("U1"))
    assert ended.outcome is SeriesOutcome.ENDED
    assert ended.series is not None and ended.series.status is SeriesStatus.ENDED
    assert (await process.series.end(series.id or 0, Actor("U1"))).outcome is SeriesOutcome.ALREADY_ENDED
    assert (await process.series.resume(series.id or 0, Actor("U1"))).outcome is SeriesOutcome.NOT_PAUSED
    await process.run_until(at("2027-01-05T12:00", tz))
    assert await process.occurrences() == []


async def test_only_the_creator_or_a_privileged_user_may_control_a_series(process: Process) -> None:
    series = await process.start("daily at 9:30")
    for control in (process.series.skip, process.series.pause, process.series.end):
        assert (await control(series.id or 0, Actor("U3"))).outcome is SeriesOutcome.NOT_ALLOWED
    assert (await process.series.pause(series.id or 0, Actor("U3", privileged=True))).outcome is SeriesOutcome.PAUSED
    assert (await process.series.resume(404, Actor("U1"))).outcome is SeriesOutcome.NOT_FOUND


async def test_a_series_with_an_end_stops_after_its_last_day(process: Process) -> None:
    tz = "America/New_York"
    process.clock._now = at("2027-01-04T08:00", tz)
    series = await process.start("daily at 9:30 for 2 days")
    await process.run_until(at("2027-01-07T12:00", tz))
    assert len(await process.occurrences()) == 2
    ended = await process.series.get(series.id or 0)
    assert ended is not None and ended.status is SeriesStatus.ENDED and ended.next_at is None


async def test_the_listing_shows_live_series_of_the_asker_and_the_channel(process: Process) -> None:
    mine = await process.start("daily at 9:30")
    theirs = await process.start("every monday 9am", by="U5")
    ended = await process.start("daily at 8am")
    await process.series.end(ended.id or 0, Actor("U1"))
    assert {s.id for s in await process.series.listing("U1", "C")} == {mine.id, theirs.id}
    assert {s.id for s in await process.series.listing("U5", "elsewhere")} == {theirs.id}
    upcoming = mine.upcoming(process.clock.now(), 3)
    assert len(upcoming) == 3 and upcoming == sorted(upcoming)


async def test_each_occurrence_is_dialled_under_the_dialing_policy_of_its_own_time(engine: AsyncEngine) -> None:
    tz = "America/New_York"
    clock = FakeClock(at("2027-01-04T08:00", tz))
    first = Process(engine, clock)
    series = await first.start("daily at 9:30")
    await first.run_until(at("2027-01-04T09:45", tz))
    assert first.provider.dialled == [ALICE.address]
    # The workspace stops allowing US numbers; the series' parties were resolved when it was asked for.
    stricter = Process(engine, clock, policy=DialingPolicy(allowed_countries=frozenset({"CN"})))
    await stricter.run_until(at("2027-01-05T09:45", tz))
    assert stricter.provider.dialled == []
    second = (await stricter.occurrences(series))[1]
    (attempt,) = await stricter.store.attempts(second.id or 0)
    assert (attempt.state, attempt.reason) == (CallState.FAILED, FailReason.POLICY)
