"""VoipNow through the core (in-memory store, fake clock): polling to a final state, give-ups, unknowns, cancel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from bot.dialout.core.invites import DialingRules, InviteService
from bot.dialout.core.models import CallAttempt, Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor
from bot.dialout.core.ports import NoticeKind
from bot.dialout.core.status import StatusService
from bot.dialout.providers.voipnow.provider import VoipNowProvider
from bot.dialout.providers.voipnow.settings import VoipNowSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier
from tests.dialout.providers.fakes.voipnow import GONE, ON_CALL, RINGING, TRYING, FakeVoipNow

NUMBER = "+13235742879"
UNKNOWN_GIVE_UP_S = 600


class Scheduler:
    def schedule_fire(self, invite_id: int, at: Any) -> None: ...
    def unschedule(self, invite_id: int) -> None: ...


class World:
    """The core wired to the VoipNow provider and its fake, on a clock the test moves."""

    def __init__(self, clock: FakeClock, fake: FakeVoipNow, url: str) -> None:
        self.clock, self.fake = clock, fake
        self.provider = VoipNowProvider(
            VoipNowSettings(
                base_url=url,
                client_id="app-key",
                client_secret=SecretStr("app-secret"),
                extension="211",
                timeout_s=0.3,
            ),
            clock=clock.now,
        )
        self.store = InMemoryInviteStore()
        self.notifier = RecordingNotifier()
        status = StatusService(self.store, self.notifier, clock, {"voipnow": self.provider.info})
        self.invites = InviteService(
            self.store,
            Scheduler(),
            self.notifier,
            {"voipnow": self.provider},
            status,
            clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
            rules=DialingRules(unknown_give_up_s=UNKNOWN_GIVE_UP_S),
        )

    async def dial_now(self, max_duration_s: int | None = None, **options: str) -> Invite:
        now = self.clock.now()
        invite = await self.invites.schedule(
            Invite(
                team_id="T",
                channel_id="C",
                created_by="U1",
                provider="voipnow",
                target=Target(TargetKind.CONFERENCE, "3"),
                due_at=now,
                tz="UTC",
                created_at=now,
                options=options,
                max_duration_s=max_duration_s,
            ),
            [Party(PartyKind.PHONE, NUMBER)],
        )
        await self.invites.fire(invite.id or 0)
        return invite

    async def attempt(self, invite: Invite) -> CallAttempt:
        [attempt] = await self.store.attempts(invite.id or 0)
        return attempt

    async def watch_for(self, seconds: float, step: float = 3.0) -> None:
        """Let the core's watcher run every `step` seconds of fake time."""
        elapsed = 0.0
        while elapsed < seconds:
            self.clock.advance(seconds=step)
            elapsed += step
            await self.invites.watch()


@pytest.fixture
async def world(clock: FakeClock) -> AsyncIterator[World]:
    fake = FakeVoipNow()
    server = LoopbackServer(fake.app)
    await server.start()
    built = World(clock, fake, server.url)
    yield built
    await built.provider.aclose()
    await server.stop()


async def test_a_polled_call_rings_joins_ends_and_the_invite_is_done(world: World) -> None:
    world.fake.scripts[NUMBER] = [TRYING, RINGING, ON_CALL, ON_CALL, GONE]
    invite = await world.dial_now(pin="2233")
    assert (await world.attempt(invite)).state is CallState.DIALING
    await world.watch_for(6)
    assert (await world.attempt(invite)).state is CallState.RINGING
    await world.watch_for(6)
    assert (await world.attempt(invite)).state is CallState.ANSWERED
    await world.watch_for(6)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.provider_code) == (CallState.COMPLETED, "ended")
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]
    assert len(world.fake.requests_to("create")) == 1 and world.fake.violations == []


async def test_a_phone_that_rings_forever_is_hung_up_as_no_answer(world: World) -> None:
    world.fake.scripts[NUMBER] = [RINGING]
    invite = await world.dial_now(wait="20")
    await world.watch_for(20 + 30 + 3)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.reason, attempt.provider_code) == (
        CallState.FAILED,
        FailReason.NO_ANSWER,
        "no_pickup",
    )
    assert len(world.fake.requests_to("delete")) == 1
    polls = len(world.fake.requests_to("status"))
    await world.watch_for(60)
    assert len(world.fake.requests_to("status")) == polls  # a final call is not polled again


