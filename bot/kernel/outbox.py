"""SQL for the Slack outbox: enqueue (coalescing by key), lease due rows, settle them.

Every row has a kind (`OutboxKind`, declared by the feature that enqueues it). Leases rather
than locks: a worker that dies mid-send leaves a row that becomes due again when its lease runs
out, so a crash delays a Slack post but never drops it (and the row, marked `taken_over`, looks for
the message its dead worker may have posted before posting it: never twice either); a worker that
stops cleanly gives its leases back (`release`), so a restart sends at once.

Rows of one thread (`thread_key`) go out strictly in the order they were enqueued: a row is only
leased when every older pending row of its thread is leased in the same call, so a row waiting
for a retry (429, outage, a message not posted yet) holds back its own thread and no other. That
is what keeps an invite's roster the first reply and its summary the last, whatever Slack does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel.acting import acting_team
from bot.kernel.tables import OutboxRow

outbox = OutboxRow.__table__  # type: ignore[attr-defined]


class OutboxKind(StrEnum):
    """A kind of outbox row. Each feature declares its kinds as a subclass with members:

        class InviteRow(OutboxKind):
            PARENT = "parent"

    The value is what a row stores and what the worker dispatches on, so it never changes once
    rows of it may be pending; values are unique across features (the worker refuses a clash).
    """

    def key(self, subject: int) -> str:
        """The coalesce key of this kind's row about `subject` ("roster:17"): one pending row each."""
        return f"{self.value}:{subject}"


@dataclass(frozen=True)
class OutboxItem:
    """A leased outbox row."""

    id: int
    kind: str  # the value of the OutboxKind it was enqueued as
    thread_key: str
    invite_id: int | None
    coalesce_key: str | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    leased_until: datetime  # this lease's end: releasing or renewing it matches on it, so a later lease is left alone
    # A lease of it once ran out unsettled: its holder died, perhaps after Slack took the message. Kept
    # until the row is settled; its deliveries look for that message before posting (kernel/posting.py).
    taken_over: bool = False
    team_id: str = ""  # the workspace whose token delivers it ("": single-token mode's one workspace)


def _older_row_waits(now: datetime) -> ColumnElement[bool]:
    """An older pending row of the same thread is not due yet, or is held by a live lease."""
    older = outbox.alias("older")
    return exists().where(
        and_(
            older.c.thread_key == outbox.c.thread_key,
            older.c.status == "pending",
            older.c.id < outbox.c.id,
            or_(
                older.c.next_attempt_at > now,
                and_(older.c.leased_until.is_not(None), older.c.leased_until >= now),
            ),
        )
    )


def _older_row_pending(leased_here: Collection[int]) -> ColumnElement[bool]:
    """An older pending row of the same thread that this lease call did not take itself."""
    older = outbox.alias("older")
    return exists().where(
        and_(
            older.c.thread_key == outbox.c.thread_key,
            older.c.status == "pending",
            older.c.id < outbox.c.id,
            older.c.id.not_in(list(leased_here)),
        )
    )


