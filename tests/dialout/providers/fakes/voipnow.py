"""A fake VoipNow UnifiedAPI server built from seed 001 and provider-notes §2, served over loopback HTTP.

What it checks, as the real server would:
- `POST /oauth/token.php`, form-urlencoded, exactly `grant_type=client_credentials, client_id, client_secret,
  type=unifiedapi, redirect_uri=<host>/ouath/token.php` (4PSA's own client's typo); wrong credentials
  → 401 `{"error": "invalid_client"}`. Tokens are `tok-1`, `tok-2`, … with `expires_in`.
- `Authorization: Bearer <token>` on every UnifiedAPI request, else 401 `access_denied`.
- `POST /uapi/phoneCalls/{userId}/conferenceInvite`: JSON Content-Type, only the `number`, `pin` and
  `waitForPickup` query parameters, the body `{extension, phoneCallView: [{source, destination, callerId}]}`
  field by field, answering the seed's 400 codes (`user_invalid`, `extension_invalid`, `pc_source_invalid`,
  `pc_destination_invalid`, `pc_callerid_invalid`, `pc_timeout_invalid`, `pc_number_invalid`, `pc_pin_invalid`)
  and on success the seed's example: 202 `[{id, extension, link: {self}}]`.
- `GET /uapi/phoneCalls/{userId}/{extension}/{id}`: the call's next scripted state, in a valid-JSON form of the
  seed's example (`{"entry": [...]}`, the list `[{"entry": [...]}, {paging}]`, or the printed `{…}, {…}`).
  A call that is over is gone: 404 (or, by a switch, 200 with an empty `entry`).
- `GET /uapi/phoneCalls/{userId}/{extension}` (List PhoneCalls, provider-notes §2: "the phone calls that are
  in the system at a given time"): every call of the extension not over yet, each at its next scripted step
  (a listing is an observation, like a GET by id), with its `published` time; `count` is the only parameter.
- `DELETE /uapi/phoneCalls/{userId}/{extension}/{id}`: hangs the call up (204), 404 when gone.

Anything outside the contract is recorded in `violations` (tests assert it stays empty) and refused.
`fail_next` makes the next requests of one route misbehave: a documented error, any status and body,
a non-JSON or malformed answer, a slow answer (→ read timeout) or a connection cut mid-answer.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

Step = dict[str, Any] | None  # the phoneCallView fields of one GET; None: the call is over (gone)
TRYING: Step = {"status": "2"}
RINGING: Step = {"status": "3"}
OTHER_SIDE_RINGING: Step = {"status": "4"}
ON_CALL: Step = {"status": "5", "answered": True}
UNKNOWN_STATUS: Step = {"status": "0"}
BUSY: Step = {"status": "0", "disposition": "1"}
FAILED: Step = {"status": "0", "disposition": "2"}
NO_ANSWER: Step = {"status": "0", "disposition": "3"}
NOT_ALLOWED: Step = {"status": "0", "disposition": "5"}
GONE: Step = None

MESSAGES = {
    "user_invalid": "Value supplied in userId parameter is missing or invalid.",
    "extension_invalid": "Value supplied in extension parameter is missing or invalid.",
    "pc_duration_invalid": "Value supplied in callDuration parameter is missing or invalid.",
    "pc_source_invalid": "Value supplied in source parameter is missing or invalid.",
    "pc_destination_invalid": "Value supplied in destination parameter is missing or invalid.",
    "pc_timeout_invalid": "Value supplied in waitForPickup parameter is missing or invalid.",
    "pc_callerid_invalid": "Value supplied in callerId parameter is missing or invalid.",
    "pc_pin_invalid": "Value supplied in pin parameter is missing or invalid.",
    "pc_number_invalid": "Value supplied in number parameter is missing or invalid.",
    "access_denied": "Access denied.",
    "request_not_implemented": "Request not implemented.",
    "internal_server_error": "Internal server error.",
}
STATUS_OF = {"access_denied": 401, "request_not_implemented": 501, "internal_server_error": 500}
CALLER_ID = re.compile(r"^[^<>]+ <\+?[0-9*#]+>$")
DESTINATION = re.compile(r"^\+?[0-9*#]{2,32}$")
CONFERENCES = {"211": {"3": "2233"}, "0003*212": {"7": "11"}}
Route_ = Literal["token", "create", "status", "list", "delete"]


@dataclass
class Received:
    """One request as the fake got it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode(), keep_blank_values=True)


