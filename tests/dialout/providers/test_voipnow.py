"""VoipNow UnifiedAPI contract: the provider against a fake built from seed 001, over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.dialout.core.models import CallLimits, Target, TargetKind
from bot.dialout.core.ports import (
    CallSpec,
    CancelsCalls,
    DialRequest,
    PlacedCall,
    PlaceResult,
    PollsCalls,
    ReceivesWebhooks,
    StatusSource,
)
from bot.dialout.providers.voipnow import provider as voipnow
from bot.dialout.providers.voipnow.provider import VoipNowProvider
from bot.dialout.providers.voipnow.settings import VoipNowSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer, reserve_socket
from bot.slack.messages import CATALOGUE
from tests.dialout.providers.fakes.voipnow import (
    BUSY,
    FAILED,
    GONE,
    MESSAGES,
    NO_ANSWER,
    NOT_ALLOWED,
    ON_CALL,
    OTHER_SIDE_RINGING,
    RINGING,
    TRYING,
    UNKNOWN_STATUS,
    FakeVoipNow,
)

NUMBER = "+13235742879"
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


class Clock:
    """The provider's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


pytestmark = pytest.mark.asyncio(loop_scope="module")  # one loopback server for the module: fast


class Switch:
    """The served ASGI app: each test gets a fresh FakeVoipNow behind the same socket."""

    fake: FakeVoipNow

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.fake.app(scope, receive, send)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server() -> AsyncIterator[tuple[Switch, str]]:
    switch = Switch()
    switch.fake = FakeVoipNow()
    running = LoopbackServer(switch, lifespan="off")
    await running.start()
    yield switch, running.url
    await running.stop()


@pytest.fixture
def fake(server: tuple[Switch, str]) -> tuple[FakeVoipNow, str]:
    switch, url = server
    switch.fake = FakeVoipNow()
    return switch.fake, url


Make = Callable[..., VoipNowProvider]


@pytest_asyncio.fixture(loop_scope="module")
async def make(fake: tuple[FakeVoipNow, str]) -> AsyncIterator[Make]:
    made: list[VoipNowProvider] = []

    def build(
        clock: Clock | None = None, monotonic: Callable[[], float] | None = None, **overrides: Any
    ) -> VoipNowProvider:
        values: dict[str, Any] = {
            "base_url": fake[1],
            "client_id": "app-key",
            "client_secret": SecretStr("app-secret"),
            "extension": "211",
            "timeout_s": 0.5,
        }
        values.update(overrides)
        extra = {"monotonic": monotonic} if monotonic else {}
        provider = VoipNowProvider(VoipNowSettings(**values), clock=clock or Clock(), **extra)
        made.append(provider)
        return provider

    yield build
    for provider in made:
        await provider.aclose()


def dial(*numbers: str, conf: str = "3", max_s: int | None = None, **options: str) -> DialRequest:
    return DialRequest(
        invite_id=1,
        target=Target(TargetKind.CONFERENCE, conf),
        calls=tuple(CallSpec(i + 1, Party(PartyKind.PHONE, n)) for i, n in enumerate(numbers or (NUMBER,))),
        requested_by="U1",
        max_duration_s=max_s,
        options=options,
        callback_url="http://127.0.0.1:9/webhooks/voipnow",
    )


async def place_one(provider: VoipNowProvider, request: DialRequest | None = None) -> PlaceResult:
    [result] = await provider.place(request or dial())
    return result


def placed(result: PlaceResult, state: CallState = CallState.DIALING, at: datetime = T0) -> PlacedCall:
    return PlacedCall(
        attempt_id=result.attempt_id,
        invite_id=1,
        provider_call_id=result.provider_call_id or "",
        party=Party(PartyKind.PHONE, NUMBER),
        target=Target(TargetKind.CONFERENCE, "3"),
        requested_by="U1",
        state=state,
        placed_at=at,
        context=dict(result.context),
    )


# --- the request -------------------------------------------------------------------------------


