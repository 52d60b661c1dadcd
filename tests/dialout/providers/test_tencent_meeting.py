"""Tencent Meeting (seed 002) against its fake over loopback HTTP: signing, room calls, polling, webhooks."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.dialout.core.command import ParseContext, ParseError, ParseProblem, parse_command
from bot.dialout.core.models import Target, TargetKind
from bot.dialout.core.ports import (
    CallSpec,
    DialRequest,
    PlacedCall,
    PlaceResult,
    PollsCalls,
    ProviderError,
    StatusSource,
    WebhookRejected,
    WebhookRequest,
)
from bot.dialout.providers.tencent_meeting.client import ACK, sign_request, webhook_signature
from bot.dialout.providers.tencent_meeting.provider import (
    FOLLOW_LIMIT_S,
    GIVE_UP_AFTER_S,
    TencentMeetingProvider,
    parse_operators,
)
from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer, reserve_socket
from bot.slack.messages import CATALOGUE, t
from tests.dialout.providers.fakes.tencent_meeting import (
    CALL_INFO,
    CANCEL_CALL,
    ERRORS,
    ROOM_CALL,
    FakeTencentMeeting,
    beijing_time,
    expected_signature,
    room_response,
    signature_headers,
    signed_check,
    signed_webhook,
)

MEETING = "13434000000927028"
ASKER = "U024BE7LH"
TOKEN = "bVPU6F8Htxl5XkAbp3jGV2xWp"
AES_KEY = "IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2"  # 43 characters → 32 bytes
WEBHOOK_URL = "http://127.0.0.1:9/webhooks/tencent_meeting"

# The signing doc's own example (cloud.tencent.com/document/product/1095/51612), as transcribed in public
# code and checked here: sha1 of the sorted token, timestamp, nonce and this data is the doc's signature.
DOC_DATA = (
    "eyJldmVudCI6Im1lZXRpbmcuY3JlYXRlZCIsInVuaXF1ZV9zZXF1ZW5jZSI6ImYyMDA5NmVlLThhYzgt"
    "NGRmMi1hN2RlLTA1NzQ2NDlmMjExYiIsInBheWxvYWQiOlt7Im9wZXJhdGVfdGltZSI6IjIwMjAtMTIt"
    "MjkgMTc6NDE6MDYiLCJvcGVyYXRvciI6eyJ1c2VyaWQiOiJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMx"
    "M2M5MzBjY2E5NTY4NCJ9LCJtZWV0aW5nX2luZm8iOnsibWVldGluZ19pZCI6IjYwNTg4OTAzODU0ODA5"
    "MjEwNTIiLCJtZWV0aW5nX2NvZGUiOiI1MzA4MTI0NTIiLCJzdWJqZWN0IjoibWVkaWEgdGVzdGVyIG1l"
    "ZXRpbmciLCJjcmVhdG9yX2lkIjoidGVzdGVyMDAwMDZiYTViYWIzMzk4NThjMTNjOTMwY2NhOTU2ODQi"
    "LCJob3N0cyI6WyJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMxM2M5MzBjY2E5NTY4NCJdLCJtZWV0aW5n"
    "X3R5cGUiOjAsInN0YXJ0X3RpbWUiOiIyMDIwLTEyLTI5IDE3OjQxOjA0IiwiZW5kX3RpbWUiOiIyMDIw"
    "LTEyLTI5IDE4OjAxOjA0In19XX0"
)


@dataclass
class Clock:
    """Wall time the test can move; the fake checks X-TC-Timestamp against the real one."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def settings(
    fake: FakeTencentMeeting | None, url: str = "http://127.0.0.1:9", **overrides: Any
) -> TencentMeetingSettings:
    values: dict[str, Any] = {
        "base_url": url,
        "secret_id": fake.secret_id if fake else "AKIDfake",
        "secret_key": SecretStr(fake.secret_key if fake else "fake-secret-key"),
        "app_id": fake.app_id if fake else "200000001",
        "sdk_id": fake.sdk_id if fake else "19000001",
        "operators": f"{ASKER}=user1, U0G9QF9C6=user2",
        "webhook_token": SecretStr(TOKEN),
        "instance_id": 5,
        "poll_every_s": 5.0,
    }
    values.update(overrides)
    return TencentMeetingSettings(_env_file=None, **values)  # type: ignore[call-arg]


