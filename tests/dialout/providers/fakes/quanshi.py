"""A fake Quanshi 云直播 Open API built from seed 004 and the provider notes (auth: api/33, token: api/440).

It checks every request the way the documents describe it (POST, JSON content type, AppKey / Nonce /
CurTime / CheckSum headers, the token/create and call/create bodies field by field in the seed's
formats) and answers with the seed's documented success shape. A request that breaks the contract is
answered HTTP 400 and listed in `problems`, so a test sees it. `misbehave()` queues answers for the
next call/create requests: an undocumented error code, 5xx, non-JSON, malformed JSON, a slow answer
(read timeout) or a connection reset after the request was received.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

TOKEN_PATH = "/eventopenapi/token/create"
CALL_CREATE_PATH = "/eventopenapi/event/call/create"
ENTRY_FIELDS = {"name", "company", "countryCode", "mobile", "areaCode", "phone"}
CALL_FIELDS = {"token", "eventId", "beforeMinutes", "callList"}


@dataclass
class Received:
    """One request as the fake got it."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Misbehaviour:
    """How to answer one call/create request instead of the normal answer."""

    kind: str  # code, http, http_500, not_json, malformed, no_data, slow, reset, expire_tokens
    code: int = 0
    msg: str = ""


@dataclass
class FakeQuanshi:
    """The two endpoints confbot uses, with a token store and scripted misbehaviour."""

    app_key: str
    app_secret: str
    admin_user_id: int
    events: set[int] = field(default_factory=lambda: {542818})
    token_expire_s: int = 86400
    slow_s: float = 1.5
    # Numbers (countryCode, national) that Quanshi puts in fail_data.
    rejected: set[tuple[str, str]] = field(default_factory=set)
    url: str = ""  # set by whoever serves the app
    received: list[Received] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)  # data of the normal call/create answers
    problems: list[str] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # token → wall-clock expiry
    script: list[Misbehaviour] = field(default_factory=list)
    token_script: list[Misbehaviour] = field(default_factory=list)
    # Rewrites the data of a normal answer (reorder, reformat, duplicate entries) before it is sent.
    rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route(TOKEN_PATH, self._token_create, methods=["POST"]),
                Route(CALL_CREATE_PATH, self._call_create, methods=["POST"]),
            ]
        )

    # --- test controls -------------------------------------------------------------------

    def misbehave(self, kind: str, code: int = 0, msg: str = "", times: int = 1) -> None:
        """Answer the next `times` call/create requests this way."""
        self.script.extend(Misbehaviour(kind, code, msg) for _ in range(times))

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (Quanshi revoked or expired them)."""
        self.tokens = {token: 0.0 for token in self.tokens}

    def calls(self) -> list[Received]:
        return [r for r in self.received if r.path == CALL_CREATE_PATH]

    def token_requests(self) -> list[Received]:
        return [r for r in self.received if r.path == TOKEN_PATH]

    # --- endpoints ------------------------------------------------------------------------

    async def _read(self, request: Request) -> tuple[Any, str | None]:
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = None
        self.received.append(Received(request.url.path, headers, body))
        problem = self._check_headers(headers) or (None if isinstance(body, dict) else "body is not a JSON object")
        if problem:
            self.problems.append(f"{request.url.path}: {problem}")
        return body, problem

    def _check_headers(self, headers: dict[str, str]) -> str | None:
        if headers.get("content-type") != "application/json":
            return f"content-type {headers.get('content-type')!r}"
        if headers.get("accept") != "application/json":
            return f"accept {headers.get('accept')!r}"
        if headers.get("appkey") != self.app_key:
            return "wrong AppKey"
        nonce, cur_time = headers.get("nonce", ""), headers.get("curtime", "")
        if not 0 < len(nonce) <= 128:
            return "Nonce must be 1-128 characters"
        if not cur_time.isdigit() or abs(int(cur_time) - time.time() * 1000) > 300_000:
            return f"CurTime {cur_time!r} is not the current time in ms"
        expected = hashlib.sha1((self.app_secret + nonce + cur_time).encode()).hexdigest()
        if headers.get("checksum") != expected:
            return "CheckSum mismatch"
        return None

    async def _token_create(self, request: Request) -> Response:
        body, problem = await self._read(request)
        if problem is None and (set(body) != {"userId"} or not _is_long(body["userId"])):
            problem = f"token/create body must be {{'userId': <number>}}, got {body!r}"
            self.problems.append(problem)
        if problem:
            return _answer(400, problem, status=400)
        if self.token_script:
            return await self._misbehave(self.token_script.pop(0))
        if body["userId"] != self.admin_user_id:
            return _answer(404, "user does not exist")
        token = secrets.token_hex(16)
        self.tokens[token] = time.time() + self.token_expire_s
        data = {
            "productId": None,
            "createTime": int(time.time() * 1000),
            "expire": self.token_expire_s,
            "customerCode": "0001",
            "token": token,
            "userId": self.admin_user_id,
        }
        return _answer(200, "Successfully to create the token!", data)

    async def _call_create(self, request: Request) -> Response:
        body, problem = await self._read(request)
        if problem is None:
            problem = _check_call_body(body)
            if problem:
                self.problems.append(problem)
        if problem:
            return _answer(400, problem, status=400)
        if self.script:
            step = self.script.pop(0)
            if step.kind == "expire_tokens":
                self.expire_tokens()
            else:
                return await self._misbehave(step)
        if self.tokens.get(body["token"], 0.0) < time.time():
            return _answer(401, "Invalid token, please create a new one")
        if body["eventId"] not in self.events:  # undocumented: our assumption of how it is refused
            return _answer(404, "The event does not exist")
        data = self._outcome(body["callList"])
        self.answers.append(data)
        return _answer(200, "Successfully to create the event call!", data)

    def _outcome(self, entries: list[dict[str, str]]) -> dict[str, Any]:
        success: list[dict[str, str]] = []
        fail: list[dict[str, str]] = []
        for entry in entries:
            national = entry["mobile"] or entry["areaCode"] + entry["phone"]
            echoed = {"id": secrets.token_hex(12), **entry}
            (fail if (entry["countryCode"], national) in self.rejected else success).append(echoed)
        data = {
            "total_count": len(entries),
            "success_count": len(success),
            "fail_count": len(fail),
            "requestId": None,
            "fail_data": fail,
            "success_data": success,
        }
        return self.rewrite(data) if self.rewrite else data

    async def _misbehave(self, step: Misbehaviour) -> Response:
        if step.kind == "code":
            return _answer(step.code, step.msg)
        if step.kind == "http_500":
            return PlainTextResponse("Internal Server Error", status_code=500)
        if step.kind == "not_json":
            return PlainTextResponse("<html><body>502 Bad Gateway</body></html>", status_code=200)
        if step.kind == "malformed":
            return Response('{"code": 200, "data": {"success_data": [', media_type="application/json")
        if step.kind == "no_data":
            return _answer(200, "Successfully to create the event call!", {"success_data": "oops"})
        if step.kind == "http":
            return _answer(step.code, step.msg, status=step.code)
        if step.kind == "slow":
            await asyncio.sleep(self.slow_s)
            return _answer(200, "answered too late", {})
        if step.kind == "reset":
            return _ResetAfterHeaders()
        raise AssertionError(f"unknown misbehaviour {step.kind}")


class _ResetAfterHeaders(Response):
    """Starts an answer, then drops the connection: the client sees the request arrived, then a reset."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"200")]})
        await send({"type": "http.response.body", "body": b'{"code": 2', "more_body": True})
        raise ConnectionResetError("fake quanshi: connection reset after receiving the request")