async def test_invite_sends_exactly_the_documented_token_and_invite_requests(fake, make: Make) -> None:
    server, url = fake
    result = await place_one(make(), dial(pin="2233", wait="40", callerid="Ops <4000>"))

    assert result.state is CallState.DIALING and result.provider_call_id
    [token] = server.requests_to("token")
    assert token.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token.form() == [
        ("grant_type", "client_credentials"),
        ("client_id", "app-key"),
        ("client_secret", "app-secret"),
        ("type", "unifiedapi"),
        ("redirect_uri", f"{url}/ouath/token.php"),
    ]
    [invite] = server.requests_to("create")
    assert invite.path == "/uapi/phoneCalls/@me/conferenceInvite"
    assert invite.query == [("number", "3"), ("pin", "2233"), ("waitForPickup", "40")]
    assert invite.headers["authorization"] == "Bearer tok-1"
    assert invite.headers["content-type"] == "application/json"
    assert invite.json() == {
        "extension": "211",
        "phoneCallView": [{"source": ["211"], "destination": [NUMBER], "callerId": "Ops <4000>"}],
    }
    assert server.violations == []


async def test_without_options_only_the_conference_number_is_sent_and_the_setting_caller_id_is_used(
    fake, make: Make
) -> None:
    server, _ = fake
    await place_one(make(caller_id="John Doe <4242425>"))
    [invite] = server.requests_to("create")
    assert invite.query == [("number", "3")]  # waitForPickup omitted: VoipNow's 25 s default applies
    assert invite.json()["phoneCallView"][0]["callerId"] == "John Doe <4242425>"


async def test_without_any_caller_id_the_field_is_left_out(fake, make: Make) -> None:
    server, _ = fake
    await place_one(make())
    assert invite_view(server) == {"source": ["211"], "destination": [NUMBER]}


def invite_view(server: FakeVoipNow) -> dict[str, Any]:
    return server.requests_to("create")[-1].json()["phoneCallView"][0]


@pytest.mark.parametrize(("prefix", "sent"), [("+", NUMBER), ("00", "0013235742879"), ("", "13235742879")])
async def test_international_prefix_setting_spells_the_destination(fake, make: Make, prefix: str, sent: str) -> None:
    server, _ = fake
    result = await place_one(make(international_prefix=prefix))
    assert invite_view(server)["destination"] == [sent] and result.context["destination"] == sent


async def test_ext_option_uses_another_conference_extension_and_user_id_setting(fake, make: Make) -> None:
    server, _ = fake
    result = await place_one(make(user_id="12"), dial(conf="7", ext="0003*212", pin="11"))
    [invite] = server.requests_to("create")
    assert invite.path == "/uapi/phoneCalls/12/conferenceInvite"
    assert invite.json()["extension"] == "0003*212" and invite_view(server)["source"] == ["0003*212"]
    assert result.context["extension"] == "0003*212" and result.context["user_id"] == "12"


async def test_context_keeps_what_polling_needs_and_limits_what_the_core_needs(fake, make: Make) -> None:
    result = await place_one(make(), dial(wait="40", max_s=1800))
    assert result.context["wait_s"] == "40" and result.context["max_s"] == "1800"
    # what the core needs is typed: ring time + 30 s hang-up margin + 60 s, and the cap + the same 90 s
    assert result.limits == CallLimits(ring_s=40 + 30 + 60, answered_s=1800 + 90)
    assert "give_up_after_s" not in result.context


async def test_non_phone_party_fails_without_a_request(fake, make: Make) -> None:
    server, _ = fake
    request = DialRequest(1, Target(TargetKind.CONFERENCE, "3"), (CallSpec(1, Party(PartyKind.ROOM, "10086")),), "U1")
    result = await place_one(make(), request)
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.INVALID_NUMBER, "not_a_phone")
    assert server.requests_to("create") == []


# --- answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 202])
async def test_any_2xx_with_an_id_is_dialling(fake, make: Make, status: int) -> None:
    server, _ = fake
    server.create_status = status
    result = await place_one(make())
    assert result.state is CallState.DIALING and result.provider_call_id in server.calls