def dial(*parties: Party, asker: str = ASKER, target: Target | None = None) -> DialRequest:
    return DialRequest(
        invite_id=7,
        target=target or Target(TargetKind.MEETING, MEETING),
        calls=tuple(CallSpec(i + 1, p) for i, p in enumerate(parties)),
        requested_by=asker,
        callback_url=WEBHOOK_URL,
    )


ROOM = Party(PartyKind.ROOM, "100001")
SIP = Party(PartyKind.SIP, "room1@10.1.2.3")
H323 = Party(PartyKind.H323, "10.1.2.4")


def placed(result: PlaceResult, party: Party = ROOM, state: CallState | None = None) -> PlacedCall:
    return PlacedCall(
        attempt_id=result.attempt_id,
        invite_id=7,
        provider_call_id=result.provider_call_id or "",
        party=party,
        target=Target(TargetKind.MEETING, MEETING),
        requested_by=ASKER,
        state=state or result.state,
        context=dict(result.context),
    )


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeTencentMeeting, str]]:
    server_fake = FakeTencentMeeting(meetings=(MEETING,))
    server = LoopbackServer(server_fake.app)
    await server.start()
    yield server_fake, server.url
    await server.stop()


@pytest.fixture
async def provider(fake) -> AsyncIterator[TencentMeetingProvider]:
    the_fake, url = fake
    made = TencentMeetingProvider(settings(the_fake, url))
    yield made
    await made.aclose()


# --- signing ---------------------------------------------------------------------------------


def test_request_signature_matches_the_notes_fixed_vector() -> None:
    signature = sign_request(
        "AKIDexample",
        "secretKeyExample",
        "PUT",
        "/v1/meeting-rooms/room-call",
        b'{"meeting_id":"123"}',
        "12345",
        "1700000000",
    )
    assert signature == "MGQyYWY2ZDlhNWY4Mjc5YWZmNGIzOWM4YWU0ZWNmYWQ1ZTk2ZTQ5YWFkN2Y1ZGViNjFlMmY4NDc0NWY2NzkxZA=="


def test_webhook_signature_matches_the_signing_docs_example() -> None:
    assert webhook_signature(TOKEN, "1609239040864", "14964161", DOC_DATA) == "b11e507817336a91d7df0c8536ee2aca18bbbae8"


async def test_room_call_sends_the_seeds_body_signed_over_its_exact_bytes(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    assert result.state is CallState.DIALING and result.provider_call_id in the_fake.calls
    [sent] = the_fake.received(ROOM_CALL)
    assert sent.method == "PUT"
    assert sent.json == {
        "operator_id": "user1",
        "operator_id_type": 1,
        "meeting_room_id": "100001",
        "meeting_id": MEETING,
    }
    h = sent.headers
    assert (h["content-type"], h["x-tc-key"], h["appid"], h["sdkid"], h["x-tc-registered"]) == (
        "application/json",
        "AKIDfake",
        "200000001",
        "19000001",
        "1",
    )
    assert h["x-tc-signature"] == expected_signature(
        "AKIDfake", "fake-secret-key", "PUT", ROOM_CALL, sent.raw, h["x-tc-nonce"], h["x-tc-timestamp"]
    )
    assert result.context["invite_id"] == result.provider_call_id and result.context["operator_id"] == "user1"


@pytest.mark.parametrize(
    ("party", "mra"),
    [(SIP, {"protocol": 1, "dial_string": "room1@10.1.2.3"}), (H323, {"protocol": 2, "dial_string": "10.1.2.4"})],
)
async def test_sip_and_h323_rooms_are_called_by_mra_address_only(fake, provider, party: Party, mra: dict) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(party))
    assert result.state is CallState.DIALING
    body = the_fake.received(ROOM_CALL)[0].json
    assert body["mra_address"] == mra and "meeting_room_id" not in body


