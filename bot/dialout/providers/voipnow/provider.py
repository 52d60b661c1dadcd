"""VoipNow UnifiedAPI (4PSA): invite phone numbers into a scheduled conference. Seed 001_eea3cb31c7f4c3c0.txt.

API: `POST {base}/uapi/phoneCalls/{userId}/conferenceInvite?number=<conf>&pin=&waitForPickup=` with
`{"extension": ext, "phoneCallView": [{"source": [ext], "destination": [number], "callerId": "Name <num>"}]}`
→ any 2xx with `[{id, extension, link.self}]` (the seed lists 200/204; its example answers 202).
Status is polled: `GET /uapi/phoneCalls/{userId}/{extension}/{id}` (status 0 unknown, 1 off hook, 2 trying,
3 ringing, 4 other side ringing, 5 on call; disposition 0 ANSWERED, 1 BUSY, 2 FAILED, 3 NO ANSWER,
4 UNKNOWN, 5 NOT ALLOWED). Hang-up: `DELETE` on the same path.
Auth (provider notes §2): OAuth2 client credentials, `POST {base}/oauth/token.php` form-urlencoded with
`grant_type=client_credentials, client_id, client_secret, type=unifiedapi, redirect_uri={base}/ouath/token.php`
(the "ouath" typo is what 4PSA's own client sends). The token is cached until expires_in − 5 min (at most
half its life) and refreshed once on a 401, after which the request is retried once: a 401 placed nothing.
Errors are `{"error": {"code", "message"}}`; every documented code has words in the catalogue.

Decisions on the open questions (docs/providers/voipnow.md):
- The conference id is the scheduled conference's `number`, a Number in the seed: anything but digits is
  refused when the command is read (TargetRule), never sent as `number=abc`.
- `waitForPickup` is sent only with `wait=`; otherwise VoipNow's default of 25 s applies and our bounds use 25.
- A 2xx without an id (the seed's 204: success, nothing to return) is dialling under an id of ours and is
  followed by listing the extension's calls (GET /uapi/phoneCalls/{userId}/{extension}), matched by
  destination and time; it is hung up by the id that listing shows.
- A read timeout, a reset or a 5xx after sending: UNKNOWN without an id, never re-sent and not pollable
  (VoipNow has nothing to look it up by); the core gives it up with a thread reply. A 501 placed nothing: failed.
- A status that cannot be read is retried each round; past the call's limits (call_limits: its ring time
  plus 90 s, or its cap plus 90 s once answered) the core ends it as failed(unknown) / completed, "no_news".
- A call that vanishes from VoipNow after it was answered has ended → completed. One that vanishes unanswered
  → failed(no_answer) once waitForPickup has passed, failed(unknown) before (VoipNow does not say why).
- Still ringing 30 s past waitForPickup: we hang it up → failed(no_answer). `max 30m` is enforced by hanging
  up (conferenceInvite has no duration field); without it a call is hung up after 24 h, so none is polled forever.
- Call Events webhooks are not used: unsigned, set per extension, and whether their CallID is the phoneCall
  id is unverified. Polling is the only status source: the provider implements no handle_webhook.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.dialout.core.command import parse_duration
from bot.dialout.core.models import CallEvent, CallLimits, Capability
from bot.dialout.core.ports import (
    CallSpec,
    DialRequest,
    OptionSpec,
    PlacedCall,
    PlaceResult,
    ProviderError,
    ProviderInfo,
    SecondsRange,
    StatusSource,
    TargetRule,
    Timing,
)
from bot.dialout.providers.http import json_of, make_client
from bot.dialout.providers.voipnow.client import (
    UnifiedApi,
    error_of,
    find_call,
    loads,
    number,
    parse_time,
    records,
    segment,
)
from bot.dialout.providers.voipnow.settings import VoipNowSettings
from bot.kernel.people import PartyKind
from bot.kernel.states import CallState, FailReason

NAME = "voipnow"
DEFAULT_WAIT_S = 25  # VoipNow's waitForPickup default (seed)
MAX_WAIT_S = 600  # our bound: nobody lets a phone ring for more than 10 minutes
RING_MARGIN_S = 30  # still ringing this long past waitForPickup: we hang up
GIVE_UP_MARGIN_S = 60  # status unreadable this long past our own bound: we stop polling
DEFAULT_CAP_S = 86400  # answered calls without `max` are hung up after 24 h (ProviderInfo's upper bound)
VANISH_GRACE_S = 5  # a call missing right after it was placed may not be listed yet
UNLISTED = "unlisted-"  # our id for a call VoipNow accepted without one (a 204): "unlisted-<invite>-<attempt>"
PUBLISHED_SKEW_S = 30  # VoipNow's clock may run behind ours by this much


def call_limits(wait_s: float, cap_s: float) -> CallLimits:
    """How long a call may go without readable news: past its ring time and our hang-up margin while
    dialling, past its cap (which we enforce by hanging up) once answered. Then the core ends it."""
    return CallLimits(
        ring_s=float(wait_s + RING_MARGIN_S + GIVE_UP_MARGIN_S),
        answered_s=float(cap_s + RING_MARGIN_S + GIVE_UP_MARGIN_S),
    )


# Polled every 3 s; a call that goes without readable news past its limits is failed(unknown):
# VoipNow was asked and did not say (status unreadable), not "nobody answered".
TIMING = Timing(
    poll_every_s=3.0,
    limits=call_limits(DEFAULT_WAIT_S, DEFAULT_CAP_S),
    silence_reason=FailReason.UNKNOWN,
    max_duration=SecondsRange(60, DEFAULT_CAP_S),
)

_CALLER_ID = re.compile(r"^\s*(?P<name>[^<>\"]*[^<>\"\s])\s*<\s*(?P<number>\+?[0-9*#]{1,32})\s*>\s*$")
_EXTENSION = re.compile(r"^\d{1,12}(?:\*\d{1,12})?$")  # 211 or the extended form 0003*211
_PIN = re.compile(r"^\d{1,32}$")
_CONFERENCE_NUMBER = re.compile(r"[0-9]{1,20}")  # seed 001: `number` is a Number

_REASONS: dict[str, FailReason] = {"pc_destination_invalid": FailReason.INVALID_NUMBER}
# disposition → (reason, code); 0 ANSWERED is an answer and 4 UNKNOWN says nothing, both handled apart
_DISPOSITIONS: dict[str, tuple[FailReason, str]] = {
    "1": (FailReason.BUSY, "busy"),
    "busy": (FailReason.BUSY, "busy"),
    "2": (FailReason.NETWORK, "failed"),
    "failed": (FailReason.NETWORK, "failed"),
    "3": (FailReason.NO_ANSWER, "no_answer"),
    "no answer": (FailReason.NO_ANSWER, "no_answer"),
    "5": (FailReason.BARRED, "not_allowed"),
    "not allowed": (FailReason.BARRED, "not_allowed"),
}


def is_conference_number(value: str) -> bool:
    """Whether `value` can be the scheduled conference's `number` (a Number in seed 001)."""
    return _CONFERENCE_NUMBER.fullmatch(value) is not None