async def test_204_without_an_id_is_dialling_and_followed_by_its_number(fake, make: Make) -> None:
    """Seed 001: 204 is success with no id to return; the call is found in its extension's list of calls."""
    server, _ = fake
    server.create_status = 204
    server.scripts[NUMBER] = [RINGING, ON_CALL, GONE]
    provider = make()
    result = await place_one(provider)
    assert result.state is CallState.DIALING and result.provider_call_id == "unlisted-1-1"  # an id of ours
    assert result.provider_call_id not in server.calls and len(server.calls) == 1  # placed once
    seen = [await provider.poll(placed(result, state)) for state in (CallState.DIALING, CallState.RINGING)]
    assert [(e.state, e.provider_call_id) for e in seen if e] == [
        (CallState.RINGING, "unlisted-1-1"),
        (CallState.ANSWERED, "unlisted-1-1"),
    ]
    ended = await provider.poll(placed(result, CallState.ANSWERED))
    assert ended and (ended.state, ended.code) == (CallState.COMPLETED, "ended")
    lists = server.requests_to("list")
    assert len(lists) == 3 and {r.path for r in lists} == {"/uapi/phoneCalls/@me/211"}
    assert server.violations == []


async def test_2xx_with_an_empty_list_is_followed_by_its_number_too(fake, make: Make) -> None:
    server, _ = fake
    server.fail_next("create", status=200, body=[])
    result = await place_one(make())
    assert result.state is CallState.DIALING and result.provider_call_id == "unlisted-1-1"


async def test_a_call_without_an_id_is_hung_up_by_the_id_its_listing_shows(fake, make: Make) -> None:
    server, _ = fake
    server.create_status = 204
    server.scripts[NUMBER] = [RINGING]
    provider = make()
    result = await place_one(provider)
    event = await provider.cancel(placed(result, CallState.RINGING))
    assert event and event.state is CallState.CANCELLED
    [call] = server.calls.values()
    [delete] = server.requests_to("delete")
    assert call.hung_up and delete.path == f"/uapi/phoneCalls/@me/211/{call.id}"


DOCUMENTED = [
    ("extension_invalid", FailReason.PROVIDER_REJECTED),
    ("pc_duration_invalid", FailReason.PROVIDER_REJECTED),
    ("pc_source_invalid", FailReason.PROVIDER_REJECTED),
    ("pc_destination_invalid", FailReason.INVALID_NUMBER),
    ("pc_timeout_invalid", FailReason.PROVIDER_REJECTED),
    ("pc_callerid_invalid", FailReason.PROVIDER_REJECTED),
    ("pc_pin_invalid", FailReason.PROVIDER_REJECTED),
    ("pc_number_invalid", FailReason.PROVIDER_REJECTED),
    ("user_invalid", FailReason.PROVIDER_REJECTED),
    ("access_denied", FailReason.AUTH),
    ("request_not_implemented", FailReason.PROVIDER_REJECTED),
]


@pytest.mark.parametrize(("code", "reason"), DOCUMENTED)
async def test_every_documented_error_fails_with_its_code_and_is_explained(
    fake, make: Make, code: str, reason: FailReason
) -> None:
    server, _ = fake
    server.fail_next("create", code=code, times=2)  # twice: a 401 is retried once with a new token
    result = await place_one(make())
    assert (result.state, result.reason, result.code, result.detail) == (CallState.FAILED, reason, code, MESSAGES[code])
    entry = CATALOGUE[f"error.voipnow.{code}"]
    assert entry["en"] and entry["zh"]


async def test_internal_server_error_may_have_placed_the_call_so_it_is_unknown(fake, make: Make) -> None:
    server, _ = fake
    server.fail_next("create", code="internal_server_error")
    result = await place_one(make())
    assert (result.state, result.code) == (CallState.UNKNOWN, "internal_server_error")
    assert "error.voipnow.internal_server_error" in CATALOGUE
    assert len(server.requests_to("create")) == 1


