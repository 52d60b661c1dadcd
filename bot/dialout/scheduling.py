"""APScheduler as the clock: one in-memory DateTrigger job per scheduled invite, keyed by id.

The invites table is the schedule; jobs are rebuilt from it at start-up and by a periodic
reconcile, so APScheduler holds no state worth persisting (see design.md for why its own
SQLAlchemy job store is not used).

style.md asks for jobs that are module-level functions taking ids only, so that a persistent job
store can pickle them. This scheduler departs from that on purpose: its job store is the in-memory
one, which never pickles, and a module-level function would have to find the running app through a
module global. Instead each job is a bound method of this scheduler that calls what `start` was
given; the jobs still carry nothing but the invite id (`invite:{id}`), so two confbots in one
process (tests, a restart) never run each other's work.

Only the leading replica runs it (bot/kernel/leadership.py): `start` when elected, `shutdown` when
deposed, `stop` when the process stops. A replica that is not running it hands `schedule_fire` and
`unschedule` to `forward` (a NOTIFY the leader hears), so an invite written on a follower is fired by
the leader at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.kernel.acting import acting_for
from bot.kernel.logs import log_context

log = logging.getLogger(__name__)

Fire = Callable[[int], Awaitable[None]]
Periodic = Callable[[], Awaitable[None]]


class InviteScheduler:
    """The core's Scheduler port on an AsyncIOScheduler."""

    def __init__(
        self,
        grace_s: int,
        reconcile_every_s: float = 30.0,
        watch_every_s: float = 1.0,
        on_late: Callable[[float], None] = lambda _s: None,
        forward: Callable[[int], None] | None = None,
        team_of: Callable[[int], Awaitable[str]] | None = None,
    ) -> None:
        """`team_of`: an invite's workspace; its dialling acts for it (Slack look-ups with its token)."""
        self._grace_s = grace_s
        self._team_of = team_of
        self._scheduler = self._new_scheduler()
        self._forward = forward  # None: nobody else to tell (SQLite, one process); jobs wait for `start`
        self._reconcile_every_s = reconcile_every_s
        self._watch_every_s = watch_every_s
        self._running: set[asyncio.Task[object]] = set()  # jobs under way, for `stop` to wait on
        self._fire: Fire | None = None
        self._on_late = on_late  # seconds between an invite's due time and its job running (for /metrics)

    def _new_scheduler(self) -> AsyncIOScheduler:
        return AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": self._grace_s, "coalesce": True, "max_instances": 1},
        )

    def start(self, *, fire: Fire, reconcile: Periodic, watch: Periodic) -> None:
        """Start inside the running loop: `fire(id)` at each invite's time, `reconcile` and `watch` periodically.

        The work is given here rather than to the constructor because the core's invite service
        (which does it) is itself built on this scheduler.
        """
        self._fire = fire
        self._scheduler.add_job(
            self._run,
            IntervalTrigger(seconds=self._reconcile_every_s),
            args=["the reconcile", reconcile],
            id="reconcile",
            replace_existing=True,
        )
        self._scheduler.add_job(
            self._run,
            IntervalTrigger(seconds=self._watch_every_s),
            args=["the call watch", watch],
            id="watch_calls",
            replace_existing=True,
        )
        self._scheduler.start()

    async def _run(self, what: str, work: Periodic) -> None:
        """Run one job, known to `stop`; cancelled because the scheduler stopped, it says so at INFO.

        APScheduler cancels the jobs under way when it shuts down and logs each as an error with its
        traceback; here a stop or a deposition is routine (the work is claimed, and whoever leads next
        goes on from the rows), so it is no error.
        """
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await work()
        except asyncio.CancelledError:
            log.info("%s stopped with the scheduler; whoever leads next goes on from the rows", what)
        finally:
            if task is not None:
                self._running.discard(task)

    def forward_to(self, forward: Callable[[int], None]) -> None:
        """Hand every change to `forward` while not running (a split serve's front tells its worker)."""
        self._forward = forward

    async def stop(self, grace_s: float = 5.0) -> None:
        """Start no more jobs, give those under way `grace_s` to end, then `shutdown`.

        A job cut off half-way leaves no wrong state (its work is claimed), but a database call
        cancelled mid-way can leave its connection to the garbage collector; a graceful stop lets them end.
        """
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace_s)
        self.shutdown()

    def shutdown(self) -> None:
        """Stop at once, dropping every job, cancelling running ones (their work is claimed).

        A fresh scheduler takes its place, so leading again later starts from the rows (`rebuild`).
        """
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            self._scheduler = self._new_scheduler()

    def schedule_fire(self, invite_id: int, at: datetime) -> None:
        """Fire the invite at `at`, or at once if that has passed (`fire` decides whether it is too late)."""
        if self._forward is not None and not self._scheduler.running:
            self._forward(invite_id)
            return
        self._scheduler.add_job(
            self._fire_invite,
            DateTrigger(run_date=max(at, datetime.now(UTC))),
            args=[invite_id, at],
            id=f"invite:{invite_id}",
            replace_existing=True,
        )

    async def _fire_invite(self, invite_id: int, due: datetime) -> None:
        """An invite's due time has come (a job scheduled before `start` runs once it is given its work)."""
        await self._run(f"firing invite {invite_id}", functools.partial(self._fire_due, invite_id, due))

    async def _fire_due(self, invite_id: int, due: datetime) -> None:
        late_s = max((datetime.now(UTC) - due).total_seconds(), 0.0)
        self._on_late(late_s)
        team = (await self._team_of(invite_id) if self._team_of is not None else "") or None
        with log_context(invite_id=invite_id, team=team), acting_for(team):  # its lines say which invite
            log.info("invite %s is due (%.2f s late)", invite_id, late_s)
            if self._fire is not None:
                await self._fire(invite_id)

    def unschedule(self, invite_id: int) -> None:
        if self._forward is not None and not self._scheduler.running:
            self._forward(invite_id)  # the leader reads the row again and drops the job
            return
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(f"invite:{invite_id}")

    @property
    def state(self) -> str:
        """'leader' when this replica runs the jobs, else 'follower', as `/readyz` reports it."""
        return "leader" if self._scheduler.running else "follower"

    def job_ids(self) -> list[str]:
        """Ids of the jobs held (for tests and `/healthz`-style inspection)."""
        return [job.id for job in self._scheduler.get_jobs()]
