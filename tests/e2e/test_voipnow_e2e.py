"""Signed /dial via voipnow through the emulator → the fake VoipNow gets the documented requests → polls → roster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from pydantic import SecretStr

from bot.dialout.providers.voipnow.settings import VoipNowSettings
from bot.emulator.render import render_blocks
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from tests.dialout.providers.fakes.voipnow import BUSY, GONE, ON_CALL, RINGING, TRYING, FakeVoipNow
from tests.e2e.harness import CHANNEL, Harness, wait_for

JOINS, BUSY_NUMBER = "+13235742879", "+8613800138000"
# Slack sends a typed "<" and ">" as &lt; and &gt;
DIAL = f'{JOINS}, 13800138000 into conf 3 via voipnow pin=2233 wait=40s callerid="Ops &lt;4000&gt;" now'


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeVoipNow, str]]:
    server_fake = FakeVoipNow()
    server = LoopbackServer(server_fake.app)
    await server.start()
    yield server_fake, server.url
    await server.stop()


def settings(url: str, timeout_s: float = 5.0) -> VoipNowSettings:
    return VoipNowSettings(
        base_url=url,
        client_id="app-key",
        client_secret=SecretStr("app-secret"),
        extension="211",
        timeout_s=timeout_s,
    )


def poll_quickly(harness: Harness) -> None:
    """Poll at the harness's watcher pace (0.2 s) instead of every 3 s, to keep the test short."""
    provider = harness.services.providers["voipnow"]
    provider.info = replace(provider.info, timing=replace(provider.info.timing, poll_every_s=0.2))  # type: ignore[misc]


async def test_dial_via_voipnow_sends_the_documented_invites_and_polls_to_a_final_roster(test_db, fake) -> None:
    server, url = fake
    server.scripts = {JOINS: [TRYING, RINGING, ON_CALL, ON_CALL, GONE], BUSY_NUMBER: [RINGING, BUSY]}
    async with Harness(test_db, providers={"voipnow": settings(url)}) as harness:
        poll_quickly(harness)
        response = await harness.dial(DIAL)
        assert response.status_code == 200
        invite = await harness.wait_done(timeout=30)

        assert len(server.requests_to("token")) == 1
        invites = server.requests_to("create")
        assert {r.path for r in invites} == {"/uapi/phoneCalls/@me/conferenceInvite"}
        assert [r.query for r in invites] == [[("number", "3"), ("pin", "2233"), ("waitForPickup", "40")]] * 2
        assert sorted((r.json() for r in invites), key=str) == sorted(
            (
                {
                    "extension": "211",
                    "phoneCallView": [{"source": ["211"], "destination": [number], "callerId": "Ops <4000>"}],
                }
                for number in (JOINS, BUSY_NUMBER)
            ),
            key=str,
        )
        assert all(r.headers["authorization"] == "Bearer tok-1" for r in server.received if r.path.startswith("/uapi"))
        assert server.violations == []

        attempts = await harness.services.store.attempts(invite.id or 0)
        assert {a.party.address: (a.state, a.reason, a.provider_code) for a in attempts} == {
            JOINS: (CallState.COMPLETED, None, "ended"),
            BUSY_NUMBER: (CallState.FAILED, FailReason.BUSY, "disposition_busy"),
        }
        [parent] = harness.parents()
        assert ": 2 people into conference 3 via VoipNow" in parent.text
        roster = "\n".join(render_blocks(harness.roster(invite).blocks))
        assert "— joined (" in roster
        assert "138****8000 — failed: busy (VoipNow reported the line as BUSY.)" in roster
        replies = harness.replies_text(invite)
        assert replies[-1].splitlines()[0] == "<@U0AMY> 1 of 2 joined · 138****8000 busy"


async def test_an_invite_that_timed_out_shows_unknown_and_is_never_resent(test_db, fake) -> None:
    server, url = fake
    server.fail_next("create", "slow")
    async with Harness(test_db, providers={"voipnow": settings(url, timeout_s=0.5)}) as harness:
        poll_quickly(harness)
        await harness.dial(f"{JOINS} into conf 3 via voipnow now")

        async def roster_says_unknown() -> bool:
            invites = await harness.services.store.recent_invites(CHANNEL, 1)
            if not invites or not invites[0].roster_ts or await harness.services.outbox.pending_count():
                return False
            return "unknown (checking)" in "\n".join(render_blocks(harness.roster(invites[0]).blocks))

        await wait_for(roster_says_unknown, timeout=15, what="the roster to show the call as unknown")
        invite = await harness.only_invite()
        [attempt] = await harness.services.store.attempts(invite.id or 0)
        assert (attempt.state, attempt.provider_code) == (CallState.UNKNOWN, "timeout")
        await wait_for(lambda: len(server.requests_to("create")) >= 1, what="the invite request")
        await harness.wait_watch_rounds(5)  # each a round in which a poll would be due
        assert len(server.requests_to("create")) == 1 and server.requests_to("status") == []
