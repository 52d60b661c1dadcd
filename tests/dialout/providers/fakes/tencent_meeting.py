"""A fake Tencent Meeting REST API built from seed 002 and provider-notes §3, served over loopback HTTP.

It checks what the real API checks, from its own implementation of the notes (nothing is imported from
the adapter): the method and path, the common headers (X-TC-Key, AppId and SdkId → 190303; X-TC-Timestamp
within 5 minutes → 190300; X-TC-Signature recomputed over the exact body bytes → 200003; a reused
nonce + timestamp → 190301; Content-Type and X-TC-Registered: 1 → 190004) and the body field by field
with the seed's types (operator_id String, operator_id_type Integer 1, meeting_id String, exactly one of
meeting_room_id String / mra_address {protocol 1|2, dial_string}, no other field → 190004; an unknown
meeting → 9003; an operator the fake does not allow → 9042). room-call answers `{"invite_id": …}`,
room-call-info `{status, response_time}`, cancel-room-call `{}`. Errors are HTTP 400/500 with
`{"error_info": {error_code, new_error_code, message}}` (new_error_code values are not documented: the
fake repeats error_code). It records every request it received and can be told to misbehave for the
next requests: any documented error code, a 502 HTML page, a non-JSON or truncated JSON body, a 200
without invite_id, a slow answer, or a connection cut mid-answer.

The vendor side of webhooks is here too: `signed_webhook` and `signed_check` build what Tencent sends
(sha1 over the sorted token, timestamp, nonce and data; Base64, AES-256-CBC when an EncodingAESKey is set).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

ROOM_CALL = "/v1/meeting-rooms/room-call"
CALL_INFO = "/v1/meeting-rooms/room-call-info"
CANCEL_CALL = "/v1/meeting-rooms/cancel-room-call"

# error_code → (HTTP status, message). Docs 1095/43704, 1095/83261, 1095/105276 and the notes.
ERRORS: dict[int, tuple[int, str]] = {
    200003: (400, "签名校验失败 signature verification failed"),
    190300: (400, "请求时间戳已过期 timestamp expired"),
    190301: (400, "请求重放错误 request replayed"),
    190303: (400, "非法的 AppId/X-TC-Key/SdkId"),
    190004: (400, "参数非法，请对照接口文档检查您的参数"),
    9003: (400, "会议不存在 meeting does not exist"),
    9042: (400, "没有权限 permission denied"),
    190310: (400, "应用调用频率超限 app rate limit exceeded"),
    190311: (400, "应用当日调用量超限 app daily limit exceeded"),
    190313: (400, "账户级接口调用频率超限 account rate limit exceeded"),
    10004: (500, "会议室呼叫失败"),
    10002: (500, "会议室呼叫状态查询失败"),
    20000: (500, "请检查参数类型"),
}
MISBEHAVIOURS = frozenset({"html_502", "not_json", "malformed_json", "no_invite_id", "slow", "reset"})
TIMESTAMP_WINDOW_S = 300


def error_body(code: int) -> Response:
    """The documented error answer for `code`."""
    status, message = ERRORS[code]
    body = {"error_info": {"error_code": code, "new_error_code": code, "message": message}}
    return JSONResponse(body, status_code=status)


def expected_signature(secret_id: str, secret_key: str, method: str, uri: str, body: bytes, nonce: str, ts: str) -> str:
    """The notes' algorithm, written out again for the fake."""
    lines = [method, f"X-TC-Key={secret_id}&X-TC-Nonce={nonce}&X-TC-Timestamp={ts}", uri, body.decode()]
    hex_digest = hmac.new(secret_key.encode(), "\n".join(lines).encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


def room_key(body: dict[str, Any]) -> str:
    """How the fake names a room: "room:<id>", "sip:<dial string>" or "h323:<dial string>"."""
    if "meeting_room_id" in body:
        return f"room:{body['meeting_room_id']}"
    mra = body["mra_address"]
    kind = {1: "sip", 2: "h323"}[mra["protocol"]]
    return f"{kind}:{mra['dial_string']}"


def beijing_time(epoch_s: float | None = None) -> str:
    """A response_time as room-call-info shows it: "2022/11/22 14:35:26", Beijing wall time."""
    return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime((time.time() if epoch_s is None else epoch_s) + 8 * 3600))


@dataclass(frozen=True)
class Received:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


@dataclass
class RoomCall:
    """A room call the fake accepted."""

    invite_id: str
    meeting_id: str
    room: str
    operator_id: str
    cancelled: bool = False