async def test_each_room_is_its_own_request(fake, provider) -> None:
    the_fake, _ = fake
    results = await provider.place(dial(ROOM, SIP, H323))
    assert [r.state for r in results] == [CallState.DIALING] * 3
    assert len(the_fake.received(ROOM_CALL)) == 3 and len({r.provider_call_id for r in results}) == 3


async def test_meeting_id_is_a_string_unless_the_number_setting_is_on() -> None:
    numeric = FakeTencentMeeting(meetings=(MEETING,), meeting_id_type=int)
    server = LoopbackServer(numeric.app)
    await server.start()
    as_string = TencentMeetingProvider(settings(numeric, server.url))
    as_number = TencentMeetingProvider(settings(numeric, server.url, meeting_id_as_number=True))
    [refused] = await as_string.place(dial(ROOM))
    [accepted] = await as_number.place(dial(ROOM))
    assert (refused.state, refused.code) == (CallState.FAILED, "190004")
    assert accepted.state is CallState.DIALING and numeric.received(ROOM_CALL)[-1].json["meeting_id"] == int(MEETING)
    await as_string.aclose()
    await as_number.aclose()
    await server.stop()


# --- refusals before anything is sent --------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (dial(ROOM, asker="U0NOBODY"), "no_operator"),
        (dial(Party(PartyKind.PHONE, "+8613800138001")), "not_a_room"),
        (dial(ROOM, target=Target(TargetKind.CONFERENCE, "42")), "not_a_meeting"),
    ],
)
async def test_calls_tencent_cannot_take_fail_clearly_and_send_nothing(fake, provider, request_, code: str) -> None:
    the_fake, _ = fake
    [result] = await provider.place(request_)
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.PROVIDER_REJECTED, code)
    assert the_fake.requests == []
    assert provider.refusal(request_.requested_by, request_.target, [c.party for c in request_.calls]) == code
    assert t(f"error.tencent_meeting.{code}", "en") and t(f"error.tencent_meeting.{code}", "zh")


async def test_no_operator_names_the_asker_and_says_what_to_do(provider) -> None:
    [result] = await provider.place(dial(ROOM, asker="U0NOBODY"))
    assert "<@U0NOBODY>" in (result.detail or "")
    assert "TENCENT_MEETING_OPERATORS" in t("error.tencent_meeting.no_operator", "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("U024BE7LH=user1,U0G9QF9C6=user2", {"U024BE7LH": "user1", "U0G9QF9C6": "user2"}),
        (" U024BE7LH = user1 ,", {"U024BE7LH": "user1"}),
        ("W0ENTERPR=ent.user@corp", {"W0ENTERPR": "ent.user@corp"}),
    ],
)
def test_operators_setting_is_read(text: str, expected: dict[str, str]) -> None:
    assert parse_operators(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "U024BE7LH",
        "U024BE7LH=",
        "=user1",
        "amy=user1",
        "U024BE7LH=a b",
        "U024BE7LH=a=b",
        "U024BE7LH=a,U024BE7LH=b",
        "U024BE7LH:user1",
    ],
)
def test_a_bad_operators_entry_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_operators(text)
    made = TencentMeetingProvider(settings(None, operators=text))
    [problem] = made.info.missing_settings
    assert problem.startswith("TENCENT_MEETING_OPERATORS (")


async def test_a_misconfigured_provider_refuses_calls_already_scheduled(fake) -> None:
    the_fake, url = fake
    made = TencentMeetingProvider(settings(the_fake, url, operators="U024BE7LH user1"))
    [result] = await made.place(dial(ROOM))
    assert (result.state, result.code) == (CallState.FAILED, "not_configured")
    assert "TENCENT_MEETING_OPERATORS" in (result.detail or "") and the_fake.requests == []


