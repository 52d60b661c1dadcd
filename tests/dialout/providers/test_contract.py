"""The contract every registered provider keeps with the core (docs/providers/README.md), one set of cases
for all of them, each provider against its own fake on loopback (tests/dialout/providers/contract_cases.py).

A ProviderError out of place() is what the core turns into results itself (InviteService._send): failed,
or unknown when it may have been sent. `core_results` does the same here, so the checks read as the core
would record the calls; any other exception escaping a provider fails the case.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import random
import re
import socket
import string
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.config import ProviderSettings, Settings
from bot.dialout.core.models import CallEvent, CallLimits, Capability, capability_for
from bot.dialout.core.ports import (
    CallSpec,
    CancelsCalls,
    DialRequest,
    PlacedCall,
    PlaceResult,
    PollsCalls,
    Provider,
    ProviderError,
    ReceivesWebhooks,
    StatusSource,
    WebhookRejected,
    WebhookReply,
    WebhookRequest,
)
from bot.dialout.providers import REGISTRY
from bot.kernel.states import CallState
from bot.loopback import LoopbackServer, reserve_socket
from bot.slack.messages import CATALOGUE, t
from tests.dialout.providers.contract_cases import ASKER, CASES, ContractCase

ROOT = Path(__file__).resolve().parents[3]
NAMES = sorted(REGISTRY)
QUICK_S = 0.2  # timeout for servers that never answer: long enough to connect, short to wait out


def test_every_registered_provider_has_a_contract_case() -> None:
    missing, stale = set(REGISTRY) - set(CASES), set(CASES) - set(REGISTRY)
    assert not missing, f"add a ContractCase for {sorted(missing)} in tests/dialout/providers/contract_cases.py"
    assert not stale, f"{sorted(stale)} have a ContractCase but are not in providers.REGISTRY"


# --- helpers ---------------------------------------------------------------------------------


def build(name: str, settings: ProviderSettings) -> Provider:
    """The provider as the registry builds it (its plugin's `build`)."""
    return REGISTRY[name].build(settings, Settings(_env_file=None, public_url="http://127.0.0.1:9"))


def dial(name: str, case: ContractCase, attempt_ids: list[int]) -> DialRequest:
    return DialRequest(
        invite_id=77,
        target=case.target,
        calls=tuple(CallSpec(a, case.party(i)) for i, a in enumerate(attempt_ids)),
        requested_by=ASKER,
        callback_url=f"http://127.0.0.1:9/webhooks/{name}",
    )


async def core_results(provider: Provider, request: DialRequest) -> list[PlaceResult]:
    """place()'s results, or for a ProviderError the results the core records for it."""
    try:
        return await provider.place(request)
    except ProviderError as exc:
        state = CallState.UNKNOWN if exc.maybe_sent else CallState.FAILED
        return [PlaceResult(c.attempt_id, state, reason=exc.reason, code=exc.code) for c in request.calls]


def assert_one_each(results: list[PlaceResult], request: DialRequest) -> None:
    given = Counter(c.attempt_id for c in request.calls)
    assert Counter(r.attempt_id for r in results) == given, f"results {results} for attempts {sorted(given)}"


Wrap = Callable[[ASGIApp], ASGIApp]


@dataclass
class Running:
    """A fake vendor served on loopback."""

    url: str
    violations: Callable[[], Sequence[str]]  # what the fake found wrong in the requests it got


@contextlib.asynccontextmanager
async def serving(case: ContractCase, wrap: Wrap | None = None) -> AsyncIterator[Running]:
    vendor = case.fake()
    server = LoopbackServer(wrap(vendor.app) if wrap else vendor.app)
    await server.start()
    try:
        yield Running(server.url, vendor.violations)
    finally:
        if vendor.aclose is not None:
            await vendor.aclose()
        await server.stop()


@contextlib.asynccontextmanager
async def provider_for(name: str, url: str, timeout_s: float = 5.0) -> AsyncIterator[Provider]:
    provider = build(name, CASES[name].settings(url, timeout_s))
    try:
        yield provider
    finally:
        await provider.aclose()


async def _hang(receive: Receive, send: Send) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass  # the body; then wait for the client to give up


async def _cut_off(receive: Receive, send: Send) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"400")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"id": "4', "more_body": True})  # and the line drops


