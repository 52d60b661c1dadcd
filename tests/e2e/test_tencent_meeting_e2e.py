"""Signed `/dial room … into meeting … via tencent_meeting` through the emulator → the fake Tencent Meeting API
receives exactly the seed's room-call requests → room.response webhooks posted the way Tencent does, and
room-call-info polls → the final roster in the emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings
from bot.emulator.render import render_blocks
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from tests.dialout.providers.fakes.tencent_meeting import (
    CALL_INFO,
    ROOM_CALL,
    FakeTencentMeeting,
    beijing_time,
    room_response,
    signed_check,
    signed_webhook,
)
from tests.e2e.harness import AMY, LI, Harness, wait_for
from tests.e2e.test_workspace_settings_e2e import BOSS, open_settings, submit

MEETING = "13434000000927028"
TOKEN = "bVPU6F8Htxl5XkAbp3jGV2xWp"
AES_KEY = "IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2"


@pytest.fixture
async def tencent(test_db) -> AsyncIterator[tuple[Harness, FakeTencentMeeting]]:
    fake = FakeTencentMeeting(meetings=(MEETING,))
    server = LoopbackServer(fake.app)
    await server.start()
    configured = TencentMeetingSettings(
        _env_file=None,  # type: ignore[call-arg]
        base_url=server.url,
        secret_id=fake.secret_id,
        secret_key=SecretStr(fake.secret_key),
        app_id=fake.app_id,
        sdk_id=fake.sdk_id,
        operators=f"{AMY}=amy_tc",
        webhook_token=SecretStr(TOKEN),
        encoding_aes_key=SecretStr(AES_KEY),
        poll_every_s=0.2,
    )
    async with Harness(test_db, providers={"tencent_meeting": configured}) as harness:
        yield harness, fake
    await server.stop()


async def deliver(harness: Harness, event: dict) -> httpx.Response:
    headers, body = signed_webhook(TOKEN, event, AES_KEY)
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{harness.services.settings.base_url}/webhooks/tencent_meeting", headers=headers, content=body
        )


async def test_rooms_are_called_followed_and_end_in_the_roster(tencent) -> None:
    harness, fake = tencent
    await harness.dial(f"room 100001 sip:room1@10.1.2.3 into meeting {MEETING} via tencent_meeting now")
    await wait_for(lambda: len(fake.received(ROOM_CALL)) == 2, what="two room-call requests")
    bodies = sorted((r.json for r in fake.received(ROOM_CALL)), key=lambda b: json.dumps(b, sort_keys=True))
    assert bodies == [
        {"operator_id": "amy_tc", "operator_id_type": 1, "meeting_room_id": "100001", "meeting_id": MEETING},
        {
            "operator_id": "amy_tc",
            "operator_id_type": 1,
            "mra_address": {"protocol": 1, "dial_string": "room1@10.1.2.3"},
            "meeting_id": MEETING,
        },
    ]
    invite = await harness.only_invite()

    async def both_ringing() -> bool:  # the fake answers room-call-info with 4 (calling) until told otherwise
        attempts = await harness.services.store.attempts(invite.id or 0)
        return all(a.state is CallState.RINGING for a in attempts)

    await wait_for(both_ringing, what="room-call-info polls to show both rooms ringing")
    room_invite = next(c.invite_id for c in fake.calls.values() if c.room == "room:100001")
    assert any(r.json.get("meeting_room_id") == "100001" for r in fake.received(CALL_INFO))

    fake.set_status(MEETING, "room:100001", 2, beijing_time())
    joined = await deliver(harness, room_response(MEETING, "room:100001", "2"))
    declined = await deliver(harness, room_response(MEETING, "sip:room1@10.1.2.3", "3"))
    assert (joined.status_code, joined.text, declined.status_code) == (200, "successfully received callback", 200)

    async def answered() -> bool:
        attempts = await harness.services.store.attempts(invite.id or 0)
        return any(a.provider_call_id == room_invite and a.state is CallState.ANSWERED for a in attempts)

    await wait_for(answered, what="the room to be shown in the meeting")
    fake.set_status(MEETING, "room:100001", 6, beijing_time())  # the room leaves: only polling can tell
    done = await harness.wait_done(timeout=20)

    outcome = {a.party.address: (a.state, a.reason) for a in await harness.services.store.attempts(done.id or 0)}
    assert outcome == {"100001": (CallState.COMPLETED, None), "room1@10.1.2.3": (CallState.FAILED, FailReason.REJECTED)}
    roster = "\n".join(render_blocks(harness.roster(done).blocks))
    assert "room 100001 — joined (" in roster and "SIP room1@10.1.2.3 — failed: declined" in roster
    assert harness.parents()[0].text.startswith("Invite #1") and "Tencent Meeting" in harness.parents()[0].text
    assert len(fake.received(ROOM_CALL)) == 2  # nothing was ever sent twice


async def test_url_verification_is_answered_with_the_plaintext(tencent) -> None:
    harness, _ = tencent
    headers, check = signed_check(TOKEN, "confbot-check-4711", AES_KEY)
    async with httpx.AsyncClient() as client:
        reply = await client.get(
            f"{harness.services.settings.base_url}/webhooks/tencent_meeting",
            params={"check_str": check},
            headers=headers,
        )
        forged = await client.get(
            f"{harness.services.settings.base_url}/webhooks/tencent_meeting",
            params={"check_str": check},
            headers={**headers, "signature": "0" * 40},
        )
    assert (reply.status_code, reply.text) == (200, "confbot-check-4711")
    assert forged.status_code == 401
    assert await harness.services.store.count_rows("call_events") == 0


async def test_an_asker_without_a_tencent_account_is_told_why_and_nothing_is_scheduled(tencent) -> None:
    harness, fake = tencent
    await harness.dial(f"room 100001 into meeting {MEETING} via tencent_meeting now", user=LI)
    text = await harness.wait_ephemeral(LI)
    assert "未安排任何呼叫" in text and "TENCENT_MEETING_OPERATORS" in text
    assert await harness.services.store.count_rows("invites") == 0
    assert fake.requests == []


async def test_the_operator_a_workspace_maps_in_app_home_places_the_room_call(tencent) -> None:
    harness, fake = tencent
    harness.emulator.add_user(BOSS, name="boss", is_admin=True)
    modal = await open_settings(harness, BOSS)
    assert await submit(harness, modal, BOSS, tencent_operators=f"{LI}=li_tc, {AMY}=amy_ws") is None
    await harness.dial(f"room 100001 into meeting {MEETING} via tencent_meeting now", user=LI)
    await wait_for(lambda: len(fake.received(ROOM_CALL)) == 1, what="Li's room-call request")
    assert fake.received(ROOM_CALL)[0].json["operator_id"] == "li_tc"  # the workspace's mapping
    await harness.dial(f"room 100002 into meeting {MEETING} via tencent_meeting now")
    await wait_for(lambda: len(fake.received(ROOM_CALL)) == 2, what="Amy's room-call request")
    assert fake.received(ROOM_CALL)[1].json["operator_id"] == "amy_ws"  # it comes before the environment's
