"""Sandbox: confbot's built-in simulated provider (bot/sandbox/server.py), reached over HTTP.

API: `POST {base}/calls` {to, conference, max_duration_s, callback_url} with
`Authorization: Bearer <SANDBOX_API_KEY>` → 201 {call_id}; `GET/DELETE {base}/calls/{id}`.
Status events arrive at `POST /webhooks/sandbox`, signed:
`X-Sandbox-Signature: v1=hex(HMAC-SHA256(SANDBOX_WEBHOOK_SECRET, timestamp + "." + body))`
with `X-Sandbox-Timestamp` (rejected when more than 5 minutes off). Outcomes by the callee's
last digit: 0 busy, 9 no answer, 8 unreachable, 7 declined, others answer then hang up.

Timing: the simulator rings a call for at most RING_AFTER_S + NO_ANSWER_AFTER_S and talks TALK_S (or the
call's `max`, if shorter), divided by SANDBOX_SPEED; past that plus DELIVERY_MARGIN_S (its six webhook
deliveries with back-off) without news, the core ends the call (failed "no_news", or completed).
A webhook field of the wrong type is refused with 400; a time without a zone is dropped (the core
then uses the time it arrived).
"""

from __future__ import annotations

import hmac
import json
import time
from datetime import datetime
from typing import Any

import httpx

from bot.config import Settings
from bot.dialout.core.models import CallEvent, CallLimits, Capability
from bot.dialout.core.ports import (
    DialRequest,
    PlacedCall,
    PlaceResult,
    ProviderError,
    ProviderInfo,
    Timing,
    WebhookRejected,
    WebhookReply,
    WebhookRequest,
)
from bot.dialout.providers.http import json_of, make_client, send, server_error
from bot.dialout.providers.sandbox.settings import SandboxSettings
from bot.kernel.people import PartyKind
from bot.kernel.states import CallState, FailReason
from bot.sandbox.server import NO_ANSWER_AFTER_S, RING_AFTER_S, TALK_S, sign

SIGNATURE_TOLERANCE_S = 300
DELIVERY_MARGIN_S = 60.0  # the simulator tries a webhook six times over some 40 s before it gives up
_STATES = {s.value: s for s in CallState}
_REASONS = {r.value: r for r in FailReason}


