"""A simulated telephony provider: accepts calls over HTTP and reports them by signed webhook.

It behaves like a real vendor so the whole loop can be exercised without an account:
an API key on requests, status events POSTed to the caller's callback URL with an HMAC
signature, re-delivery when the webhook fails. Outcomes are fixed by the callee number's
last digit, so demos and tests are deterministic:

    …0 busy · …9 no answer · …8 unreachable · …7 declined · anything else answers, talks, hangs up

unless `scripted` names the outcomes of a number's next calls, one per call (retries: busy twice,
then answered).

A call created with a `client_ref` the simulator has seen is not placed again: the answer is the
first call's (200 instead of 201), as with an idempotency key, so a client that died mid-request
can simply send it again.

`speed` divides every delay (1 = seconds as on a real line). `chaos` makes it misbehave on
purpose for tests: "duplicate" delivers every event twice, "reverse" sends them newest first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)

RING_AFTER_S = 1.0
ANSWER_AFTER_S = 3.0
TALK_S = 12.0
NO_ANSWER_AFTER_S = 20.0
DECLINE_AFTER_S = 3.0
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Sandbox-Signature value for a webhook body: v1=hex(HMAC-SHA256(secret, ts + '.' + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


# A scripted outcome played as the number ending in this digit would play it.
SCRIPTED_DIGIT = {"busy": "0", "no_answer": "9", "unreachable": "8", "rejected": "7", "answered": "1"}


def outcome_for(number: str) -> list[tuple[float, str, str | None]]:
    """(delay s, state, reason) steps the simulator plays for a callee number."""
    last = number[-1:]
    if last == "0":
        return [(RING_AFTER_S, "failed", "busy")]
    if last == "9":
        return [(RING_AFTER_S, "ringing", None), (NO_ANSWER_AFTER_S, "failed", "no_answer")]
    if last == "8":
        return [(RING_AFTER_S, "failed", "unreachable")]
    if last == "7":
        return [(RING_AFTER_S, "ringing", None), (DECLINE_AFTER_S, "failed", "rejected")]
    return [
        (RING_AFTER_S, "ringing", None),
        (ANSWER_AFTER_S - RING_AFTER_S, "answered", None),
        (TALK_S, "completed", None),
    ]


@dataclass
class SimCall:
    """A call the simulator accepted."""

    call_id: str
    to: str
    conference: str
    callback_url: str
    max_duration_s: int | None
    plays_as: str = ""  # the number whose outcome it plays (its own unless scripted)
    state: str = "dialing"
    reason: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    placed_at: float = field(default_factory=time.monotonic)  # when the request arrived (tests measure pacing)


class SandboxTelco:
    """The simulator: an ASGI app plus the background tasks that play each call."""

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        speed: float = 1.0,
        chaos: frozenset[str] = frozenset(),
        callback_prefix: str | None = None,
    ) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.speed = max(speed, 0.01)
        self.chaos = chaos
        # Where callbacks may go: under this prefix (our own webhooks) or, without one, loopback only;
        # never an arbitrary URL, which would let anyone with the key make us POST anywhere.
        self.callback_prefix = callback_prefix
        self.calls: dict[str, SimCall] = {}
        self._by_client_ref: dict[str, str] = {}  # client_ref → call_id: a repeated create places nothing
        # How each webhook delivery was answered (a status code, or 0 when no answer came): a
        # provider's view of our webhooks, which tests read.
        self.webhook_answers: list[int] = []
        # Number → outcomes of its next calls (SCRIPTED_DIGIT's keys), taken one per call in order.
        self.scripted: dict[str, list[str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._http = httpx.AsyncClient(timeout=5.0, trust_env=False)
        self.app = Starlette(
            routes=[
                Route("/calls", self._create, methods=["POST"]),
                Route("/calls", self._list, methods=["GET"]),
                Route("/calls/{call_id}", self._get, methods=["GET"]),
                Route("/calls/{call_id}", self._hang_up, methods=["DELETE"]),
            ]
        )

    async def aclose(self) -> None:
        """Stop playing calls and close the webhook client."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._http.aclose()

    def _authorised(self, request: Request) -> bool:
        expected = f"Bearer {self.api_key}"
        return hmac.compare_digest(request.headers.get("authorization", ""), expected)

    def _callback_allowed(self, url: str) -> bool:
        if self.callback_prefix is not None:
            return url.startswith(self.callback_prefix)
        parts = urlsplit(url)
        return parts.scheme in {"http", "https"} and parts.hostname in {"127.0.0.1", "localhost", "::1"}

    @staticmethod
    def _error(status: int, code: str, message: str) -> JSONResponse:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)

    async def _create(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(401, "unauthorized", "missing or wrong API key")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return self._error(400, "bad_json", "body is not JSON")
        to = str(body.get("to", ""))
        if not _E164.match(to):
            return self._error(400, "invalid_number", f"'to' must be E.164, got {to!r}")
        conference = str(body.get("conference", "")).strip()
        if not conference:
            return self._error(400, "invalid_conference", "'conference' is required")
        callback_url = str(body.get("callback_url", ""))
        if not self._callback_allowed(callback_url):
            return self._error(400, "invalid_callback", "'callback_url' must be this deployment's webhook URL")
        client_ref = str(body.get("client_ref") or "")
        if client_ref in self._by_client_ref:
            known = self.calls[self._by_client_ref[client_ref]]
            return JSONResponse({"call_id": known.call_id, "state": known.state}, status_code=200)
        max_duration = body.get("max_duration_s")
        call = SimCall(
            call_id=f"sbx_{uuid.uuid4().hex[:16]}",
            to=to,
            conference=conference,
            callback_url=callback_url,
            max_duration_s=int(max_duration) if max_duration else None,
        )
        script = self.scripted.get(to)
        call.plays_as = SCRIPTED_DIGIT[script.pop(0)] if script else to
        self.calls[call.call_id] = call
        if client_ref:
            self._by_client_ref[client_ref] = call.call_id
        self._spawn(self._play(call))
        return JSONResponse({"call_id": call.call_id, "state": call.state}, status_code=201)

    async def _list(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(401, "unauthorized", "missing or wrong API key")
        return JSONResponse({"calls": [self._describe(c) for c in self.calls.values()]})

    async def _get(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(401, "unauthorized", "missing or wrong API key")
        call = self.calls.get(request.path_params["call_id"])
        if call is None:
            return self._error(404, "not_found", "no such call")
        return JSONResponse(self._describe(call))

    async def _hang_up(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(401, "unauthorized", "missing or wrong API key")
        call = self.calls.get(request.path_params["call_id"])
        if call is None:
            return self._error(404, "not_found", "no such call")
        if call.state not in {"completed", "failed", "cancelled"}:
            # Answer at once; the event is delivered in the background like every other one.
            event = self._record(call, "completed" if call.state == "answered" else "cancelled", None)
            self._spawn(self._deliver_copies(call.callback_url, event))
        return JSONResponse(self._describe(call))

    @staticmethod
    def _describe(call: SimCall) -> dict[str, Any]:
        return {
            "call_id": call.call_id,
            "to": call.to,
            "conference": call.conference,
            "state": call.state,
            "reason": call.reason,
        }

    async def _play(self, call: SimCall) -> None:
        steps = outcome_for(call.plays_as or call.to)
        if call.max_duration_s and steps[-1][1] == "completed":
            delay, state, reason = steps[-1]
            steps[-1] = (min(delay, float(call.max_duration_s)), state, reason)
        if "reverse" in self.chaos:
            await asyncio.sleep(sum(d for d, _, _ in steps) / self.speed)
            for _, state, reason in reversed(steps):
                await self._emit(call, state, reason, force=True)
            return
        for delay, state, reason in steps:
            await asyncio.sleep(delay / self.speed)
            if call.state in {"completed", "failed", "cancelled"}:
                return
            await self._emit(call, state, reason)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _emit(self, call: SimCall, state: str, reason: str | None, force: bool = False) -> None:
        await self._deliver_copies(call.callback_url, self._record(call, state, reason, force))

    def _record(self, call: SimCall, state: str, reason: str | None, force: bool = False) -> dict[str, Any]:
        if force or call.state not in {"completed", "failed", "cancelled"}:
            call.state, call.reason = state, reason
        event = {
            "event_id": f"{call.call_id}:{len(call.events) + 1}",
            "call_id": call.call_id,
            "state": state,
            "reason": reason,
            "to": call.to,
            "conference": call.conference,
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        call.events.append(event)
        return event

    async def _deliver_copies(self, url: str, event: dict[str, Any]) -> None:
        for _ in range(2 if "duplicate" in self.chaos else 1):
            await self._deliver(url, event)

    async def _deliver(self, url: str, event: dict[str, Any]) -> None:
        body = json.dumps(event).encode()
        for attempt in range(6):
            timestamp = str(int(time.time()))
            headers = {
                "content-type": "application/json",
                "x-sandbox-timestamp": timestamp,
                "x-sandbox-signature": sign(self.webhook_secret, timestamp, body),
            }
            try:
                response = await self._http.post(url, content=body, headers=headers)
                self.webhook_answers.append(response.status_code)
                if response.is_success:
                    return
                log.warning("sandbox webhook answered %s for %s", response.status_code, event["event_id"])
            except httpx.HTTPError as exc:
                self.webhook_answers.append(0)
                log.warning("sandbox webhook delivery failed for %s: %r", event["event_id"], exc)
            await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
        log.error("sandbox gave up delivering %s", event["event_id"])
