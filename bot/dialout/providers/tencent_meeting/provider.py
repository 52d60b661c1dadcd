"""Tencent Meeting 腾讯会议: call meeting rooms into a meeting (seed 002, `PUT /v1/meeting-rooms/room-call`).

The decisions; the signed requests, error bodies and the webhooks' envelope are in client.py.

Calls: one request per room, `meeting_room_id` for a room id or `mra_address` {protocol 1 SIP / 2 H.323,
dial_string} for `sip:`/`h323:` parties, never both. `operator_id` is the Tencent userid an admin mapped to
the Slack user who asked (TENCENT_MEETING_OPERATORS); without one the call fails as `no_operator`.
`meeting_id` is the seed's String (TENCENT_MEETING_MEETING_ID_AS_NUMBER sends the released doc's integer).

Status: `invite_id` → dialing, kept as the call id. `room-call-info` is polled (4 ringing, 2 in the meeting,
6 left → completed, 0 no answer, 3 rejected, 5 cancelled). The `room.response` webhook (0/2/3/5) names the
meeting and the room, not the invite: an in-memory index (meeting, room) → call id, filled by place() and
refreshed by every poll(), maps it back; an event it cannot map is acknowledged and left to polling.
The GET `?check_str=` handshake is answered with the plaintext.

Decisions: a request that may have reached Tencent (read timeout, reset, a 5xx without error_info, a 200
without invite_id) is UNKNOWN under a call id of ours and reconciled by room-call-info, which needs no
invite_id; it is never re-sent. A final status whose response_time predates our call is an earlier call's
and is ignored. Tencent cannot hang a room up: `max` is refused, cancel withdraws a ringing call only.
Timing (applied by the core): polled every TENCENT_MEETING_POLL_EVERY_S, a room in the meeting 12× less
often; ringing with no news for 3 min is no answer; a room still in the meeting 12 h after it joined is
reported completed ("not_followed") and no longer polled.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx

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
from bot.dialout.providers.http import json_of, make_client
from bot.dialout.providers.tencent_meeting.client import (
    ACK,
    CALL_INFO,
    CANCEL_CALL,
    NAME,
    ROOM_CALL,
    MeetingRoomApi,
    aes_key,
    epoch,
    error,
    failure,
    open_data,
    room_key,
    verify_webhook,
)
from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason

log = logging.getLogger(__name__)

GIVE_UP_AFTER_S = 180.0  # dialling or ringing with no news; Tencent itself reports no answer (0) after 60 s
NOT_CALLED_AFTER_S = 60.0  # "not called" (1) this long after placing: Tencent never called the room
FOLLOW_LIMIT_S = 12 * 3600.0  # a room in the meeting is followed this long, then reported completed
ANSWERED_POLL_FACTOR = 12  # a room in the meeting changes rarely: poll it 12× less often
STALE_TOLERANCE_S = 10.0  # clock skew allowed when telling an earlier call's status from ours

ROOM_KINDS = frozenset({PartyKind.ROOM, PartyKind.SIP, PartyKind.H323})
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
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


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
        self._api = MeetingRoomApi(settings, client or make_client(settings.timeout_s), clock, nonce)
        self._clock = clock
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

    # --- placing --------------------------------------------------------------------------

    def refusal(
        self, requested_by: str, target: Target, parties: Sequence[Party], accounts: Mapping[str, str] | None = None
    ) -> str | None:
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
        if self._operator(requested_by, accounts or {}) is None:
            return "no_operator"
        return None

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        return [await self._place_one(request, call.attempt_id, call.party) for call in request.calls]

    async def _place_one(self, request: DialRequest, attempt_id: int, party: Party) -> PlaceResult:
        refused = self.refusal(request.requested_by, request.target, (party,), request.accounts)
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
            "operator_id": self._operator(request.requested_by, request.accounts) or "",
            "placed_at": repr(self._clock()),
        }
        ours = f"unconfirmed-{request.invite_id}-{attempt_id}"
        try:
            response = await self._api.send("PUT", ROOM_CALL, self._api.room_call_body(context))
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
        said = failure(response)
        if said is not None:  # even a 500 with error_info is Tencent saying the call failed
            code, reason, detail = said
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

    def _operator(self, user_id: str, accounts: Mapping[str, str]) -> str | None:
        """The asker's Tencent userid: the workspace's mapping (App Home) first, then TENCENT_MEETING_OPERATORS."""
        return accounts.get(user_id) or self._operators.get(user_id)

    def _refusal_detail(self, code: str, request: DialRequest, party: Party) -> str:
        return {
            "not_configured": "missing or invalid: " + ", ".join(self.info.missing_settings),
            "not_a_meeting": f"{request.target.kind.value} {request.target.id} is not a Tencent meeting",
            "not_a_room": f"{party.kind.value} {party.address} is not a meeting room",
            "no_operator": (
                f"<@{request.requested_by}> has no Tencent Meeting account in the workspace settings "
                "or TENCENT_MEETING_OPERATORS"
            ),
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
        response = await self._api.send("POST", CALL_INFO, self._api.call_body(context))
        if not response.is_success:
            raise error(response)
        payload = json_of(response, NAME)
        status = payload.get("status") if isinstance(payload, dict) else None
        response_time = str(payload.get("response_time") or "") if isinstance(payload, dict) else ""
        event = None
        if isinstance(status, int) and not isinstance(status, bool):
            event = self._status_event(call.provider_call_id, status, epoch(response_time), placed_at, payload)
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
        response = await self._api.send("PUT", CANCEL_CALL, self._api.call_body(context, invite_id=invite_id))
        if not response.is_success:
            raise error(response)
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
            verify_webhook(request.headers, token, check)
            return WebhookReply(200, open_data(check, self._aes))
        if request.method != "POST":
            raise WebhookRejected(405, "GET or POST only")
        try:
            outer = json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
            raise WebhookRejected(400, "body is not JSON") from exc
        data = outer.get("data") if isinstance(outer, dict) else None
        if not isinstance(data, str) or not data:
            raise WebhookRejected(400, "no data")
        verify_webhook(request.headers, token, data)
        try:
            payload = json.loads(open_data(data, self._aes))
        except (ValueError, RecursionError) as exc:
            raise WebhookRejected(400, "data is not JSON") from exc
        if not isinstance(payload, dict):
            raise WebhookRejected(400, "data is not an event")
        return WebhookReply(200, ACK, events=tuple(self._webhook_events(payload)))

    def _webhook_events(self, payload: Mapping[str, Any]) -> list[CallEvent]:
        if payload.get("event") != "room.response":
            return []  # another subscribed event: acknowledged, not ours
        events = []
        items = payload.get("payload")
        for item in items if isinstance(items, list) else []:
            found = item.get("room_response_event") if isinstance(item, dict) else None
            if not isinstance(found, dict):
                continue
            room = room_key(found)
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
                known.provider_call_id, int(status), epoch(str(operate_ms)), known.placed_at, item
            )
            if event is not None:
                answered_at = answer.get("response_time", "") if isinstance(answer, dict) else ""
                key = f"webhook:{meeting_id}:{room}:{status}:{operate_ms or answered_at}"
                events.append(replace(event, dedupe_key=key, raw={**item, "trace_id": payload.get("trace_id")}))
        return events

    async def aclose(self) -> None:
        await self._api.aclose()
