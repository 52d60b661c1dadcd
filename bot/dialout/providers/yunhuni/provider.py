"""Yunhuni (云呼你, later 壹耘/oneyun): invite phone numbers into a running conference.

Seed: shared/seeds/000_aa0a488942025161.txt, `POST {BASE_URL}/conf/{conf_id}/invite_call` with
`from`, `to`, `max_duration`, `max_dial_duration`, `dial_voice_stop_cond`, `play_file`, `voice_mode`;
success is HTTP 200 `{"code": "000000", "data": {"callId": …}}`, business errors are HTTP 200 with
another `code`. YUNHUNI_PATH_STYLE=released uses the vendor's released `/conf/invite_call/{conf_id}`.
BASE_URL already holds `/v1/account/{account}/`.

Auth (provider-notes §1): headers AppID, CertID, Timestamp (yyyyMMddHHmmss, China time: the gateway
parses it in its own zone and refuses it 5 minutes later) and
Signature = Base64(HMAC-SHA256(secret, METHOD\\nMD5hex(body)\\nContent-Type\\nTimestamp\\nAppID\\nRequestURI)),
the URI being the full path as sent. A refused signature is HTTP 401 "Bad credentials".

Quirks:
- `max_dial_duration` is an integer (1–300 s, default 50) although the seed says boolean.
- Numbers go out as a line in China dials them: national form for +86 (13692206627, 01012345678),
  00 + country code otherwise (0085291234567).
- Callbacks are unsigned and go to one URL per app/sub-account, configured at Yunhuni. We accept them
  only at `/webhooks/yunhuni/<YUNHUNI_WEBHOOK_SECRET>` (constant-time check, 401 otherwise) and, when
  YUNHUNI_WEBHOOK_ALLOWED_IPS is set, only from those addresses (403 otherwise).
- There is no ringing event and no status query (the provider implements no poll): a call with no
  news for its ring time plus GIVE_UP_MARGIN_S is given up by the core as failed(no_answer), and an
  answered call whose `conf.quit` never came is completed after its `max_duration` plus the margin
  (the platform has hung it up by then); `conf.join.fail` has no reason.
- `conf.end` names only the conference: it becomes one event for the whole target, which the core
  applies to every open call of that conference (read from the database, so restarts lose nothing).
- Cancel is `POST {BASE_URL}/conf/quit/{conf_id}` with `{"call_id": …}` (the same in both path styles).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import httpx
import phonenumbers

from bot.dialout.core.command import parse_duration
from bot.dialout.core.models import CallEvent, CallLimits, Capability
from bot.dialout.core.ports import (
    DialRequest,
    OptionSpec,
    PlacedCall,
    PlaceResult,
    ProviderError,
    ProviderInfo,
    SecondsRange,
    Timing,
    WebhookRejected,
    WebhookReply,
    WebhookRequest,
)
from bot.dialout.providers.http import json_of, make_client, send, server_error
from bot.dialout.providers.yunhuni.settings import YunhuniSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import dial_string
from bot.kernel.states import CallState, FailReason
from bot.kernel.webhook_auth import SourceAllowlist, secret_matches

log = logging.getLogger(__name__)

NAME = "yunhuni"
CONTENT_TYPE = "application/json"
CHINA = ZoneInfo("Asia/Shanghai")
SUCCESS = "000000"
DEFAULT_MAX_DURATION_S = 3600  # `max_duration` is required; used when /dial has no `max`
DEFAULT_RING_S = 50  # the platform's own default for `max_dial_duration`
RING_RANGE = (1, 300)
GIVE_UP_MARGIN_S = 30  # callback delivery: up to 3 tries with 5 s timeouts, plus slack


def call_limits(ring_s: int, max_duration_s: int) -> CallLimits:
    """A call's own limits: no news past its ring time means unanswered; an answered call whose
    `conf.quit` was lost has ended by its `max_duration` (the platform hangs it up then)."""
    return CallLimits(ring_s=float(ring_s + GIVE_UP_MARGIN_S), answered_s=float(max_duration_s + GIVE_UP_MARGIN_S))


# No status query and no ringing event: the core ends a call with no news by these limits (each call
# brings its own from its ring time and `max`; these are the defaults), and never polls.
TIMING = Timing(limits=call_limits(DEFAULT_RING_S, DEFAULT_MAX_DURATION_S), max_duration=SecondsRange(60, 21600))

# Business codes (ApiReturnCodeEnum in the platform source) → why the call failed.
ERROR_REASONS: dict[str, FailReason] = {
    "000001": FailReason.PROVIDER_REJECTED,  # parameter error
    "000002": FailReason.PROVIDER_ERROR,  # unknown error
    "000003": FailReason.PROVIDER_ERROR,  # internal error
    "000004": FailReason.PROVIDER_ERROR,  # system busy
    "010000": FailReason.AUTH,  # no such app (AppID)
    "010001": FailReason.PROVIDER_REJECTED,  # app not online
    "010002": FailReason.PROVIDER_REJECTED,  # service not enabled for the app
    "010003": FailReason.PROVIDER_REJECTED,  # balance too low
    "010004": FailReason.AUTH,  # our IP is not whitelisted
    "010005": FailReason.PROVIDER_REJECTED,  # play file missing or not approved
    "010006": FailReason.RATE_LIMITED,  # quota used up
    "020001": FailReason.BARRED,  # number not allowed
    "020002": FailReason.NETWORK,  # no line available
    "030100": FailReason.PROVIDER_REJECTED,  # no such conference
    "030101": FailReason.PROVIDER_REJECTED,  # conference full
}


def sign(secret: str, method: str, body: bytes, content_type: str, timestamp: str, app_id: str, uri: str) -> str:
    """The Signature header for a request (MD5 and Content-Type only count for POST/PUT)."""
    has_body = method.upper() in {"POST", "PUT"}
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest() if has_body else ""  # the vendor's scheme
    text = "\n".join([method.upper(), digest, content_type if has_body else "", timestamp, app_id, uri])
    mac = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def dial_form(e164: str) -> str:
    """`to` as a line in China dials it: 13692206627, 01012345678, 0085291234567."""
    return dial_string(e164, "CN")


def _phone_to(party: Party) -> str | None:
    if party.kind is not PartyKind.PHONE:
        return None
    try:
        return dial_form(party.address)
    except phonenumbers.NumberParseException:
        return None


# --- options --------------------------------------------------------------------------------


def _choice(table: Mapping[str, str], why: str) -> Callable[[str], str]:
    def normalise(value: str) -> str:
        if value.lower() not in table:
            raise ValueError(why)
        return table[value.lower()]

    return normalise


def _caller(value: str) -> str:
    number = value.replace(" ", "")
    if not 3 <= len(number) <= 128 or not number.lstrip("+").replace("-", "").isdigit():
        raise ValueError("not a phone number")
    return number


_FILE_NAME = re.compile(r"[\w.\-]*[^\W\d_][\w.\-]*")  # a name with a letter: welcome.wav, 欢迎_1.wav


def _play(value: str) -> str:
    if len(value) > 128 or not _FILE_NAME.fullmatch(value):
        raise ValueError("must be a file name of at most 128 characters")
    return value


def _ring(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 16:  # "300", "5m", "1m30s": longer is not a ring time (nor cheap to read)
        raise ValueError("must be 1 to 300 seconds")
    seconds = int(value) if value.isdecimal() else parse_duration(value)
    if seconds is None or not RING_RANGE[0] <= seconds <= RING_RANGE[1]:
        raise ValueError("must be 1 to 300 seconds")
    return str(seconds)


# voice_mode: 1 hear+speak, 2 speak only, 3 hear only, 4 neither. dial_voice_stop_cond: 0 ringing, 1 answer.
_VOICE = {"speak": "1", "listen": "3", "1": "1", "2": "2", "3": "3", "4": "4"}
_DIALTONE = {"ring": "0", "answer": "1", "0": "0", "1": "1"}


OPTIONS = {
    spec.key: spec
    for spec in (
        OptionSpec("from", "a number rented from Yunhuni, e.g. 4001234567", _caller),
        OptionSpec("voice", "listen|speak|1|2|3|4", _choice(_VOICE, "unknown voice mode")),
        OptionSpec("play", "a file name uploaded to Yunhuni (up to 128 characters)", _play),
        OptionSpec("ring", "ring time, 1-300 seconds, e.g. 40s", _ring),
        OptionSpec("dialtone", "ring|answer (when the dial tone stops)", _choice(_DIALTONE, "must be ring or answer")),
    )
}


class YunhuniProvider:
    """Invites numbers into Yunhuni conferences and reads its conference events."""

    def __init__(
        self,
        settings: YunhuniSettings,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        self._client = client or make_client(settings.timeout_s)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._allowed = SourceAllowlist("YUNHUNI_WEBHOOK_ALLOWED_IPS", settings.webhook_allowed_ips)
        self.info = ProviderInfo(
            name=NAME,
            title="Yunhuni",
            capabilities=frozenset({Capability.CONFERENCE}),
            options=OPTIONS,
            timing=TIMING,
            missing_settings=settings.missing(),
        )

    # --- requests ---------------------------------------------------------------------------

    def _request(self, path: str, payload: Mapping[str, Any]) -> httpx.Request:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        url = f"{self._base}/{path}"
        timestamp = self._clock().astimezone(CHINA).strftime("%Y%m%d%H%M%S")
        app_id = self._settings.app_id
        secret = self._settings.secret_key.get_secret_value()
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Accept": CONTENT_TYPE,
            "Accept-Type": CONTENT_TYPE,  # as in the seed's example
            "AppID": app_id,
            "CertID": self._settings.cert_id,
            "Timestamp": timestamp,
            "Signature": sign(secret, "POST", body, CONTENT_TYPE, timestamp, app_id, urlsplit(url).path),
        }
        return self._client.build_request("POST", url, content=body, headers=headers)

    def _invite_path(self, conf_id: str) -> str:
        conf = quote(conf_id, safe="")
        return f"conf/invite_call/{conf}" if self._settings.path_style == "released" else f"conf/{conf}/invite_call"

    def _body(self, request: DialRequest, to: str) -> dict[str, Any]:
        options = request.options
        body: dict[str, Any] = {}
        caller = options.get("from") or self._settings.caller_number
        if caller:
            body["from"] = caller
        body["to"] = to
        body["max_duration"] = request.max_duration_s or DEFAULT_MAX_DURATION_S
        body["max_dial_duration"] = int(options.get("ring", DEFAULT_RING_S))
        if "dialtone" in options:
            body["dial_voice_stop_cond"] = int(options["dialtone"])
        if "play" in options:
            body["play_file"] = options["play"]
        if "voice" in options:
            body["voice_mode"] = int(options["voice"])
        return body

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        results = []
        for call in request.calls:
            to = _phone_to(call.party)
            if to is None:
                results.append(PlaceResult(call.attempt_id, CallState.FAILED, reason=FailReason.INVALID_NUMBER))
                continue
            body = self._body(request, to)
            limits = call_limits(body["max_dial_duration"], body["max_duration"])
            try:
                response = await send(self._client, NAME, self._request(self._invite_path(request.target.id), body))
                results.append(self._place_result(call.attempt_id, response, request.target.id, limits))
            except ProviderError as exc:
                log.warning("yunhuni invite of attempt %s: %s", call.attempt_id, exc)
                state = CallState.UNKNOWN if exc.maybe_sent else CallState.FAILED
                reason = None if exc.maybe_sent else exc.reason
                results.append(PlaceResult(call.attempt_id, state, reason=reason, code=exc.code, detail=exc.message))
        return results

    def _place_result(self, attempt_id: int, response: httpx.Response, conf_id: str, limits: CallLimits) -> PlaceResult:
        if response.status_code >= 500:
            raise server_error(response, NAME)
        snippet = response.text[:160].replace("\n", " ")
        if response.status_code == 401:
            raise ProviderError("bad_credentials", f"yunhuni: HTTP 401 {snippet}", reason=FailReason.AUTH)
        if not response.is_success:
            code = f"http_{response.status_code}"
            return PlaceResult(
                attempt_id, CallState.FAILED, reason=FailReason.PROVIDER_REJECTED, code=code, detail=snippet
            )
        payload = json_of(response, NAME)
        if not isinstance(payload, dict) or not isinstance(payload.get("code"), str | int):
            raise ProviderError("bad_response", f"yunhuni: answer without a code: {snippet}", maybe_sent=True)
        code, message = str(payload["code"]), str(payload.get("msg") or "") or None
        if code != SUCCESS:
            reason = ERROR_REASONS.get(code, FailReason.PROVIDER_REJECTED)
            return PlaceResult(attempt_id, CallState.FAILED, reason=reason, code=code, detail=message)
        data = payload.get("data")
        call_id = data.get("callId") if isinstance(data, dict) else None
        if not call_id:
            return PlaceResult(attempt_id, CallState.UNKNOWN, code="no_call_id", detail="accepted without a callId")
        return PlaceResult(
            attempt_id, CallState.DIALING, provider_call_id=str(call_id), limits=limits, context={"conf_id": conf_id}
        )

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        if not call.provider_call_id:
            return None  # never accepted (or unknown): there is nothing to quit
        conf_id = call.context.get("conf_id") or call.target.id
        path = f"conf/quit/{quote(conf_id, safe='')}"
        response = await send(self._client, NAME, self._request(path, {"call_id": call.provider_call_id}))
        if response.status_code >= 500:
            raise server_error(response, NAME)
        payload = json_of(response, NAME)
        code = str(payload.get("code")) if isinstance(payload, dict) else ""
        if response.status_code != 200 or code != SUCCESS:
            message = payload.get("msg") if isinstance(payload, dict) else None
            raise ProviderError(code or f"http_{response.status_code}", f"yunhuni: quit refused: {message}")
        return self._event(call.provider_call_id, CallState.CANCELLED, f"cancel:{call.provider_call_id}", code="quit")

    # --- webhooks ---------------------------------------------------------------------------

    def _authenticate(self, request: WebhookRequest) -> None:
        if not self._allowed.allows(request.client_ip):
            raise WebhookRejected(403, "source address not allowed")
        given = request.path.partition(f"/webhooks/{NAME}")[2].strip("/")
        if not secret_matches(given, self._settings.webhook_secret.get_secret_value()):
            raise WebhookRejected(401, "wrong or missing secret in the webhook path")

    async def handle_webhook(self, request: WebhookRequest) -> WebhookReply:
        self._authenticate(request)
        if request.method != "POST":
            raise WebhookRejected(405, "POST only")
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
            raise WebhookRejected(400, "body is not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("event"), str):
            raise WebhookRejected(400, "not a Yunhuni event")
        return WebhookReply(200, b"ok", events=self._events(data))

    def _events(self, data: dict[str, Any]) -> tuple[CallEvent, ...]:
        event, conf_id = data["event"], str(data.get("id") or "")
        if data.get("action", "event_notify") != "event_notify" or not event.startswith("conf."):
            log.info("yunhuni callback %s/%s acknowledged and ignored", data.get("action"), event)
            return ()
        if event == "conf.end":
            if not conf_id:
                raise WebhookRejected(400, "conf.end without the conference id")
            detail = f"conference ended: {data['error']}" if data.get("error") else "conference ended"
            ended = self._event(
                "",
                CallState.FAILED,
                f"conf.end:{conf_id}",
                code="conf.end",
                detail=detail,
                at=_ms(data.get("end_time")),
                raw=data,
            )
            return (replace(ended, target_id=conf_id),)
        if event not in {"conf.joined", "conf.join.fail", "conf.quit"}:
            return ()  # conf.create.succ, conf.play_end, conf.record_end: nothing about a call
        call_id = str(data.get("call_id") or "")
        if not call_id:
            raise WebhookRejected(400, f"{event} without call_id")
        key = f"{event}:{call_id}"
        if event == "conf.joined":
            return (self._event(call_id, CallState.ANSWERED, key, at=_ms(data.get("join_time")), raw=data),)
        if event == "conf.quit":
            return (self._event(call_id, CallState.COMPLETED, key, at=_ms(data.get("quit_time")), raw=data),)
        return (self._event(call_id, CallState.FAILED, key, code=event, at=_ms(data.get("time")), raw=data),)

    def _event(
        self,
        call_id: str,
        state: CallState,
        key: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        at: datetime | None = None,
        raw: Mapping[str, Any] | None = None,
    ) -> CallEvent:
        # conf.join.fail carries no reason, and conf.end no per-call outcome: failed(unknown),
        # which the core turns into completed for a call that had joined.
        reason = FailReason.UNKNOWN if state is CallState.FAILED else None
        return CallEvent(
            NAME, call_id, state, key, reason=reason, code=code, detail=detail, occurred_at=at, raw=raw or {}
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def _ms(value: Any) -> datetime | None:
    """Event times are epoch milliseconds; None for anything else, a date no calendar holds included."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdecimal():
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