def normalise_pin(value: str) -> str:
    """`pin=2233`: the scheduled conference's PIN, digits only (it is keyed in on a phone)."""
    value = value.strip()
    if not _PIN.match(value):
        raise ValueError("digits only")
    return value


def normalise_wait(value: str) -> str:
    """`wait=40s` or `wait=40`: seconds VoipNow lets the phone ring (waitForPickup, > 0)."""
    text = value.strip().lower()
    if len(text) > 16:  # "600", "10m", "1m30s": longer is not a ring time (nor cheap to read)
        raise ValueError("not a duration")
    seconds = int(text) if text.isdecimal() else parse_duration(text)
    if seconds is None:
        raise ValueError("not a duration")
    if not 1 <= seconds <= MAX_WAIT_S:
        raise ValueError(f"must be 1 to {MAX_WAIT_S} seconds")
    return str(seconds)


def normalise_caller_id(value: str) -> str:
    """`callerid="Ops <4000>"`: the UAPI-Caller-Id form `Name <number>`."""
    match = _CALLER_ID.match(value)
    if not match:
        raise ValueError("not in the form Name <number>")
    name = re.sub(r"\s+", " ", match["name"].strip())
    return f"{name} <{match['number']}>"


def normalise_extension(value: str) -> str:
    """`ext=212` or `ext=0003*212`: another Conference extension owned by VOIPNOW_USER_ID."""
    value = value.strip()
    if not _EXTENSION.match(value):
        raise ValueError("an extension number like 211 or 0003*211")
    return value


OPTIONS = {
    "pin": OptionSpec("pin", "the conference PIN, digits, e.g. pin=2233", normalise_pin),
    "wait": OptionSpec("wait", f"seconds to ring, 1-{MAX_WAIT_S}, e.g. wait=40s", normalise_wait),
    "callerid": OptionSpec("callerid", 'Name <number>, e.g. callerid="Ops <4000>"', normalise_caller_id),
    "ext": OptionSpec("ext", "a Conference extension, e.g. ext=211 or ext=0003*211", normalise_extension),
}


