"""The Slack outbox table: coalescing, leases, and delivered rows purged after a while."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.kernel.outbox import SqlOutbox, outbox


async def _rows(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


async def test_delivered_rows_are_purged_once_old_and_pending_ones_never(engine, clock) -> None:
    box = SqlOutbox(engine)
    now = clock.now()
    for kind in ("notice", "roster", "parent"):
        await box.enqueue(kind, now, thread_key="invite:1", invite_id=1)
    old, recent, _pending = await box.lease_due(now, limit=10, lease_s=60)
    await box.mark_sent(old.id, now - timedelta(days=8))
    await box.mark_sent(recent.id, now - timedelta(days=1))
    await box.purge_sent(now - timedelta(days=7))
    assert await _rows(engine) == 2
    assert await box.pending_count() == 1


async def test_coalesced_rows_share_one_pending_row_until_it_starts_sending(engine, clock) -> None:
    box = SqlOutbox(engine)
    now = clock.now()
    assert await box.enqueue("roster", now, thread_key="invite:1", invite_id=1, coalesce_key="roster:1")
    assert not await box.enqueue("roster", now, thread_key="invite:1", invite_id=1, coalesce_key="roster:1")
    [item] = await box.lease_due(now, limit=10, lease_s=60)
    assert await box.lease_due(now, limit=10, lease_s=60) == []  # leased: nobody else takes it
    await box.release_key(item.id)
    assert await box.enqueue("roster", now, thread_key="invite:1", invite_id=1, coalesce_key="roster:1")