class FakeTencentMeeting:
    """Tencent Meeting's room-call API as the seed and the notes describe it."""

    def __init__(
        self,
        *,
        secret_id: str = "AKIDfake",
        secret_key: str = "fake-secret-key",
        app_id: str = "200000001",
        sdk_id: str = "19000001",
        meetings: tuple[str, ...] = ("13434000000927028",),
        operators: frozenset[str] | None = None,
        meeting_id_type: type = str,
        slow_s: float = 1.5,
    ) -> None:
        self.secret_id, self.secret_key, self.app_id, self.sdk_id = secret_id, secret_key, app_id, sdk_id
        self.meetings = set(meetings)
        self.operators = operators  # None: any operator may call
        self.meeting_id_type = meeting_id_type
        self.slow_s = slow_s
        self.requests: list[Received] = []
        self.calls: dict[str, RoomCall] = {}
        self.status: dict[tuple[str, str], tuple[int, str]] = {}
        self._seen: set[tuple[str, str]] = set()
        self._next: deque[int | str] = deque()
        self.app = Starlette(
            routes=[
                Route(ROOM_CALL, self._room_call, methods=["PUT"]),
                Route(CALL_INFO, self._call_info, methods=["POST"]),
                Route(CANCEL_CALL, self._cancel, methods=["PUT"]),
            ]
        )

    # --- test controls --------------------------------------------------------------------

    def fail_next(self, what: int | str, times: int = 1) -> None:
        """Answer the next `times` requests with documented error `what` (an int) or a misbehaviour."""
        assert what in ERRORS or what in MISBEHAVIOURS, what
        self._next.extend([what] * times)

    def set_status(self, meeting_id: str, room: str, status: int, response_time: str = "") -> None:
        """What room-call-info answers for this room from now on."""
        self.status[(meeting_id, room)] = (status, response_time)

    def received(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    # --- checks ---------------------------------------------------------------------------

    def _auth_error(self, request: Request, raw: bytes) -> int | None:
        h = request.headers
        if h.get("x-tc-key") != self.secret_id or h.get("appid") != self.app_id or h.get("sdkid", "") != self.sdk_id:
            return 190303
        if h.get("content-type") != "application/json" or h.get("x-tc-registered") != "1":
            return 190004
        ts, nonce = h.get("x-tc-timestamp", ""), h.get("x-tc-nonce", "")
        if not ts.isdigit() or abs(time.time() - int(ts)) > TIMESTAMP_WINDOW_S:
            return 190300
        if not nonce.isdigit() or int(nonce) <= 0:
            return 200003
        uri = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        wanted = expected_signature(self.secret_id, self.secret_key, request.method, uri, raw, nonce, ts)
        if not hmac.compare_digest(h.get("x-tc-signature", ""), wanted):
            return 200003
        if (nonce, ts) in self._seen:
            return 190301
        self._seen.add((nonce, ts))
        return None

    def _body_error(self, body: Any, extra: dict[str, type]) -> int | None:
        """Seed field types; `extra` adds the fields room-call-info and cancel-room-call carry."""
        fields: dict[str, type] = {"operator_id": str, "operator_id_type": int, "meeting_id": self.meeting_id_type}
        fields |= extra
        if not isinstance(body, dict):
            return 190004
        rooms = [k for k in ("meeting_room_id", "mra_address") if k in body]
        if len(rooms) != 1 or set(body) != set(fields) | set(rooms):
            return 190004
        for name, kind in fields.items():
            value = body[name]
            if type(value) is not kind or (kind is str and not value):
                return 190004
        if body["operator_id_type"] != 1:
            return 190004
        if "meeting_room_id" in body and (type(body["meeting_room_id"]) is not str or not body["meeting_room_id"]):
            return 190004
        if "mra_address" in body:
            mra = body["mra_address"]
            if not isinstance(mra, dict) or set(mra) != {"protocol", "dial_string"}:
                return 190004
            if type(mra["protocol"]) is not int or mra["protocol"] not in (1, 2):
                return 190004
            if type(mra["dial_string"]) is not str or not mra["dial_string"]:
                return 190004
        if str(body["meeting_id"]) not in self.meetings:
            return 9003
        if self.operators is not None and body["operator_id"] not in self.operators:
            return 9042
        return None

    async def _checked(self, request: Request, extra: dict[str, type]) -> tuple[dict[str, Any] | None, Response | None]:
        """Record, authenticate, misbehave if told to, then check the body: (body, None) or (None, answer)."""
        raw = await request.body()
        self.requests.append(Received(request.method, request.url.path, dict(request.headers), raw))
        code = self._auth_error(request, raw)
        if code is not None:
            return None, error_body(code)
        behaviour = self._next.popleft() if self._next else None
        if isinstance(behaviour, int):
            return None, error_body(behaviour)
        if behaviour == "slow":
            await asyncio.sleep(self.slow_s)
        elif behaviour is not None:
            return None, _misbehave(behaviour)
        try:
            body = json.loads(raw)
        except ValueError:
            return None, error_body(190004)
        code = self._body_error(body, extra)
        return (None, error_body(code)) if code is not None else (body, None)

    # --- endpoints ------------------------------------------------------------------------

    async def _room_call(self, request: Request) -> Response:
        body, answer = await self._checked(request, {})
        if body is None:
            assert answer is not None
            return answer
        call = RoomCall(str(uuid.uuid4()), str(body["meeting_id"]), room_key(body), body["operator_id"])
        self.calls[call.invite_id] = call
        self.status[(call.meeting_id, call.room)] = (4, "")
        return JSONResponse({"invite_id": call.invite_id})

    async def _call_info(self, request: Request) -> Response:
        body, answer = await self._checked(request, {"instance_id": int})
        if body is None:
            assert answer is not None
            return answer
        status, response_time = self.status.get((str(body["meeting_id"]), room_key(body)), (1, ""))
        return JSONResponse({"status": status, "response_time": response_time})

    async def _cancel(self, request: Request) -> Response:
        body, answer = await self._checked(request, {"instance_id": int, "invite_id": str})
        if body is None:
            assert answer is not None
            return answer
        call = self.calls.get(body["invite_id"])
        if call is None or call.meeting_id != str(body["meeting_id"]) or call.room != room_key(body):
            return error_body(190004)
        call.cancelled = True
        self.status[(call.meeting_id, call.room)] = (5, beijing_time())
        return JSONResponse({})


def _misbehave(behaviour: str) -> Response:
    if behaviour == "html_502":
        return Response("<html><body>502 Bad Gateway</body></html>", status_code=502, media_type="text/html")
    if behaviour == "not_json":
        return Response("<html>ok</html>", status_code=200, media_type="text/html")
    if behaviour == "malformed_json":
        return Response('{"invite_id": "33faef6b', status_code=200, media_type="application/json")
    if behaviour == "no_invite_id":
        return JSONResponse({})
    return _CutOff()


class _CutOff(Response):
    """Headers promising a body, part of it, then the connection closes: a reset mid-answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"200")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"invite_id":"33fa', "more_body": False})


# --- the vendor side of webhooks ---------------------------------------------------------


def encrypt(encoding_aes_key: str, plaintext: bytes) -> bytes:
    """AES-256-CBC, key = b64decode(EncodingAESKey + "="), IV = key[:16], PKCS#7 (doc 1095/54658)."""
    key = base64.b64decode(encoding_aes_key + "=")
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()


def seal(plaintext: bytes, encoding_aes_key: str = "") -> str:
    """The `data` / `check_str` Tencent sends: Base64 of the (encrypted, when a key is set) plaintext."""
    return base64.b64encode(encrypt(encoding_aes_key, plaintext) if encoding_aes_key else plaintext).decode()


def signature_headers(
    token: str, data: str, *, timestamp: str | None = None, nonce: str = "14964161"
) -> dict[str, str]:
    ts = timestamp or str(int(time.time() * 1000))
    signature = hashlib.sha1("".join(sorted([token, ts, nonce, data])).encode()).hexdigest()
    return {"timestamp": ts, "nonce": nonce, "signature": signature}


def signed_webhook(token: str, event: dict[str, Any], encoding_aes_key: str = "") -> tuple[dict[str, str], bytes]:
    """Headers and body of an event POST as Tencent sends it."""
    data = seal(json.dumps(event, ensure_ascii=False).encode(), encoding_aes_key)
    return signature_headers(token, data), json.dumps({"data": data}).encode()


def signed_check(token: str, plaintext: str, encoding_aes_key: str = "") -> tuple[dict[str, str], str]:
    """Headers and check_str of the URL-verification GET."""
    check = seal(plaintext.encode(), encoding_aes_key)
    return signature_headers(token, check), check


def room_response(meeting_id: str, room: str, status: str, *, operate_ms: int | None = None) -> dict[str, Any]:
    """A `room.response` event (doc 1095/83460) for `room` ("room:<id>", "sip:<dial>", "h323:<dial>")."""
    kind, _, address = room.partition(":")
    where: dict[str, Any] = (
        {"meeting_room_id": address}
        if kind == "room"
        else {"mra_address": {"protocol": 1 if kind == "sip" else 2, "dial_string": address}}
    )
    operated = operate_ms if operate_ms is not None else int(time.time() * 1000)
    return {
        "event": "room.response",
        "trace_id": str(uuid.uuid4()),
        "payload": [
            {
                "operate_time": operated,
                "room_response_event": {
                    "meeting_id": meeting_id,
                    **where,
                    "response_event": {"response_status": status, "response_time": operated},
                },
            }
        ],
    }