@pytest.mark.parametrize(
    ("options", "settings", "code"),
    [
        ({"pin": "9999"}, {}, "pc_pin_invalid"),
        ({}, {"extension": "999"}, "extension_invalid"),
        ({}, {"user_id": "77"}, "user_invalid"),
        ({}, {"caller_id": "no brackets"}, "pc_callerid_invalid"),
    ],
)
async def test_the_fake_answers_documented_codes_for_real_mistakes(
    fake, make: Make, options: dict[str, str], settings: dict[str, str], code: str
) -> None:
    result = await place_one(make(**settings), dial(**options))
    assert (result.state, result.code) == (CallState.FAILED, code)


async def test_unknown_conference_number_is_pc_number_invalid(fake, make: Make) -> None:
    result = await place_one(make(), dial(conf="404"))
    assert (result.state, result.code) == (CallState.FAILED, "pc_number_invalid")


async def test_destination_the_pbx_cannot_read_is_an_invalid_number(fake, make: Make) -> None:
    result = await place_one(make(international_prefix="x"))
    assert (result.state, result.reason, result.code) == (
        CallState.FAILED,
        FailReason.INVALID_NUMBER,
        "pc_destination_invalid",
    )


@pytest.mark.parametrize(
    ("kind", "status", "body", "state", "code"),
    [
        ("not_json", 200, None, CallState.UNKNOWN, "bad_response"),
        ("malformed", 200, None, CallState.UNKNOWN, "bad_response"),
        ("error", 400, "<html>Bad Request</html>", CallState.FAILED, "http_400"),
        ("error", 403, {"unexpected": True}, CallState.FAILED, "http_403"),
        ("error", 502, "<html>Bad Gateway</html>", CallState.UNKNOWN, "http_502"),
        ("error", 503, "", CallState.UNKNOWN, "http_503"),
        ("error", 429, {"error": {"code": "too_many", "message": "slow down"}}, CallState.FAILED, "too_many"),
    ],
)
async def test_malformed_non_json_and_5xx_answers(
    fake, make: Make, kind: Any, status: int, body: Any, state: CallState, code: str
) -> None:
    server, _ = fake
    server.fail_next("create", kind, status=status, body=body)
    result = await place_one(make())
    assert (result.state, result.code) == (state, code)
    assert len(server.requests_to("create")) == 1  # never re-sent


async def test_rate_limit_is_reported_as_such(fake, make: Make) -> None:
    server, _ = fake
    server.fail_next("create", status=429, body={"error": {"code": "too_many", "message": "slow down"}})
    result = await place_one(make())
    assert (result.reason, result.detail) == (FailReason.RATE_LIMITED, "slow down")


async def test_read_timeout_after_sending_is_unknown_and_never_resent(fake, make: Make) -> None:
    server, _ = fake
    server.fail_next("create", "slow")
    provider = make()
    result = await place_one(provider)
    assert (result.state, result.code, result.provider_call_id) == (CallState.UNKNOWN, "timeout", None)
    assert len(server.requests_to("create")) == 1 and len(server.calls) == 1
    # without an id there is nothing to poll or hang up: no request is made
    call = placed(result, CallState.UNKNOWN)
    assert await provider.poll(call) is None and await provider.cancel(call) is None
    assert len(server.received) == 2  # the token and the one invite


async def test_connection_cut_after_sending_is_unknown(fake, make: Make) -> None:
    server, _ = fake
    server.fail_next("create", "reset")
    result = await place_one(make())
    assert (result.state, result.code) == (CallState.UNKNOWN, "connection_lost")
    assert len(server.requests_to("create")) == 1


async def test_unreachable_host_fails_as_nothing_was_sent(make: Make) -> None:
    sock = reserve_socket()
    url = "http://{}:{}".format(*sock.getsockname()[:2])
    sock.close()
    result = await place_one(make(base_url=url))
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.NETWORK, "token_unavailable")


async def test_one_timeout_does_not_blur_the_other_calls_of_a_request(fake, make: Make) -> None:
    server, _ = fake
    server.fail_next("create", "slow")
    first, second = await make().place(dial(NUMBER, "+8613800138000"))
    assert (first.state, second.state) == (CallState.UNKNOWN, CallState.DIALING)


# --- OAuth -------------------------------------------------------------------------------------


