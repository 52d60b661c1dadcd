"""A fake Yunhuni gateway built from seed 000 and provider-notes §1, served over loopback HTTP.

It checks what the real gateway checks: the path under `/v1/account/{account}/` (the seed's
`conf/{id}/invite_call` or the released `conf/invite_call/{id}`, one style per fake), POST, the
AppID/CertID/Timestamp/Signature headers (signature recomputed here from the notes, timestamps
older than 5 minutes refused, both as HTTP 401 "Bad credentials"), the JSON Content-Type and the
body field by field (ConfInviteCallInputDTO: types and ranges, no unknown fields → code 000001).
It answers with the documented success and error bodies, records every request it received, and
can be told to misbehave for the next requests: any documented code, HTTP 5xx, a non-JSON or
truncated JSON body, an accepted answer without callId, a slow answer, or a connection cut
mid-answer. Event payloads are built here the way the platform posts them (flat JSON with
`action: "event_notify"`, times in epoch ms, nulls omitted).
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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

CHINA = ZoneInfo("Asia/Shanghai")
SIGNATURE_TTL = timedelta(minutes=5)

# ApiReturnCodeEnum (lsxy/module-framework-core): the codes a conference invite or quit can return.
MESSAGES = {
    "000000": "请求成功",
    "000001": "参数错误",
    "000002": "未知错误",
    "000003": "内部错误",
    "000004": "系统繁忙",
    "010000": "应用不存在",
    "010001": "应用没上线",
    "010002": "app没开通该服务",
    "010003": "余额不足",
    "010004": "IP不在白名单内",
    "010005": "放音文件不存在或未审核",
    "010006": "配额不足",
    "020000": "呼叫不存在",
    "020001": "号码不允许呼叫",
    "020002": "没有可用线路",
    "030100": "会议不存在",
    "030101": "超过最大与会数",
}
MISBEHAVIOURS = {"http_500", "http_503", "not_json", "malformed_json", "no_call_id", "slow", "reset"}

# Field → (type, low, high): ints are ranges, strings are lengths (ConfInviteCallInputDTO).
INVITE_FIELDS: dict[str, tuple[type, int, int]] = {
    "from": (str, 0, 128),
    "to": (str, 1, 128),
    "max_duration": (int, 1, 21600),
    "max_dial_duration": (int, 1, 300),
    "dial_voice_stop_cond": (int, 0, 1),
    "play_file": (str, 0, 128),
    "voice_mode": (int, 1, 4),
}
REQUIRED = {"to", "max_duration"}


@dataclass
class Received:
    """One HTTP request as the fake got it."""

    method: str
    path: str  # raw, as signed
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


@dataclass
class FakeCall:
    """A call the fake accepted."""

    call_id: str
    conf_id: str
    body: dict[str, Any]
    quit: bool = False


@dataclass
class FakeYunhuni:
    """The gateway; serve `app` with LoopbackServer and point YUNHUNI_BASE_URL at `base_url(url)`."""

    app_id: str = "app-7f3c"
    cert_id: str = "cert-19ab"
    secret: str = "s3cr3t-key"
    account: str = "8a2a6a4a"
    path_style: str = "seed"
    conferences: set[str] = field(default_factory=lambda: {"42"})
    max_parties: int = 10
    slow_s: float = 1.5
    requests: list[Received] = field(default_factory=list)
    calls: dict[str, FakeCall] = field(default_factory=dict)
    now: Any = None  # a callable returning an aware datetime; the real clock when None

    def __post_init__(self) -> None:
        self._script: deque[str] = deque()
        self.app = Starlette(routes=[Route("/{rest:path}", self._handle, methods=["GET", "POST", "PUT", "DELETE"])])

    def base_url(self, server_url: str) -> str:
        """YUNHUNI_BASE_URL for a fake served at `server_url`."""
        return f"{server_url}/v1/account/{self.account}/"

    def fail_next(self, *behaviours: str) -> None:
        """Answer the next invite requests with these codes or misbehaviours, one each, in order."""
        for behaviour in behaviours:
            assert behaviour in MISBEHAVIOURS or (behaviour.isdigit() and len(behaviour) == 6), behaviour
            self._script.append(behaviour)

    def invites(self) -> list[Received]:
        return [r for r in self.requests if "invite_call" in r.path]

    # --- the gateway -------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        raw_path = request.scope.get("raw_path", b"").decode() or request.url.path
        body = await request.body()
        received = Received(request.method, raw_path, {k.lower(): v for k, v in request.headers.items()}, body)
        self.requests.append(received)
        prefix = f"/v1/account/{self.account}/conf/"
        first, _, second = raw_path.removeprefix(prefix).partition("/") if raw_path.startswith(prefix) else ("", "", "")
        if first == "quit" and second:
            endpoint, conf_id = "quit", second
        elif self.path_style == "seed" and second == "invite_call" and first not in {"", "invite_call", "quit"}:
            endpoint, conf_id = "invite", first
        elif self.path_style == "released" and first == "invite_call" and second and "/" not in second:
            endpoint, conf_id = "invite", second
        else:
            return JSONResponse({"status": 404, "error": "Not Found", "path": raw_path}, status_code=404)
        conf_id = unquote(conf_id)
        if request.method != "POST":
            return JSONResponse({"status": 405, "error": "Method Not Allowed"}, status_code=405)
        if not self._authentic(received):
            return JSONResponse({"status": 401, "error": "Unauthorized", "message": "Bad credentials"}, 401)
        if received.headers.get("content-type") != "application/json":
            return JSONResponse({"status": 415, "error": "Unsupported Media Type"}, status_code=415)
        try:
            payload = json.loads(body)
        except ValueError:
            return _answer("000001", "参数错误: body is not JSON")
        if endpoint == "quit":
            return self._quit(conf_id, payload)
        return await self._invite(conf_id, payload)

    def _authentic(self, received: Received) -> bool:
        h = received.headers
        if h.get("appid") != self.app_id or h.get("certid") != self.cert_id:
            return False
        try:
            stamp = datetime.strptime(h.get("timestamp", ""), "%Y%m%d%H%M%S").replace(tzinfo=CHINA)
        except ValueError:
            return False
        now = self.now() if self.now else datetime.now(CHINA)
        if now - stamp > SIGNATURE_TTL:
            return False
        text = "\n".join(
            [
                received.method,
                hashlib.md5(received.raw, usedforsecurity=False).hexdigest(),
                h.get("content-type", ""),
                h["timestamp"],
                self.app_id,
                received.path,
            ]
        )
        digest = hmac.new(self.secret.encode(), text.encode(), hashlib.sha256).digest()
        return hmac.compare_digest(h.get("signature", ""), base64.b64encode(digest).decode())

    async def _invite(self, conf_id: str, payload: Any) -> Response:
        problem = _invalid_invite(payload)
        if problem:
            return _answer("000001", f"参数错误: {problem}")
        behaviour = self._script.popleft() if self._script else None
        if behaviour and behaviour.isdigit():
            return _answer(behaviour)
        if behaviour in {"http_500", "http_503"}:
            return PlainTextResponse("Internal Server Error", status_code=int(behaviour[5:]))
        if behaviour == "not_json":
            return Response("<html><body>upstream busy</body></html>", media_type="text/html")
        if behaviour == "malformed_json":
            return Response('{"code":"000000","msg":"请求成功","data":{"callId":', media_type="application/json")
        if behaviour == "reset":
            return _CutOff()
        if conf_id not in self.conferences:
            return _answer("030100")
        if sum(1 for c in self.calls.values() if c.conf_id == conf_id and not c.quit) >= self.max_parties:
            return _answer("030101")
        call = FakeCall(uuid.uuid4().hex, conf_id, payload)
        self.calls[call.call_id] = call
        if behaviour == "no_call_id":
            return _answer("000000", data={})
        if behaviour == "slow":
            await asyncio.sleep(self.slow_s)  # the call is placed; only the answer is late
        return _answer("000000", data={"callId": call.call_id})

    def _quit(self, conf_id: str, payload: Any) -> Response:
        if not isinstance(payload, dict) or set(payload) != {"call_id"} or not isinstance(payload["call_id"], str):
            return _answer("000001", "参数错误: call_id")
        call = self.calls.get(payload["call_id"])
        if conf_id not in self.conferences:
            return _answer("030100")
        if call is None or call.conf_id != conf_id or call.quit:
            return _answer("020000")
        call.quit = True
        return _answer("000000", data=True)

    # --- events, as the platform posts them to the app's callback URL ------------------------

    @staticmethod
    def event(name: str, **fields: Any) -> dict[str, Any]:
        """An event body: {"event": name, …fields without nulls, "action": "event_notify"}."""
        body = {"event": name, **{k: v for k, v in fields.items() if v is not None}}
        body["action"] = "event_notify"
        return body

    # Event times default to now: the core measures a call's silence from the times providers report.
    def joined(self, call_id: str, at_ms: int | None = None) -> dict[str, Any]:
        return self.event("conf.joined", id=self.calls[call_id].conf_id, call_id=call_id, join_time=at_ms or _now_ms())

    def join_fail(self, call_id: str, at_ms: int | None = None) -> dict[str, Any]:
        return self.event("conf.join.fail", id=self.calls[call_id].conf_id, call_id=call_id, time=at_ms or _now_ms())

    def quit(self, call_id: str, at_ms: int | None = None) -> dict[str, Any]:
        call = self.calls[call_id]
        quit_ms = at_ms or _now_ms()
        return self.event("conf.quit", id=call.conf_id, call_id=call_id, join_time=quit_ms - 600_000, quit_time=quit_ms)

    def end(self, conf_id: str, error: str | None = None) -> dict[str, Any]:
        return self.event("conf.end", id=conf_id, begin_time=1764122000000, end_time=1764123600000, error=error)


def _invalid_invite(payload: Any) -> str | None:
    """Why a body breaks ConfInviteCallInputDTO, or None."""
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    unknown = set(payload) - set(INVITE_FIELDS)
    if unknown:
        return f"unknown fields {sorted(unknown)}"
    for name in sorted(REQUIRED - set(payload)):
        return f"{name} is required"
    for name, value in payload.items():
        kind, low, high = INVITE_FIELDS[name]
        if type(value) is not kind:  # bool is not an int here: max_dial_duration is seconds
            return f"{name} must be {kind.__name__}"
        size = value if kind is int else len(value)
        if not low <= size <= high:
            return f"{name} out of range"
    return None


def _answer(code: str, msg: str | None = None, data: Any = None) -> JSONResponse:
    return JSONResponse({"code": code, "msg": msg or MESSAGES.get(code, "未定义的错误"), "data": data})


class _CutOff(Response):
    """Headers promising a body, half of it, then the connection is closed: a reset mid-answer."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"200")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"code":"000', "more_body": False})


def _now_ms() -> int:
    return int(time.time() * 1000)