def _answer(code: int, msg: str, data: Any = None, *, status: int = 200) -> JSONResponse:
    stamp = int(time.time() * 1000)
    body = {
        "timeStamp": stamp,
        "code": code,
        "msg": msg,
        "data": data,
        "requestId": f"10.255.0.106_20220309_170437_{stamp}",
    }
    return JSONResponse(body, status_code=status)


def _is_long(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _check_call_body(body: dict[str, Any]) -> str | None:
    """The seed's rules for call/create, field by field; the first broken one."""
    if not set(body) <= CALL_FIELDS or not {"token", "eventId", "callList"} <= set(body):
        return f"call/create fields {sorted(body)}"
    if not isinstance(body["token"], str) or not body["token"]:
        return "token must be a string"
    if not _is_long(body["eventId"]):
        return f"eventId must be a Long, got {body['eventId']!r}"
    before = body.get("beforeMinutes", 30)
    if not isinstance(before, int) or isinstance(before, bool) or not 0 <= before <= 60:
        return f"beforeMinutes must be an Int 0-60, got {before!r}"
    if not isinstance(body["callList"], list) or not body["callList"]:
        return "callList must be a non-empty array"
    for entry in body["callList"]:
        problem = _check_entry(entry)
        if problem:
            return f"callList entry {entry!r}: {problem}"
    return None


def _check_entry(entry: Any) -> str | None:
    if not isinstance(entry, dict) or set(entry) - ENTRY_FIELDS:
        return "unknown fields"
    if any(not isinstance(v, str) for v in entry.values()):
        return "every field is a String"
    if not entry.get("name", "").strip():
        return "name is required"
    country = entry.get("countryCode", "")
    if not country.isdigit() or country.startswith("0"):
        return "countryCode is digits only, without + or 00"
    mobile, area, phone = entry.get("mobile", ""), entry.get("areaCode", ""), entry.get("phone", "")
    if mobile:
        if not mobile.isdigit() or area or phone:
            return "a mobile entry has digits in mobile and no areaCode/phone"
        if _is_landline(f"+{country}{mobile}"):
            return "a landline goes in phone (手机和座机二选一), not in mobile"
        return None
    if not phone.isdigit():
        return "either mobile or phone must be given"
    if area and (country != "86" or not area.isdigit() or area.startswith("0")):
        return "areaCode: mainland China only, digits without the leading 0"
    if country == "86" and not area:
        return "a mainland China landline has its areaCode (北京 10)"
    return None


def _is_landline(e164: str) -> bool:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE
