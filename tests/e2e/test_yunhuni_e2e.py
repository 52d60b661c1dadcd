"""Signed /dial via yunhuni through the emulator → the fake gateway gets exactly the seed's request →
conference events POSTed to the bot's webhook the way Yunhuni posts them → the final roster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bot.dialout.providers.yunhuni.settings import YunhuniSettings
from bot.emulator.render import render_blocks
from bot.kernel.states import CallState
from bot.loopback import LoopbackServer
from tests.dialout.providers.fakes.yunhuni import FakeYunhuni
from tests.e2e.harness import Harness, wait_for

SECRET = "hook-e2e-5b1d"


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeYunhuni, str]]:
    fake = FakeYunhuni()
    server = LoopbackServer(fake.app)
    await server.start()
    yield fake, server.url
    await server.stop()


def yunhuni(fake: FakeYunhuni, url: str, **changes: object) -> YunhuniSettings:
    values: dict[str, object] = {
        "base_url": fake.base_url(url),
        "app_id": fake.app_id,
        "cert_id": fake.cert_id,
        "secret_key": SecretStr(fake.secret),
        "webhook_secret": SecretStr(SECRET),
        "caller_number": "4008001234",
        **changes,
    }
    return YunhuniSettings(_env_file=None, **values)  # type: ignore[arg-type]


async def post(url: str, payload: dict) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.post(url, json=payload, headers={"accept": "text/plain;charset=utf-8"})


async def test_dial_via_yunhuni_reaches_a_final_roster_from_its_conference_events(test_db, gateway) -> None:
    fake, url = gateway
    async with Harness(test_db, providers={"yunhuni": yunhuni(fake, url)}) as harness:
        await harness.dial("13800138001, 13800138002, 13800138003 into conf 42 via yunhuni now voice=listen ring=40s")
        await wait_for(lambda: len(fake.invites()) == 3, what="three invites at the gateway")
        for received in fake.invites():
            assert (received.method, received.path) == ("POST", "/v1/account/8a2a6a4a/conf/42/invite_call")
        assert sorted(fake.invites(), key=lambda r: r.json["to"])[0].json == {
            "from": "4008001234",
            "to": "13800138001",
            "max_duration": 3600,
            "max_dial_duration": 40,
            "voice_mode": 3,
        }
        assert sorted(r.json["to"] for r in fake.invites()) == ["13800138001", "13800138002", "13800138003"]
        invite = await harness.only_invite()
        store = harness.services.store

        async def all_dialling() -> bool:
            return all(a.state is CallState.DIALING for a in await store.attempts(invite.id or 0))

        await wait_for(all_dialling, what="every call dialling")
        calls = {a.party.address: a.provider_call_id or "" for a in await store.attempts(invite.id or 0)}
        one, two, three = (calls[f"+861380013800{i}"] for i in (1, 2, 3))
        hook = f"{harness.services.settings.base_url}/webhooks/yunhuni/{SECRET}"

        forged = await post(f"{harness.services.settings.base_url}/webhooks/yunhuni/guess", fake.joined(one))
        assert forged.status_code == 401 and await store.count_rows("call_events") == 0

        for payload in (fake.joined(one), fake.joined(two), fake.quit(one), fake.join_fail(three), fake.end("42")):
            response = await post(hook, payload)
            assert (response.status_code, response.text) == (200, "ok")
        done = await harness.wait_done()

        attempts = {a.party.address: (a.state, a.reason) for a in await store.attempts(done.id or 0)}
        assert [state for state, _ in attempts.values()] == [CallState.COMPLETED, CallState.COMPLETED, CallState.FAILED]
        [parent] = harness.parents()
        assert ": 3 people into conference 42 via Yunhuni" in parent.text
        roster = "\n".join(render_blocks(harness.roster(done).blocks))
        assert "138****8001 — joined (" in roster and "138****8002 — joined (" in roster
        assert "138****8003 — failed: outcome unknown (Yunhuni could not bring the call into the conference" in roster
        assert harness.replies_text(done)[-1].startswith("<@U0AMY> 2 of 3 joined")
        assert len(fake.invites()) == 3


async def test_callbacks_from_an_address_outside_the_allowlist_are_refused_and_nothing_is_stored(
    test_db, gateway
) -> None:
    fake, url = gateway
    settings = yunhuni(fake, url, webhook_allowed_ips="198.51.100.7")
    async with Harness(test_db, providers={"yunhuni": settings}) as harness:
        hook = f"{harness.services.settings.base_url}/webhooks/yunhuni/{SECRET}"
        payload = FakeYunhuni.event("conf.joined", id="42", call_id="c0ffee", join_time=1764122400000)
        response = await post(hook, payload)
        assert response.status_code == 403
        assert await harness.services.store.count_rows("call_events") == 0
