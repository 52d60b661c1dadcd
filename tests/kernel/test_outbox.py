"""The Slack outbox table: coalescing, leases, and delivered rows purged after a while."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.kernel.outbox import OutboxKind, SqlOutbox, outbox


class Row(OutboxKind):
    NOTICE = "notice"
    ROSTER = "roster"
    PARENT = "parent"


async def _rows(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


async def test_delivered_rows_are_purged_once_old_and_pending_ones_never(engine, clock) -> None:
    box = SqlOutbox(engine)
    now = clock.now()
    for kind in (Row.NOTICE, Row.ROSTER, Row.PARENT):
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
    assert await box.enqueue(Row.ROSTER, now, thread_key="invite:1", invite_id=1, coalesce_for=1)
    assert not await box.enqueue(Row.ROSTER, now, thread_key="invite:1", invite_id=1, coalesce_for=1)
    [item] = await box.lease_due(now, limit=10, lease_s=60)
    assert await box.lease_due(now, limit=10, lease_s=60) == []  # leased: nobody else takes it
    await box.release_key(item.id)
    assert await box.enqueue(Row.ROSTER, now, thread_key="invite:1", invite_id=1, coalesce_for=1)


async def test_released_rows_are_due_again_at_once_instead_of_when_their_lease_runs_out(engine, clock) -> None:
    box = SqlOutbox(engine)
    now = clock.now()
    for n in range(3):
        await box.enqueue(Row.NOTICE, now, thread_key="invite:1", invite_id=1, payload={"n": n})
    held = await box.lease_due(now, limit=10, lease_s=60)
    assert await box.lease_due(now, limit=10, lease_s=60) == []
    await box.mark_sent(held[0].id, now)
    await box.release(held[1:])  # a stopping worker gives back what it did not get to
    assert [item.payload["n"] for item in await box.lease_due(now, limit=10, lease_s=60)] == [1, 2]


async def test_releasing_a_lease_that_ran_out_leaves_the_next_workers_lease_alone(engine, clock) -> None:
    box = SqlOutbox(engine)
    await box.enqueue(Row.ROSTER, clock.now(), thread_key="invite:1", invite_id=1, coalesce_for=1)
    [stale] = await box.lease_due(clock.now(), limit=10, lease_s=60)
    clock.advance(seconds=61)
    [taken] = await box.lease_due(clock.now(), limit=10, lease_s=60)  # the first lease ran out: another worker took it
    await box.release([stale])
    assert taken.id == stale.id and await box.lease_due(clock.now(), limit=10, lease_s=60) == []


async def _lease_payloads(box: SqlOutbox, clock) -> list[tuple[str, int]]:
    return [(item.thread_key, item.payload["n"]) for item in await box.lease_due(clock.now(), limit=10, lease_s=60)]


async def test_a_row_put_back_for_later_holds_back_its_thread_and_no_other(engine, clock) -> None:
    box = SqlOutbox(engine)
    for n in range(3):
        await box.enqueue(Row.NOTICE, clock.now(), thread_key="invite:1", invite_id=1, payload={"n": n})
        await box.enqueue(Row.NOTICE, clock.now(), thread_key="invite:2", invite_id=2, payload={"n": n})
    held = await box.lease_due(clock.now(), limit=10, lease_s=60)
    first = next(item for item in held if item.thread_key == "invite:1")
    await box.retry_at(first, clock.now() + timedelta(seconds=5), "ratelimited", count=False)  # a 429
    await box.release([item for item in held if item.id != first.id])
    assert await _lease_payloads(box, clock) == [("invite:2", 0), ("invite:2", 1), ("invite:2", 2)]
    clock.advance(seconds=5)
    assert await _lease_payloads(box, clock) == [("invite:1", 0), ("invite:1", 1), ("invite:1", 2)]


async def test_a_thread_is_never_split_between_two_workers(engine, clock) -> None:
    box = SqlOutbox(engine)
    for n in range(2):
        await box.enqueue(Row.NOTICE, clock.now(), thread_key="invite:1", invite_id=1, payload={"n": n})
    [oldest] = await box.lease_due(clock.now(), limit=1, lease_s=60)
    assert await box.lease_due(clock.now(), limit=10, lease_s=60) == []  # the younger row waits for the held one
    await box.mark_sent(oldest.id, clock.now())
    assert await _lease_payloads(box, clock) == [("invite:1", 1)]


async def test_a_row_whose_key_was_taken_while_it_was_sending_keeps_its_place(engine, clock) -> None:
    box = SqlOutbox(engine)
    await box.enqueue(Row.ROSTER, clock.now(), thread_key="invite:1", invite_id=1, coalesce_for=1, payload={"n": 0})
    [roster] = await box.lease_due(clock.now(), limit=10, lease_s=60)
    await box.release_key(roster.id)  # sending: changes from now on make a new row
    await box.enqueue(Row.NOTICE, clock.now(), thread_key="invite:1", invite_id=1, payload={"n": 1})
    await box.enqueue(Row.ROSTER, clock.now(), thread_key="invite:1", invite_id=1, coalesce_for=1, payload={"n": 2})
    await box.retry_at(roster, clock.now(), "service_unavailable")  # the post failed
    assert await _lease_payloads(box, clock) == [("invite:1", 0), ("invite:1", 1), ("invite:1", 2)]


async def test_a_row_whose_lease_ran_out_unsettled_stays_taken_over_until_it_is_settled(engine, clock) -> None:
    box = SqlOutbox(engine)
    for n in range(2):
        await box.enqueue(Row.NOTICE, clock.now(), thread_key=f"invite:{n}", invite_id=n, payload={"n": n})
    first, second = await box.lease_due(clock.now(), limit=10, lease_s=15)
    assert not first.taken_over and not second.taken_over
    await box.release([second])  # given back cleanly: nobody died holding it
    clock.advance(seconds=16)  # the first one's worker died: its lease ran out
    again = {item.id: item for item in await box.lease_due(clock.now(), limit=10, lease_s=15)}
    assert again[first.id].taken_over and not again[second.id].taken_over
    await box.retry_at(again[first.id], clock.now(), "ratelimited", count=False)  # put back: still suspect
    [retried] = [item for item in await box.lease_due(clock.now(), limit=10, lease_s=15) if item.id == first.id]
    assert retried.taken_over


async def test_renewing_keeps_a_lease_alive_and_never_takes_back_one_another_worker_took(engine, clock) -> None:
    box = SqlOutbox(engine)
    for n in range(2):
        await box.enqueue(Row.NOTICE, clock.now(), thread_key=f"invite:{n}", invite_id=n, payload={"n": n})
    kept, lost = await box.lease_due(clock.now(), limit=10, lease_s=15)
    clock.advance(seconds=10)
    [kept] = await box.renew([kept], clock.now() + timedelta(seconds=15))
    clock.advance(seconds=10)  # 20 s in: the renewed lease lives, the other ran out and is taken
    [taken] = await box.lease_due(clock.now(), limit=10, lease_s=15)
    assert taken.id == lost.id
    renewed = await box.renew([kept, lost], clock.now() + timedelta(seconds=15))
    assert [item.id for item in renewed] == [kept.id] and renewed[0].leased_until == clock.now() + timedelta(seconds=15)
    await box.mark_sent(kept.id, clock.now())
    assert await box.renew(renewed, clock.now() + timedelta(seconds=30)) == []  # settled: nothing to hold
