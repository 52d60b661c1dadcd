"""The readings behind /dial list and App Home, on the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.dialout.core.listing import HOME_PAGE, home_page, list_invites
from bot.dialout.core.models import Invite, Target, TargetKind
from bot.kernel.people import Party, PartyKind
from tests.dialout.core.fakes import InMemoryInviteStore

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


async def add(store: InMemoryInviteStore, by: str, channel: str = "C", due_in_h: int = 1) -> Invite:
    invite = Invite(
        "T", channel, by, "sandbox", Target(TargetKind.CONFERENCE, "42"), NOW + timedelta(hours=due_in_h), "UTC"
    )
    invite.created_at = NOW
    return await store.add_invite(invite, [Party(PartyKind.PHONE, "+8613800138001")])


async def test_home_pages_through_upcoming_soonest_first_and_past_newest_first() -> None:
    store = InMemoryInviteStore()
    upcoming = [await add(store, "U1", due_in_h=h) for h in range(1, 2 * HOME_PAGE + 4)]  # 23, due in 1..23 h
    for _ in range(3):
        fired = await add(store, "U1")
        await store.claim_due_invite(fired.id or 0, NOW, None)
    await add(store, "U2")
    first = await home_page(store, "U1", 0)
    assert [i.invite.id for i in first.listing.upcoming] == [u.id for u in upcoming[:HOME_PAGE]]
    assert len(first.listing.recent) == 3 and first.more_upcoming and not first.more_recent
    assert all(len(i.attempts) == 1 for i in first.listing.upcoming)
    last = await home_page(store, "U1", 2)
    assert [i.invite.id for i in last.listing.upcoming] == [u.id for u in upcoming[2 * HOME_PAGE :]]
    assert not last.more_upcoming and last.listing.recent == ()


async def test_the_list_shows_my_upcoming_anywhere_and_this_channels_others_once() -> None:
    store = InMemoryInviteStore()
    mine_elsewhere = await add(store, "U1", channel="C2")
    mine_here = await add(store, "U1", due_in_h=2)
    theirs_here = await add(store, "U2")
    listing = await list_invites(store, "U1", "C")
    assert [i.invite.id for i in listing.upcoming] == [mine_elsewhere.id, mine_here.id]
    assert [i.invite.id for i in listing.recent] == [theirs_here.id]  # mine_here is listed once, above


async def test_home_lists_the_upcoming_invites_of_my_channels_with_mine_soonest_first_and_not_their_past_ones() -> None:
    store = InMemoryInviteStore()
    mine = await add(store, "U1", channel="C9", due_in_h=3)
    in_my_channel = await add(store, "U2", channel="C2", due_in_h=1)
    await add(store, "U2", channel="C3", due_in_h=2)  # a channel I am not in
    over = await add(store, "U2", channel="C2")
    await store.claim_due_invite(over.id or 0, NOW, None)
    home = await home_page(store, "U1", 0, ["C2"])
    assert [i.invite.id for i in home.listing.upcoming] == [in_my_channel.id, mine.id]
    assert home.listing.recent == ()  # recent invites stay my own
    alone = await home_page(store, "U1", 0)
    assert [i.invite.id for i in alone.listing.upcoming] == [mine.id]
