"""APScheduler as the clock: one in-memory DateTrigger job per scheduled invite, keyed by id.

The invites table is the schedule; jobs are rebuilt from it at start-up and by a periodic
reconcile, so APScheduler holds no state worth persisting (see design.md for why its own
SQLAlchemy job store is not used).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.dialout import jobs

log = logging.getLogger(__name__)


class InviteScheduler:
    """The core's Scheduler port on an AsyncIOScheduler."""

    def __init__(self, app_key: str, grace_s: int, reconcile_every_s: float = 30.0, watch_every_s: float = 1.0) -> None:
        self._app_key = app_key
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": grace_s, "coalesce": True, "max_instances": 1},
        )
        self._reconcile_every_s = reconcile_every_s
        self._watch_every_s = watch_every_s

    def start(self) -> None:
        """Start inside the running loop, with the periodic reconcile and call watch."""
        self._scheduler.add_job(
            jobs.reconcile,
            IntervalTrigger(seconds=self._reconcile_every_s),
            args=[self._app_key],
            id="reconcile",
            replace_existing=True,
        )
        self._scheduler.add_job(
            jobs.watch_calls,
            IntervalTrigger(seconds=self._watch_every_s),
            args=[self._app_key],
            id="watch_calls",
            replace_existing=True,
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop without waiting for running jobs (their work is claimed in the database)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def schedule_fire(self, invite_id: int, at: datetime) -> None:
        self._scheduler.add_job(
            jobs.fire_invite,
            DateTrigger(run_date=at),
            args=[self._app_key, invite_id],
            id=f"invite:{invite_id}",
            replace_existing=True,
        )

    def unschedule(self, invite_id: int) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(f"invite:{invite_id}")

    def job_ids(self) -> list[str]:
        """Ids of the jobs held (for tests and `/healthz`-style inspection)."""
        return [job.id for job in self._scheduler.get_jobs()]