@dataclass
class FakeCall:
    """A PhoneCall the fake created; each GET shows the next step of its script."""

    id: str
    user_id: str
    extension: str
    destination: str
    caller_id: str | None
    script: list[Step]
    published: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    polls: int = 0
    hung_up: bool = False

    def peek(self) -> Step:
        """The state the call is in now."""
        return GONE if self.hung_up else self.script[min(self.polls, len(self.script) - 1)]

    def step(self) -> Step:
        """The state a GET shows; the next GET shows the next step."""
        current = self.peek()
        self.polls += 1
        return current


@dataclass
class Fault:
    kind: Literal["error", "slow", "reset", "not_json", "malformed"]
    status: int = 400
    body: Any = None


@dataclass
class FakeVoipNow:
    """The server; `app` is a Starlette app for LoopbackServer."""

    client_id: str = "app-key"
    client_secret: str = "app-secret"
    users: tuple[str, ...] = ("@me", "12")
    # Conference extension → scheduled conference number → PIN
    conferences: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"211": {"3": "2233"}, "0003*212": {"7": "11"}}
    )
    expires_in: int | None = 3600
    create_status: int = 202
    status_shape: Literal["dict", "list", "printed"] = "dict"
    gone_as: Literal["404", "empty"] = "404"
    slow_s: float = 1.5
    scripts: dict[str, list[Step]] = field(default_factory=dict)  # destination → steps
    default_script: list[Step] = field(default_factory=lambda: [TRYING, RINGING, ON_CALL, ON_CALL, GONE])
    received: list[Received] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    calls: dict[str, FakeCall] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route("/oauth/token.php", self._token, methods=["POST"]),
                Route("/uapi/phoneCalls/{user_id}/conferenceInvite", self._create, methods=["POST"]),
                Route("/uapi/phoneCalls/{user_id}/{extension}", self._list, methods=["GET"]),
                Route("/uapi/phoneCalls/{user_id}/{extension}/{call_id}", self._status, methods=["GET"]),
                Route("/uapi/phoneCalls/{user_id}/{extension}/{call_id}", self._delete, methods=["DELETE"]),
            ]
        )

    # --- controls -------------------------------------------------------------------------

    def fail_next(
        self,
        route: Route_,
        kind: Literal["error", "slow", "reset", "not_json", "malformed"] = "error",
        *,
        code: str | None = None,
        status: int | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` requests of `route` misbehave; `code` answers a documented error."""
        if code is not None:
            status = status or STATUS_OF.get(code, 400)
            body = {"error": {"code": code, "message": MESSAGES.get(code, code)}}
        fault = Fault(kind, status or 400, body)
        self.faults.setdefault(route, deque()).extend([fault] * times)

    def revoke_tokens(self) -> None:
        """Every token issued so far is now refused (as if it expired early)."""
        self.valid_tokens.clear()

    def requests_to(self, route: Route_) -> list[Received]:
        method, pattern = {
            "token": ("POST", r"^/oauth/token\.php$"),
            "create": ("POST", r"/conferenceInvite$"),
            "status": ("GET", r"^/uapi/phoneCalls/[^/]+/[^/]+/[^/]+$"),
            "list": ("GET", r"^/uapi/phoneCalls/[^/]+/[^/]+$"),
            "delete": ("DELETE", r"^/uapi/phoneCalls/"),
        }[route]
        return [r for r in self.received if r.method == method and re.search(pattern, r.path)]

    # --- handlers -------------------------------------------------------------------------

    async def _record(self, request: Request) -> Received:
        received = Received(
            request.method,
            request.url.path,
            list(request.query_params.multi_items()),
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
        )
        self.received.append(received)
        return received

    def _fault(self, route: str) -> Fault | None:
        queue = self.faults.get(route)
        return queue.popleft() if queue else None

    async def _answer(self, route: str, make: Any) -> Response:
        """Apply a queued fault around the normal answer `make()`."""
        fault = self._fault(route)
        if fault is None:
            return await make()
        if fault.kind == "error":
            if isinstance(fault.body, dict | list):
                return JSONResponse(fault.body, status_code=fault.status)
            return PlainTextResponse(str(fault.body or ""), status_code=fault.status)
        if fault.kind == "not_json":
            await make()
            return PlainTextResponse("<html><body>Gateway says hello</body></html>", status_code=fault.status or 200)
        if fault.kind == "malformed":
            await make()
            return Response(
                b'[{"id": "99735c54ff45a3a988f2" "extension": ', status_code=200, media_type="application/json"
            )
        answer = await make()  # slow and reset: the request was acted on, the answer is lost
        if fault.kind == "slow":
            await asyncio.sleep(self.slow_s)
            return answer
        return _CutOff()

    async def _token(self, request: Request) -> Response:
        received = await self._record(request)

        async def make() -> Response:
            if not received.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                self.violations.append(f"token: content-type {received.headers.get('content-type')}")
            form = received.form()
            expected_redirect = f"{str(request.base_url).rstrip('/')}/ouath/token.php"
            keys = [k for k, _ in form]
            if sorted(keys) != sorted(["grant_type", "client_id", "client_secret", "type", "redirect_uri"]):
                self.violations.append(f"token: fields {keys}")
            values = dict(form)
            if values.get("grant_type") != "client_credentials" or values.get("type") != "unifiedapi":
                self.violations.append(f"token: grant {values.get('grant_type')} type {values.get('type')}")
            if values.get("redirect_uri") != expected_redirect:
                self.violations.append(f"token: redirect_uri {values.get('redirect_uri')}")
            if values.get("client_id") != self.client_id or values.get("client_secret") != self.client_secret:
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "The client credentials are invalid"}, 401
                )
            token = f"tok-{len(self.tokens) + 1}"
            self.tokens.append(token)
            self.valid_tokens.add(token)
            body: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
            if self.expires_in is not None:
                body["expires_in"] = self.expires_in
            return JSONResponse(body)

        return await self._answer("token", make)

    def _denied(self, received: Received) -> Response | None:
        auth = received.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_tokens:
            return _error(401, "access_denied")
        return None

    async def _create(self, request: Request) -> Response:
        received = await self._record(request)

        async def make() -> Response:
            denied = self._denied(received)
            if denied:
                return denied
            return self._create_call(request.path_params["user_id"], received)

        return await self._answer("create", make)

    def _violation(self, what: str) -> Response:
        self.violations.append(f"create: {what}")
        return _error(400, "request_invalid", what)

    def _create_call(self, user_id: str, received: Received) -> Response:
        if not received.headers.get("content-type", "").startswith("application/json"):
            return self._violation(f"content-type {received.headers.get('content-type')}")
        query = dict(received.query)
        if len(query) != len(received.query) or set(query) - {"number", "pin", "waitForPickup"}:
            return self._violation(f"query {received.query}")
        try:
            body = received.json()
        except ValueError:
            return self._violation("body is not JSON")
        if not isinstance(body, dict) or set(body) - {"extension", "phoneCallView"}:
            return self._violation(f"body fields {body!r}")
        views = body.get("phoneCallView")
        if not isinstance(views, list) or len(views) != 1 or not isinstance(views[0], dict):
            return self._violation(f"phoneCallView {views!r}")
        view = views[0]
        if set(view) - {"source", "destination", "callerId"}:
            return self._violation(f"phoneCallView fields {sorted(view)}")
        if user_id not in self.users:
            return _error(400, "user_invalid")
        extension = body.get("extension") or (view.get("source") or [None])[0]
        if extension not in self.conferences:
            return _error(400, "extension_invalid")
        if view.get("source") != [extension]:
            return _error(400, "pc_source_invalid")
        destination = view.get("destination")
        if not isinstance(destination, list) or len(destination) != 1 or not DESTINATION.match(str(destination[0])):
            return _error(400, "pc_destination_invalid")
        caller_id = view.get("callerId")
        if caller_id is not None and (not isinstance(caller_id, str) or not CALLER_ID.match(caller_id)):
            return _error(400, "pc_callerid_invalid")
        wait = query.get("waitForPickup")
        if wait is not None and (not wait.isdigit() or int(wait) <= 0):
            return _error(400, "pc_timeout_invalid")
        number = query.get("number")
        if number is not None and number not in self.conferences[extension]:
            return _error(400, "pc_number_invalid")
        if "pin" in query and (number is None or query["pin"] != self.conferences[extension][number]):
            return _error(400, "pc_pin_invalid")
        call_id = f"{len(self.calls) + 1:04d}9735c54ff45a3a98"
        script = self.scripts.get(destination[0], self.default_script)
        self.calls[call_id] = FakeCall(call_id, user_id, extension, destination[0], caller_id, list(script))
        if self.create_status == 204:
            return Response(status_code=204)
        link = f"http://192.0.2.10/uapi/phoneCalls/{user_id}/{extension}/{call_id}"
        return JSONResponse([{"id": call_id, "extension": extension, "link": {"self": link}}], self.create_status)

    def _find(self, request: Request) -> FakeCall | None:
        params = request.path_params
        call = self.calls.get(params["call_id"])
        if call is None or call.extension != params["extension"] or call.user_id != params["user_id"]:
            return None
        return call

    async def _status(self, request: Request) -> Response:
        received = await self._record(request)

        async def make() -> Response:
            denied = self._denied(received)
            if denied:
                return denied
            call = self._find(request)
            step = call.step() if call else GONE
            if step is GONE or call is None:
                if self.gone_as == "404":
                    return _error(404, "phone_call_not_found", "The phone call does not exist.")
                return self._listing([])
            return self._listing([self._record_of(call, step)])

        return await self._answer("status", make)

    async def _list(self, request: Request) -> Response:
        received = await self._record(request)

        async def make() -> Response:
            denied = self._denied(received)
            if denied:
                return denied
            if {k for k, _ in received.query} - {"count"}:
                self.violations.append(f"list: query {received.query}")
            user_id, extension = request.path_params["user_id"], request.path_params["extension"]
            records = []
            for call in self.calls.values():
                if call.user_id != user_id or call.extension != extension:
                    continue
                step = call.step()
                if step is not GONE:
                    records.append(self._record_of(call, step))
            return self._listing(records)

        return await self._answer("list", make)

    def _record_of(self, call: FakeCall, step: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {"id": "00", "extension": call.extension, "status": step.get("status", "0")}
        if step.get("answered"):
            view["answered"] = "2012-06-27T16:08:55+03:00"
        if "disposition" in step:
            view["disposition"] = step["disposition"]
        view.update(
            {
                "callerId": call.caller_id or "Conference <211>",
                "source": [call.extension],
                "destination": [call.destination],
            }
        )
        record: dict[str, Any] = {
            "id": call.id,
            "extension": call.extension,
            "ownerId": "3",
            "ownerName": "Default Organization",
            "published": call.published,
            "phoneCallView": [view],
        }
        if step.get("answered"):
            record["answered"] = view["answered"]
        return record

    def _listing(self, records: list[dict[str, Any]]) -> Response:
        entry: list[Any] = [*records, {"links": {"self": "http://192.0.2.10/uapi/phoneCalls/"}}]
        paging = {"startIndex": 0, "totalResults": len(records), "itemsPerPage": 20, "filtered": False, "sorted": False}
        if self.status_shape == "dict":
            return JSONResponse({"entry": entry, **paging})
        if self.status_shape == "list":
            return JSONResponse([{"entry": entry}, paging])
        printed = json.dumps({"entry": entry}) + ",\n" + json.dumps(paging)  # the seed's `{…}, {…}`
        return Response(printed, media_type="application/json")

    async def _delete(self, request: Request) -> Response:
        received = await self._record(request)

        async def make() -> Response:
            denied = self._denied(received)
            if denied:
                return denied
            call = self._find(request)
            if call is None or call.peek() is GONE:
                return _error(404, "phone_call_not_found", "The phone call does not exist.")
            call.hung_up = True
            return Response(status_code=204)

        return await self._answer("delete", make)


def _error(status: int, code: str, message: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message or MESSAGES.get(code, code)}}, status)


class _CutOff(Response):
    """Starts a 200 answer and drops the connection halfway (a reset after the request arrived)."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"400")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'[{"id": "99735c', "more_body": True})
