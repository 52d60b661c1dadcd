"""The scheduler runs the work it was given at start, keyed by invite id, with no process-wide registry."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.dialout.scheduling import InviteScheduler


class Work:
    """Records what a scheduler asked for."""

    def __init__(self) -> None:
        self.fired: list[int] = []
        self.reconciles = 0
        self.watches = 0
        self.event = asyncio.Event()

    async def fire(self, invite_id: int) -> None:
        self.fired.append(invite_id)
        self.event.set()

    async def reconcile(self) -> None:
        self.reconciles += 1

    async def watch(self) -> None:
        self.watches += 1


async def test_two_schedulers_in_one_process_each_fire_their_own_invites() -> None:
    first, second = Work(), Work()
    schedulers = [InviteScheduler(600, watch_every_s=0.05), InviteScheduler(600, watch_every_s=0.05)]
    for scheduler, work in zip(schedulers, (first, second), strict=True):
        scheduler.start(fire=work.fire, reconcile=work.reconcile, watch=work.watch)
    try:
        soon = datetime.now(UTC) + timedelta(milliseconds=50)
        schedulers[0].schedule_fire(7, soon)
        schedulers[1].schedule_fire(8, soon)
        assert "invite:7" in schedulers[0].job_ids() and "invite:7" not in schedulers[1].job_ids()
        await asyncio.wait_for(asyncio.gather(first.event.wait(), second.event.wait()), 5)
        await asyncio.sleep(0.15)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown()
    assert (first.fired, second.fired) == ([7], [8])
    assert first.watches >= 1 and second.watches >= 1


async def test_a_job_set_before_start_fires_once_the_scheduler_runs() -> None:
    work = Work()
    scheduler = InviteScheduler(600)
    scheduler.schedule_fire(3, datetime.now(UTC) + timedelta(milliseconds=20))
    scheduler.start(fire=work.fire, reconcile=work.reconcile, watch=work.watch)
    try:
        await asyncio.wait_for(work.event.wait(), 5)
    finally:
        scheduler.shutdown()
    assert work.fired == [3]


def test_unscheduling_removes_the_invites_job() -> None:
    scheduler = InviteScheduler(600)
    scheduler.schedule_fire(5, datetime.now(UTC) + timedelta(hours=1))
    scheduler.unschedule(5)
    scheduler.unschedule(5)  # twice is harmless
    assert scheduler.job_ids() == []


async def test_a_follower_hands_its_invites_to_the_leader_instead_of_setting_jobs() -> None:
    told: list[int] = []
    scheduler = InviteScheduler(600, forward=told.append)
    scheduler.schedule_fire(4, datetime.now(UTC) + timedelta(hours=1))
    scheduler.unschedule(6)
    assert told == [4, 6] and scheduler.job_ids() == [] and scheduler.state == "follower"


async def test_a_leader_sets_jobs_and_a_deposed_one_forgets_them_and_can_lead_again() -> None:
    told: list[int] = []
    work = Work()
    scheduler = InviteScheduler(600, forward=told.append)
    scheduler.start(fire=work.fire, reconcile=work.reconcile, watch=work.watch)
    scheduler.schedule_fire(4, datetime.now(UTC) + timedelta(hours=1))
    assert scheduler.state == "leader" and "invite:4" in scheduler.job_ids() and told == []
    scheduler.shutdown()
    assert scheduler.state == "follower" and scheduler.job_ids() == []
    scheduler.start(fire=work.fire, reconcile=work.reconcile, watch=work.watch)
    try:
        scheduler.schedule_fire(5, datetime.now(UTC) - timedelta(minutes=20))  # long past: fired at once
        await asyncio.wait_for(work.event.wait(), 5)
    finally:
        scheduler.shutdown()
    assert work.fired == [5] and told == []


class SlowWatch(Work):
    """A watch that takes a while: a stop or a deposition finds it running."""

    def __init__(self, takes_s: float) -> None:
        super().__init__()
        self.takes_s = takes_s
        self.started = asyncio.Event()
        self.finished = 0

    async def watch(self) -> None:
        self.started.set()
        await asyncio.sleep(self.takes_s)
        self.finished += 1


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_stop_lets_a_running_job_finish_and_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    work = SlowWatch(takes_s=0.2)
    scheduler = InviteScheduler(600, watch_every_s=0.05)
    scheduler.start(fire=work.fire, reconcile=work.reconcile, watch=work.watch)
    await asyncio.wait_for(work.started.wait(), 5)
    await scheduler.stop(grace_s=5)
    assert work.finished == 1  # not cancelled half-way (a database read cut off leaks its connection)
    assert scheduler.state == "follower" and scheduler.job_ids() == []
    assert _errors(caplog) == []


async def test_a_job_outliving_the_stops_grace_is_cancelled_quietly(caplog: pytest.LogCaptureFixture) -> None:
    work = SlowWatch(takes_s=60)
    scheduler = InviteScheduler(600, watch_every_s=0.05)
    scheduler.start(fire=work.fire, reconcile=work.reconcile, watch=work.watch)
    await asyncio.wait_for(work.started.wait(), 5)
    caplog.set_level(logging.INFO)
    await scheduler.stop(grace_s=0.05)
    await asyncio.sleep(0.05)  # the cancelled job unwinds
    assert work.finished == 0
    assert _errors(caplog) == []  # APScheduler logs a cancelled job as an error with its traceback
    assert any("stopped" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


async def test_a_deposed_leaders_running_job_is_cancelled_without_an_error(caplog: pytest.LogCaptureFixture) -> None:
    work = SlowWatch(takes_s=60)
    scheduler = InviteScheduler(600, watch_every_s=0.05)
    scheduler.start(fire=work.fire, reconcile=work.reconcile, watch=work.watch)
    await asyncio.wait_for(work.started.wait(), 5)
    scheduler.shutdown()  # deposed: another replica leads now, at once
    await asyncio.sleep(0.05)
    assert work.finished == 0
    assert _errors(caplog) == []
