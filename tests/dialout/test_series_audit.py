"""A series' controls in the audit trail (real SQL store): started, skipped, paused, resumed and ended,
each once, by whoever pressed it; a refused control records nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.audit_store import SqlAuditLog
from bot.dialout.core.audit import SubjectKind
from bot.dialout.core.outcomes import Actor
from bot.dialout.core.series import SeriesOutcome, SeriesService
from bot.dialout.core.series_audit import AuditingSeriesNotifier
from tests.conftest import FakeClock
from tests.dialout.test_series import LEAD_S, Process


async def test_each_series_control_is_recorded_once_with_who_pressed_it(engine: AsyncEngine, clock: FakeClock) -> None:
    process = Process(engine, clock)
    log = SqlAuditLog(engine)
    audited = AuditingSeriesNotifier(process.series_notifier, log, process.series_store, clock)
    process.series = SeriesService(
        process.series_store,
        process.invites,
        process.store,
        process.scheduler,
        process.notifier,
        audited,
        clock,
        lead_s=LEAD_S,
    )
    series = await process.start("every day at 9:00", by="U1")
    sid = series.id or 0
    assert (await process.series.skip(sid, Actor("U1"))).outcome is SeriesOutcome.SKIPPED
    assert (await process.series.pause(sid, Actor("U7", privileged=True))).outcome is SeriesOutcome.PAUSED
    assert (await process.series.pause(sid, Actor("U1"))).outcome is SeriesOutcome.NOT_ACTIVE  # nothing recorded
    assert (await process.series.resume(sid, Actor("U1"))).outcome is SeriesOutcome.RESUMED
    assert (await process.series.end(sid, Actor("U1"))).outcome is SeriesOutcome.ENDED
    events = await log.between(clock.now() - timedelta(days=1), clock.now() + timedelta(days=1))
    assert [(e.actor, e.action.value) for e in events] == [
        ("U1", "series_started"),
        ("U1", "series_skipped"),
        ("U7", "series_paused"),
        ("U1", "series_resumed"),
        ("U1", "series_ended"),
    ]
    assert {(e.team_id, e.subject_kind, e.subject_id) for e in events} == {("T", SubjectKind.SERIES, str(sid))}
    assert events[0].details["rule"] == series.recurrence.rule
    assert len(process.series_notifier.changed) == 5  # the series' message is still re-rendered each time