async def test_a_call_stuck_dialling_with_unreadable_status_is_given_up_by_the_bound(world: World) -> None:
    world.fake.scripts[NUMBER] = [TRYING]
    invite = await world.dial_now()
    world.fake.fail_next("status", code="internal_server_error", times=10_000)
    await world.watch_for(25 + 30 + 60 - 6)
    assert (await world.attempt(invite)).state is CallState.DIALING  # retried each round meanwhile
    await world.watch_for(9)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.reason, attempt.provider_code) == (CallState.FAILED, FailReason.UNKNOWN, "no_news")


async def test_an_answered_call_with_unreadable_status_is_completed_after_its_cap(world: World) -> None:
    world.fake.scripts[NUMBER] = [ON_CALL]
    invite = await world.dial_now(max_duration_s=1800)
    await world.watch_for(3)
    assert (await world.attempt(invite)).state is CallState.ANSWERED
    world.fake.fail_next("status", code="internal_server_error", times=10_000)
    await world.watch_for(1800 + 90 - 30, step=30)  # the invite's max is 30 minutes; answered 3 s in
    assert (await world.attempt(invite)).state is CallState.ANSWERED
    await world.watch_for(30, step=30)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.provider_code) == (CallState.COMPLETED, "not_followed")


async def test_a_timed_out_invite_stays_unknown_is_never_resent_and_is_given_up_with_a_reply(world: World) -> None:
    world.fake.fail_next("create", "slow")
    invite = await world.dial_now()
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.provider_code, attempt.provider_call_id) == (CallState.UNKNOWN, "timeout", None)
    await world.watch_for(UNKNOWN_GIVE_UP_S - 30, step=30)
    assert (await world.attempt(invite)).state is CallState.UNKNOWN
    await world.watch_for(60, step=30)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.reason) == (CallState.FAILED, FailReason.UNKNOWN)
    assert [n.kind for _, n in world.notifier.notices].count(NoticeKind.UNKNOWN_OUTCOME) == 1
    assert len(world.fake.requests_to("create")) == 1  # never re-sent
    assert world.fake.requests_to("status") == []  # nothing to poll it by
    assert len(world.fake.calls) == 1  # …although VoipNow did place it


async def test_an_accepted_call_without_an_id_is_followed_by_polling_to_its_end(world: World) -> None:
    world.fake.create_status = 204  # seed 001: success, no id to return
    world.fake.scripts[NUMBER] = [TRYING, RINGING, ON_CALL, ON_CALL, GONE]
    invite = await world.dial_now()
    assert (await world.attempt(invite)).state is CallState.DIALING
    await world.watch_for(6)
    assert (await world.attempt(invite)).state is CallState.RINGING
    await world.watch_for(6)
    assert (await world.attempt(invite)).state is CallState.ANSWERED
    await world.watch_for(6)
    attempt = await world.attempt(invite)
    assert (attempt.state, attempt.provider_code) == (CallState.COMPLETED, "ended")
    assert (await world.store.get_invite(invite.id or 0)).status is InviteStatus.DONE  # type: ignore[union-attr]
    assert len(world.fake.requests_to("create")) == 1 and world.fake.violations == []
    assert world.notifier.notices[-1][1].kind is NoticeKind.SUMMARY  # no "outcome unknown" reply


async def test_cancelling_a_ringing_invite_hangs_the_call_up(world: World) -> None:
    world.fake.scripts[NUMBER] = [RINGING]
    invite = await world.dial_now()
    await world.watch_for(3)
    assert (await world.attempt(invite)).state is CallState.RINGING
    await world.invites.cancel(invite.id or 0, Actor("U1"))
    assert (await world.attempt(invite)).state is CallState.CANCELLED
    [delete] = world.fake.requests_to("delete")
    assert delete.path.endswith(f"/211/{(await world.attempt(invite)).provider_call_id}")


async def test_dialling_uses_the_time_the_core_claimed_the_call(world: World) -> None:
    world.fake.scripts[NUMBER] = [RINGING]
    invite = await world.dial_now()
    call = await world.store.placed_call(await world.attempt(invite))
    assert call is not None and call.placed_at is not None
    assert abs(call.placed_at.replace(tzinfo=world.clock.now().tzinfo) - world.clock.now()) < timedelta(seconds=1)
