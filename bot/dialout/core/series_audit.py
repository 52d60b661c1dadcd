"""The series' controls in the audit trail: a SeriesNotifier that records who started, skipped, paused,
resumed or ended a series, then tells the real one (kept apart from core/audit.py: series imports invites)."""

from __future__ import annotations

from bot.dialout.core.audit import AuditAction, AuditEvent, AuditLog, SubjectKind
from bot.dialout.core.series import SeriesChange, SeriesNotifier, SeriesStore
from bot.kernel.ports import Clock


class AuditingSeriesNotifier:
    """A SeriesNotifier that records each control (a change that names who did it) in the audit log."""

    def __init__(self, inner: SeriesNotifier, log: AuditLog, store: SeriesStore, clock: Clock) -> None:
        self._inner = inner
        self._log = log
        self._store = store
        self._clock = clock

    async def series_changed(self, series_id: int, change: SeriesChange | None = None) -> None:
        series = await self._store.get_series(series_id) if change is not None else None
        if series is not None and change is not None:
            details = {
                "rule": series.recurrence.rule,
                "next_at": series.next_at.isoformat() if series.next_at else None,
            }
            action = AuditAction(f"series_{change.action}")
            event = AuditEvent(
                series.team_id, self._clock.now(), change.by, action, SubjectKind.SERIES, str(series_id), details
            )
            await self._log.record(event)
        await self._inner.series_changed(series_id, change)
