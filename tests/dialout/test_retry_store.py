"""The retry half of the InviteStore contract, on the SQL store and the in-memory fake alike."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.dialout.core.models import InviteStatus
from bot.dialout.core.ports import InviteStore
from bot.dialout.core.retry_policy import RetryMark, parse_retry
from bot.dialout.store import SqlInviteStore
from bot.kernel.states import CallState, FailReason
from tests.dialout.core.fakes import InMemoryInviteStore
from tests.dialout.test_store import ALICE, BOB, NOW, add, dialling


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest) -> InviteStore:
    if request.param == "memory":
        return InMemoryInviteStore()
    return SqlInviteStore(request.getfixturevalue("engine"))


LATER = NOW + timedelta(minutes=2)


async def _failed(store: InviteStore, attempt: int) -> None:
    assert await store.transition(
        attempt, CallState.QUEUED, CallState.FAILED, reason=FailReason.BUSY, code=None, detail=None, at=NOW
    )


async def test_a_retry_is_queued_once_per_failed_call_after_the_invites_last_call(store: InviteStore) -> None:
    invite, [alice, _bob] = await dialling(store, ALICE, BOB)
    await _failed(store, alice)
    mark = RetryMark(alice, LATER, 1, 3, FailReason.BUSY)
    queued = await asyncio.gather(*(store.queue_retry(invite.id or 0, mark, NOW) for _ in range(3)))
    assert len([q for q in queued if q is not None]) == 1
    retry = (await store.attempts(invite.id or 0))[-1]
    assert (retry.id, retry.party, retry.state, retry.position, retry.sent_at) == (
        next(q for q in queued if q is not None),
        ALICE,
        CallState.QUEUED,
        2,
        None,
    )
    assert retry.retry == mark


async def test_no_retry_is_queued_after_retries_stop_or_while_the_party_has_a_call_open(store: InviteStore) -> None:
    invite, [alice, bob] = await dialling(store, ALICE, BOB)
    await _failed(store, alice)
    assert await store.queue_retry(invite.id or 0, RetryMark(bob, LATER, 1, 3, FailReason.BUSY), NOW) is None
    await store.stop_retries(invite.id or 0, NOW)
    assert (await store.get_invite(invite.id or 0)).retries_stopped_at == NOW  # type: ignore[union-attr]
    assert await store.queue_retry(invite.id or 0, RetryMark(alice, LATER, 1, 3, FailReason.BUSY), NOW) is None


async def test_no_retry_is_queued_once_the_invite_is_no_longer_dialling(store: InviteStore) -> None:
    invite, [alice] = await dialling(store, ALICE)
    await _failed(store, alice)
    assert await store.set_invite_status(invite.id or 0, InviteStatus.DONE, expected=InviteStatus.DIALING)
    assert await store.queue_retry(invite.id or 0, RetryMark(alice, LATER, 1, 3, FailReason.BUSY), NOW) is None


async def test_due_retries_names_dialling_invites_with_an_unsent_retry_due(store: InviteStore) -> None:
    invite, [alice] = await dialling(store, ALICE)
    await _failed(store, alice)
    retry = await store.queue_retry(invite.id or 0, RetryMark(alice, LATER, 1, 3, FailReason.BUSY), NOW)
    assert retry is not None
    assert await store.due_retries(NOW) == []
    assert await store.due_retries(LATER) == [invite.id]
    assert await store.claim_attempt_for_sending(retry, LATER)
    assert await store.due_retries(LATER) == []


async def test_an_invites_retry_policy_reads_back_as_it_was_stored(store: InviteStore) -> None:
    plain = await add(store, ALICE)
    assert plain.retry is None and plain.retries_stopped_at is None
    policy = parse_retry("busy=3x2m noanswer=2 error=1x30s")
    stored = await store.add_invite(replace(plain, id=None, retry=policy), [BOB])
    assert (await store.get_invite(stored.id or 0)).retry == policy  # type: ignore[union-attr]
    off = await store.add_invite(replace(plain, id=None, retry=parse_retry("off")), [BOB])
    assert (await store.get_invite(off.id or 0)).retry == parse_retry("off")  # type: ignore[union-attr]