class SandboxProvider:
    """Places calls with the simulator and reads its signed webhooks."""

    def __init__(self, settings: SandboxSettings, base_url: str, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._base = base_url.rstrip("/")
        self._client = client or make_client(settings.timeout_s)
        self.info = ProviderInfo(
            name="sandbox",
            title="Sandbox",
            capabilities=frozenset({Capability.CONFERENCE}),
            timing=timing(settings.speed),
            places_idempotently=True,  # client_ref names the attempt: the simulator places it once
            missing_settings=settings.missing(),
        )

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self._settings.api_key.get_secret_value()}"}

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        results = []
        for call in request.calls:
            if call.party.kind is not PartyKind.PHONE:
                results.append(
                    PlaceResult(
                        call.attempt_id,
                        CallState.FAILED,
                        reason=FailReason.INVALID_NUMBER,
                        code="not_a_phone",
                    )
                )
                continue
            body = {
                "to": call.party.address,
                "conference": request.target.id,
                "max_duration_s": request.max_duration_s,
                "callback_url": request.callback_url,
                "client_ref": f"{request.invite_id}:{call.attempt_id}",
            }
            http_request = self._client.build_request("POST", f"{self._base}/calls", json=body, headers=self._headers())
            response = await send(self._client, "sandbox", http_request)
            results.append(self._place_result(call.attempt_id, response))
        return results

    def _place_result(self, attempt_id: int, response: httpx.Response) -> PlaceResult:
        if response.status_code >= 500:
            raise server_error(response, "sandbox")
        payload = json_of(response, "sandbox")
        if response.status_code == 401:
            raise ProviderError("unauthorized", "sandbox: API key refused", reason=FailReason.AUTH)
        if not response.is_success:
            error = payload.get("error", {}) if isinstance(payload, dict) else {}
            code = str(error.get("code", f"http_{response.status_code}"))
            reason = FailReason.INVALID_NUMBER if code == "invalid_number" else FailReason.PROVIDER_REJECTED
            return PlaceResult(attempt_id, CallState.FAILED, reason=reason, code=code, detail=error.get("message"))
        call_id = payload.get("call_id") if isinstance(payload, dict) else None
        if not call_id:
            return PlaceResult(attempt_id, CallState.UNKNOWN, code="no_call_id", detail="accepted without a call id")
        return PlaceResult(attempt_id, CallState.DIALING, provider_call_id=str(call_id))

    async def poll(self, call: PlacedCall) -> CallEvent | None:
        request = self._client.build_request(
            "GET", f"{self._base}/calls/{call.provider_call_id}", headers=self._headers()
        )
        response = await send(self._client, "sandbox", request)
        if response.status_code == 404:
            return None
        if not response.is_success:
            raise server_error(response, "sandbox")
        return self._event(json_of(response, "sandbox"), f"poll:{call.provider_call_id}")

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        request = self._client.build_request(
            "DELETE", f"{self._base}/calls/{call.provider_call_id}", headers=self._headers()
        )
        response = await send(self._client, "sandbox", request)
        if not response.is_success:
            return None
        return self._event(json_of(response, "sandbox"), f"cancel:{call.provider_call_id}")

    def _event(self, data: Any, key_prefix: str) -> CallEvent | None:
        """The simulator's call description as an event; None when it is not one (a field of the wrong type)."""
        if not isinstance(data, dict):
            return None
        state, call_id, reason, event_id = (data.get(k) for k in ("state", "call_id", "reason", "event_id"))
        if not isinstance(state, str) or state not in _STATES or not isinstance(call_id, str) or not call_id:
            return None
        if not isinstance(reason, str | None) or not isinstance(event_id, str | None):
            return None
        return CallEvent(
            provider="sandbox",
            provider_call_id=call_id,
            state=_STATES[state],
            reason=_REASONS.get(reason) if reason else None,
            code=reason or None,
            dedupe_key=event_id or f"{key_prefix}:{state}",
            occurred_at=_parse_time(data.get("occurred_at")),
            raw=data,
        )

    async def handle_webhook(self, request: WebhookRequest) -> WebhookReply:
        if request.method != "POST":
            raise WebhookRejected(405, "POST only")
        timestamp = request.headers.get("x-sandbox-timestamp", "")
        signature = request.headers.get("x-sandbox-signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_TOLERANCE_S:
            raise WebhookRejected(401, "missing or stale timestamp")
        expected = sign(self._settings.webhook_secret.get_secret_value(), timestamp, request.body)
        if not hmac.compare_digest(signature, expected):
            raise WebhookRejected(401, "bad signature")
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
            raise WebhookRejected(400, "body is not JSON") from exc
        event = self._event(data, "webhook")
        if event is None:
            raise WebhookRejected(400, "not a call event")
        return WebhookReply(200, b"ok", events=(event,))

    async def aclose(self) -> None:
        await self._client.aclose()


def timing(speed: float) -> Timing:
    """How long the simulator at this speed can leave a call ringing or answered, plus its delivery retries."""
    pace = max(speed, 0.01)  # as SandboxTelco reads it
    ring_s = (RING_AFTER_S + NO_ANSWER_AFTER_S) / pace + DELIVERY_MARGIN_S
    return Timing(limits=CallLimits(ring_s=ring_s, answered_s=TALK_S / pace + DELIVERY_MARGIN_S))


def _parse_time(value: Any) -> datetime | None:
    """An ISO time with its zone; None for anything else (a time without a zone is ambiguous)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def build(settings: SandboxSettings, shared: Settings) -> SandboxProvider:
    """The sandbox provider; by default it talks to the simulator mounted at {PUBLIC_URL}/sandbox."""
    return SandboxProvider(settings, settings.base_url or f"{shared.base_url}/sandbox")
