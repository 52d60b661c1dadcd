"""The bulk-dialling store on the real database (SQLite, or PostgreSQL when configured): the pause mark
and pending launches move once however many ask at once, and a launch comes back exactly as held."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.dialout.bulk_store import SqlBulkStore
from bot.dialout.core.launches import LaunchState
from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.dialout.store import SqlInviteStore
from bot.kernel.people import Party, PartyKind

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
PARTIES = (
    Party(PartyKind.PHONE, "+8613800138001"),
    Party(PartyKind.PHONE, "+8613900000011", slack_user_id="U0BOB", name="bob"),
    Party(PartyKind.ROOM, "room-7", company="acme"),
)


def invite(status: InviteStatus = InviteStatus.DIALING) -> Invite:
    return Invite(
        team_id="T",
        channel_id="C",
        created_by="U0AMY",
        provider="sandbox",
        target=Target(TargetKind.CONFERENCE, "42"),
        due_at=NOW + timedelta(hours=1),
        tz="Asia/Shanghai",
        locale="zh",
        max_duration_s=1800,
        options={"pin": "1234"},
        status=status,
        created_at=NOW,
        source_text="call them",
    )


async def test_an_invite_is_paused_once_and_resumed_once(engine) -> None:
    invites, bulk = SqlInviteStore(engine), SqlBulkStore(engine)
    saved = await invites.add_invite(invite(), PARTIES)
    assert saved.id is not None
    won = await asyncio.gather(*(bulk.set_paused(saved.id, NOW, f"U{i}") for i in range(4)))
    assert sorted(won) == [False, False, False, True]
    paused = await invites.get_invite(saved.id)
    assert paused is not None and paused.paused_at == NOW and paused.paused_by in {"U0", "U1", "U2", "U3"}
    assert await bulk.set_paused(saved.id, None, None)
    assert not await bulk.set_paused(saved.id, None, None)
    resumed = await invites.get_invite(saved.id)
    assert resumed is not None and resumed.paused_at is None and resumed.paused_by is None


async def test_only_a_dialling_invite_can_be_paused(engine) -> None:
    invites, bulk = SqlInviteStore(engine), SqlBulkStore(engine)
    scheduled = await invites.add_invite(invite(InviteStatus.SCHEDULED), PARTIES)
    assert scheduled.id is not None
    assert not await bulk.set_paused(scheduled.id, NOW, "U0AMY")
    assert not await bulk.set_paused(9999, NOW, "U0AMY")


async def test_a_held_launch_comes_back_exactly_and_leaves_pending_once(engine) -> None:
    bulk = SqlBulkStore(engine)
    launch_id = await bulk.hold_launch(invite(InviteStatus.SCHEDULED), PARTIES)
    held = await bulk.get_launch(launch_id)
    assert held is not None
    assert held.invite == invite(InviteStatus.SCHEDULED)
    assert held.parties == PARTIES and held.state is LaunchState.PENDING
    won = await asyncio.gather(
        bulk.settle_launch(launch_id, LaunchState.CONFIRMED),
        bulk.settle_launch(launch_id, LaunchState.CONFIRMED),
        bulk.settle_launch(launch_id, LaunchState.CANCELLED),
    )
    assert sorted(won) == [False, False, True]
    await bulk.set_launch_invite(launch_id, 5)
    settled = await bulk.get_launch(launch_id)
    assert settled is not None and settled.state is not LaunchState.PENDING and settled.invite_id == 5
    assert await bulk.get_launch(launch_id + 1) is None