def test_unconfigured_provider_names_the_missing_variables_and_polls() -> None:
    made = TencentMeetingProvider(TencentMeetingSettings(_env_file=None))  # type: ignore[call-arg]
    assert set(made.info.missing_settings) == {
        "TENCENT_MEETING_SECRET_ID",
        "TENCENT_MEETING_SECRET_KEY",
        "TENCENT_MEETING_APP_ID",
    }
    assert made.info.status is StatusSource.POLLING and isinstance(made, PollsCalls) and made.info.options == {}


def test_a_bad_encoding_aes_key_is_a_configuration_error() -> None:
    made = TencentMeetingProvider(settings(None, encoding_aes_key=SecretStr("too-short")))
    assert made.info.missing_settings[0].startswith("TENCENT_MEETING_ENCODING_AES_KEY (")


def test_max_duration_is_refused_when_the_command_is_read() -> None:
    info = TencentMeetingProvider(settings(None)).info
    ctx = ParseContext(
        datetime(2026, 1, 5, 2, tzinfo=UTC),
        "Asia/Shanghai",
        DialingPolicy(),
        {"tencent_meeting": info},
        {TargetKind.MEETING: "tencent_meeting"},
    )
    draft = parse_command(f"room 100001 into meeting {MEETING} via tencent_meeting", ctx)
    assert [(p.kind, p.address) for p in draft.rooms] == [(PartyKind.ROOM, "100001")]
    with pytest.raises(ParseError) as caught:
        parse_command(f"room 100001 into meeting {MEETING} via tencent_meeting max 30m", ctx)
    assert caught.value.problem is ParseProblem.DURATION_NOT_SUPPORTED


# --- documented errors -----------------------------------------------------------------------

REASONS = {
    200003: FailReason.AUTH,
    190300: FailReason.AUTH,
    190301: FailReason.AUTH,
    190303: FailReason.AUTH,
    190310: FailReason.RATE_LIMITED,
    190311: FailReason.RATE_LIMITED,
    190313: FailReason.RATE_LIMITED,
    10004: FailReason.PROVIDER_ERROR,
    10002: FailReason.PROVIDER_ERROR,
    20000: FailReason.PROVIDER_ERROR,
}


@pytest.mark.parametrize("code", sorted(ERRORS))
async def test_every_documented_error_fails_the_call_with_its_code_and_words(fake, provider, code: int) -> None:
    the_fake, _ = fake
    the_fake.fail_next(code)
    [result] = await provider.place(dial(ROOM))
    assert (result.state, result.code) == (CallState.FAILED, str(code))
    assert result.reason is REASONS.get(code, FailReason.PROVIDER_REJECTED)
    assert ERRORS[code][1] in (result.detail or "") and f"HTTP {ERRORS[code][0]}" in (result.detail or "")
    assert t(f"error.tencent_meeting.{code}", "en") and t(f"error.tencent_meeting.{code}", "zh")
    assert len(the_fake.requests) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"secret_key": SecretStr("wrong-key")}, "200003"),
        ({"app_id": "999"}, "190303"),
        ({"secret_id": "AKIDother"}, "190303"),
        ({"sdk_id": ""}, "190303"),
    ],
)
async def test_wrong_credentials_are_refused_by_the_fake_as_documented(fake, change: dict, code: str) -> None:
    the_fake, url = fake
    made = TencentMeetingProvider(settings(the_fake, url, **change))
    [result] = await made.place(dial(ROOM))
    assert (result.state, result.code, result.reason) == (CallState.FAILED, code, FailReason.AUTH)
    await made.aclose()


async def test_a_clock_off_by_more_than_5_minutes_is_190300(fake) -> None:
    the_fake, url = fake
    made = TencentMeetingProvider(settings(the_fake, url), clock=Clock(-400))
    [result] = await made.place(dial(ROOM))
    assert result.code == "190300" and "5 minutes" in t("error.tencent_meeting.190300", "en")
    await made.aclose()


async def test_a_reused_nonce_and_timestamp_is_a_replay(fake) -> None:
    the_fake, url = fake
    fixed = time.time()
    made = TencentMeetingProvider(settings(the_fake, url), clock=lambda: fixed, nonce=lambda: 42)
    first, second = (await made.place(dial(ROOM)))[0], (await made.place(dial(SIP)))[0]
    assert first.state is CallState.DIALING and second.code == "190301"
    await made.aclose()


