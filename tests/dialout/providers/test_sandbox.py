"""The sandbox provider against the simulator over loopback HTTP, and its webhook's checks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.dialout.core.models import Target, TargetKind
from bot.dialout.core.ports import CallSpec, DialRequest, PlacedCall, ProviderError, WebhookRejected, WebhookRequest
from bot.dialout.providers.sandbox.provider import SandboxProvider
from bot.dialout.providers.sandbox.settings import SandboxSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer, reserve_socket
from bot.sandbox.server import SandboxTelco, outcome_for, sign

KEY, SECRET = "k-test", "s-test"


def settings(api_key: str = KEY) -> SandboxSettings:
    return SandboxSettings(api_key=SecretStr(api_key), webhook_secret=SecretStr(SECRET))


def request(*numbers: str, kind: PartyKind = PartyKind.PHONE) -> DialRequest:
    return DialRequest(
        invite_id=1,
        target=Target(TargetKind.CONFERENCE, "42"),
        calls=tuple(CallSpec(i + 1, Party(kind, n)) for i, n in enumerate(numbers)),
        requested_by="U1",
        max_duration_s=60,
        callback_url="http://127.0.0.1:9/webhooks/sandbox",
    )


@pytest.fixture
async def simulator() -> AsyncIterator[tuple[SandboxTelco, str]]:
    telco = SandboxTelco(KEY, SECRET, speed=1000)
    server = LoopbackServer(telco.app)
    await server.start()
    yield telco, server.url
    await telco.aclose()
    await server.stop()


async def test_accepted_call_is_dialling_with_the_simulators_call_id(simulator) -> None:
    telco, url = simulator
    provider = SandboxProvider(settings(), url)
    [result] = await provider.place(request("+8613800138001"))
    assert result.state is CallState.DIALING and result.provider_call_id in telco.calls
    assert telco.calls[result.provider_call_id].conference == "42"
    await provider.aclose()


async def test_the_same_attempt_sent_again_is_placed_once_and_answered_with_the_first_calls_id(simulator) -> None:
    telco, url = simulator
    provider = SandboxProvider(settings(), url)
    assert provider.info.places_idempotently
    [first] = await provider.place(request("+8613800138001"))
    [again] = await provider.place(request("+8613800138001"))  # e.g. resent after the sender died mid-request
    assert again.state is CallState.DIALING and again.provider_call_id == first.provider_call_id
    assert len(telco.calls) == 1
    await provider.aclose()


async def test_wrong_api_key_is_an_auth_error(simulator) -> None:
    _, url = simulator
    provider = SandboxProvider(settings("wrong"), url)
    with pytest.raises(ProviderError) as caught:
        await provider.place(request("+8613800138001"))
    assert caught.value.reason is FailReason.AUTH and not caught.value.maybe_sent
    await provider.aclose()


async def test_number_the_simulator_refuses_fails_that_call(simulator) -> None:
    _, url = simulator
    provider = SandboxProvider(settings(), url)
    [result] = await provider.place(request("13800138001"))  # not E.164
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.INVALID_NUMBER, "invalid_number")
    [room] = await provider.place(request("r1", kind=PartyKind.ROOM))
    assert room.state is CallState.FAILED
    await provider.aclose()


async def test_poll_and_cancel_report_the_calls_state(simulator) -> None:
    telco, url = simulator
    provider = SandboxProvider(settings(), url)
    [result] = await provider.place(request("+8613800138009"))  # rings, no answer after 20 s (scaled)
    call = PlacedCall(
        1,
        1,
        result.provider_call_id or "",
        Party(PartyKind.PHONE, "+8613800138009"),
        Target(TargetKind.CONFERENCE, "42"),
        "U1",
        CallState.DIALING,
    )
    polled = await provider.poll(call)
    assert polled is not None and polled.state in {CallState.DIALING, CallState.RINGING}
    cancelled = await provider.cancel(call)
    assert cancelled is not None and cancelled.state is CallState.CANCELLED
    assert telco.calls[call.provider_call_id].state == "cancelled"
    await provider.aclose()


@pytest.mark.parametrize(
    ("number", "final"),
    [
        ("+8613800138000", ("failed", "busy")),
        ("+8613800138009", ("failed", "no_answer")),
        ("+8613800138008", ("failed", "unreachable")),
        ("+8613800138007", ("failed", "rejected")),
        ("+8613800138001", ("completed", None)),
    ],
)
def test_outcomes_are_fixed_by_the_last_digit(number: str, final: tuple[str, str | None]) -> None:
    assert outcome_for(number)[-1][1:] == final


async def misbehaving(handler) -> AsyncIterator[str]:
    server = LoopbackServer(Starlette(routes=[Route("/calls", handler, methods=["POST"])]))
    await server.start()
    yield server.url
    await server.stop()


async def test_server_error_may_have_placed_the_call() -> None:
    async def fail(_request: Request) -> Response:
        return PlainTextResponse("boom", status_code=502)

    async for url in misbehaving(fail):
        with pytest.raises(ProviderError) as caught:
            await SandboxProvider(settings(), url).place(request("+8613800138001"))
        assert caught.value.maybe_sent


async def test_read_timeout_may_have_placed_the_call() -> None:
    async def slow(request: Request) -> Response:
        while not await request.is_disconnected():  # answers only once the client has given up waiting
            await asyncio.sleep(0.01)
        return PlainTextResponse("late")

    async for url in misbehaving(slow):
        import httpx

        provider = SandboxProvider(settings(), url, client=httpx.AsyncClient(timeout=0.3))
        with pytest.raises(ProviderError) as caught:
            await provider.place(request("+8613800138001"))
        assert caught.value.maybe_sent and caught.value.code == "timeout"
        await provider.aclose()


async def test_non_json_success_is_a_bad_response() -> None:
    async def html(_request: Request) -> Response:
        return Response("<html>ok</html>", status_code=201, media_type="text/html")

    async for url in misbehaving(html):
        with pytest.raises(ProviderError) as caught:
            await SandboxProvider(settings(), url).place(request("+8613800138001"))
        assert caught.value.code == "bad_response" and caught.value.maybe_sent


async def test_connection_refused_never_reached_the_provider() -> None:
    sock = reserve_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    with pytest.raises(ProviderError) as caught:
        await SandboxProvider(settings(), url).place(request("+8613800138001"))
    assert caught.value.retry_safe and not caught.value.maybe_sent


def webhook(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> WebhookRequest:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return WebhookRequest(
        "POST",
        "/webhooks/sandbox",
        {},
        {
            "x-sandbox-timestamp": ts,
            "x-sandbox-signature": sign(secret, ts, body),
        },
        body,
    )


EVENT = json.dumps({"event_id": "sbx_1:2", "call_id": "sbx_1", "state": "failed", "reason": "busy"}).encode()


async def test_signed_webhook_becomes_a_call_event() -> None:
    reply = await SandboxProvider(settings(), "http://127.0.0.1:9").handle_webhook(webhook(EVENT))
    [event] = reply.events
    assert (event.provider_call_id, event.state, event.reason, event.dedupe_key) == (
        "sbx_1",
        CallState.FAILED,
        FailReason.BUSY,
        "sbx_1:2",
    )


@pytest.mark.parametrize(
    "bad",
    [
        webhook(EVENT, secret="forged"),
        webhook(EVENT, timestamp=int(time.time()) - 3600),
        WebhookRequest("POST", "/webhooks/sandbox", {}, {}, EVENT),
    ],
)
async def test_unsigned_forged_or_stale_webhook_is_rejected_with_401(bad: WebhookRequest) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await SandboxProvider(settings(), "http://127.0.0.1:9").handle_webhook(bad)
    assert caught.value.status == 401


async def test_signed_webhook_that_is_not_an_event_is_a_400() -> None:
    with pytest.raises(WebhookRejected) as caught:
        await SandboxProvider(settings(), "http://127.0.0.1:9").handle_webhook(webhook(b'{"hello": 1}'))
    assert caught.value.status == 400


async def test_simulator_only_calls_back_its_own_deployment(simulator) -> None:
    import httpx as client_lib

    _, url = simulator
    async with client_lib.AsyncClient() as http:
        body = {"to": "+8613800138001", "conference": "42", "callback_url": "http://169.254.169.254/latest"}
        refused = await http.post(f"{url}/calls", json=body, headers={"authorization": f"Bearer {KEY}"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_callback"
    own = SandboxTelco(KEY, SECRET, callback_prefix="https://bot.example.com/webhooks/")
    assert own._callback_allowed("https://bot.example.com/webhooks/sandbox")
    assert not own._callback_allowed("http://127.0.0.1:9/webhooks/sandbox")
    await own.aclose()


def test_disabled_sandbox_is_not_offered() -> None:
    from bot.config import Settings
    from bot.dialout.providers import REGISTRY

    settings = Settings(_env_file=None, providers={"sandbox": SandboxSettings(enabled=False)})
    assert REGISTRY["sandbox"].from_settings(settings).info.missing_settings == ("SANDBOX_ENABLED",)
