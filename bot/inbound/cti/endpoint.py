"""`/cti/<CTI_PATH_SECRET>`: the CTI platform's number queries and event notifications (呼入转呼, seed 003).

The vendor is unidentified, so signing, retries and the ack body are ours to decide; the
decisions (tested in tests/inbound/test_cti.py):

- Endpoint: the platform POSTs queries and events to `{PUBLIC_URL}/cti/<CTI_PATH_SECRET>`; we leave
  `callBackUrl` empty so events use the same URL ("否则走默认配置（即查询请求的URL）"). Until
  CTI_PATH_SECRET and CTI_VCC_ID are set it answers 404 "inbound calls are not configured".
- Auth: the secret path segment (constant-time compare; wrong → 401) and, when CTI_ALLOWED_IPS is
  set, the source address (IPs or CIDRs; outside → 403; unparsable entries match nothing, so a
  bad allowlist fails closed); `vccId` must equal CTI_VCC_ID (else 403). Nothing is stored first.
- Bodies over CTI_MAX_BODY_BYTES get 413, declared or streamed; only POST is served (405).
- Refusals are in the request's type and name the field: `{"error": …, "field": …}`; bad input
  never gets a 500.
- Every well-formed event is stored before the ack (duplicates and unknown callIds included) and
  acknowledged even when Slack is down: Slack output goes through the outbox.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.inbound.core.switchboard import Switchboard
from bot.inbound.cti.protocol import (
    CONTENT_TYPES,
    BadRequest,
    CtiFormat,
    decode,
    encode,
    read_event,
    read_query,
    request_format,
)
from bot.inbound.cti.settings import CtiSettings
from bot.kernel.web import read_limited
from bot.kernel.webhook_auth import SourceAllowlist, secret_matches

log = logging.getLogger(__name__)


class Refused(Exception):
    """A request refused before anything is read: `status` (401, 403) and why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def error_reply(status: int, field: str, message: str, fmt: CtiFormat) -> Response:
    """A refusal in the request's type, naming what is wrong."""
    return Response(encode({"error": message, "field": field}, fmt), status_code=status, media_type=CONTENT_TYPES[fmt])


class CtiEndpoint:
    """Authenticates the platform, bounds its requests and hands queries and events to the switchboard."""

    def __init__(self, settings: CtiSettings, switchboard: Switchboard) -> None:
        self._settings = settings
        self._allowed = SourceAllowlist("CTI_ALLOWED_IPS", settings.allowed_ips)
        self._switchboard = switchboard

    def route(self) -> Route:
        """The endpoint's route, mounted whether or not it is configured (unconfigured: 404)."""
        return Route("/cti/{secret}", self.handle, methods=["GET", "POST"])

    def authenticate(self, path_secret: str, client_ip: str) -> None:
        """Check the URL's secret and the source address before anything is read (Refused)."""
        if not secret_matches(path_secret, self._settings.path_secret.get_secret_value()):
            raise Refused(401, "unknown callback path")
        if not self._allowed.allows(client_ip):
            raise Refused(403, "source address not allowed")

    async def handle(self, request: Request) -> Response:
        """The platform's number queries and events: authenticate, bound the body, answer."""
        if not self._settings.configured:
            return PlainTextResponse("inbound calls are not configured", status_code=404)
        fmt = request_format(request.headers, b"")
        try:
            self.authenticate(request.path_params["secret"], request.client.host if request.client else "")
        except Refused as exc:
            log.warning("CTI request rejected (%s): %s", exc.status, exc.reason)
            return error_reply(exc.status, "auth", exc.reason, fmt)
        limit = self._settings.max_body_bytes
        body = await read_limited(request, limit)
        if body is None:
            return error_reply(413, "body", f"the body is larger than {limit} bytes", fmt)
        return await self.serve(request.method, {k.lower(): v for k, v in request.headers.items()}, body)

    async def serve(self, method: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer a query or acknowledge an event (after `authenticate` and the body size check)."""
        fmt = request_format(headers, body)
        if method != "POST":
            return error_reply(405, "method", "POST only", fmt)
        try:
            fields, users = decode(body, fmt, headers.get("content-type", ""))
            kind = fields.get("method", "")
            if kind not in {"query", "event"}:
                raise BadRequest("method", "method must be query or event" if kind else "missing required field method")
            if "vccId" not in fields:
                raise BadRequest("vccId", "missing required field vccId")
            if not hmac.compare_digest(fields["vccId"].encode(), self._settings.vcc_id.encode()):
                log.warning("CTI %s for another enterprise (vccId %r) refused", kind, fields["vccId"][:40])
                return error_reply(403, "vccId", "vccId is not this enterprise", fmt)
            if kind == "query":
                answer = await self._switchboard.answer(read_query(fields))
                return Response(encode(answer, fmt), media_type=CONTENT_TYPES[fmt])
            event = read_event(fields, users)
        except BadRequest as exc:
            log.warning("CTI request refused: %s", exc)
            return error_reply(400, exc.field, exc.message, fmt)
        await self._switchboard.on_event(event)
        ack = {"sid": event.sid, "vccId": event.vcc_id, "callId": event.call_id, "seq": event.seq, "result": "0000"}
        return Response(encode(ack, fmt), media_type=CONTENT_TYPES[fmt])