async def test_token_is_cached_across_calls(fake, make: Make) -> None:
    server, _ = fake
    provider = make()
    await place_one(provider)
    await place_one(provider)
    assert len(server.requests_to("token")) == 1
    assert [r.headers["authorization"] for r in server.requests_to("create")] == ["Bearer tok-1"] * 2


async def test_concurrent_calls_share_one_token_request(fake, make: Make) -> None:
    import asyncio

    server, _ = fake
    provider = make()
    results = await asyncio.gather(*(place_one(provider, dial(f"+861380013800{i}")) for i in range(5)))
    assert all(r.state is CallState.DIALING for r in results)
    assert len(server.requests_to("token")) == 1


@pytest.mark.parametrize(("expires_in", "renew_after"), [(3600, 3300), (7200, 6900), (120, 60), (None, 3300)])
async def test_token_is_renewed_five_minutes_before_it_expires_never_later(
    fake, make: Make, expires_in: int | None, renew_after: float
) -> None:
    server, _ = fake
    server.expires_in = expires_in
    now = [1000.0]
    provider = make(monotonic=lambda: now[0])
    await place_one(provider)
    now[0] += renew_after - 1
    await place_one(provider)
    assert len(server.requests_to("token")) == 1
    now[0] += 2
    await place_one(provider)
    assert len(server.requests_to("token")) == 2
    assert server.requests_to("create")[-1].headers["authorization"] == "Bearer tok-2"


async def test_a_401_gets_a_new_token_and_one_retry(fake, make: Make) -> None:
    server, _ = fake
    provider = make()
    await place_one(provider)
    server.revoke_tokens()
    result = await place_one(provider)
    assert result.state is CallState.DIALING
    assert len(server.requests_to("token")) == 2
    assert [r.headers["authorization"] for r in server.requests_to("create")] == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-2",
    ]
    assert len(server.calls) == 2  # the refused request placed nothing


async def test_a_second_401_is_access_denied_without_a_third_try(fake, make: Make) -> None:
    server, _ = fake
    server.fail_next("create", code="access_denied", times=5)
    result = await place_one(make())
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.AUTH, "access_denied")
    assert len(server.requests_to("create")) == 2 and len(server.requests_to("token")) == 2


async def test_wrong_credentials_are_token_refused_and_nothing_is_placed(fake, make: Make) -> None:
    server, _ = fake
    result = await place_one(make(client_secret=SecretStr("wrong")))
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.AUTH, "token_refused")
    assert result.detail and "invalid_client" in result.detail
    assert server.requests_to("create") == [] and "error.voipnow.token_refused" in CATALOGUE


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [("slow", 200, None), ("error", 500, "oops"), ("not_json", 200, None), ("error", 200, {"no": "token"})],
)
async def test_token_endpoint_trouble_fails_the_call_as_never_sent(
    fake, make: Make, kind: Any, status: int, body: Any
) -> None:
    server, _ = fake
    server.fail_next("token", kind, status=status, body=body)
    result = await place_one(make())
    assert (result.state, result.code) == (CallState.FAILED, "token_unavailable")  # not unknown: no call went out
    assert server.requests_to("create") == []


# --- polling -----------------------------------------------------------------------------------


