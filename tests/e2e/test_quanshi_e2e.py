"""Signed `/dial event …` through the Slack emulator → the fake Quanshi gets exactly the seed's request →
the roster says who Quanshi queued and who it refused (Quanshi reports nothing per call afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx
import pytest
from pydantic import SecretStr

from bot.dialout.providers.quanshi.settings import QuanshiSettings
from bot.emulator.render import render_blocks
from bot.kernel.phone import mask
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from tests.dialout.providers.fakes.quanshi import FakeQuanshi
from tests.e2e.harness import BOB, CHANNEL, LI, Harness, wait_for

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

APP_KEY = "4396b341fa9c2ab84"
APP_SECRET = "e2e-app-secret"
ADMIN = 19533553


@pytest.fixture
async def quanshi() -> AsyncIterator[FakeQuanshi]:
    fake = FakeQuanshi(APP_KEY, APP_SECRET, ADMIN, slow_s=1.5)
    server = LoopbackServer(fake.app)
    await server.start()
    fake.url = server.url
    yield fake
    await server.stop()


def quanshi_settings(fake: FakeQuanshi, timeout_s: float = 5.0) -> QuanshiSettings:
    return QuanshiSettings(
        _env_file=None,
        base_url=fake.url,
        app_key=APP_KEY,
        app_secret=SecretStr(APP_SECRET),
        admin_user_id=str(ADMIN),
        default_company="ACME",
        timeout_s=timeout_s,
    )


def entry(name: str, mobile: str = "", area: str = "", local: str = "") -> dict[str, str]:
    return {"name": name, "company": "ACME", "countryCode": "86", "mobile": mobile, "areaCode": area, "phone": local}


async def test_event_call_list_is_queued_and_refused_entries_are_named(
    test_db: TestDatabase, quanshi: FakeQuanshi
) -> None:
    quanshi.rejected.add(("86", "13800138009"))
    async with Harness(test_db, providers={"quanshi": quanshi_settings(quanshi)}) as harness:
        await harness.dial(f"event 542818 13800138000, 01058512042, <@{BOB}>, 13800138009 before 15m via quanshi now")
        invite = await harness.wait_done()

        assert quanshi.problems == []
        assert len(quanshi.token_requests()) == 1
        [call] = quanshi.calls()
        assert call.body == {
            "token": call.body["token"],
            "eventId": 542818,
            "beforeMinutes": 15,
            "callList": [
                entry("+86 138 0013 8000", mobile="13800138000"),
                entry("+86 10 5851 2042", area="10", local="58512042"),
                entry("+86 138 0013 8009", mobile="13800138009"),
                entry("bob", mobile="13900000011"),
            ],
        }
        ids = {e["mobile"] or e["phone"]: e["id"] for e in quanshi.answers[0]["success_data"]}

        attempts = await harness.services.store.attempts(invite.id or 0)
        outcome = {a.party.address: (a.state, a.reason, a.provider_call_id) for a in attempts}
        rejected_id = quanshi.answers[0]["fail_data"][0]["id"]
        assert outcome == {
            "+8613800138000": (CallState.QUEUED, None, ids["13800138000"]),
            "+861058512042": (CallState.QUEUED, None, ids["58512042"]),
            "+8613800138009": (CallState.FAILED, FailReason.PROVIDER_REJECTED, rejected_id),
            "+8613900000011": (CallState.QUEUED, None, ids["13900000011"]),
        }

        roster = "\n".join(render_blocks(harness.roster(invite).blocks))
        assert "3 queued with provider" in roster and "1 failed" in roster
        assert (
            "Queued with Quanshi; they dial 15 minutes before the event and report no per-call status back." in roster
        )
        assert "138****8000 — queued with provider" in roster
        assert f"{mask('+861058512042')} — queued with provider" in roster
        assert "bob (139****0011) — queued with provider" in roster
        assert (
            "138****8009 — failed: refused by the provider (Quanshi put this entry on its failure list without "
            "saying why" in roster
        )
        replies = harness.replies_text(invite)
        assert replies[-1] == (
            "<@U0AMY> 3 of 4 queued with Quanshi · Quanshi reported 4 received, 3 added, 1 refused · "
            "138****8009 refused by the provider"
        )
        assert len(replies) == 1  # the refusal is in the roster and the summary: no separate reply
        [parent] = harness.parents()
        assert ": 4 people into live event 542818 via Quanshi" in parent.text

        # Quanshi has no status callbacks: its webhook URL answers 404 and stores nothing.
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{harness.bots[-1][1].url}/webhooks/quanshi", content=b"{}")
        assert response.status_code == 404
        assert await harness.services.store.count_rows("call_events") == 0


async def test_chinese_command_without_before_uses_thirty_minutes(test_db: TestDatabase, quanshi: FakeQuanshi) -> None:
    async with Harness(test_db, providers={"quanshi": quanshi_settings(quanshi)}) as harness:
        await harness.dial("直播 542818 13800138000 通过 quanshi 现在", user=LI)
        invite = await harness.wait_done()
        assert quanshi.calls()[0].body["beforeMinutes"] == 30
        roster = "\n".join(render_blocks(harness.roster(invite).blocks))
        assert "they dial 30 minutes before the event" in roster  # channel messages use the workspace language


async def test_a_timeout_after_sending_leaves_every_call_unknown_and_nothing_is_resent(
    test_db: TestDatabase, quanshi: FakeQuanshi
) -> None:
    quanshi.misbehave("slow")
    async with Harness(test_db, providers={"quanshi": quanshi_settings(quanshi, timeout_s=0.5)}) as harness:
        await harness.dial("event 542818 13800138000, 13800138001, 13800138002 via quanshi now")

        async def all_unknown() -> bool:
            invites = await harness.services.store.recent_invites(CHANNEL, 1)
            if not invites:
                return False
            attempts = await harness.services.store.attempts(invites[0].id or 0)
            return all(a.state is CallState.UNKNOWN for a in attempts) and (
                await harness.services.outbox.pending_count() == 0
            )

        await wait_for(all_unknown, what="every call of the batch to be unknown")

        async def roster_shows_unknown() -> bool:
            # The roster's update is queued just after the calls change: wait for it, not for a quiet outbox.
            invite = await harness.only_invite()
            message = harness.emulator.find(CHANNEL, invite.roster_ts) if invite.roster_ts else None
            return message is not None and "\n".join(render_blocks(message.blocks)).count("unknown (checking)") >= 3

        await wait_for(roster_shows_unknown, what="the roster to show the calls as unknown")
        await harness.services.invites.watch()  # reconciling must not re-send the batch
        await harness.services.invites.rebuild()
        assert len(quanshi.calls()) == 1
        invite = await harness.only_invite()
        attempts = await harness.services.store.attempts(invite.id or 0)
        assert {(a.state, a.provider_code) for a in attempts} == {(CallState.UNKNOWN, "timeout")}
        roster = "\n".join(render_blocks(harness.roster(invite).blocks))
        assert roster.count("— unknown (checking)") == 3 and "3 unknown (checking)" in roster