async def _unexplained_503(receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"Service Unavailable"})


# After the request that places calls arrived: no answer (read timeout), half an answer, a bare 5xx.
AFTER_SENDING = {"read timeout": _hang, "reset mid-answer": _cut_off, "unexplained 503": _unexplained_503}


def misbehave_when_placing(case: ContractCase, how: str) -> Wrap:
    """The fake, except that the request placing calls is answered `how`; tokens and the rest are answered."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and case.places(scope["path"]):
                await AFTER_SENDING[how](receive, send)
                return
            await app(scope, receive, send)

        return wrapped

    return wrap


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    sock = reserve_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    yield url


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A listening socket nobody accepts from: connections complete in the kernel, no byte comes back."""
    sock: socket.socket = reserve_socket()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


# --- the registry line -----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_registry_line_names_the_plugin_and_its_settings(name: str) -> None:
    plugin = REGISTRY[name]
    prefix = f"{name.upper()}_"
    assert plugin.name == name
    assert issubclass(plugin.settings, ProviderSettings)
    assert plugin.settings.prefix == prefix
    assert plugin.settings.model_config.get("env_prefix") == prefix


@pytest.mark.parametrize("name", NAMES)
async def test_unconfigured_provider_says_which_documented_settings_it_misses(name: str, monkeypatch) -> None:
    plugin = REGISTRY[name]
    for variable in [v for v in os.environ if v.upper().startswith(plugin.settings.prefix)]:
        monkeypatch.delenv(variable)
    own = plugin.settings(_env_file=None)
    provider = plugin.from_settings(Settings(_env_file=None, providers={name: own}))
    try:
        missing = provider.info.missing_settings
        assert missing, f"{name} built from an empty environment claims to be usable"
        documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
        assert set(missing) <= documented, f"{set(missing) - documented} are not in .env.example"
        assert all(m.startswith(plugin.settings.prefix) for m in missing)
    finally:
        await provider.aclose()
    if name == "sandbox":
        assert missing == ("SANDBOX_ENABLED",)


_FIELD = string.Formatter()


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in _FIELD.parse(text) if field is not None}


@pytest.mark.parametrize("name", NAMES)
def test_error_texts_are_in_both_languages_with_the_same_placeholders(name: str) -> None:
    messages = REGISTRY[name].messages
    assert messages, f"{name} explains no error code"
    for code, words in messages.items():
        assert code and code == code.strip(), f"{name}: code {code!r}"
        assert (words.get("en") or "").strip() and (words.get("zh") or "").strip(), f"{name}.{code}: {words}"
        assert _placeholders(words["en"]) == _placeholders(words["zh"]), f"{name}.{code}: placeholders differ"
        for locale in ("en", "zh"):
            t(f"error.{name}.{code}", locale)  # explained with no parameters: a stray placeholder raises


# --- what the provider declares --------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
async def test_info_declares_what_the_provider_implements(name: str) -> None:
    case = CASES[name]
    async with provider_for(name, "http://127.0.0.1:9") as provider:
        info = provider.info
        assert isinstance(provider, Provider) and info.name == name and not info.missing_settings
        assert info.capabilities and info.capabilities <= set(Capability)
        assert capability_for(case.target.kind) in info.capabilities
        if info.status is StatusSource.POLLING:
            assert isinstance(provider, PollsCalls), f"{name} is followed by polling but has no poll()"
        if info.status is StatusSource.WEBHOOKS:
            assert isinstance(provider, ReceivesWebhooks), f"{name} waits for webhooks but has no handle_webhook()"
        assert (case.webhook is not None) == isinstance(provider, ReceivesWebhooks)  # the case can sign one
        for port, method in ((PollsCalls, "poll"), (CancelsCalls, "cancel"), (ReceivesWebhooks, "handle_webhook")):
            if isinstance(provider, port):
                assert inspect.iscoroutinefunction(getattr(provider, method)), f"{name}.{method} is not async"
        if info.target_rule is not None:
            assert f"error.{name}.{info.target_rule.code}" in CATALOGUE
            assert info.target_rule.accepts(case.target.id)


