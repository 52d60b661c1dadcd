"""Tencent Meeting 腾讯会议: call meeting rooms into a meeting (seed 002, `PUT /v1/meeting-rooms/room-call`).

Auth (provider-notes §3, wemeet-openapi SDK authenticator): every request carries X-TC-Key (SecretId),
X-TC-Timestamp, X-TC-Nonce, AppId (enterprise), SdkId (app), X-TC-Registered: 1 and X-TC-Signature =
base64(lowercase hex(HMAC-SHA256(SecretKey, METHOD "\\n" "X-TC-Key=…&X-TC-Nonce=…&X-TC-Timestamp=…" "\\n"
path?query "\\n" body))), the body being the exact bytes sent.

Calls: one request per room, `meeting_room_id` for a room id or `mra_address` {protocol 1 SIP / 2 H.323,
dial_string} for `sip:`/`h323:` parties, never both. `operator_id` is the Tencent userid an admin mapped to
the Slack user who asked (TENCENT_MEETING_OPERATORS); without one the call fails as `no_operator`.
`meeting_id` is the seed's String (TENCENT_MEETING_MEETING_ID_AS_NUMBER sends the released doc's integer).

Status: `invite_id` → dialing, kept as the call id. `room-call-info` is polled (4 ringing, 2 in the meeting,
6 left → completed, 0 no answer, 3 rejected, 5 cancelled). The `room.response` webhook (0/2/3/5) names the
meeting and the room, not the invite: an in-memory index (meeting, room) → call id, filled by place() and
refreshed by every poll(), maps it back; an event it cannot map is acknowledged and left to polling.
Webhooks are signed sha1(sorted [token, timestamp, nonce, data]); the GET `?check_str=` handshake is
answered with the plaintext; payloads are AES-256-CBC encrypted when TENCENT_MEETING_ENCODING_AES_KEY is set.

Decisions: a request that may have reached Tencent (read timeout, reset, a 5xx without error_info, a 200
without invite_id) is UNKNOWN under a call id of ours and reconciled by room-call-info, which needs no
invite_id; it is never re-sent. A final status whose response_time predates our call is an earlier call's
and is ignored. Tencent cannot hang a room up: `max` is refused, cancel withdraws a ringing call only.
Timing (applied by the core): polled every TENCENT_MEETING_POLL_EVERY_S, a room in the meeting 12× less
often; ringing with no news for 3 min is no answer; a room still in the meeting 12 h after it joined is
reported completed ("not_followed") and no longer polled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.dialout.core.models import CallEvent, CallLimits, Capability, Target, TargetKind
from bot.dialout.core.ports import (
    DialRequest,
    PlacedCall,
    PlaceResult,
    ProviderError,
    ProviderInfo,
    StatusSource,
    Timing,
    WebhookRejected,
    WebhookReply,
    WebhookRequest,
)
from bot.dialout.providers.http import json_of, make_client, send
from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason

log = logging.getLogger(__name__)

NAME = "tencent_meeting"
ROOM_CALL = "/v1/meeting-rooms/room-call"
CALL_INFO = "/v1/meeting-rooms/room-call-info"
CANCEL_CALL = "/v1/meeting-rooms/cancel-room-call"
OPERATOR_ID_TYPE = 1  # userid
ACK = b"successfully received callback"
GIVE_UP_AFTER_S = 180.0  # dialling or ringing with no news; Tencent itself reports no answer (0) after 60 s
NOT_CALLED_AFTER_S = 60.0  # "not called" (1) this long after placing: Tencent never called the room
FOLLOW_LIMIT_S = 12 * 3600.0  # a room in the meeting is followed this long, then reported completed
ANSWERED_POLL_FACTOR = 12  # a room in the meeting changes rarely: poll it 12× less often
STALE_TOLERANCE_S = 10.0  # clock skew allowed when telling an earlier call's status from ours
BEIJING = ZoneInfo("Asia/Shanghai")  # room-call-info's response_time is Beijing wall time

ROOM_KINDS = frozenset({PartyKind.ROOM, PartyKind.SIP, PartyKind.H323})
_PROTOCOL = {PartyKind.SIP: 1, PartyKind.H323: 2}
_KIND_OF_PROTOCOL = {1: PartyKind.SIP, 2: PartyKind.H323}
# room-call-info `status` / room.response `response_status` → our state.
_STATUS: dict[int, tuple[CallState, FailReason | None]] = {
    0: (CallState.FAILED, FailReason.NO_ANSWER),
    2: (CallState.ANSWERED, None),
    3: (CallState.FAILED, FailReason.REJECTED),
    4: (CallState.RINGING, None),
    5: (CallState.CANCELLED, None),
    6: (CallState.COMPLETED, None),
}
_ENDINGS = frozenset({0, 3, 5, 6})  # statuses that can be left over from an earlier call to the room
_AUTH_CODES = frozenset({"200003", "190300", "190301", "190303"})
_RATE_CODES = frozenset({"190310", "190311", "190313"})
_SERVICE_CODES = frozenset({"10002", "10004", "20000"})
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def sign_request(
    secret_id: str, secret_key: str, method: str, uri: str, body: bytes, nonce: str, timestamp: str
) -> str:
    """X-TC-Signature: Base64 of the 64 lowercase hex characters, not of the raw digest (both SDKs)."""
    headers = f"X-TC-Key={secret_id}&X-TC-Nonce={nonce}&X-TC-Timestamp={timestamp}"
    message = f"{method}\n{headers}\n{uri}\n".encode() + body
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def webhook_signature(token: str, timestamp: str, nonce: str, data: str) -> str:
    """The `signature` header of a Tencent webhook (doc 1095/51612)."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, data])).encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """AESKey = Base64_Decode(EncodingAESKey + "="), 32 bytes (doc 1095/54658); ValueError otherwise."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("is not Base64") from exc
    if len(key) != 32:
        raise ValueError("must be the 43-character EncodingAESKey from the Tencent console")
    return key