def _insert_ignoring_duplicates(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: coalescing is the common case, so avoid raising for it."""
    if dialect == "postgresql":
        return postgresql.insert(outbox).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(outbox).on_conflict_do_nothing()
    return insert(outbox)


class SqlOutbox:
    """The slack_outbox table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def enqueue(
        self,
        kind: OutboxKind,
        now: datetime,
        *,
        thread_key: str,
        invite_id: int | None = None,
        payload: dict[str, Any] | None = None,
        coalesce_for: int | None = None,
        not_before: datetime | None = None,
        team_id: str = "",
    ) -> bool:
        """Add a row; False when it coalesces and the pending row of its kind for `coalesce_for` covers it.

        `team_id` is the workspace the row is delivered in (its bot token, in OAuth mode); by default
        the one the current work acts for (bot/kernel/acting.py).
        `not_before` debounces: the row waits until then, and a row coalesced into it pushes it back to
        its own `not_before` (a burst is sent once it has been quiet for a while).
        """
        key = None if coalesce_for is None else kind.key(coalesce_for)
        values = {
            "kind": kind.value,
            "thread_key": thread_key,
            "invite_id": invite_id,
            "coalesce_key": key,
            "payload": payload or {},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": not_before or now,
            "created_at": now,
            "team_id": team_id or acting_team() or "",
        }
        async with self.engine.begin() as conn:
            statement = _insert_ignoring_duplicates(conn.dialect.name).values(**values).returning(outbox.c.id)
            inserted = (await conn.execute(statement)).first()
            if inserted is None and not_before is not None and key is not None:
                unleased = or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < now)
                await conn.execute(
                    update(outbox)
                    .where(and_(outbox.c.coalesce_key == key, outbox.c.status == "pending", unleased))
                    .values(next_attempt_at=not_before)
                )
        return inserted is not None

    async def lease_due(self, now: datetime, limit: int, lease_s: float) -> list[OutboxItem]:
        """Rows due now that no live worker holds and no older row of their thread waits for, in id order.

        Each lease is one conditional UPDATE that checks the thread again, so two workers leasing
        at once never split a thread; once a row of a thread cannot be leased, its younger rows
        are skipped in this call too. One function (a little over 60 lines) because the query and
        the per-row claim must agree on what "older row of the thread" means.
        """
        free = or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < now)
        async with self.engine.connect() as conn:
            candidates = list(
                await conn.execute(
                    select(outbox.c.id, outbox.c.thread_key)
                    .where(
                        and_(
                            outbox.c.status == "pending",
                            outbox.c.next_attempt_at <= now,
                            free,
                            ~_older_row_waits(now),
                        )
                    )
                    .order_by(outbox.c.id)
                    .limit(limit)
                )
            )
        leased: list[OutboxItem] = []
        ours: dict[str, list[int]] = {}  # per thread, the rows this call leased (they wait for nobody)
        skipped: set[str] = set()
        until = now + timedelta(seconds=lease_s)
        for row_id, thread_key in candidates:
            if thread_key in skipped:
                continue
            async with self.engine.begin() as conn:
                result = await conn.execute(
                    update(outbox)
                    .where(
                        and_(
                            outbox.c.id == row_id,
                            outbox.c.status == "pending",
                            free,
                            ~_older_row_pending(ours.get(thread_key, ())),
                        )
                    )
                    # A lease still set here ran out unsettled: its holder died (see OutboxItem.taken_over).
                    .values(leased_until=until, taken_over=or_(outbox.c.taken_over, outbox.c.leased_until.is_not(None)))
                )
                if result.rowcount != 1:
                    skipped.add(thread_key)
                    continue
                row = (await conn.execute(select(outbox).where(outbox.c.id == row_id))).one()
            ours.setdefault(thread_key, []).append(row_id)
            leased.append(
                OutboxItem(
                    row.id,
                    row.kind,
                    row.thread_key,
                    row.invite_id,
                    row.coalesce_key,
                    dict(row.payload or {}),
                    row.attempts,
                    row.created_at,
                    until,
                    taken_over=bool(row.taken_over),
                    team_id=row.team_id or "",
                )
            )
        return leased

    async def give_up_team(self, team_id: str) -> int:
        """End every pending row of a workspace that removed confbot (its token is gone: never deliverable).

        Returns how many were given up; they stay, marked dead, until purged like any settled row.
        """
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(outbox)
                .where(and_(outbox.c.team_id == team_id, outbox.c.status == "pending"))
                .values(status="dead", last_error="workspace uninstalled", leased_until=None, coalesce_key=None)
            )
        return int(result.rowcount or 0)

    async def next_due_at(self) -> datetime | None:
        """When the earliest pending row becomes due (the worker sleeps until then).

        Only the oldest pending row of each thread counts: the rows behind it wait for it, not
        for their own time, and follow at once when it has gone out.
        """
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(outbox.c.next_attempt_at)
                    .where(and_(outbox.c.status == "pending", ~_older_row_pending(())))
                    .order_by(outbox.c.next_attempt_at)
                    .limit(1)
                )
            ).first()
        return row[0] if row else None

    async def has_older_pending(self, item: OutboxItem, kinds: Collection[OutboxKind]) -> bool:
        """Whether an older row of the same thread, of one of `kinds`, is still waiting (replies keep order)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(outbox.c.id)
                    .where(
                        and_(
                            outbox.c.thread_key == item.thread_key,
                            outbox.c.status == "pending",
                            outbox.c.id < item.id,
                            outbox.c.kind.in_([kind.value for kind in kinds]),
                        )
                    )
                    .limit(1)
                )
            ).first()
        return row is not None

    async def thread_given_up(self, item: OutboxItem) -> bool:
        """Whether nothing this row could be waiting for is left: no older row of its thread is pending,
        and one of its thread's rows was given up (its parent, refused by Slack for good)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox.c.status)
                .where(
                    and_(
                        outbox.c.thread_key == item.thread_key,
                        outbox.c.id != item.id,
                        or_(and_(outbox.c.status == "pending", outbox.c.id < item.id), outbox.c.status == "dead"),
                    )
                )
                .distinct()
            )
            statuses = {status for (status,) in rows}
        return statuses == {"dead"}

    async def release(self, items: Iterable[OutboxItem]) -> None:
        """Give back leases a stopping worker still holds, so the next start sends those rows at once.

        Without this a restart would wait for the leases to run out. A lease that ran out
        and was taken by another worker meanwhile is not ours any more and is left alone.
        """
        async with self.engine.begin() as conn:
            for item in items:
                await conn.execute(
                    update(outbox)
                    .where(
                        and_(
                            outbox.c.id == item.id,
                            outbox.c.status == "pending",
                            outbox.c.leased_until == item.leased_until,
                        )
                    )
                    .values(leased_until=None)
                )

    async def renew(self, items: Iterable[OutboxItem], until: datetime) -> list[OutboxItem]:
        """Extend leases still held to `until` (the worker's heartbeat while a delivery is in flight).

        Leases stay short, so a dead worker's rows are taken over soon, while a slow live one keeps
        its own. Returns the items renewed, with their new lease; a row settled meanwhile, or whose
        lease ran out and was taken by another worker, is not ours and is left out.
        """
        renewed: list[OutboxItem] = []
        async with self.engine.begin() as conn:
            for item in items:
                result = await conn.execute(
                    update(outbox)
                    .where(
                        and_(
                            outbox.c.id == item.id,
                            outbox.c.status == "pending",
                            outbox.c.leased_until == item.leased_until,
                        )
                    )
                    .values(leased_until=until)
                )
                if result.rowcount == 1:
                    renewed.append(replace(item, leased_until=until))
        return renewed

    async def hurry(self, kind: OutboxKind, coalesce_for: int, now: datetime) -> None:
        """Make the pending (debounced) row of `kind` for `coalesce_for` due now, if there is one."""
        unleased = or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < now)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(and_(outbox.c.coalesce_key == kind.key(coalesce_for), outbox.c.status == "pending", unleased))
                .values(next_attempt_at=now)
            )

    async def release_key(self, item_id: int) -> None:
        """Stop coalescing into this row: events from now on need a new post."""
        async with self.engine.begin() as conn:
            await conn.execute(update(outbox).where(outbox.c.id == item_id).values(coalesce_key=None))

    async def mark_sent(self, item_id: int, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == item_id)
                .values(status="sent", sent_at=now, leased_until=None, coalesce_key=None)
            )

    async def retry_at(self, item: OutboxItem, at: datetime, error: str, *, count: bool = True) -> None:
        """Put a row back for a later try, in its place in its thread.

        If its key was taken meanwhile (a change arrived while it was sending), the row stays
        without a key rather than being superseded by the newer row: the newer row comes after
        replies enqueued since, and this one (a roster's first post) must not.
        """
        values: dict[str, Any] = {
            "next_attempt_at": at,
            "leased_until": None,
            "last_error": error[:500],
            "attempts": item.attempts + (1 if count else 0),
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(outbox).where(outbox.c.id == item.id).values(coalesce_key=item.coalesce_key, **values)
                )
        except IntegrityError:
            async with self.engine.begin() as conn:
                await conn.execute(update(outbox).where(outbox.c.id == item.id).values(coalesce_key=None, **values))

    async def mark_dead(self, item_id: int, error: str) -> None:
        """Give up on a row Slack will never accept (kept, with the error, for inspection)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == item_id)
                .values(status="dead", last_error=error[:500], leased_until=None, coalesce_key=None)
            )

    async def pending_count(self) -> int:
        async with self.engine.connect() as conn:
            found = await conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status == "pending"))
            return int(found.scalar_one())

    async def purge_sent(self, before: datetime) -> None:
        """Drop rows delivered long ago; the outbox is a queue, not an archive."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(outbox).where(and_(outbox.c.status == "sent", outbox.c.sent_at < before)))
