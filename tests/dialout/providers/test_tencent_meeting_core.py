"""Tencent Meeting through the core (in-memory store, fake clock): its declared Timing paces polls and ends calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from bot.dialout.core.invites import InviteService
from bot.dialout.core.models import CallAttempt, Invite, Target, TargetKind
from bot.dialout.core.status import StatusService
from bot.dialout.providers.tencent_meeting.provider import FOLLOW_LIMIT_S, GIVE_UP_AFTER_S, TencentMeetingProvider
from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier
from tests.dialout.providers.fakes.tencent_meeting import CALL_INFO, FakeTencentMeeting, beijing_time

MEETING = "13434000000927028"
ASKER = "U024BE7LH"
POLL_EVERY_S = 5.0


class NoScheduler:
    def schedule_fire(self, invite_id: int, at: Any) -> None: ...
    def unschedule(self, invite_id: int) -> None: ...


class World:
    def __init__(self, clock: FakeClock, fake: FakeTencentMeeting, url: str) -> None:
        self.clock, self.fake = clock, fake
        self.provider = TencentMeetingProvider(
            TencentMeetingSettings(  # type: ignore[call-arg]
                _env_file=None,
                base_url=url,
                secret_id=fake.secret_id,
                secret_key=SecretStr(fake.secret_key),
                app_id=fake.app_id,
                sdk_id=fake.sdk_id,
                operators=f"{ASKER}=user1",
                poll_every_s=POLL_EVERY_S,
            )
        )
        self.store = InMemoryInviteStore()
        status = StatusService(self.store, RecordingNotifier(), clock, {"tencent_meeting": self.provider.info})
        self.invites = InviteService(
            self.store,
            NoScheduler(),
            RecordingNotifier(),
            {"tencent_meeting": self.provider},
            status,
            clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
        )

    async def dial_room(self) -> Invite:
        now = self.clock.now()
        invite = await self.invites.schedule(
            Invite(
                team_id="T",
                channel_id="C",
                created_by=ASKER,
                provider="tencent_meeting",
                target=Target(TargetKind.MEETING, MEETING),
                due_at=now,
                tz="UTC",
                created_at=now,
            ),
            [Party(PartyKind.ROOM, "100001")],
        )
        await self.invites.fire(invite.id or 0)
        return invite

    async def attempt(self, invite: Invite) -> CallAttempt:
        [attempt] = await self.store.attempts(invite.id or 0)
        return attempt

    async def watch_for(self, seconds: float, step: float = POLL_EVERY_S) -> None:
        elapsed = 0.0
        while elapsed < seconds:
            self.clock.advance(seconds=step)
            elapsed += step
            await self.invites.watch()

    def polls(self) -> int:
        return len(self.fake.received(CALL_INFO))


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = FakeClock(datetime.now(UTC))  # Tencent's answers carry wall-clock times, which the core reads
    fake = FakeTencentMeeting(meetings=(MEETING,))
    server = LoopbackServer(fake.app)
    await server.start()
    built = World(clock, fake, server.url)
    yield built
    await built.provider.aclose()
    await server.stop()


async def test_a_room_ringing_with_no_news_is_no_answer_after_the_declared_limit(world: World) -> None:
    invite = await world.dial_room()
    world.fake.set_status(MEETING, "room:100001", 4, beijing_time())
    await world.watch_for(POLL_EVERY_S)
    assert (await world.attempt(invite)).state is CallState.RINGING
    await world.watch_for(GIVE_UP_AFTER_S - 2 * POLL_EVERY_S)
    assert (await world.attempt(invite)).state is CallState.RINGING
    await world.watch_for(2 * POLL_EVERY_S)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.reason, attempt.provider_code) == (CallState.FAILED, FailReason.NO_ANSWER, "no_news")


async def test_a_room_in_the_meeting_is_polled_less_often_and_let_go_after_the_follow_limit(world: World) -> None:
    invite = await world.dial_room()
    world.fake.set_status(MEETING, "room:100001", 2, beijing_time())
    await world.watch_for(POLL_EVERY_S)
    assert (await world.attempt(invite)).state is CallState.ANSWERED
    before = world.polls()
    await world.watch_for(POLL_EVERY_S * 11)
    assert world.polls() == before  # answered: polled 12× less often
    await world.watch_for(POLL_EVERY_S)
    assert world.polls() == before + 1
    await world.watch_for(FOLLOW_LIMIT_S, step=600)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.provider_code) == (CallState.COMPLETED, "not_followed")
    polls = world.polls()
    await world.watch_for(600, step=60)
    assert world.polls() == polls  # a final call is not polled again