async def poll_sequence(make: Make, server: FakeVoipNow, script: list[Any], **request: Any) -> list[Any]:
    server.scripts[NUMBER] = script
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider, dial(**request))
    states = []
    state = CallState.DIALING
    for _ in script:
        clock.advance(6)
        event = await provider.poll(placed(result, state))
        states.append((event.state, event.reason, event.code) if event else None)
        if event and event.state in (CallState.RINGING, CallState.ANSWERED):
            state = event.state
    return states


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (TRYING, (CallState.DIALING, None, "status_2")),
        ({"status": "1"}, (CallState.DIALING, None, "status_1")),
        (RINGING, (CallState.RINGING, None, "status_3")),
        (OTHER_SIDE_RINGING, (CallState.RINGING, None, "status_4")),
        (ON_CALL, (CallState.ANSWERED, None, "status_5")),
        ({"status": "5"}, (CallState.ANSWERED, None, "status_5")),
        (BUSY, (CallState.FAILED, FailReason.BUSY, "disposition_busy")),
        (FAILED, (CallState.FAILED, FailReason.NETWORK, "disposition_failed")),
        (NO_ANSWER, (CallState.FAILED, FailReason.NO_ANSWER, "disposition_no_answer")),
        (NOT_ALLOWED, (CallState.FAILED, FailReason.BARRED, "disposition_not_allowed")),
        ({"status": "0", "disposition": "0"}, (CallState.ANSWERED, None, "status_5")),
        ({"status": "3", "disposition": "4"}, (CallState.RINGING, None, "status_3")),
        (UNKNOWN_STATUS, None),
    ],
)
@pytest.mark.parametrize("shape", ["dict", "list", "printed"])
async def test_status_and_disposition_map_to_call_states(
    fake, make: Make, step: Any, expected: Any, shape: Any
) -> None:
    server, _ = fake
    server.status_shape = shape
    assert await poll_sequence(make, server, [step]) == [expected]


async def test_poll_reads_the_documented_path_with_the_bearer_token(fake, make: Make) -> None:
    server, _ = fake
    clock = Clock()
    provider = make(clock, user_id="12")
    result = await place_one(provider, dial(conf="7", ext="0003*212", pin="11"))
    await provider.poll(placed(result))
    [get] = server.requests_to("status")
    assert get.path == f"/uapi/phoneCalls/12/0003*212/{result.provider_call_id}"
    assert get.headers["authorization"] == "Bearer tok-1" and get.query == []


async def test_a_whole_answered_call_rings_joins_and_ends(fake, make: Make) -> None:
    server, _ = fake
    states = await poll_sequence(make, server, [TRYING, RINGING, ON_CALL, ON_CALL, GONE])
    assert [s[0] if s else None for s in states] == [
        CallState.DIALING,
        CallState.RINGING,
        CallState.ANSWERED,
        CallState.ANSWERED,
        CallState.COMPLETED,
    ]
    assert states[-1][2] == "ended"


@pytest.mark.parametrize("gone_as", ["404", "empty"])
async def test_a_call_gone_after_its_ring_time_unanswered_is_no_answer(fake, make: Make, gone_as: Any) -> None:
    server, _ = fake
    server.gone_as = gone_as
    server.scripts[NUMBER] = [RINGING, GONE]
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider)
    clock.advance(26)
    await provider.poll(placed(result))
    event = await provider.poll(placed(result, CallState.RINGING))
    assert event and (event.state, event.reason, event.code) == (CallState.FAILED, FailReason.NO_ANSWER, "no_pickup")


async def test_a_call_gone_early_unanswered_is_failed_for_an_unknown_reason(fake, make: Make) -> None:
    server, _ = fake
    server.scripts[NUMBER] = [GONE]
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider)
    clock.advance(2)
    assert await provider.poll(placed(result)) is None  # may not be listed yet
    clock.advance(8)
    event = await provider.poll(placed(result))
    assert event and (event.state, event.reason, event.code) == (
        CallState.FAILED,
        FailReason.UNKNOWN,
        "ended_unanswered",
    )


async def test_a_call_ringing_past_its_ring_time_is_hung_up_as_no_answer(fake, make: Make) -> None:
    server, _ = fake
    server.scripts[NUMBER] = [RINGING]
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider, dial(wait="40"))
    clock.advance(40 + voipnow.RING_MARGIN_S - 1)
    event = await provider.poll(placed(result, CallState.RINGING))
    assert event and event.state is CallState.RINGING and server.requests_to("delete") == []
    clock.advance(2)
    event = await provider.poll(placed(result, CallState.RINGING))
    assert event and (event.state, event.reason, event.code) == (CallState.FAILED, FailReason.NO_ANSWER, "no_pickup")
    [delete] = server.requests_to("delete")
    assert delete.path == f"/uapi/phoneCalls/@me/211/{result.provider_call_id}"