# --- answers that may or may not have placed the call ----------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "code"),
    [
        ("html_502", "http_502"),
        ("not_json", "bad_response"),
        ("malformed_json", "bad_response"),
        ("no_invite_id", "no_invite_id"),
        ("slow", "timeout"),
        ("reset", "connection_lost"),
    ],
)
async def test_an_answer_that_may_have_placed_the_call_is_unknown_and_never_resent(
    fake, behaviour: str, code: str
) -> None:
    the_fake, url = fake
    made = TencentMeetingProvider(settings(the_fake, url, timeout_s=0.5))
    the_fake.fail_next(behaviour)
    [result] = await made.place(dial(ROOM))
    assert (result.state, result.code) == (CallState.UNKNOWN, code)
    assert result.provider_call_id == "unconfirmed-7-1" and result.context["room_address"] == "100001"
    assert "invite_id" not in result.context
    assert len(the_fake.received(ROOM_CALL)) == 1
    await made.aclose()


async def test_an_unknown_call_is_reconciled_by_room_call_info(fake) -> None:
    the_fake, url = fake
    made = TencentMeetingProvider(settings(the_fake, url, timeout_s=0.5))
    the_fake.fail_next("reset")
    [result] = await made.place(dial(ROOM))
    the_fake.set_status(MEETING, "room:100001", 2, beijing_time())
    event = await made.poll(placed(result))
    assert event is not None and (event.provider_call_id, event.state) == ("unconfirmed-7-1", CallState.ANSWERED)
    assert await made.cancel(placed(result, state=CallState.UNKNOWN)) is None  # no invite_id to cancel with
    await made.aclose()


async def test_connection_refused_never_reached_tencent() -> None:
    sock = reserve_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    made = TencentMeetingProvider(settings(None, url))
    with pytest.raises(ProviderError) as caught:
        await made.place(dial(ROOM))
    assert caught.value.retry_safe and not caught.value.maybe_sent
    await made.aclose()


@pytest.mark.parametrize(
    ("status", "reason"), [(401, FailReason.AUTH), (429, FailReason.RATE_LIMITED), (404, FailReason.PROVIDER_REJECTED)]
)
async def test_a_refusal_without_error_info_keeps_the_http_status(status: int, reason: FailReason) -> None:
    async def answer(_request: Any) -> Response:
        return PlainTextResponse("nope", status_code=status)

    server = LoopbackServer(Starlette(routes=[Route(ROOM_CALL, answer, methods=["PUT"])]))
    await server.start()
    made = TencentMeetingProvider(settings(None, server.url))
    [result] = await made.place(dial(ROOM))
    assert (result.state, result.code, result.reason) == (CallState.FAILED, f"http_{status}", reason)
    await made.aclose()
    await server.stop()


# --- polling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state", "reason"),
    [
        (4, CallState.RINGING, None),
        (2, CallState.ANSWERED, None),
        (6, CallState.COMPLETED, None),
        (0, CallState.FAILED, FailReason.NO_ANSWER),
        (3, CallState.FAILED, FailReason.REJECTED),
        (5, CallState.CANCELLED, None),
    ],
)
async def test_room_call_info_status_maps_to_call_states(fake, provider, status: int, state, reason) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    the_fake.set_status(MEETING, "room:100001", status, beijing_time())
    event = await provider.poll(placed(result))
    assert event is not None and (event.state, event.reason) == (state, reason)
    assert event.provider_call_id == result.provider_call_id and event.code == f"room_status_{status}"
    [asked] = the_fake.received(CALL_INFO)
    assert asked.json == {
        "instance_id": 5,
        "meeting_id": MEETING,
        "meeting_room_id": "100001",
        "operator_id": "user1",
        "operator_id_type": 1,
    }


async def test_polling_the_same_status_again_gives_the_same_dedupe_key(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(SIP))
    first, second = await provider.poll(placed(result, SIP)), await provider.poll(placed(result, SIP))
    assert first is not None and second is not None and first.dedupe_key == second.dedupe_key
    assert the_fake.received(CALL_INFO)[0].json["mra_address"] == {"protocol": 1, "dial_string": "room1@10.1.2.3"}


