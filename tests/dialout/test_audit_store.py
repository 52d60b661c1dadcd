"""The audit store on the real database (SQLite, or PostgreSQL when configured): appended once per key,
read by range with inbound route changes merged in, masked by retention, deleted only by a purge."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from bot.dialout.audit_store import (
    MASKED_ADDRESS,
    AuditRetention,
    Masked,
    RetentionPass,
    SqlAuditLog,
    WorkspacePurge,
    audit,
)
from bot.dialout.core.audit import AuditAction, AuditEvent, SubjectKind
from bot.dialout.core.models import Target, TargetKind
from bot.dialout.core.series import Series
from bot.dialout.series_store import SqlSeriesStore
from bot.dialout.store import SqlInviteStore
from bot.kernel.recurrence import parse_recurrence
from bot.kernel.tables import InboundRouteChangeRow, InboundRouteRow, OutboxRow
from tests.dialout.test_bulk_store import PARTIES, invite

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def event(team: str, at: datetime, action: AuditAction = AuditAction.SCHEDULED, **details: object) -> AuditEvent:
    return AuditEvent(team, at, "U1", action, SubjectKind.INVITE, "7", details)


async def test_events_come_back_in_range_and_by_team_and_a_once_key_lands_once(engine) -> None:
    log = SqlAuditLog(engine)
    for hours, team in ((-30, "T1"), (-2, "T1"), (-1, "T2")):
        assert await log.record(event(team, NOW + timedelta(hours=hours), number="+8613800138001"))
    ended = AuditEvent("T1", NOW, "system", AuditAction.CALL_ENDED, SubjectKind.CALL, "9", once_key="call:9")
    assert await log.record(ended)
    assert not await log.record(ended)  # a second worker saw the same final state
    day = await log.between(NOW - timedelta(days=1), NOW + timedelta(seconds=1))
    assert [(e.team_id, e.action) for e in day] == [
        ("T1", AuditAction.SCHEDULED),
        ("T2", AuditAction.SCHEDULED),
        ("T1", AuditAction.CALL_ENDED),
    ]
    first = (await log.between(NOW - timedelta(days=2), NOW, "T1"))[0]
    assert first.details == {"number": "+8613800138001"}
    assert not [name for name in dir(log) if any(w in name for w in ("update", "delete", "mask", "purge"))]


async def test_inbound_route_changes_are_exported_with_their_workspace(engine) -> None:
    routes = InboundRouteRow.__table__  # type: ignore[attr-defined]
    changes = InboundRouteChangeRow.__table__  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        values = {"access_key": "4008", "access_display": "400-8", "channel_id": "C", "team_id": "T1"}
        await conn.execute(insert(routes).values(**values, created_by="U1", created_at=NOW, updated_at=NOW))
        await conn.execute(
            insert(changes).values(
                access_key="4008",
                access_display="400-8",
                action="set",
                changed_by="U5",
                changed_at=NOW,
                before={},
                after={"targets": ["U6"]},
            )
        )
    [change] = await SqlAuditLog(engine).between(NOW - timedelta(hours=1), NOW + timedelta(hours=1), "T1")
    assert (change.actor, change.action, change.subject_kind) == ("U5", AuditAction.ROUTE_CHANGED, SubjectKind.ROUTE)
    assert change.details["after"] == {"targets": ["U6"]}
    assert await SqlAuditLog(engine).between(NOW - timedelta(hours=1), NOW + timedelta(hours=1), "T2") == []


async def test_retention_masks_numbers_in_old_calls_and_events_only(engine) -> None:
    store, log = SqlInviteStore(engine), SqlAuditLog(engine)
    old = await store.add_invite(invite(), PARTIES)  # due 2026-11-26 03:00
    await log.record(event("T", NOW - timedelta(days=200), number="+8613800138001"))
    await log.record(event("T", NOW, number="+8613800138001"))
    cutoff = datetime(2026, 11, 27, tzinfo=UTC)
    masked = await AuditRetention(engine).mask_before(cutoff)
    assert (masked.calls, masked.events) == (3, 1)
    assert {a.party.address for a in await store.attempts(old.id or 0)} == {MASKED_ADDRESS}
    async with engine.connect() as conn:
        rows = (await conn.execute(select(audit.c.details, audit.c.masked).order_by(audit.c.at))).all()
    assert [(r.details["number"], r.masked) for r in rows] == [("+86*********01", True), ("+8613800138001", False)]
    assert await AuditRetention(engine).mask_before(cutoff) == Masked(0, 0)  # done once


async def test_a_purge_deletes_one_workspace_and_counts_what_it_removed(engine) -> None:
    store, log = SqlInviteStore(engine), SqlAuditLog(engine)
    gone = await store.add_invite(invite(), PARTIES)
    kept = await store.add_invite(replace(invite(), team_id="T9"), PARTIES)
    await log.record(event("T", NOW))
    await log.record(event("T9", NOW))
    daily = parse_recurrence("every day at 9:00", NOW, "UTC")
    target = Target(TargetKind.CONFERENCE, "42")
    series = await SqlSeriesStore(engine).add_series(
        Series("T", "C", "U1", "sandbox", target, daily, PARTIES, created_at=NOW, source_text="every day")
    )
    outbox = OutboxRow.__table__  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        for key, invite_id in ((f"invite:{gone.id}", gone.id), (f"series:{series.id}", None), ("inbound:1", None)):
            row = {"kind": "post", "thread_key": key, "invite_id": invite_id, "payload": {}}
            await conn.execute(insert(outbox).values(**row, next_attempt_at=NOW, created_at=NOW))
    purged = await WorkspacePurge(engine).purge("T")
    assert (purged.invites, purged.calls, purged.audit_events) == (1, 3, 1)
    assert (purged.series, purged.outbox) == (1, 2)  # the inbound thread's row is not the workspace's to purge
    assert await store.get_invite(gone.id or 0) is None
    assert await store.get_invite(kept.id or 0) is not None
    assert [e.team_id for e in await log.between(NOW - timedelta(days=1), NOW + timedelta(days=1))] == ["T9"]


async def test_the_retention_pass_masks_what_ages_past_the_setting_once_an_hour(engine, clock) -> None:
    log = SqlAuditLog(engine)
    await log.record(event("T", clock.now(), number="+8613800138001"))
    retention = RetentionPass(AuditRetention(engine), clock, days=180)
    assert await retention.run_if_due() == Masked(0, 0)  # a fresh event is kept whole
    clock.advance(minutes=30)
    assert await retention.run_if_due() is None  # the last pass was under an hour ago
    clock.advance(days=181)
    assert await retention.run_if_due() == Masked(0, 1)
    [masked] = await log.between(clock.now() - timedelta(days=400), clock.now())
    assert masked.details == {"number": "+86*********01"}


def test_only_retention_rewrites_and_only_a_purge_deletes_audit_rows() -> None:
    """Append-only by construction: the table is named only by the store, and rewritten in two named places."""
    import ast
    import inspect
    from pathlib import Path

    import bot
    from bot.dialout import audit_store

    root = Path(bot.__file__).parent
    naming = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if "AuditEventRow" in p.read_text() or '"audit_events"' in p.read_text()
    }
    assert naming == {"kernel/tables.py", "dialout/audit_store.py", "migrations/versions/0014_audit_events.py"}
    writers = {
        node.name
        for node in ast.walk(ast.parse(inspect.getsource(audit_store)))
        if isinstance(node, ast.ClassDef)
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", "") in {"update", "delete"}
        and call.args
        and getattr(call.args[0], "id", "") == "audit"
    }
    assert writers == {"AuditRetention", "WorkspacePurge"}
