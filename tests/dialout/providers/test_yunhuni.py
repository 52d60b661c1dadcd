"""Yunhuni against its fake gateway over loopback: signing, every seed field, every documented
error, broken answers, timeouts, cancel, and the webhook's secret path, IP allowlist and events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.dialout.core.command import InviteDraft, ParseContext, ParseError, ParseProblem, parse_command
from bot.dialout.core.models import CallAttempt, CallEvent, CallLimits, Capability, Target, TargetKind
from bot.dialout.core.ports import (
    CallSpec,
    CancelsCalls,
    DialRequest,
    PlacedCall,
    Placing,
    PollsCalls,
    ProviderError,
    ReceivesWebhooks,
    SecondsRange,
    StatusSource,
    WebhookRejected,
    WebhookRequest,
)
from bot.dialout.providers.yunhuni.provider import OPTIONS, YunhuniProvider, dial_form, sign
from bot.dialout.providers.yunhuni.settings import YunhuniSettings
from bot.dialout.slack.thread import View, explain_failure
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer, reserve_socket
from bot.slack.messages import CATALOGUE, t
from tests.dialout.providers.fakes.yunhuni import MESSAGES, FakeYunhuni

HOOK_SECRET = "hook-9f8e7d"
NUMBER = "+8613692206627"


@dataclass
class Gateway:
    fake: FakeYunhuni
    url: str

    def settings(self, **changes: object) -> YunhuniSettings:
        values: dict[str, object] = {
            "base_url": self.fake.base_url(self.url),
            "app_id": self.fake.app_id,
            "cert_id": self.fake.cert_id,
            "secret_key": SecretStr(self.fake.secret),
            "webhook_secret": SecretStr(HOOK_SECRET),
            "timeout_s": 0.5,
        }
        values.update(changes)
        return YunhuniSettings(_env_file=None, **values)  # type: ignore[arg-type]

    def provider(self, **changes: object) -> YunhuniProvider:
        return YunhuniProvider(self.settings(**changes))


async def serve(fake: FakeYunhuni) -> tuple[LoopbackServer, Gateway]:
    server = LoopbackServer(fake.app)
    await server.start()
    return server, Gateway(fake, server.url)


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    server, running = await serve(FakeYunhuni())
    yield running
    await server.stop()


@pytest.fixture
async def released() -> AsyncIterator[Gateway]:
    server, running = await serve(FakeYunhuni(path_style="released"))
    yield running
    await server.stop()


def dial(*numbers: str, conf: str = "42", max_s: int | None = 1800, **options: str) -> DialRequest:
    return DialRequest(
        invite_id=7,
        target=Target(TargetKind.CONFERENCE, conf),
        calls=tuple(CallSpec(i + 1, Party(PartyKind.PHONE, n)) for i, n in enumerate(numbers or (NUMBER,))),
        requested_by="U0AMY",
        max_duration_s=max_s,
        options={k: OPTIONS[k].normalise(v) for k, v in options.items()},
        callback_url="http://127.0.0.1:9/webhooks/yunhuni",
    )


# --- signing -------------------------------------------------------------------------------


def test_signature_matches_an_independently_computed_fixed_vector() -> None:
    body = b'{"to":"13692206627","max_duration":1800,"max_dial_duration":60}'
    uri = "/v1/account/8a2a6a4a/conf/42/invite_call"
    text = f"POST\n{hashlib.md5(body).hexdigest()}\napplication/json\n20261126100000\napp-7f3c\n{uri}"
    independent = base64.b64encode(hmac.new(b"s3cr3t-key", text.encode(), hashlib.sha256).digest()).decode()
    assert hashlib.md5(body).hexdigest() == "073b51ac6d54ed4521001c43809fde65"
    assert independent == "Pi/wz2HUFxUZN2nrgz9E6pPACFzj5GfWe3qdOuqNQ78="
    assert sign("s3cr3t-key", "POST", body, "application/json", "20261126100000", "app-7f3c", uri) == independent


def test_get_requests_sign_no_body_hash_or_content_type() -> None:
    text = "GET\n\n\n20261126100000\napp-7f3c\n/v1/x"
    expected = base64.b64encode(hmac.new(b"k", text.encode(), hashlib.sha256).digest()).decode()
    assert sign("k", "GET", b"", "application/json", "20261126100000", "app-7f3c", "/v1/x") == expected


async def test_headers_carry_app_cert_china_time_and_a_signature_of_the_bytes_sent(gateway: Gateway) -> None:
    fixed = datetime(2026, 11, 26, 2, 0, 5, tzinfo=UTC)
    gateway.fake.now = lambda: fixed + timedelta(seconds=1)
    provider = YunhuniProvider(gateway.settings(), clock=lambda: fixed)
    [result] = await provider.place(dial())
    assert result.state is CallState.DIALING
    [got] = gateway.fake.requests
    assert got.headers["appid"] == "app-7f3c" and got.headers["certid"] == "cert-19ab"
    assert got.headers["timestamp"] == "20261126100005"  # 10:00:05 in Shanghai
    assert got.headers["content-type"] == "application/json" and got.headers["accept-type"] == "application/json"
    expected = sign("s3cr3t-key", "POST", got.raw, "application/json", "20261126100005", "app-7f3c", got.path)
    assert got.headers["signature"] == expected
    await provider.aclose()


@pytest.mark.parametrize(
    ("change", "fake_now_offset_s"),
    [
        ({"secret_key": SecretStr("not-the-key")}, 0),
        ({"cert_id": "someone-else"}, 0),
        ({"app_id": "another-app"}, 0),
        ({}, 301),  # our clock is more than 5 minutes behind the gateway's
    ],
    ids=["wrong-secret", "wrong-cert", "wrong-app", "stale-timestamp"],
)
async def test_refused_signature_fails_the_call_as_auth(gateway: Gateway, change: dict, fake_now_offset_s: int) -> None:
    gateway.fake.now = lambda: datetime.now(UTC) + timedelta(seconds=fake_now_offset_s)
    provider = gateway.provider(**change)
    [result] = await provider.place(dial())
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.AUTH, "bad_credentials")
    assert "Bad credentials" in (result.detail or "") and gateway.fake.calls == {}
    await provider.aclose()


# --- the seed's fields ---------------------------------------------------------------------


async def test_every_seed_field_is_sent_from_the_users_options(gateway: Gateway) -> None:
    provider = gateway.provider()
    options = {"from": "400-1234567", "voice": "listen", "play": "file1", "ring": "60s", "dialtone": "answer"}
    [result] = await provider.place(dial(max_s=1800, **options))
    [got] = gateway.fake.requests
    assert (got.method, got.path) == ("POST", "/v1/account/8a2a6a4a/conf/42/invite_call")
    assert got.json == {
        "from": "400-1234567",
        "to": "13692206627",
        "max_duration": 1800,
        "max_dial_duration": 60,
        "dial_voice_stop_cond": 1,
        "play_file": "file1",
        "voice_mode": 3,
    }
    assert result.state is CallState.DIALING and result.provider_call_id in gateway.fake.calls
    assert result.context == {"conf_id": "42"}  # Yunhuni's own, for cancel
    assert result.limits == CallLimits(ring_s=60 + 30, answered_s=1800 + 30)  # ring time and max, plus the margin
    await provider.aclose()


async def test_defaults_fill_the_required_fields_and_the_caller_setting(gateway: Gateway) -> None:
    provider = gateway.provider(caller_number="02087654321")
    [result] = await provider.place(dial(max_s=None))
    assert gateway.fake.requests[0].json == {
        "from": "02087654321",
        "to": "13692206627",
        "max_duration": 3600,
        "max_dial_duration": 50,
    }
    assert result.limits == CallLimits(ring_s=50 + 30, answered_s=3600 + 30)
    await provider.aclose()


async def test_released_path_style_posts_to_the_vendors_released_path(released: Gateway) -> None:
    provider = released.provider(path_style="released")
    [result] = await provider.place(dial(conf="42"))
    assert released.fake.requests[0].path == "/v1/account/8a2a6a4a/conf/invite_call/42"
    assert result.state is CallState.DIALING
    await provider.aclose()


async def test_a_path_style_the_gateway_does_not_serve_is_explained(released: Gateway) -> None:
    provider = released.provider()  # seed style against the released gateway
    [result] = await provider.place(dial())
    assert (result.state, result.code) == (CallState.FAILED, "http_404")
    assert "YUNHUNI_PATH_STYLE" in t("error.yunhuni.http_404", "en")
    await provider.aclose()


@pytest.mark.parametrize(
    ("e164", "to"),
    [
        ("+8613692206627", "13692206627"),  # mobile: the seed's example
        ("+861012345678", "01012345678"),  # Beijing landline with its trunk 0
        ("+8675512345678", "075512345678"),
        ("+85291234567", "0085291234567"),  # international: China's 00 prefix
        ("+14155550123", "0014155550123"),
    ],
)
def test_numbers_go_out_as_a_line_in_china_dials_them(e164: str, to: str) -> None:
    assert dial_form(e164) == to


async def test_the_gateway_checks_ranges_so_an_out_of_range_duration_is_parameter_error(gateway: Gateway) -> None:
    provider = gateway.provider()
    [result] = await provider.place(dial(max_s=30000))
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.PROVIDER_REJECTED, "000001")
    assert "max_duration" in (result.detail or "")
    await provider.aclose()


# --- documented errors ---------------------------------------------------------------------

DOCUMENTED = [
    ("000001", FailReason.PROVIDER_REJECTED),
    ("000004", FailReason.PROVIDER_ERROR),
    ("010001", FailReason.PROVIDER_REJECTED),
    ("010003", FailReason.PROVIDER_REJECTED),
    ("010004", FailReason.AUTH),
    ("010006", FailReason.RATE_LIMITED),
    ("020001", FailReason.BARRED),
    ("020002", FailReason.NETWORK),
    ("030100", FailReason.PROVIDER_REJECTED),
    ("030101", FailReason.PROVIDER_REJECTED),
    # Also in the platform's ApiReturnCodeEnum, beyond the notes' list:
    ("000002", FailReason.PROVIDER_ERROR),
    ("000003", FailReason.PROVIDER_ERROR),
    ("010000", FailReason.AUTH),
    ("010002", FailReason.PROVIDER_REJECTED),
    ("010005", FailReason.PROVIDER_REJECTED),
]


@pytest.mark.parametrize(("code", "reason"), DOCUMENTED)
async def test_every_documented_code_fails_the_call_with_its_reason_and_words(
    gateway: Gateway, code: str, reason: FailReason
) -> None:
    gateway.fake.fail_next(code)
    provider = gateway.provider()
    [result] = await provider.place(dial())
    assert (result.state, result.reason, result.code) == (CallState.FAILED, reason, code)
    assert result.detail == MESSAGES[code]  # the vendor's own words are kept
    attempt = CallAttempt(7, 0, Party(PartyKind.PHONE, NUMBER), CallState.FAILED, reason, provider_code=code)
    for locale in ("en", "zh"):
        words = explain_failure(attempt, View(locale, True, datetime.now(UTC), provider="yunhuni"))
        assert words == CATALOGUE[f"error.yunhuni.{code}"][locale] and words
    await provider.aclose()


async def test_an_undocumented_code_is_refused_with_the_vendors_message(gateway: Gateway) -> None:
    gateway.fake.fail_next("099999")
    provider = gateway.provider()
    [result] = await provider.place(dial())
    assert (result.state, result.reason, result.code, result.detail) == (
        CallState.FAILED,
        FailReason.PROVIDER_REJECTED,
        "099999",
        "未定义的错误",
    )
    await provider.aclose()


async def test_an_unknown_conference_and_a_full_one_are_refused_by_the_gateway(gateway: Gateway) -> None:
    gateway.fake.max_parties = 1
    provider = gateway.provider()
    [missing] = await provider.place(dial(conf="404"))
    [first] = await provider.place(dial(conf="42"))
    [second] = await provider.place(dial("+8613800138001", conf="42"))
    assert (missing.code, first.state, second.code) == ("030100", CallState.DIALING, "030101")
    await provider.aclose()


# --- broken answers and the network --------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "code"),
    [
        ("http_500", "http_500"),
        ("http_503", "http_503"),
        ("not_json", "bad_response"),
        ("malformed_json", "bad_response"),
        ("no_call_id", "no_call_id"),
        ("reset", "connection_lost"),
        ("slow", "timeout"),
    ],
)
async def test_an_answer_we_cannot_trust_leaves_the_call_unknown_and_it_is_not_resent(
    gateway: Gateway, behaviour: str, code: str
) -> None:
    gateway.fake.fail_next(behaviour)
    provider = gateway.provider(timeout_s=0.4)
    [result] = await provider.place(dial())
    assert (result.state, result.code, result.reason) == (CallState.UNKNOWN, code, None)
    assert result.provider_call_id is None
    assert len(gateway.fake.invites()) == 1  # sent once, never retried
    await provider.aclose()


async def test_a_refused_connection_is_a_network_failure_not_unknown() -> None:
    sock = reserve_socket()
    port = sock.getsockname()[1]
    sock.close()
    settings = YunhuniSettings(
        _env_file=None,
        base_url=f"http://127.0.0.1:{port}/v1/account/a/",
        app_id="a",
        cert_id="c",
        secret_key=SecretStr("k"),
    )
    provider = YunhuniProvider(settings)
    [result] = await provider.place(dial())
    assert (result.state, result.reason, result.code) == (CallState.FAILED, FailReason.NETWORK, "connect_failed")
    await provider.aclose()


# --- options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "sent"),
    [
        ("voice", "listen", "3"),
        ("voice", "SPEAK", "1"),
        ("voice", "2", "2"),
        ("voice", "4", "4"),
        ("ring", "40s", "40"),
        ("ring", "40", "40"),
        ("ring", "2m", "120"),
        ("ring", "300", "300"),
        ("dialtone", "ring", "0"),
        ("dialtone", "answer", "1"),
        ("play", "welcome.wav", "welcome.wav"),
        ("from", "400-1234567", "400-1234567"),
        ("from", "+8602087654321", "+8602087654321"),
    ],
)
def test_options_are_normalised_to_what_the_api_takes(key: str, value: str, sent: str) -> None:
    assert OPTIONS[key].normalise(value) == sent


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("voice", "loud"),
        ("voice", "5"),
        ("ring", "0"),
        ("ring", "301"),
        ("ring", "6m"),
        ("ring", "soon"),
        ("dialtone", "never"),
        ("play", "x" * 129),
        ("from", "sales"),
    ],
)
def test_invalid_option_values_are_refused(key: str, value: str) -> None:
    with pytest.raises(ValueError):
        OPTIONS[key].normalise(value)


def test_options_are_checked_before_anything_is_scheduled() -> None:
    info = YunhuniProvider(YunhuniSettings(_env_file=None)).info
    ctx = ParseContext(
        now=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        tz="Asia/Shanghai",
        policy=DialingPolicy("CN"),
        providers={"yunhuni": replace(info, missing_settings=())},
        default_provider={TargetKind.CONFERENCE: "yunhuni"},
    )
    ok = parse_command(
        "13692206627 into conf 42 via yunhuni voice=listen ring=40s play=welcome.wav dialtone=answer", ctx
    )
    assert isinstance(ok, InviteDraft)
    assert ok.options == {"voice": "3", "ring": "40", "play": "welcome.wav", "dialtone": "1"}
    with pytest.raises(ParseError) as bad_value:
        parse_command("13692206627 into conf 42 via yunhuni ring=10m", ctx)
    assert bad_value.value.problem is ParseProblem.BAD_OPTION_VALUE
    with pytest.raises(ParseError) as bad_key:
        parse_command("13692206627 into conf 42 via yunhuni pin=1234", ctx)
    assert bad_key.value.params["valid"] == ["dialtone", "from", "play", "ring", "voice"]


def test_the_provider_declares_conference_invites_and_its_limits() -> None:
    info = YunhuniProvider(YunhuniSettings(_env_file=None)).info
    assert info.capabilities == frozenset({Capability.CONFERENCE}) and info.placing is Placing.EACH_CALL
    assert info.status is StatusSource.WEBHOOKS and info.timing.max_duration == SecondsRange(60, 21600)
    assert info.timing.limits == CallLimits(ring_s=50 + 30, answered_s=3600 + 30)
    assert "YUNHUNI_WEBHOOK_SECRET" in info.missing_settings and "YUNHUNI_SECRET_KEY" in info.missing_settings


# --- cancel --------------------------------------------------------------------------------


def placed(result_id: str, conf: str = "42") -> PlacedCall:
    return PlacedCall(
        attempt_id=1,
        invite_id=7,
        provider_call_id=result_id,
        party=Party(PartyKind.PHONE, NUMBER),
        target=Target(TargetKind.CONFERENCE, conf),
        requested_by="U0AMY",
        state=CallState.DIALING,
        context={"conf_id": conf},
    )


@pytest.mark.parametrize("style", ["seed", "released"])
async def test_cancel_quits_the_call_from_its_conference(style: str) -> None:
    server, gateway = await serve(FakeYunhuni(path_style=style))
    provider = gateway.provider(path_style=style)
    [result] = await provider.place(dial())
    assert result.provider_call_id
    event = await provider.cancel(placed(result.provider_call_id))
    quit_request = gateway.fake.requests[-1]
    assert (quit_request.path, quit_request.json) == (
        "/v1/account/8a2a6a4a/conf/quit/42",
        {"call_id": result.provider_call_id},
    )
    assert (
        event is not None and event.state is CallState.CANCELLED and event.provider_call_id == result.provider_call_id
    )
    assert gateway.fake.calls[result.provider_call_id].quit
    await provider.aclose()
    await server.stop()


async def test_cancel_of_a_call_yunhuni_does_not_know_raises_its_code(gateway: Gateway) -> None:
    provider = gateway.provider()
    with pytest.raises(ProviderError) as refused:
        await provider.cancel(placed("ffffffffffffffffffffffffffffffff"))
    assert refused.value.code == "020000"
    await provider.aclose()


async def test_cancel_of_a_call_never_accepted_sends_nothing(gateway: Gateway) -> None:
    provider = gateway.provider()
    assert await provider.cancel(placed("")) is None
    assert gateway.fake.requests == []
    await provider.aclose()


async def test_a_room_is_not_a_number_and_is_not_sent(gateway: Gateway) -> None:
    provider = gateway.provider()
    request = DialRequest(7, Target(TargetKind.CONFERENCE, "42"), (CallSpec(1, Party(PartyKind.ROOM, "10086")),), "U")
    [result] = await provider.place(request)
    assert (result.state, result.reason) == (CallState.FAILED, FailReason.INVALID_NUMBER)
    assert gateway.fake.requests == []
    await provider.aclose()


async def test_there_is_no_status_query_but_cancel_and_webhooks() -> None:
    provider = YunhuniProvider(YunhuniSettings(_env_file=None))
    assert not isinstance(provider, PollsCalls) and isinstance(provider, CancelsCalls | ReceivesWebhooks)
    await provider.aclose()


# --- webhook -------------------------------------------------------------------------------


def hook(body: bytes, *, path: str = f"/webhooks/yunhuni/{HOOK_SECRET}", ip: str = "203.0.113.9", method: str = "POST"):
    return WebhookRequest(method, path, {}, {"content-type": "application/json;charset=utf-8"}, body, ip)


def body_of(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def webhook_provider(**changes: object) -> YunhuniProvider:
    values: dict[str, object] = {"webhook_secret": SecretStr(HOOK_SECRET), **changes}
    return YunhuniProvider(YunhuniSettings(_env_file=None, **values))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "changes"),
    [
        ("/webhooks/yunhuni/not-the-secret", {}),
        ("/webhooks/yunhuni", {}),
        (f"/webhooks/yunhuni/{HOOK_SECRET}x", {}),
        (f"/webhooks/yunhuni/{HOOK_SECRET[:-1]}", {}),
        ("/webhooks/yunhuni/", {"webhook_secret": SecretStr("")}),  # never open when unconfigured
    ],
)
async def test_webhook_without_the_path_secret_is_401(path: str, changes: dict) -> None:
    provider = webhook_provider(**changes)
    with pytest.raises(WebhookRejected) as rejected:
        await provider.handle_webhook(hook(body_of(FakeYunhuni.event("conf.quit", id="42", call_id="c1")), path=path))
    assert rejected.value.status == 401


@pytest.mark.parametrize(
    ("allowed", "ip", "status"),
    [
        ("198.51.100.7", "203.0.113.9", 403),
        ("198.51.100.0/24, 10.0.0.1", "198.51.100.200", None),
        ("10.0.0.1", "10.0.0.1", None),
        ("10.0.0.1", "", 403),
        ("not-an-ip", "203.0.113.9", 403),  # a malformed allowlist fails closed
    ],
)
async def test_webhook_ip_allowlist(allowed: str, ip: str, status: int | None) -> None:
    provider = webhook_provider(webhook_allowed_ips=allowed)
    request = hook(body_of(FakeYunhuni.event("conf.quit", id="42", call_id="c1")), ip=ip)
    if status is None:
        assert (await provider.handle_webhook(request)).status == 200
        return
    with pytest.raises(WebhookRejected) as rejected:
        await provider.handle_webhook(request)
    assert rejected.value.status == status


@pytest.mark.parametrize(
    ("body", "method", "status"),
    [
        (b"not json", "POST", 400),
        (b"[1, 2]", "POST", 400),
        (body_of({"action": "event_notify"}), "POST", 400),
        (body_of(FakeYunhuni.event("conf.joined", id="42")), "POST", 400),  # no call_id
        (b"", "GET", 405),
    ],
)
async def test_unreadable_callbacks_are_refused(body: bytes, method: str, status: int) -> None:
    provider = webhook_provider()
    with pytest.raises(WebhookRejected) as rejected:
        await provider.handle_webhook(hook(body, method=method))
    assert rejected.value.status == status


def only(events: tuple[CallEvent, ...]) -> CallEvent:
    assert len(events) == 1, events
    return events[0]


@pytest.mark.parametrize(
    ("payload", "state", "reason", "code", "at"),
    [
        (
            FakeYunhuni.event("conf.joined", id="42", call_id="c1", join_time=1764122400000, subaccount_id="s"),
            CallState.ANSWERED,
            None,
            None,
            datetime(2025, 11, 26, 2, 0, tzinfo=UTC),
        ),
        (
            FakeYunhuni.event("conf.join.fail", id="42", call_id="c1", time=1764122460000),
            CallState.FAILED,
            FailReason.UNKNOWN,
            "conf.join.fail",
            datetime(2025, 11, 26, 2, 1, tzinfo=UTC),
        ),
        (
            FakeYunhuni.event("conf.quit", id="42", call_id="c1", join_time=1764122400000, quit_time=1764123000000),
            CallState.COMPLETED,
            None,
            None,
            datetime(2025, 11, 26, 2, 10, tzinfo=UTC),
        ),
    ],
    ids=["joined→answered", "join.fail→failed(unknown)", "quit→completed"],
)
async def test_conference_events_map_to_call_states(payload, state, reason, code, at) -> None:
    provider = webhook_provider()
    reply = await provider.handle_webhook(hook(body_of(payload)))
    event = only(reply.events)
    assert reply.status == 200
    assert (event.provider, event.provider_call_id, event.state) == ("yunhuni", "c1", state)
    assert (event.reason, event.code, event.occurred_at) == (reason, code, at)
    assert event.dedupe_key == f"{payload['event']}:c1"
    again = only((await provider.handle_webhook(hook(body_of(payload)))).events)
    assert again.dedupe_key == event.dedupe_key


@pytest.mark.parametrize("name", ["conf.create.succ", "conf.play_end", "conf.record_end", "conf.something_new"])
async def test_other_conference_events_are_acknowledged_without_call_events(name: str) -> None:
    provider = webhook_provider()
    reply = await provider.handle_webhook(hook(body_of(FakeYunhuni.event(name, id="42", begin_time=1))))
    assert (reply.status, reply.events) == (200, ())


async def test_callbacks_of_other_kinds_are_acknowledged_and_ignored() -> None:
    provider = webhook_provider()
    reply = await provider.handle_webhook(hook(body_of({"action": "ivr_start", "event": "ivr.start", "call_id": "c"})))
    assert (reply.status, reply.events) == (200, ())


async def test_conference_end_is_one_event_for_every_open_call_of_that_conference() -> None:
    provider = webhook_provider()
    reply = await provider.handle_webhook(hook(body_of(FakeYunhuni.event("conf.end", id="42", end_time=1))))
    [event] = reply.events
    # The core applies it to each open call of conference 42 (tests/dialout/providers/test_yunhuni_core.py);
    # failed(unknown) becomes completed for a call that had joined (core/states.advance).
    assert (event.target_id, event.provider_call_id, event.dedupe_key) == ("42", "", "conf.end:42")
    assert (event.state, event.reason, event.code) == (CallState.FAILED, FailReason.UNKNOWN, "conf.end")
    with pytest.raises(WebhookRejected) as caught:
        await provider.handle_webhook(hook(body_of({"action": "event_notify", "event": "conf.end"})))
    assert caught.value.status == 400


def test_every_yunhuni_message_exists_in_both_languages() -> None:
    keys = [k for k in CATALOGUE if k.startswith("error.yunhuni.")]
    assert len(keys) >= 20
    for key in keys:
        assert CATALOGUE[key]["en"] and CATALOGUE[key]["zh"], key
