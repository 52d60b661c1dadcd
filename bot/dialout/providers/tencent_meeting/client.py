"""Tencent Meeting's REST API on the wire: signed requests, error bodies, and its webhooks' envelope.

Apart from provider.py so that file holds the decisions (what is placed, what a status means, which
call an event belongs to) and this one the protocol (seed 002, provider-notes §3).

Auth (wemeet-openapi SDK authenticator): every request carries X-TC-Key (SecretId), X-TC-Timestamp,
X-TC-Nonce, AppId (enterprise), SdkId (app), X-TC-Registered: 1 and X-TC-Signature =
base64(lowercase hex(HMAC-SHA256(SecretKey, METHOD "\\n" "X-TC-Key=…&X-TC-Nonce=…&X-TC-Timestamp=…" "\\n"
path?query "\\n" body))), the body being the exact bytes sent. A room is a `meeting_room_id`, or an
`mra_address` {protocol 1 SIP / 2 H.323, dial_string}, never both. Refusals come as `{"error_info": …}`.

Webhooks are signed sha1(sorted [token, timestamp, nonce, data]); `data` is Base64 (its `=` padding
may be missing) and AES-256-CBC encrypted when an EncodingAESKey is set.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.dialout.core.ports import ProviderError, WebhookRejected
from bot.dialout.providers.http import send
from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings
from bot.kernel.people import PartyKind
from bot.kernel.states import FailReason

NAME = "tencent_meeting"
ROOM_CALL = "/v1/meeting-rooms/room-call"
CALL_INFO = "/v1/meeting-rooms/room-call-info"
CANCEL_CALL = "/v1/meeting-rooms/cancel-room-call"
OPERATOR_ID_TYPE = 1  # userid
ACK = b"successfully received callback"
BEIJING = ZoneInfo("Asia/Shanghai")  # room-call-info's response_time is Beijing wall time

_PROTOCOL = {PartyKind.SIP: 1, PartyKind.H323: 2}
_KIND_OF_PROTOCOL = {1: PartyKind.SIP, 2: PartyKind.H323}
_AUTH_CODES = frozenset({"200003", "190300", "190301", "190303"})
_RATE_CODES = frozenset({"190310", "190311", "190313"})
_SERVICE_CODES = frozenset({"10002", "10004", "20000"})


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


def _b64decode(text: str) -> bytes:
    """Tencent's `data` may come without its `=` padding (the signing doc's own example does)."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("not Base64") from exc


def room_fields(kind: PartyKind, address: str) -> dict[str, Any]:
    """How a request names a room: its id, or its SIP / H.323 address."""
    if kind is PartyKind.ROOM:
        return {"meeting_room_id": address}
    return {"mra_address": {"protocol": _PROTOCOL[kind], "dial_string": address}}


def room_key(event: Mapping[str, Any]) -> str | None:
    """The room of a room.response as the webhook index keys it: "room:<id>", "sip:<dial>", "h323:<dial>"."""
    if event.get("meeting_room_id"):
        return f"{PartyKind.ROOM.value}:{event['meeting_room_id']}"
    mra = event.get("mra_address")
    if isinstance(mra, dict) and str(mra.get("protocol", "")).isdigit() and mra.get("dial_string"):
        kind = _KIND_OF_PROTOCOL.get(int(mra["protocol"]))
        return f"{kind.value}:{mra['dial_string']}" if kind else None
    return None


def epoch(value: str) -> float | None:
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


def failure(response: httpx.Response) -> tuple[str, FailReason, str] | None:
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


def error(response: httpx.Response) -> ProviderError:
    """A refused poll or cancel as a ProviderError carrying Tencent's code and words."""
    found = failure(response)
    if found is None:
        snippet = response.text[:200].replace("\n", " ")
        return ProviderError(
            f"http_{response.status_code}",
            f"{NAME}: HTTP {response.status_code} {snippet}",
            maybe_sent=response.status_code >= 500,
        )
    code, reason, detail = found
    return ProviderError(code, f"{NAME}: {detail}", reason=reason)


def verify_webhook(headers: Mapping[str, str], token: str, data: str) -> None:
    """WebhookRejected(401) unless the headers sign `data` with our token."""
    timestamp, nonce, signature = (headers.get(h, "") for h in ("timestamp", "nonce", "signature"))
    if not (timestamp and nonce and signature):
        raise WebhookRejected(401, "timestamp, nonce or signature header missing")
    # No freshness window: Tencent's retry policy is undocumented, and a replayed genuine event is
    # harmless (events are de-duplicated and states only move forward).
    if not hmac.compare_digest(signature.lower(), webhook_signature(token, timestamp, nonce, data)):
        raise WebhookRejected(401, "bad signature")


def open_data(data: str, key: bytes | None) -> bytes:
    """A webhook's `data` as plaintext: Base64-decoded, then decrypted when an AES key is set."""
    try:
        raw = _b64decode(data)
        return decrypt(key, raw) if key else raw
    except ValueError as exc:
        raise WebhookRejected(400, f"data does not decode: {exc}") from exc


class MeetingRoomApi:
    """Signed requests to Tencent Meeting's meeting-room API."""

    def __init__(
        self,
        settings: TencentMeetingSettings,
        client: httpx.AsyncClient,
        clock: Callable[[], float],
        nonce: Callable[[], int],
    ) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        self._client = client
        self._clock = clock
        self._nonce = nonce

    async def send(self, method: str, path: str, body: Mapping[str, Any]) -> httpx.Response:
        """One signed request; transport failures are ProviderError saying whether it may have arrived."""
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

    def meeting_id(self, meeting_id: str) -> str | int:
        """The seed's String, or the released doc's integer with TENCENT_MEETING_MEETING_ID_AS_NUMBER."""
        return int(meeting_id) if self._settings.meeting_id_as_number and meeting_id.isdigit() else meeting_id

    def room_call_body(self, context: Mapping[str, str]) -> dict[str, Any]:
        """room-call body: call the room of `context` (meeting, room, operator) into its meeting."""
        body: dict[str, Any] = {"operator_id": context["operator_id"], "operator_id_type": OPERATOR_ID_TYPE}
        body.update(room_fields(PartyKind(context["room_kind"]), context["room_address"]))
        body["meeting_id"] = self.meeting_id(context["meeting_id"])
        return body

    def call_body(self, context: Mapping[str, str], *, invite_id: str | None = None) -> dict[str, Any]:
        """room-call-info (and, with `invite_id`, cancel-room-call) body for a placed call."""
        body: dict[str, Any] = {"instance_id": self._settings.instance_id}
        if invite_id is not None:
            body["invite_id"] = invite_id
        body["meeting_id"] = self.meeting_id(context["meeting_id"])
        body.update(room_fields(PartyKind(context["room_kind"]), context["room_address"]))
        body.update(operator_id=context["operator_id"], operator_id_type=OPERATOR_ID_TYPE)
        return body

    async def aclose(self) -> None:
        await self._client.aclose()