@pytest.mark.parametrize("name", NAMES)
async def test_timing_bounds_the_life_of_every_call_that_awaits_news(name: str) -> None:
    """Issue 10: a call whose news is lost still ends. Only a hands-over provider (its accepted calls are
    queued with the vendor and settled for us) has no call that waits for news."""
    async with provider_for(name, "http://127.0.0.1:9") as provider:
        info = provider.info
    if info.hands_over:
        pytest.skip(f"{name} hands its calls over (test_valid_calls_are_placed_once_each: none is left waiting)")
    limits = info.timing.limits
    assert limits.ring_s is not None and limits.ring_s > 0, f"{name}: a dialling call with no news never ends"
    assert limits.answered_s is not None and limits.answered_s > 0, f"{name}: an answered call never ends"
    assert f"error.{name}.no_news" in CATALOGUE, f"{name}: the core's no_news failure is not explained"


# --- placing against the fake ----------------------------------------------------------------


@pytest.mark.parametrize("attempts", [[5], [101, 7, 333]], ids=["one call", "three calls"])
@pytest.mark.parametrize("name", NAMES)
async def test_valid_calls_are_placed_once_each(name: str, attempts: list[int]) -> None:
    case = CASES[name]
    async with serving(case) as fake, provider_for(name, fake.url) as provider:
        request = dial(name, case, attempts)
        results = await provider.place(request)
        assert_one_each(results, request)
        info = provider.info
        waiting = {CallState.DIALING, CallState.RINGING, CallState.ANSWERED}
        for result in results:
            assert result.state is not CallState.FAILED, f"{name} failed a valid call: {result}"
            if result.state in waiting | {CallState.QUEUED}:
                assert result.provider_call_id, f"{name}: {result.state} without a call id cannot get news"
            if info.hands_over:
                assert result.state not in waiting, f"{name} hands calls over but left one waiting: {result}"
            elif result.state in waiting:
                bound = (result.limits or CallLimits()).over(info.timing.limits)
                assert bound.ring_s is not None and bound.answered_s is not None, f"{name}: unbounded {result}"
        ids = [r.provider_call_id for r in results if r.provider_call_id]
        assert len(ids) == len(set(ids)), f"{name} gave two calls one id: {ids}"
        assert not list(fake.violations()), f"{name}'s fake saw: {list(fake.violations())}"


@pytest.mark.parametrize("name", NAMES)
async def test_connection_refused_fails_every_call_and_nothing_else(name: str) -> None:
    case = CASES[name]
    with closed_port() as url:
        async with provider_for(name, url) as provider:
            request = dial(name, case, [3, 9])
            results = await core_results(provider, request)
    assert_one_each(results, request)
    assert {r.state for r in results} == {CallState.FAILED}, f"{name}: a call that never left is {results}"


@pytest.mark.parametrize("name", NAMES)
async def test_server_that_never_answers_leaves_calls_unknown_or_failed(name: str) -> None:
    case = CASES[name]
    with silent_server() as url:
        async with provider_for(name, url, timeout_s=QUICK_S) as provider:
            request = dial(name, case, [4, 8])
            results = await core_results(provider, request)
    assert_one_each(results, request)
    assert {r.state for r in results} <= {CallState.UNKNOWN, CallState.FAILED}, f"{name}: {results}"