async def test_how_an_earlier_call_to_the_room_ended_is_not_taken_for_ours(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    the_fake.set_status(MEETING, "room:100001", 6, beijing_time(time.time() - 3600))
    assert await provider.poll(placed(result)) is None


def aged(call: PlacedCall, age_s: float, state: CallState | None = None) -> PlacedCall:
    """The same call as if it had been placed `age_s` seconds ago."""
    context = {**call.context, "placed_at": repr(time.time() - age_s)}
    return PlacedCall(**{**call.__dict__, "context": context, "state": state or call.state})


async def test_not_called_is_no_news_at_first_and_a_failure_after_a_minute(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    the_fake.set_status(MEETING, "room:100001", 1)
    assert await provider.poll(placed(result)) is None
    event = await provider.poll(aged(placed(result), 61))
    assert event is not None and (event.state, event.reason, event.code) == (
        CallState.FAILED,
        FailReason.PROVIDER_ERROR,
        "not_called",
    )


@pytest.mark.parametrize(
    ("state", "status", "age", "expected"),
    [
        (CallState.RINGING, 4, 3600, (CallState.RINGING, "room_status_4")),  # how long is the core's (Timing)
        (CallState.DIALING, 2, 3600, (CallState.ANSWERED, "room_status_2")),
        (CallState.ANSWERED, 2, 13 * 3600, (CallState.ANSWERED, "room_status_2")),
        (CallState.ANSWERED, 6, 13 * 3600, (CallState.COMPLETED, "room_status_6")),
        (CallState.RINGING, 4, 10, (CallState.RINGING, "room_status_4")),
        (CallState.UNKNOWN, 4, 3600, (CallState.RINGING, "room_status_4")),
        (CallState.UNKNOWN, 1, 30, None),  # left to the core's unknown give-up and its notice
    ],
)
async def test_a_poll_says_what_tencent_reports_however_old_the_call(
    fake, provider, state: CallState, status: int, age: float, expected
) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    the_fake.set_status(MEETING, "room:100001", status, beijing_time(time.time() - age / 2))
    event = await provider.poll(aged(placed(result), age, state))
    assert (event.state, event.code) == expected if event else expected is None


def test_timing_declares_the_polling_pace_and_the_limits_the_core_applies() -> None:
    timing = TencentMeetingProvider(settings(None, poll_every_s=2.0)).info.timing
    assert (timing.poll_every_s, timing.poll_answered_every_s) == (2.0, 24.0)
    assert (timing.limits.ring_s, timing.limits.answered_s) == (GIVE_UP_AFTER_S, FOLLOW_LIMIT_S)
    assert timing.max_duration is None


async def test_a_refused_poll_raises_with_tencents_code(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    the_fake.fail_next(9003)
    with pytest.raises(ProviderError) as caught:
        await provider.poll(placed(result))
    assert caught.value.code == "9003" and "error.tencent_meeting.9003" in CATALOGUE  # explained in words


# --- cancelling ------------------------------------------------------------------------------


async def test_cancel_withdraws_a_ringing_call(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(H323))
    event = await provider.cancel(placed(result, H323, CallState.RINGING))
    assert event is not None and (event.state, event.code) == (CallState.CANCELLED, "cancelled_by_us")
    [sent] = the_fake.received(CANCEL_CALL)
    assert sent.method == "PUT" and sent.json == {
        "instance_id": 5,
        "invite_id": result.provider_call_id,
        "meeting_id": MEETING,
        "mra_address": {"protocol": 2, "dial_string": "10.1.2.4"},
        "operator_id": "user1",
        "operator_id_type": 1,
    }
    assert the_fake.calls[result.provider_call_id or ""].cancelled


async def test_a_room_already_in_the_meeting_is_not_cancelled(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    assert await provider.cancel(placed(result, state=CallState.ANSWERED)) is None
    assert the_fake.received(CANCEL_CALL) == []


async def test_a_refused_cancel_raises_with_tencents_code(fake, provider) -> None:
    the_fake, _ = fake
    [result] = await provider.place(dial(ROOM))
    the_fake.fail_next(9042)
    with pytest.raises(ProviderError) as caught:
        await provider.cancel(placed(result))
    assert caught.value.code == "9042" and caught.value.reason is FailReason.PROVIDER_REJECTED


# --- webhooks --------------------------------------------------------------------------------


def post(headers: dict[str, str], body: bytes) -> WebhookRequest:
    return WebhookRequest("POST", "/webhooks/tencent_meeting", {}, headers, body)


def get(headers: dict[str, str], check: str) -> WebhookRequest:
    return WebhookRequest("GET", "/webhooks/tencent_meeting", {"check_str": check}, headers, b"")


@pytest.mark.parametrize("aes", ["", AES_KEY])
async def test_url_verification_answers_the_plaintext(aes: str) -> None:
    made = TencentMeetingProvider(settings(None, encoding_aes_key=SecretStr(aes)))
    headers, check = signed_check(TOKEN, "hello tencent 12345", aes)
    reply = await made.handle_webhook(get(headers, check))
    assert (reply.status, reply.body, reply.events) == (200, b"hello tencent 12345", ())


async def test_url_verification_survives_a_plus_decoded_as_a_space() -> None:
    made = TencentMeetingProvider(settings(None))
    plaintext = "\xfb\xef\xbe" * 4  # Base64 full of "+" and "/"
    headers, check = signed_check(TOKEN, plaintext)
    assert "+" in check
    reply = await made.handle_webhook(get(headers, check.replace("+", " ")))
    assert reply.body == plaintext.encode()


async def test_the_signing_docs_own_delivery_is_accepted_and_ignored() -> None:
    made = TencentMeetingProvider(settings(None))
    headers = {
        "timestamp": "1609239040864",
        "nonce": "14964161",
        "signature": "b11e507817336a91d7df0c8536ee2aca18bbbae8",
    }
    reply = await made.handle_webhook(post(headers, b'{"data": "%s"}' % DOC_DATA.encode()))
    assert (reply.status, reply.body, reply.events) == (200, ACK, ())  # meeting.created is not ours


@pytest.mark.parametrize(
    ("status", "state", "reason"),
    [
        ("0", CallState.FAILED, FailReason.NO_ANSWER),
        ("2", CallState.ANSWERED, None),
        ("3", CallState.FAILED, FailReason.REJECTED),
        ("5", CallState.CANCELLED, None),
    ],
)
@pytest.mark.parametrize("aes", ["", AES_KEY])
async def test_room_response_maps_back_to_the_call_we_placed(fake, status: str, state, reason, aes: str) -> None:
    the_fake, url = fake
    made = TencentMeetingProvider(settings(the_fake, url, encoding_aes_key=SecretStr(aes)))
    [_, sip] = await made.place(dial(ROOM, SIP))
    headers, body = signed_webhook(TOKEN, room_response(MEETING, "sip:room1@10.1.2.3", status), aes)
    reply = await made.handle_webhook(post(headers, body))
    [event] = reply.events
    assert (reply.status, reply.body) == (200, ACK)
    assert (event.provider_call_id, event.state, event.reason) == (sip.provider_call_id, state, reason)
    again = await made.handle_webhook(post(headers, body))
    assert again.events[0].dedupe_key == event.dedupe_key and event.dedupe_key.startswith("webhook:")
    await made.aclose()


async def test_room_response_for_a_room_we_did_not_call_is_acknowledged_without_events(provider) -> None:
    headers, body = signed_webhook(TOKEN, room_response(MEETING, "room:999999", "2"))
    reply = await provider.handle_webhook(post(headers, body))
    assert (reply.status, reply.body, reply.events) == (200, ACK, ())


async def test_room_response_older_than_our_call_is_not_ours(fake, provider) -> None:
    await provider.place(dial(ROOM))
    old = room_response(MEETING, "room:100001", "3", operate_ms=int((time.time() - 3600) * 1000))
    reply = await provider.handle_webhook(post(*signed_webhook(TOKEN, old)))
    assert reply.events == ()


async def test_a_poll_after_a_restart_lets_webhooks_find_the_call_again(fake) -> None:
    the_fake, url = fake
    before = TencentMeetingProvider(settings(the_fake, url))
    [result] = await before.place(dial(ROOM))
    after = TencentMeetingProvider(settings(the_fake, url))
    delivery = signed_webhook(TOKEN, room_response(MEETING, "room:100001", "2"))
    assert (await after.handle_webhook(post(*delivery))).events == ()
    await after.poll(placed(result))
    [event] = (await after.handle_webhook(post(*delivery))).events
    assert event.provider_call_id == result.provider_call_id
    await before.aclose()
    await after.aclose()


async def test_the_newest_call_to_a_room_owns_its_webhook_events(fake, provider) -> None:
    [first] = await provider.place(dial(ROOM))
    [second] = await provider.place(dial(ROOM))
    [event] = (
        await provider.handle_webhook(post(*signed_webhook(TOKEN, room_response(MEETING, "room:100001", "2"))))
    ).events
    assert first.provider_call_id != second.provider_call_id and event.provider_call_id == second.provider_call_id


def _forged(headers: dict[str, str], body: bytes) -> WebhookRequest:
    return post({**headers, "signature": "0" * 40}, body)


EVENT = room_response(MEETING, "room:100001", "2")


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (_forged(*signed_webhook(TOKEN, EVENT)), 401),
        (post(*signed_webhook("someone-elses-token-xxxxx", EVENT)), 401),
        (post({}, signed_webhook(TOKEN, EVENT)[1]), 401),
        (
            post(
                {k: v for k, v in signed_webhook(TOKEN, EVENT)[0].items() if k != "nonce"},
                signed_webhook(TOKEN, EVENT)[1],
            ),
            401,
        ),
        (get(*signed_check("someone-elses-token-xxxxx", "hi")), 401),
        (post(signature_headers(TOKEN, "x"), b"not json"), 400),
        (post(signature_headers(TOKEN, "x"), b'{"nodata": 1}'), 400),
        (post(signature_headers(TOKEN, "!!!"), b'{"data": "!!!"}'), 400),
        (WebhookRequest("GET", "/webhooks/tencent_meeting", {}, {}, b""), 400),
        (WebhookRequest("PUT", "/webhooks/tencent_meeting", {}, {}, b""), 405),
    ],
)
async def test_webhooks_that_are_not_genuine_or_readable_are_rejected(request_: WebhookRequest, status: int) -> None:
    made = TencentMeetingProvider(settings(None))
    with pytest.raises(WebhookRejected) as caught:
        await made.handle_webhook(request_)
    assert caught.value.status == status


async def test_encrypted_deliveries_need_the_right_key() -> None:
    made = TencentMeetingProvider(settings(None, encoding_aes_key=SecretStr(AES_KEY)))
    other = "A" * 43
    with pytest.raises(WebhookRejected) as caught:
        await made.handle_webhook(post(*signed_webhook(TOKEN, EVENT, other)))
    assert caught.value.status == 400
    with pytest.raises(WebhookRejected):
        await made.handle_webhook(post(*signed_webhook(TOKEN, EVENT)))  # plaintext where ciphertext is due


async def test_without_a_webhook_token_every_webhook_is_refused() -> None:
    made = TencentMeetingProvider(settings(None, webhook_token=SecretStr("")))
    with pytest.raises(WebhookRejected) as caught:
        await made.handle_webhook(post(*signed_webhook(TOKEN, EVENT)))
    assert caught.value.status == 403


def test_every_code_the_adapter_can_give_has_words_in_both_languages() -> None:
    codes = [*map(str, ERRORS), "no_operator", "not_configured", "not_a_room", "not_a_meeting", "not_called", "no_news"]
    for code in codes:
        entry = CATALOGUE[f"error.tencent_meeting.{code}"]
        assert entry["en"] and entry["zh"], code
