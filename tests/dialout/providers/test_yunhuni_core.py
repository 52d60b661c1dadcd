"""Yunhuni with the real core and the in-memory store on a controlled clock: the give-up rules for a provider
with no ringing event and no status query, conference events, and cancel."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from pydantic import SecretStr

from bot.dialout.core.invites import InviteService
from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor
from bot.dialout.core.ports import NoticeKind, WebhookRequest
from bot.dialout.core.status import StatusService
from bot.dialout.providers.yunhuni.provider import DEFAULT_MAX_DURATION_S, GIVE_UP_MARGIN_S, YunhuniProvider
from bot.dialout.providers.yunhuni.settings import YunhuniSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier
from tests.dialout.providers.fakes.yunhuni import FakeYunhuni

SECRET = "hook-secret"


@dataclass
class NoScheduler:
    def schedule_fire(self, invite_id: int, at: datetime) -> None: ...
    def unschedule(self, invite_id: int) -> None: ...


@dataclass
class World:
    fake: FakeYunhuni
    provider: YunhuniProvider
    store: InMemoryInviteStore
    status: StatusService
    invites: InviteService
    notifier: RecordingNotifier
    clock: FakeClock

    def ms(self) -> int:
        """Now on the test's clock, as Yunhuni's epoch milliseconds."""
        return int(self.clock.now().timestamp() * 1000)

    async def dial(self, *numbers: str, max_duration_s: int | None = 1800, **options: str) -> int:
        invite = Invite(
            team_id="T1",
            channel_id="C1",
            created_by="U0AMY",
            provider="yunhuni",
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=self.clock.now(),
            tz="Asia/Shanghai",
            max_duration_s=max_duration_s,
            options=options,
            created_at=self.clock.now(),
        )
        saved = await self.invites.schedule(invite, [Party(PartyKind.PHONE, n) for n in numbers])
        assert saved.id is not None
        await self.invites.fire(saved.id)
        return saved.id

    async def states(self, invite_id: int) -> list[tuple[CallState, FailReason | None, str | None]]:
        return [(a.state, a.reason, a.provider_code) for a in await self.store.attempts(invite_id)]

    async def callback(self, payload: dict) -> None:
        request = WebhookRequest("POST", f"/webhooks/yunhuni/{SECRET}", {}, {}, json.dumps(payload).encode())
        for event in (await self.provider.handle_webhook(request)).events:
            await self.status.apply(event)


@pytest.fixture
async def world(clock: FakeClock) -> AsyncIterator[World]:
    fake = FakeYunhuni(slow_s=1.0)
    server = LoopbackServer(fake.app)
    await server.start()
    settings = YunhuniSettings(
        _env_file=None,
        base_url=fake.base_url(server.url),
        app_id=fake.app_id,
        cert_id=fake.cert_id,
        secret_key=SecretStr(fake.secret),
        webhook_secret=SecretStr(SECRET),
        timeout_s=0.4,
    )
    provider = YunhuniProvider(settings)
    store = InMemoryInviteStore()
    notifier = RecordingNotifier()
    status = StatusService(store, notifier, clock, {"yunhuni": provider.info})
    invites = InviteService(
        store, NoScheduler(), notifier, {"yunhuni": provider}, status, clock, lambda name: f"http://x/webhooks/{name}"
    )
    yield World(fake, provider, store, status, invites, notifier, clock)
    await provider.aclose()
    await server.stop()


@pytest.mark.parametrize(("ring", "give_up_s"), [({"ring": "40"}, 70), ({}, 80), ({"ring": "300"}, 330)])
async def test_a_call_with_no_news_after_its_ring_time_and_margin_is_unanswered(
    world: World, ring: dict, give_up_s: int
) -> None:
    invite_id = await world.dial("+8613800138001", **ring)
    assert await world.states(invite_id) == [(CallState.DIALING, None, None)]
    world.clock.advance(seconds=give_up_s - 1)
    await world.invites.watch()
    assert (await world.states(invite_id))[0][0] is CallState.DIALING
    world.clock.advance(seconds=2)
    await world.invites.watch()
    assert await world.states(invite_id) == [(CallState.FAILED, FailReason.NO_ANSWER, "no_news")]
    assert len(world.fake.invites()) == 1


async def test_a_joined_call_is_not_given_up_until_its_max_duration_has_passed(world: World) -> None:
    invite_id = await world.dial("+8613800138001")  # max 30 minutes: Yunhuni hangs it up by then
    [call_id] = list(world.fake.calls)
    await world.callback(world.fake.joined(call_id, at_ms=world.ms()))
    world.clock.advance(seconds=1800 + GIVE_UP_MARGIN_S - 1)
    await world.invites.watch()
    assert await world.states(invite_id) == [(CallState.ANSWERED, None, None)]
    world.clock.advance(seconds=2)  # its conf.quit was lost: it has ended all the same
    await world.invites.watch()
    assert await world.states(invite_id) == [(CallState.COMPLETED, None, "not_followed")]
    assert (await world.store.get_invite(invite_id)).status is InviteStatus.DONE  # type: ignore[union-attr]


async def test_without_max_a_joined_call_lives_the_default_hour(world: World) -> None:
    invite_id = await world.dial("+8613800138001", max_duration_s=None)
    [call_id] = list(world.fake.calls)
    assert world.fake.invites()[0].json["max_duration"] == DEFAULT_MAX_DURATION_S
    await world.callback(world.fake.joined(call_id, at_ms=world.ms()))
    world.clock.advance(seconds=DEFAULT_MAX_DURATION_S)
    await world.invites.watch()
    assert await world.states(invite_id) == [(CallState.ANSWERED, None, None)]
    world.clock.advance(seconds=GIVE_UP_MARGIN_S + 1)
    await world.invites.watch()
    assert await world.states(invite_id) == [(CallState.COMPLETED, None, "not_followed")]


async def test_a_timed_out_invite_is_unknown_never_resent_and_reported_after_the_give_up_time(world: World) -> None:
    world.fake.fail_next("slow")
    invite_id = await world.dial("+8613800138001")
    assert await world.states(invite_id) == [(CallState.UNKNOWN, None, "timeout")]
    assert len(world.fake.calls) == 1  # Yunhuni did place it; only its answer was late
    world.clock.advance(seconds=599)
    await world.invites.watch()
    await world.invites.rebuild()
    assert (await world.states(invite_id))[0][0] is CallState.UNKNOWN
    world.clock.advance(seconds=2)
    await world.invites.watch()
    assert await world.states(invite_id) == [
        (CallState.FAILED, FailReason.UNKNOWN, "timeout")
    ]  # why it was unknown stays
    assert [n.kind for _, n in world.notifier.notices].count(NoticeKind.UNKNOWN_OUTCOME) == 1
    assert len(world.fake.invites()) == 1
    assert (await world.store.get_invite(invite_id)).status is InviteStatus.DONE  # type: ignore[union-attr]


async def test_events_take_calls_to_their_outcomes_and_the_conference_end_closes_the_rest(world: World) -> None:
    invite_id = await world.dial("+8613800138001", "+8613800138002", "+8613800138003", "+8613800138004")
    by_number = {a.party.address: a.provider_call_id or "" for a in await world.store.attempts(invite_id)}
    stayed, left, failed, silent = (by_number[f"+861380013800{i}"] for i in range(1, 5))
    for payload in (
        world.fake.joined(stayed, at_ms=world.ms()),
        world.fake.joined(left, at_ms=world.ms()),
        world.fake.quit(left, at_ms=world.ms()),
        world.fake.join_fail(failed, at_ms=world.ms()),
        world.fake.joined(stayed, at_ms=world.ms()),  # a re-delivery changes nothing
    ):
        await world.callback(payload)
    await world.callback(world.fake.end("42"))
    assert await world.states(invite_id) == [
        (CallState.COMPLETED, None, "conf.end"),
        (CallState.COMPLETED, None, None),
        (CallState.FAILED, FailReason.UNKNOWN, "conf.join.fail"),
        (CallState.FAILED, FailReason.UNKNOWN, "conf.end"),
    ]
    assert silent and (await world.store.get_invite(invite_id)).status is InviteStatus.DONE  # type: ignore[union-attr]
    assert [n.kind for _, n in world.notifier.notices] == [NoticeKind.SUMMARY]


async def test_cancelling_a_dialling_invite_quits_its_calls(world: World) -> None:
    invite_id = await world.dial("+8613800138001")
    outcome = await world.invites.cancel(invite_id, Actor("U0AMY"))
    assert outcome.value == "hanging_up"
    [call] = world.fake.calls.values()
    assert call.quit and world.fake.requests[-1].path.endswith("/conf/quit/42")
    assert (await world.states(invite_id))[0][0] is CallState.CANCELLED