async def test_max_duration_is_enforced_by_hanging_up(fake, make: Make) -> None:
    server, _ = fake
    server.scripts[NUMBER] = [ON_CALL]
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider, dial(max_s=600))
    clock.advance(300)
    event = await provider.poll(placed(result, CallState.ANSWERED))
    assert event and event.state is CallState.ANSWERED and server.requests_to("delete") == []
    clock.advance(301)
    event = await provider.poll(placed(result, CallState.ANSWERED))
    assert event and (event.state, event.code) == (CallState.COMPLETED, "max_duration")
    assert len(server.requests_to("delete")) == 1


async def test_answered_call_without_max_is_hung_up_after_a_day(fake, make: Make) -> None:
    server, _ = fake
    server.scripts[NUMBER] = [ON_CALL]
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider)
    clock.advance(voipnow.DEFAULT_CAP_S + voipnow.DEFAULT_WAIT_S + voipnow.RING_MARGIN_S)
    event = await provider.poll(placed(result, CallState.ANSWERED))
    assert event and (event.state, event.code) == (CallState.COMPLETED, "max_duration")


@pytest.mark.parametrize("state", [CallState.RINGING, CallState.ANSWERED])
async def test_unreadable_status_is_an_error_however_old_the_call(fake, make: Make, state: CallState) -> None:
    """The provider never gives up by itself: the core ends a call with no news by its limits."""
    server, _ = fake
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider)
    server.fail_next("status", code="internal_server_error", times=2)
    clock.advance(10)
    with pytest.raises(voipnow.ProviderError):
        await provider.poll(placed(result, state))
    clock.advance(voipnow.DEFAULT_CAP_S * 2)
    with pytest.raises(voipnow.ProviderError):
        await provider.poll(placed(result, state))


async def test_poll_tolerates_a_listing_of_other_calls_only(fake, make: Make) -> None:
    server, _ = fake
    clock = Clock()
    provider = make(clock)
    result = await place_one(provider)
    server.fail_next("status", status=200, body={"entry": [{"id": "someone-else", "phoneCallView": [ON_CALL]}]})
    clock.advance(30)
    event = await provider.poll(placed(result))
    assert event and (event.state, event.code) == (CallState.FAILED, "no_pickup")


# --- hanging up --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "final"), [(CallState.RINGING, CallState.CANCELLED), (CallState.ANSWERED, CallState.COMPLETED)]
)
async def test_cancel_deletes_the_call(fake, make: Make, state: CallState, final: CallState) -> None:
    server, _ = fake
    provider = make()
    result = await place_one(provider)
    event = await provider.cancel(placed(result, state))
    assert event and event.state is final and event.provider_call_id == result.provider_call_id
    [delete] = server.requests_to("delete")
    assert delete.path == f"/uapi/phoneCalls/@me/211/{result.provider_call_id}"
    assert delete.headers["authorization"] == "Bearer tok-1"
    assert server.calls[result.provider_call_id or ""].hung_up


async def test_cancel_of_a_call_already_gone_leaves_it_to_the_poll(fake, make: Make) -> None:
    server, _ = fake
    server.scripts[NUMBER] = [GONE]
    provider = make()
    result = await place_one(provider)
    assert await provider.cancel(placed(result)) is None


async def test_cancel_failure_raises_for_the_core_to_log(fake, make: Make) -> None:
    server, _ = fake
    provider = make()
    result = await place_one(provider)
    server.fail_next("delete", code="internal_server_error")
    with pytest.raises(voipnow.ProviderError) as caught:
        await provider.cancel(placed(result))
    assert caught.value.code == "internal_server_error"


# --- options and metadata ----------------------------------------------------------------------


async def test_webhooks_are_not_used_only_polling(make: Make) -> None:
    provider = make()
    assert not isinstance(provider, ReceivesWebhooks) and isinstance(provider, PollsCalls | CancelsCalls)
    assert provider.info.status is StatusSource.POLLING


async def test_an_invite_scheduled_with_a_non_numeric_conference_is_failed_without_a_request(fake, make: Make) -> None:
    server, _ = fake
    result = await place_one(make(), dial(conf="abc"))
    assert (result.state, result.code) == (CallState.FAILED, "conference_not_a_number")
    assert server.requests_to("create") == []