@pytest.mark.parametrize("how", list(AFTER_SENDING))
@pytest.mark.parametrize("name", NAMES)
async def test_placing_request_that_may_have_arrived_leaves_calls_unknown(name: str, how: str) -> None:
    """Everything else is answered (tokens, sign-in); only the request that places calls goes wrong."""
    case = CASES[name]
    wrap = misbehave_when_placing(case, how)
    async with serving(case, wrap) as fake, provider_for(name, fake.url, timeout_s=QUICK_S) as provider:
        request = dial(name, case, [12, 13])
        results = await core_results(provider, request)
    assert_one_each(results, request)
    assert {r.state for r in results} == {CallState.UNKNOWN}, f"{name}: a call that may have been placed is {results}"


# --- options ---------------------------------------------------------------------------------

# No option of any provider takes these (a file name may well be "nan", so nothing type-specific).
GARBAGE = ["", " ", "\x00", "9" * 500, "9" * 5000, "9" * 400 + "s", "<script>", "-1", "a\nb", "\u202e1"]


@pytest.mark.parametrize("name", NAMES)
async def test_option_normalisers_refuse_garbage_with_value_error(name: str) -> None:
    async with provider_for(name, "http://127.0.0.1:9") as provider:
        options = provider.info.options
    wrong = []
    for key, spec in options.items():
        assert spec.key == key and spec.hint
        for value in GARBAGE:
            try:
                accepted = spec.normalise(value)
            except ValueError:  # the contract: the command reader explains a ValueError, nothing else
                continue
            except Exception as exc:
                exc.add_note(f"{name}: option {key}={value[:20]!r} must raise ValueError")
                raise
            wrong.append(f"{key}={value[:20]!r} accepted as {accepted[:20]!r}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


# --- webhooks --------------------------------------------------------------------------------

_NOISE = random.Random(7).randbytes(700)
RAW_GARBAGE = {
    "empty": b"",
    "random bytes": _NOISE,
    "huge JSON": b'{"a": "' + b"x" * 990_000 + b'"}',
    "deep JSON": b"[" * 100_000,
    "JSON array": b"[]",
    "JSON null": b"null",
    "not UTF-8": b'{"event": "\xff\xfe"}',
}
MANGLED = [None, [], {}, "", "²", "9" * 30, 10**30, -1, 1.5, True, "x" * 5000, "2026-01-05T08:00:00"]


async def _answer(provider: ReceivesWebhooks, request: WebhookRequest) -> WebhookReply | WebhookRejected:
    try:
        return await provider.handle_webhook(request)
    except WebhookRejected as exc:
        return exc


def _webhook_names() -> list[str]:
    return [n for n in NAMES if CASES[n].webhook is not None]


@pytest.mark.parametrize("name", _webhook_names())
async def test_genuine_webhook_is_read_and_a_forged_one_is_rejected(name: str) -> None:
    case = CASES[name]
    assert case.webhook is not None
    payload = json.dumps(case.sample_event).encode()
    async with provider_for(name, "http://127.0.0.1:9") as provider:
        assert isinstance(provider, ReceivesWebhooks)
        genuine = await _answer(provider, case.webhook(payload, True))
        forged = await _answer(provider, case.webhook(payload, False))
    assert isinstance(genuine, WebhookReply) and genuine.status < 400, f"{name}: the case's genuine webhook {genuine}"
    assert isinstance(forged, WebhookRejected) and 400 <= forged.status < 500, f"{name}: forged webhook {forged}"


@pytest.mark.parametrize("garbage", list(RAW_GARBAGE))
@pytest.mark.parametrize("name", _webhook_names())
async def test_garbage_webhook_is_a_4xx_or_an_empty_reply(name: str, garbage: str) -> None:
    case = CASES[name]
    assert case.webhook is not None
    body = RAW_GARBAGE[garbage]
    async with provider_for(name, "http://127.0.0.1:9") as provider:
        assert isinstance(provider, ReceivesWebhooks)
        unsigned = WebhookRequest("POST", f"/webhooks/{name}", {}, {}, body, client_ip="127.0.0.1")
        for label, request, signed in (
            ("unsigned", unsigned, False),
            ("forged", case.webhook(body, False), False),
            ("signed", case.webhook(body, True), True),
        ):
            answer = await _answer(provider, request)
            if isinstance(answer, WebhookRejected):
                assert 400 <= answer.status < 500, f"{name}, {label} {garbage}: {answer.status}"
            else:
                assert signed, f"{name} accepted a {label} {garbage} webhook: {answer}"
                assert answer.status < 500 and not answer.events, f"{name}, {label} {garbage}: {answer}"


@pytest.mark.parametrize("name", _webhook_names())
async def test_signed_webhook_with_any_field_mangled_never_raises_anything_else(name: str) -> None:
    case = CASES[name]
    assert case.webhook is not None
    wrong = []
    async with provider_for(name, "http://127.0.0.1:9") as provider:
        assert isinstance(provider, ReceivesWebhooks)
        for where, mangled in _mangle(case.sample_event):
            payload = json.dumps(mangled).encode()
            try:
                answer = await _answer(provider, case.webhook(payload, True))
            except Exception as exc:  # the contract: WebhookRejected or a reply; the route answers 500 otherwise
                exc.add_note(f"{name}: a signed webhook with {where}")
                raise
            if isinstance(answer, WebhookRejected):
                if not 400 <= answer.status < 500:
                    wrong.append(f"{where}: rejected with {answer.status}")
            elif answer.status >= 500 or not all(_readable(e) for e in answer.events):
                wrong.append(f"{where}: {answer}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


def _readable(event: CallEvent) -> bool:
    """What the core can store: a known state, text where text goes, a time with its zone (the store keeps UTC)."""
    texts_ok = all(isinstance(v, str) for v in (event.provider_call_id, event.dedupe_key)) and event.dedupe_key
    optional_ok = all(v is None or isinstance(v, str) for v in (event.code, event.detail, event.target_id))
    zoned = event.occurred_at is None or event.occurred_at.tzinfo is not None
    return isinstance(event.state, CallState) and bool(texts_ok) and optional_ok and zoned


def _mangle(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """`value` with one leaf (or one whole branch) at a time replaced by each of MANGLED."""
    for replacement in MANGLED:
        if where:
            yield f"{where}={replacement!r:.12}", replacement
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        for path, changed in _mangle(child, f"{where}.{key}"):
            if isinstance(value, dict):
                yield path, {**value, key: changed}
            else:
                yield path, [*value[:key], changed, *value[key + 1 :]]


# --- following calls -------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
async def test_poll_and_cancel_of_a_call_the_vendor_never_saw(name: str) -> None:
    case = CASES[name]
    async with serving(case) as fake, provider_for(name, fake.url) as provider:
        asks = [(p, m) for p, m in ((PollsCalls, "poll"), (CancelsCalls, "cancel")) if isinstance(provider, p)]
        if not asks:
            pytest.skip(f"{name} neither polls nor cancels")
        [placed] = await provider.place(dial(name, case, [21]))
        real = PlacedCall(
            21, 77, "", case.party(0), case.target, ASKER, CallState.DIALING, context=dict(placed.context)
        )
        unseen = replace(real, provider_call_id="never-seen-4711")
        for call in (unseen, replace(unseen, context={})):  # a row from before contexts, too
            for _, method in asks:
                try:
                    event = await asyncio.wait_for(getattr(provider, method)(call), 5)
                except ProviderError:
                    continue
                assert event is None or isinstance(event, CallEvent), f"{name}.{method}: {event!r}"
                if event is not None:
                    assert event.provider == name and event.provider_call_id == call.provider_call_id, event
                    assert _readable(event), event