class VoipNowProvider:
    """Invites numbers into a VoipNow scheduled conference and follows each call by polling."""

    def __init__(
        self,
        settings: VoipNowSettings,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._api = UnifiedApi(settings, client or make_client(settings.timeout_s), monotonic)
        self._clock = clock or (lambda: datetime.now(UTC))
        self.info = ProviderInfo(
            name=NAME,
            title="VoipNow",
            capabilities=frozenset({Capability.CONFERENCE}),
            options=OPTIONS,
            status=StatusSource.POLLING,
            timing=TIMING,
            target_rule=TargetRule("conference_not_a_number", is_conference_number),
            missing_settings=settings.missing(),
        )

    # --- placing ---------------------------------------------------------------------------

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        results = []
        for call in request.calls:
            try:
                results.append(await self._place_one(request, call))
            except ProviderError as exc:  # per call, so one call's timeout cannot blur another's answer
                state = CallState.UNKNOWN if exc.maybe_sent else CallState.FAILED
                reason = None if exc.maybe_sent else exc.reason
                results.append(PlaceResult(call.attempt_id, state, reason=reason, code=exc.code, detail=exc.message))
        return results

    async def _place_one(self, request: DialRequest, call: CallSpec) -> PlaceResult:
        attempt_id, party = call.attempt_id, call.party
        if party.kind is not PartyKind.PHONE:
            return PlaceResult(attempt_id, CallState.FAILED, reason=FailReason.INVALID_NUMBER, code="not_a_phone")
        if not is_conference_number(request.target.id):  # scheduled before the command checked it
            code = "conference_not_a_number"
            return PlaceResult(attempt_id, CallState.FAILED, reason=FailReason.PROVIDER_REJECTED, code=code)
        options = request.options
        extension = options.get("ext") or self._settings.extension
        params = {"number": request.target.id}  # the scheduled conference's number
        if options.get("pin"):
            params["pin"] = options["pin"]
        if options.get("wait"):
            params["waitForPickup"] = options["wait"]
        address = party.address
        destination = self._settings.international_prefix + address[1:] if address.startswith("+") else address
        view: dict[str, Any] = {"source": [extension], "destination": [destination]}
        caller_id = options.get("callerid") or self._settings.caller_id
        if caller_id:
            view["callerId"] = caller_id
        user_id = self._settings.user_id or "@me"
        response = await self._api.call(
            "POST",
            f"/uapi/phoneCalls/{segment(user_id)}/conferenceInvite",
            params=params,
            body={"extension": extension, "phoneCallView": [view]},
        )
        if not response.is_success:
            return self._refusal(attempt_id, response)
        payload = loads(response.content) if response.content.strip() else None
        if response.content.strip() and payload is None:
            json_of(response, NAME)  # raises bad_response, maybe_sent, quoting the body
        record = find_call(payload, None)
        wait_s = int(options.get("wait") or DEFAULT_WAIT_S)
        context = {
            "user_id": user_id,
            "extension": str((record or {}).get("extension") or extension),
            "destination": destination,
            "wait_s": str(wait_s),
            "max_s": str(request.max_duration_s or DEFAULT_CAP_S),
            "placed_at": self._clock().isoformat(),
        }
        limits = call_limits(wait_s, request.max_duration_s or DEFAULT_CAP_S)
        if record is None:  # seed 001: a 204 is success with no id; the call is found by its number
            context["unlisted"] = "1"
            call_id = f"{UNLISTED}{request.invite_id}-{attempt_id}"
            return PlaceResult(attempt_id, CallState.DIALING, provider_call_id=call_id, limits=limits, context=context)
        return PlaceResult(
            attempt_id, CallState.DIALING, provider_call_id=str(record["id"]), limits=limits, context=context
        )

    def _refusal(self, attempt_id: int, response: httpx.Response) -> PlaceResult:
        status = response.status_code
        code, message = error_of(loads(response.content))
        code = code or f"http_{status}"
        detail = message or response.text[:200].replace("\n", " ") or None
        if status >= 500 and status != 501:  # it reached VoipNow and failed there: it may have acted
            raise ProviderError(code, f"HTTP {status} {detail or ''}".strip(), maybe_sent=True)
        if status == 401:
            reason = FailReason.AUTH
        elif status == 429:
            reason = FailReason.RATE_LIMITED
        else:
            reason = _REASONS.get(code, FailReason.PROVIDER_REJECTED)
        return PlaceResult(attempt_id, CallState.FAILED, reason=reason, code=code, detail=detail)

    # --- following -------------------------------------------------------------------------

    async def poll(self, call: PlacedCall) -> CallEvent | None:
        if not call.provider_call_id:
            return None  # accepted or timed out without an id: there is nothing to look it up by
        age = self._age(call)
        wait = number(call.context.get("wait_s")) or DEFAULT_WAIT_S
        cap = number(call.context.get("max_s")) or DEFAULT_CAP_S
        # A ProviderError goes to the core, which logs it and asks again next round; a call whose status
        # stays unreadable is ended by its limits (call_limits), as any call with no news.
        record = await self._find(call)
        if record is None:
            return self._vanished(call, age, wait)
        real_id = str(record["id"])
        seen = _observe(record, call.context.get("destination", ""))
        state = seen[0] if seen else None
        if call.state is CallState.ANSWERED or state is CallState.ANSWERED:
            if age - _answered_after(record, call, wait) >= cap and await self._hang_up(call, real_id):
                return self._event(call, CallState.COMPLETED, None, "max_duration", f"hung up after {int(cap)} s")
        elif state is not CallState.FAILED and age > wait + RING_MARGIN_S and await self._hang_up(call, real_id):
            return self._no_pickup(call, wait)
        return self._event(call, *seen) if seen else None

    async def _find(self, call: PlacedCall) -> dict[str, Any] | None:
        """The PhoneCall as VoipNow shows it now; None once it is gone (VoipNow lists calls in progress).

        A call placed without an id (a 204) is looked up in its extension's list of calls (List
        PhoneCalls, provider notes §2): the one to our destination published closest after we placed
        it. Two id-less calls to one number in one extension at once cannot be told apart; each then
        follows the older, which is still a call to that person in that conference.
        """
        if call.context.get("unlisted"):
            path = f"/uapi/phoneCalls/{segment(call.context.get('user_id') or '@me')}"
            response = await self._api.call("GET", f"{path}/{segment(call.context.get('extension', ''))}")
            self._raise_unless_ok(response)
            return None if response.status_code == 404 else _listed_call(records(loads(response.content)), call)
        response = await self._api.call("GET", _call_path(call, call.provider_call_id))
        self._raise_unless_ok(response)
        return None if response.status_code == 404 else find_call(loads(response.content), call.provider_call_id)

    @staticmethod
    def _raise_unless_ok(response: httpx.Response) -> None:
        """A refusal other than 404 (gone) is an error the core logs and retries next round."""
        if response.status_code != 404 and not response.is_success:
            code, message = error_of(loads(response.content))
            raise ProviderError(code or f"http_{response.status_code}", message or response.text[:200])

    def _vanished(self, call: PlacedCall, age: float, wait: float) -> CallEvent | None:
        """VoipNow lists only calls in progress: a call that is gone has ended."""
        if call.state is CallState.ANSWERED:
            return self._event(call, CallState.COMPLETED, None, "ended")
        if age < VANISH_GRACE_S:
            return None
        if age >= wait:
            return self._no_pickup(call, wait)
        return self._event(call, CallState.FAILED, FailReason.UNKNOWN, "ended_unanswered", "ended before an answer")

    def _no_pickup(self, call: PlacedCall, wait: float) -> CallEvent:
        return self._event(call, CallState.FAILED, FailReason.NO_ANSWER, "no_pickup", f"not answered in {wait:.0f} s")

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        if not call.provider_call_id:
            return None  # without an id there is nothing to hang up
        record = await self._find(call) if call.context.get("unlisted") else None
        real_id = str(record["id"]) if record else call.provider_call_id
        if (call.context.get("unlisted") and record is None) or not await self._hang_up(call, real_id):
            return None  # already gone: the next poll says how it ended
        state = CallState.COMPLETED if call.state is CallState.ANSWERED else CallState.CANCELLED
        return self._event(call, state, None, "hung_up")

    async def _hang_up(self, call: PlacedCall, real_id: str) -> bool:
        """DELETE the call by VoipNow's own id; False when VoipNow no longer has it."""
        response = await self._api.call("DELETE", _call_path(call, real_id))
        self._raise_unless_ok(response)
        return response.status_code != 404

    def _age(self, call: PlacedCall) -> float:
        placed = call.placed_at or parse_time(call.context.get("placed_at")) or self._clock()
        if placed.tzinfo is None:
            placed = placed.replace(tzinfo=UTC)
        return (self._clock() - placed).total_seconds()

    def _event(
        self, call: PlacedCall, state: CallState, reason: FailReason | None, code: str, detail: str | None = None
    ) -> CallEvent:
        return CallEvent(
            provider=NAME,
            provider_call_id=call.provider_call_id,
            state=state,
            reason=reason,
            code=code,
            detail=detail,
            dedupe_key=f"voipnow:{call.provider_call_id}:{state.value}",
            occurred_at=self._clock(),
            raw={"source": "poll", "code": code},
        )

    async def aclose(self) -> None:
        await self._api.aclose()


# --- reading VoipNow's answers -------------------------------------------------------------


def _observe(record: Mapping[str, Any], destination: str) -> tuple[CallState, FailReason | None, str] | None:
    """The state a PhoneCall shows, from the legs to our destination; None when it says nothing."""
    views = [v for v in record.get("phoneCallView") or [] if isinstance(v, dict)] or [dict(record)]
    mine = [v for v in views if any(_same_number(destination, str(d)) for d in _as_list(v.get("destination")))]
    mine = mine or views
    for view in mine:
        disposition = str(view.get("disposition", "")).strip().lower()
        if disposition in _DISPOSITIONS:
            reason, code = _DISPOSITIONS[disposition]
            return CallState.FAILED, reason, f"disposition_{code}"
    statuses = {str(v.get("status", "")).strip() for v in mine}
    answered = parse_time(record.get("answered")) or any(parse_time(v.get("answered")) for v in mine)
    answered = answered or any(str(v.get("disposition", "")).strip().lower() in ("0", "answered") for v in mine)
    if answered or "5" in statuses:
        return CallState.ANSWERED, None, "status_5"
    if statuses & {"3", "4"}:
        return CallState.RINGING, None, "status_" + max(statuses & {"3", "4"})
    if statuses & {"1", "2"}:
        return CallState.DIALING, None, "status_" + max(statuses & {"1", "2"})
    return None  # status 0 (unknown) or nothing readable


def _answered_after(record: Mapping[str, Any], call: PlacedCall, wait: float) -> float:
    """Seconds from placing to the answer by VoipNow's `answered` time (0 when it gives none).

    Clamped to the ring bound, so a skewed VoipNow clock cannot postpone the hang-up for ever."""
    views = [v for v in record.get("phoneCallView") or [] if isinstance(v, dict)]
    stamps = [parse_time(v.get("answered")) for v in views] + [parse_time(record.get("answered"))]
    answered = next((s for s in stamps if s is not None), None)
    placed = call.placed_at or parse_time(call.context.get("placed_at"))
    if answered is None or placed is None:
        return 0.0
    if placed.tzinfo is None:
        placed = placed.replace(tzinfo=UTC)
    return min(max(0.0, (answered - placed).total_seconds()), wait + RING_MARGIN_S)


def _call_path(call: PlacedCall, real_id: str) -> str:
    user_id = call.context.get("user_id") or "@me"
    extension = call.context.get("extension", "")
    return f"/uapi/phoneCalls/{segment(user_id)}/{segment(extension)}/{segment(real_id)}"


def _listed_call(listed: list[dict[str, Any]], call: PlacedCall) -> dict[str, Any] | None:
    """Of an extension's calls, the one to `call`'s destination published closest after it was placed."""
    destination = call.context.get("destination", "")
    placed = parse_time(call.context.get("placed_at"))
    candidates = []
    for record in listed:
        views = [v for v in record.get("phoneCallView") or [] if isinstance(v, dict)] or [record]
        if not any(_same_number(destination, str(n)) for v in views for n in _as_list(v.get("destination"))):
            continue
        published = parse_time(record.get("published"))
        if placed and published and published.tzinfo and placed.tzinfo:
            lag = (published - placed).total_seconds()
            if lag < -PUBLISHED_SKEW_S:
                continue  # there before we placed ours: someone else's call to the same number
        else:
            lag = 0.0
        candidates.append((abs(lag), record))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _same_number(ours: str, theirs: str) -> bool:
    """Whether two spellings are one number (+8613…, 008613… and 8613… are)."""
    a, b = re.sub(r"\D", "", ours), re.sub(r"\D", "", theirs)
    return bool(a and b) and (a == b or (min(len(a), len(b)) >= 6 and (a.endswith(b) or b.endswith(a))))