def decrypt(key: bytes, ciphertext: bytes) -> bytes:
    """AES-CBC with IV = key[:16] and PKCS#7 padding; ValueError when it does not decrypt cleanly."""
    if not ciphertext or len(ciphertext) % 16:
        raise ValueError("ciphertext is not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def parse_operators(text: str) -> dict[str, str]:
    """`U024BE7LH=user1,U0G9QF9C6=user2` → {Slack user id: Tencent userid}; ValueError names a bad entry."""
    mapping: dict[str, str] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue  # a trailing comma
        slack_id, sep, userid = (part.strip() for part in entry.partition("="))
        if not sep or not _SLACK_USER.match(slack_id) or not userid or re.search(r"[\s=]", userid):
            raise ValueError(f"entry {entry!r} is not SlackUserId=TencentUserid")
        if slack_id in mapping:
            raise ValueError(f"{slack_id} is mapped twice")
        mapping[slack_id] = userid
    return mapping


def _b64decode(text: str) -> bytes:
    """Tencent's `data` may come without its `=` padding (the signing doc's own example does)."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("not Base64") from exc


@dataclass(frozen=True)
class _Known:
    """A room call we placed, as the webhook finds it: our call id and when we placed it."""

    provider_call_id: str
    placed_at: float


class TencentMeetingProvider:
    """Calls meeting rooms into Tencent meetings and follows their answers."""

    def __init__(
        self,
        settings: TencentMeetingSettings,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], int] = lambda: secrets.randbelow(2**31 - 1) + 1,
    ) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        self._client = client or make_client(settings.timeout_s)
        self._clock = clock
        self._nonce = nonce
        self._known: dict[tuple[str, str], _Known] = {}
        invalid: list[str] = []  # set but unusable: a configuration error worth a log line
        self._operators: dict[str, str] = {}
        try:
            self._operators = parse_operators(settings.operators)
        except ValueError as exc:
            invalid.append(f"TENCENT_MEETING_OPERATORS ({exc})")
        self._aes: bytes | None = None
        if settings.encoding_aes_key.get_secret_value():
            try:
                self._aes = aes_key(settings.encoding_aes_key.get_secret_value())
            except ValueError as exc:
                invalid.append(f"TENCENT_MEETING_ENCODING_AES_KEY ({exc})")
        if invalid:
            log.error("tencent_meeting is misconfigured: %s", "; ".join(invalid))
        problems = [*settings.missing(), *invalid]
        self.info = ProviderInfo(
            name=NAME,
            title="Tencent Meeting",
            capabilities=frozenset({Capability.MEETING}),
            status=StatusSource.POLLING,
            timing=Timing(
                poll_every_s=settings.poll_every_s,
                poll_answered_every_s=settings.poll_every_s * ANSWERED_POLL_FACTOR,
                # ringing with no news: no answer; in the meeting this long: let go as completed
                limits=CallLimits(ring_s=GIVE_UP_AFTER_S, answered_s=FOLLOW_LIMIT_S),
                max_duration=None,  # no hang-up API for a room: `max` is refused when the command is read
            ),
            missing_settings=tuple(problems),
            precheck=self.refusal,
        )

    # --- requests -------------------------------------------------------------------------

    async def _send(self, method: str, path: str, body: Mapping[str, Any]) -> httpx.Response:
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        nonce, timestamp = str(self._nonce()), str(int(self._clock()))
        request = self._client.build_request(method, self._base + path, content=raw)
        request.headers.update(
            {
                "Content-Type": "application/json",
                "X-TC-Key": self._settings.secret_id,
                "X-TC-Timestamp": timestamp,
                "X-TC-Nonce": nonce,
                "X-TC-Signature": sign_request(
                    self._settings.secret_id,
                    self._settings.secret_key.get_secret_value(),
                    method,
                    request.url.raw_path.decode(),
                    raw,
                    nonce,
                    timestamp,
                ),
                "AppId": self._settings.app_id,
                "X-TC-Registered": "1",
            }
        )
        if self._settings.sdk_id:  # "required if assigned"
            request.headers["SdkId"] = self._settings.sdk_id
        return await send(self._client, NAME, request)

    def _room(self, kind: PartyKind, address: str) -> dict[str, Any]:
        if kind is PartyKind.ROOM:
            return {"meeting_room_id": address}
        return {"mra_address": {"protocol": _PROTOCOL[kind], "dial_string": address}}

    def _meeting_id(self, meeting_id: str) -> str | int:
        return int(meeting_id) if self._settings.meeting_id_as_number and meeting_id.isdigit() else meeting_id

    def _call_body(self, context: Mapping[str, str], *, invite_id: str | None = None) -> dict[str, Any]:
        """room-call-info (and, with `invite_id`, cancel-room-call) body for a placed call."""
        body: dict[str, Any] = {"instance_id": self._settings.instance_id}
        if invite_id is not None:
            body["invite_id"] = invite_id
        body["meeting_id"] = self._meeting_id(context["meeting_id"])
        body.update(self._room(PartyKind(context["room_kind"]), context["room_address"]))
        body.update(operator_id=context["operator_id"], operator_id_type=OPERATOR_ID_TYPE)
        return body

    def _failure(self, response: httpx.Response) -> tuple[str, FailReason, str] | None:
        """(code, reason, detail) from an `{"error_info": …}` body, or None when there is none."""
        try:
            info = json.loads(response.content).get("error_info")
        except (ValueError, UnicodeDecodeError, AttributeError):
            return None
        if not isinstance(info, dict) or not (info.get("error_code") or info.get("new_error_code")):
            return None
        code = str(info.get("error_code") or info.get("new_error_code"))
        detail = f"{info.get('message') or ''} (HTTP {response.status_code}, error_code {code}"
        detail += f", new_error_code {info['new_error_code']})" if info.get("new_error_code") else ")"
        if code in _AUTH_CODES:
            reason = FailReason.AUTH
        elif code in _RATE_CODES:
            reason = FailReason.RATE_LIMITED
        elif code in _SERVICE_CODES:
            reason = FailReason.PROVIDER_ERROR
        else:
            reason = FailReason.PROVIDER_REJECTED
        return code, reason, detail.strip()

    def _error(self, response: httpx.Response) -> ProviderError:
        """A refused poll or cancel as a ProviderError carrying Tencent's code and words."""
        failure = self._failure(response)
        if failure is None:
            snippet = response.text[:200].replace("\n", " ")
            return ProviderError(
                f"http_{response.status_code}",
                f"{NAME}: HTTP {response.status_code} {snippet}",
                maybe_sent=response.status_code >= 500,
            )
        code, reason, detail = failure
        return ProviderError(code, f"{NAME}: {detail}", reason=reason)

    # --- placing --------------------------------------------------------------------------

    def refusal(self, requested_by: str, target: Target, parties: Sequence[Party]) -> str | None:
        """Why these calls cannot be placed for this asker (a code explained in the catalogue), or None.

        The core asks this before scheduling (ProviderInfo.precheck), and place() again at the due time,
        since the operator mapping may have changed in between.
        """
        if self.info.missing_settings:
            return "not_configured"
        if target.kind is not TargetKind.MEETING:
            return "not_a_meeting"
        if any(party.kind not in ROOM_KINDS for party in parties):
            return "not_a_room"
        if requested_by not in self._operators:
            return "no_operator"
        return None

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        return [await self._place_one(request, call.attempt_id, call.party) for call in request.calls]

    async def _place_one(self, request: DialRequest, attempt_id: int, party: Party) -> PlaceResult:
        refused = self.refusal(request.requested_by, request.target, (party,))
        if refused is not None:
            return PlaceResult(
                attempt_id,
                CallState.FAILED,
                reason=FailReason.PROVIDER_REJECTED,
                code=refused,
                detail=self._refusal_detail(refused, request, party),
            )
        context = {
            "meeting_id": request.target.id,
            "room_kind": party.kind.value,
            "room_address": party.address,
            "operator_id": self._operators[request.requested_by],
            "placed_at": repr(self._clock()),
        }
        body: dict[str, Any] = {"operator_id": context["operator_id"], "operator_id_type": OPERATOR_ID_TYPE}
        body.update(self._room(party.kind, party.address))
        body["meeting_id"] = self._meeting_id(request.target.id)
        ours = f"unconfirmed-{request.invite_id}-{attempt_id}"
        try:
            response = await self._send("PUT", ROOM_CALL, body)
            if response.is_success:
                payload = json_of(response, NAME)
                invite_id = payload.get("invite_id") if isinstance(payload, dict) else None
                if not isinstance(invite_id, str) or not invite_id:
                    return self._unknown(attempt_id, ours, context, "no_invite_id", f"HTTP 200 {payload!r:.200}")
                context["invite_id"] = invite_id
                self._remember(context, invite_id)
                return PlaceResult(attempt_id, CallState.DIALING, provider_call_id=invite_id, context=context)
        except ProviderError as exc:
            if not exc.maybe_sent:
                raise
            return self._unknown(attempt_id, ours, context, exc.code, exc.message)
        failure = self._failure(response)
        if failure is not None:  # even a 500 with error_info is Tencent saying the call failed
            code, reason, detail = failure
            return PlaceResult(attempt_id, CallState.FAILED, reason=reason, code=code, detail=detail)
        snippet = response.text[:200].replace("\n", " ")
        if response.status_code >= 500:
            return self._unknown(attempt_id, ours, context, f"http_{response.status_code}", snippet)
        reason = {401: FailReason.AUTH, 403: FailReason.AUTH, 429: FailReason.RATE_LIMITED}.get(
            response.status_code, FailReason.PROVIDER_REJECTED
        )
        return PlaceResult(
            attempt_id,
            CallState.FAILED,
            reason=reason,
            code=f"http_{response.status_code}",
            detail=f"HTTP {response.status_code} {snippet}".strip(),
        )

    def _refusal_detail(self, code: str, request: DialRequest, party: Party) -> str:
        return {
            "not_configured": "missing or invalid: " + ", ".join(self.info.missing_settings),
            "not_a_meeting": f"{request.target.kind.value} {request.target.id} is not a Tencent meeting",
            "not_a_room": f"{party.kind.value} {party.address} is not a meeting room",
            "no_operator": f"<@{request.requested_by}> has no Tencent Meeting account in TENCENT_MEETING_OPERATORS",
        }[code]

    def _unknown(self, attempt_id: int, ours: str, context: dict[str, str], code: str, detail: str) -> PlaceResult:
        """The request may have reached Tencent: reconciled by room-call-info under an id of ours."""
        self._remember(context, ours)
        return PlaceResult(
            attempt_id, CallState.UNKNOWN, provider_call_id=ours, code=code, detail=detail, context=context
        )

    def _remember(self, context: Mapping[str, str], provider_call_id: str) -> None:
        now = self._clock()
        for key in [k for k, v in self._known.items() if now - v.placed_at > FOLLOW_LIMIT_S]:
            del self._known[key]
        key = (context["meeting_id"], f"{context['room_kind']}:{context['room_address']}")
        placed_at = float(context.get("placed_at") or now)
        current = self._known.get(key)
        if current is None or current.placed_at <= placed_at:  # the newest call to a room owns its events
            self._known[key] = _Known(provider_call_id, placed_at)

    # --- following ------------------------------------------------------------------------

    async def poll(self, call: PlacedCall) -> CallEvent | None:
        context = call.context
        if "meeting_id" not in context:
            return None
        self._remember(context, call.provider_call_id)  # rebuilds the webhook index after a restart
        now = self._clock()
        placed_at = float(context.get("placed_at") or now)
        response = await self._send("POST", CALL_INFO, self._call_body(context))
        if not response.is_success:
            raise self._error(response)
        payload = json_of(response, NAME)
        status = payload.get("status") if isinstance(payload, dict) else None
        response_time = str(payload.get("response_time") or "") if isinstance(payload, dict) else ""
        event = None
        if isinstance(status, int) and not isinstance(status, bool):
            event = self._status_event(call.provider_call_id, status, _epoch(response_time), placed_at, payload)
            if status == 1 and now - placed_at >= NOT_CALLED_AFTER_S:
                event = self._event(
                    call.provider_call_id, CallState.FAILED, "not_called", payload, FailReason.PROVIDER_ERROR
                )
        return event

    def _status_event(
        self, call_id: str, status: int, responded_at: float | None, placed_at: float, raw: Mapping[str, Any]
    ) -> CallEvent | None:
        if status not in _STATUS:
            return None
        if status in _ENDINGS and responded_at is not None and responded_at < placed_at - STALE_TOLERANCE_S:
            return None  # how an earlier call to this room ended
        state, reason = _STATUS[status]
        occurred = datetime.fromtimestamp(responded_at, UTC) if responded_at else None
        return self._event(call_id, state, f"room_status_{status}", raw, reason, occurred)

    def _event(
        self,
        call_id: str,
        state: CallState,
        code: str,
        raw: Mapping[str, Any],
        reason: FailReason | None = None,
        occurred_at: datetime | None = None,
        key: str | None = None,
    ) -> CallEvent:
        at = raw.get("response_time", "") if raw else ""
        return CallEvent(
            provider=NAME,
            provider_call_id=call_id,
            state=state,
            reason=reason,
            code=code,
            dedupe_key=key or f"poll:{call_id}:{code}:{at}",
            occurred_at=occurred_at,
            raw=dict(raw),
        )

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        context = call.context
        invite_id = context.get("invite_id")
        if not invite_id or "meeting_id" not in context or call.state is CallState.ANSWERED:
            return None  # unconfirmed calls have no invite_id; a room in the meeting cannot be hung up
        response = await self._send("PUT", CANCEL_CALL, self._call_body(context, invite_id=invite_id))
        if not response.is_success:
            raise self._error(response)
        return self._event(call.provider_call_id, CallState.CANCELLED, "cancelled_by_us", {}, key=f"cancel:{invite_id}")

    # --- webhooks -------------------------------------------------------------------------

    async def handle_webhook(self, request: WebhookRequest) -> WebhookReply:
        token = self._settings.webhook_token.get_secret_value()
        if not token:
            raise WebhookRejected(403, "TENCENT_MEETING_WEBHOOK_TOKEN is not set")
        if request.method == "GET":  # URL verification when the subscription is saved, and heartbeats
            # Form decoding turns an unescaped "+" into a space; Base64 has no spaces, so put it back.
            check = request.query.get("check_str", "").replace(" ", "+")
            if not check:
                raise WebhookRejected(400, "no check_str")
            self._verify(request.headers, token, check)
            return WebhookReply(200, self._open(check))
        if request.method != "POST":
            raise WebhookRejected(405, "GET or POST only")
        try:
            outer = json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
            raise WebhookRejected(400, "body is not JSON") from exc
        data = outer.get("data") if isinstance(outer, dict) else None
        if not isinstance(data, str) or not data:
            raise WebhookRejected(400, "no data")
        self._verify(request.headers, token, data)
        try:
            payload = json.loads(self._open(data))
        except (ValueError, RecursionError) as exc:
            raise WebhookRejected(400, "data is not JSON") from exc
        if not isinstance(payload, dict):
            raise WebhookRejected(400, "data is not an event")
        return WebhookReply(200, ACK, events=tuple(self._webhook_events(payload)))

    def _verify(self, headers: Mapping[str, str], token: str, data: str) -> None:
        timestamp, nonce, signature = (headers.get(h, "") for h in ("timestamp", "nonce", "signature"))
        if not (timestamp and nonce and signature):
            raise WebhookRejected(401, "timestamp, nonce or signature header missing")
        # No freshness window: Tencent's retry policy is undocumented, and a replayed genuine event is
        # harmless (events are de-duplicated and states only move forward).
        if not hmac.compare_digest(signature.lower(), webhook_signature(token, timestamp, nonce, data)):
            raise WebhookRejected(401, "bad signature")

    def _open(self, data: str) -> bytes:
        try:
            raw = _b64decode(data)
            return decrypt(self._aes, raw) if self._aes else raw
        except ValueError as exc:
            raise WebhookRejected(400, f"data does not decode: {exc}") from exc

    def _webhook_events(self, payload: Mapping[str, Any]) -> list[CallEvent]:
        if payload.get("event") != "room.response":
            return []  # another subscribed event: acknowledged, not ours
        events = []
        items = payload.get("payload")
        for item in items if isinstance(items, list) else []:
            found = item.get("room_response_event") if isinstance(item, dict) else None
            if not isinstance(found, dict):
                continue
            room = _room_key(found)
            answer = found.get("response_event")
            status = str(answer.get("response_status", "")) if isinstance(answer, dict) else ""
            if room is None or not status.isdigit():
                continue
            meeting_id = str(found.get("meeting_id", ""))
            known = self._known.get((meeting_id, room))
            if known is None:
                log.info("tencent_meeting room.response for %s/%s matches no call of ours", meeting_id, room)
                continue
            operate_ms = item.get("operate_time", "")
            event = self._status_event(
                known.provider_call_id, int(status), _epoch(str(operate_ms)), known.placed_at, item
            )
            if event is not None:
                answered_at = answer.get("response_time", "") if isinstance(answer, dict) else ""
                key = f"webhook:{meeting_id}:{room}:{status}:{operate_ms or answered_at}"
                events.append(replace(event, dedupe_key=key, raw={**item, "trace_id": payload.get("trace_id")}))
        return events

    async def aclose(self) -> None:
        await self._client.aclose()


def _room_key(event: Mapping[str, Any]) -> str | None:
    """The room of a room.response as the webhook index keys it: "room:<id>", "sip:<dial>", "h323:<dial>"."""
    if event.get("meeting_room_id"):
        return f"{PartyKind.ROOM.value}:{event['meeting_room_id']}"
    mra = event.get("mra_address")
    if isinstance(mra, dict) and str(mra.get("protocol", "")).isdigit() and mra.get("dial_string"):
        kind = _KIND_OF_PROTOCOL.get(int(mra["protocol"]))
        return f"{kind.value}:{mra['dial_string']}" if kind else None
    return None


def _epoch(value: str) -> float | None:
    """A response_time ("2022/11/22 14:35:26", Beijing time) or operate_time (epoch ms) as epoch seconds."""
    if value.isdigit():
        number = int(value)
        return number / 1000 if number > 10**11 else float(number)
    for layout in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, layout).replace(tzinfo=BEIJING).timestamp()
        except ValueError:
            continue
    return None
