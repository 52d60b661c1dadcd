"""The daily limits' claim: calls of the workspace's day are counted in the claim itself (SQL and fake alike)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.dialout.core.limits import Claim, DailyQuota, DailyUse, day_bounds
from bot.dialout.core.models import InviteStatus
from bot.dialout.core.ports import InviteStore
from bot.dialout.store import SqlInviteStore
from bot.kernel.people import Party, PartyKind
from tests.dialout.core.fakes import InMemoryInviteStore
from tests.dialout.test_store import NOW, add

START, END = day_bounds(NOW, "Asia/Shanghai")


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest) -> InviteStore:
    if request.param == "memory":
        return InMemoryInviteStore()
    return SqlInviteStore(request.getfixturevalue("engine"))


def phones(n: int, first: int = 0) -> list[Party]:
    return [Party(PartyKind.PHONE, f"+86138{first + i:08d}") for i in range(n)]


def quota(user: str = "U1", per_user: int = 0, per_workspace: int = 0, team: str = "T") -> DailyQuota:
    return DailyQuota(team, user, START, END, per_user, per_workspace)


async def dialling_ids(store: InviteStore, parties: list[Party], by: str) -> list[int]:
    invite = await add(store, *parties, by=by)
    assert await store.claim_due_invite(invite.id or 0, NOW, None)
    return [a.id or 0 for a in await store.attempts(invite.id or 0)]


async def test_a_claim_under_a_per_user_limit_stops_at_the_limit_and_names_the_users_rule(store: InviteStore) -> None:
    ids = await dialling_ids(store, phones(3), "U1")
    results = [await store.claim_attempt_within(i, NOW, quota(per_user=2)) for i in ids]
    assert results == [Claim.CLAIMED, Claim.CLAIMED, Claim.OVER_USER]
    assert await store.daily_use(quota()) == DailyUse(2, 2)


async def test_the_workspace_limit_counts_every_users_calls_and_another_user_has_their_own(store: InviteStore) -> None:
    first = await dialling_ids(store, phones(2), "U1")
    second = await dialling_ids(store, phones(2, 10), "U2")
    for i in first:
        assert await store.claim_attempt_within(i, NOW, quota("U1", per_user=2, per_workspace=3)) is Claim.CLAIMED
    assert await store.claim_attempt_within(second[0], NOW, quota("U2", per_user=2, per_workspace=3)) is Claim.CLAIMED
    assert await store.claim_attempt_within(second[1], NOW, quota("U2", per_workspace=3)) is Claim.OVER_WORKSPACE
    assert await store.daily_use(quota("U2")) == DailyUse(1, 3)


async def test_calls_of_yesterday_and_of_another_workspace_do_not_count(store: InviteStore) -> None:
    ids = await dialling_ids(store, phones(2), "U1")
    assert await store.claim_attempt_for_sending(ids[0], START - timedelta(seconds=1))  # yesterday, local
    assert await store.daily_use(quota()) == DailyUse(0, 0)
    assert await store.claim_attempt_within(ids[1], NOW, quota(per_user=1)) is Claim.CLAIMED
    assert await store.daily_use(quota(team="T2")) == DailyUse(0, 0)


async def test_a_call_already_claimed_is_taken_not_over_a_limit(store: InviteStore) -> None:
    [only] = await dialling_ids(store, phones(1), "U1")
    assert await store.claim_attempt_within(only, NOW, quota(per_user=5)) is Claim.CLAIMED
    assert await store.claim_attempt_within(only, NOW, quota(per_user=5)) is Claim.TAKEN


async def test_claims_racing_for_the_last_calls_of_the_day_never_go_over(store: InviteStore) -> None:
    ids = await dialling_ids(store, phones(12), "U1")
    results = await asyncio.gather(*(store.claim_attempt_within(i, NOW, quota(per_workspace=5)) for i in ids))
    assert results.count(Claim.CLAIMED) == 5
    assert await store.daily_use(quota()) == DailyUse(5, 5)


async def test_an_invite_awaiting_approval_is_upcoming_and_cannot_be_claimed_until_approved(store: InviteStore) -> None:
    waiting = await store.add_invite(
        replace(await add(store, *phones(1)), id=None, status=InviteStatus.AWAITING_APPROVAL), phones(2)
    )
    assert waiting.status is InviteStatus.AWAITING_APPROVAL
    assert await store.claim_due_invite(waiting.id or 0, NOW, None) is None
    assert waiting.id in [i.id for i in await store.upcoming_invites("U9", 10)]
    assert waiting.id not in [i.id for i in await store.past_invites("U9", 10)]
    assert await store.set_invite_status(
        waiting.id or 0, InviteStatus.SCHEDULED, expected=InviteStatus.AWAITING_APPROVAL
    )
    assert await store.claim_due_invite(waiting.id or 0, NOW, None) is not None
