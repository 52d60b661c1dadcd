"""Quanshi (全时) 云直播: add people to a live event's auto-outbound call list. Seed 004.

API (seed 004, https://developer.quanshi.com/cn/api/114): `POST {base}/eventopenapi/event/call/create`
{token, eventId (a JSON number), beforeMinutes (0-60, default 30), callList: [{name, company,
countryCode, mobile | areaCode + phone}]} → `code: 200` with data.success_data / fail_data (entries
echoed back with an `id`) and total_count / success_count / fail_count. Any other `code` is an error
with `msg`; no codes are documented, so they are shown in the vendor's words with the requestId.

Auth (api/33, api/440): every request carries AppKey, Nonce (≤128 chars), CurTime (ms) and
CheckSum = lowercase hex SHA1(AppSecret + Nonce + CurTime). The body `token` comes from
`POST /eventopenapi/token/create {"userId": <admin userId>}` (data.token, data.expire = 86400 s); it is
cached until 5 min before that expiry. A refusal whose msg mentions the token ("token"/"令牌": the only
signal, no codes are published) drops the cached token and re-sends once with a fresh one: a refusal
means Quanshi did not act on the list, so that re-send cannot add anyone twice.

Quirks and decisions:
- One request carries the whole invite (batch). A read timeout or reset after sending makes every call
  of the batch unknown (ProviderError(maybe_sent)); it is never re-sent.
- Quanshi reports nothing per call afterwards (no callback, no status query for call/create, no way to
  withdraw an entry: the provider implements neither poll, cancel nor handle_webhook):
  success_data entries are QUEUED (provider_call_id = the entry's id), fail_data entries FAILED
  (provider_rejected, code "entry_rejected": Quanshi gives no reason). Entries are matched back by
  country code + national number (mobile, or area code + phone), not by position; duplicates pair off
  one by one, preferring the same name. An entry in neither list is UNKNOWN.
- Numbers: country code without "+"; a landline goes in `phone`, with `areaCode` (no leading 0) only for
  mainland China (a Hong Kong or London fixed line is all `phone`); mobiles, and numbers that may be
  either (North America), go whole in `mobile` (bot.kernel.phone.split_number). The name is the Slack real
  name, or the number in international form for a bare number; company is QUANSHI_DEFAULT_COMPANY
  unless the party carries one.
- beforeMinutes counts back from the event's start. call/create schedules the calls; the newer
  /event/call/add (api/565) dials at once when the event has already started, call/create's
  behaviour then is undocumented. Quanshi has no maximum call duration, so `max` is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from phonenumbers import NumberParseException

from bot.dialout.core.models import Capability
from bot.dialout.core.ports import (
    DialRequest,
    OptionSpec,
    PlaceResult,
    Placing,
    ProviderError,
    ProviderInfo,
    StatusSource,
    Timing,
)
from bot.dialout.providers.http import json_of, make_client, send, server_error
from bot.dialout.providers.quanshi.settings import QuanshiSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import display, split_number
from bot.kernel.states import CallState, FailReason

log = logging.getLogger(__name__)

NAME = "quanshi"
TOKEN_PATH = "/eventopenapi/token/create"
CALL_CREATE_PATH = "/eventopenapi/event/call/create"
DEFAULT_BEFORE_MINUTES = 30
TOKEN_LIFETIME_S = 86400  # api/440: expire 86400
TOKEN_MARGIN_S = 300
_TOKEN_WORDS = re.compile(r"token|令牌", re.I)
_MINUTE_SUFFIXES = ("minutes", "minute", "mins", "min", "m", "分钟")
_LONG_MAX = 2**63 - 1


def checksum(app_secret: str, nonce: str, cur_time: str) -> str:
    """The CheckSum header: lowercase hex SHA1 of AppSecret + Nonce + CurTime (api/33)."""
    return hashlib.sha1((app_secret + nonce + cur_time).encode("utf-8")).hexdigest()


def normalise_before(value: str) -> str:
    """`before` as whole minutes 0-60 ("15", "15m", "15分钟" → "15"); ValueError otherwise."""
    text = value.strip().lower()
    for suffix in _MINUTE_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
            break
    if not text.isdigit():
        raise ValueError("whole minutes")
    minutes = int(text)
    if minutes > 60:
        raise ValueError("Quanshi dials at most 60 minutes before the event")
    return str(minutes)


def build_entry(party: Party, default_company: str) -> dict[str, str]:
    """A callList entry in the seed's formats; ValueError when the party is not a dialable number."""
    if party.kind is not PartyKind.PHONE:
        raise ValueError("not a phone number")
    parts = split_number(party.address)
    entry = {
        "name": (party.name or "").strip() or display(party.address, masked=False),
        "company": party.company or default_company,
        "countryCode": parts.country_code,
        "mobile": parts.national if parts.is_mobile else "",
        "areaCode": "" if parts.is_mobile else parts.area_code,
        "phone": "" if parts.is_mobile else parts.local,
    }
    return entry


def entry_key(entry: dict[str, Any]) -> tuple[str, str]:
    """Country code and national number of an entry, however Quanshi spells them back."""
    country = _digits(entry.get("countryCode")).lstrip("0")
    national = _digits(entry.get("mobile")) or _digits(entry.get("areaCode")).lstrip("0") + _digits(entry.get("phone"))
    return country, national.lstrip("0")


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


@dataclass
class _Token:
    value: str
    renew_at: float  # on the provider's monotonic clock


class _TokenRefused(ProviderError):
    """call/create refused the token (expired or revoked): get a new one and try once more."""


class QuanshiProvider:
    """Adds an invite's people to a Quanshi live event's auto-outbound call list in one request."""

    def __init__(
        self,
        settings: QuanshiSettings,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        self._client = client or make_client(settings.timeout_s)
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()
        self.info = ProviderInfo(
            name=NAME,
            title="Quanshi",
            capabilities=frozenset({Capability.EVENT}),
            options={"before": OptionSpec("before", "0-60 (minutes before the event)", normalise_before)},
            placing=Placing.WHOLE_INVITE,
            status=StatusSource.NONE,
            timing=Timing(max_duration=None),  # no maximum call duration in the API: any `max` is refused
            missing_settings=settings.missing(),
        )

    # --- signing and the token -----------------------------------------------------------

    def _request(self, path: str, body: dict[str, Any]) -> httpx.Request:
        nonce = secrets.token_hex(16)
        cur_time = str(int(time.time() * 1000))
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "AppKey": self._settings.app_key,
            "Nonce": nonce,
            "CurTime": cur_time,
            "CheckSum": checksum(self._settings.app_secret.get_secret_value(), nonce, cur_time),
        }
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return self._client.build_request("POST", f"{self._base}{path}", content=content, headers=headers)

    async def _current_token(self) -> str:
        async with self._token_lock:
            if self._token is None or self._clock() >= self._token.renew_at:
                self._token = await self._create_token()
            return self._token.value

    def _forget(self, token: str) -> None:
        if self._token is not None and self._token.value == token:
            self._token = None

    async def _create_token(self) -> _Token:
        user_id = self._settings.admin_user_id.strip()
        body = {"userId": int(user_id) if user_id.isdigit() else user_id}
        try:
            response = await send(self._client, NAME, self._request(TOKEN_PATH, body))
            if response.status_code >= 500:
                raise server_error(response, NAME)
            payload = json_of(response, NAME)
        except ProviderError as exc:
            # Only the token request was in flight: the call list was never sent.
            raise ProviderError("token_failed", exc.message, reason=exc.reason, retry_safe=True) from exc
        data = payload.get("data") if isinstance(payload, dict) else None
        data = data if isinstance(data, dict) else {}
        token = data.get("token")
        if not response.is_success or not _is_ok(payload) or not isinstance(token, str) or not token:
            raise ProviderError(
                "token_failed", _vendor_detail(payload, response, "no token in the answer"), reason=FailReason.AUTH
            )
        expire = data.get("expire")
        lifetime = float(expire) if isinstance(expire, int | float) and expire > 0 else TOKEN_LIFETIME_S
        return _Token(token, self._clock() + lifetime - min(TOKEN_MARGIN_S, lifetime / 10))

    # --- placing -------------------------------------------------------------------------

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        event_id = request.target.id.strip()
        if not event_id.isdigit() or int(event_id) > _LONG_MAX:
            raise ProviderError("bad_event_id", f"quanshi: eventId must be a number, got {event_id!r}")
        try:
            before = int(normalise_before(request.options.get("before", str(DEFAULT_BEFORE_MINUTES))))
        except ValueError as exc:
            raise ProviderError("bad_option", f"quanshi: before: {exc}") from exc
        results: dict[int, PlaceResult] = {}
        sent: list[tuple[int, dict[str, str]]] = []
        for call in request.calls:
            try:
                sent.append((call.attempt_id, build_entry(call.party, self._settings.default_company)))
            except (ValueError, NumberParseException) as exc:
                results[call.attempt_id] = PlaceResult(
                    call.attempt_id,
                    CallState.FAILED,
                    reason=FailReason.INVALID_NUMBER,
                    code="not_a_phone",
                    detail=str(exc),
                )
        if sent:
            body = {"eventId": int(event_id), "beforeMinutes": before, "callList": [entry for _, entry in sent]}
            payload = await self._submit(body)
            for result in self._read_answer(payload, sent, event_id, before):
                results[result.attempt_id] = result
        return [results[call.attempt_id] for call in request.calls]

    async def _submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST the call list; on a refused token, once more with a fresh one."""
        for second_try in (False, True):
            token = await self._current_token()
            response = await send(self._client, NAME, self._request(CALL_CREATE_PATH, {"token": token, **body}))
            try:
                return _accepted(response)
            except _TokenRefused as exc:
                self._forget(token)
                if second_try:
                    raise ProviderError("token_rejected", exc.message, reason=FailReason.AUTH) from exc
                log.info("quanshi refused the API token (%s); fetching a new one", exc.message)
        raise AssertionError("unreachable")

    def _read_answer(
        self, payload: dict[str, Any], sent: Sequence[tuple[int, dict[str, str]]], event_id: str, before: int
    ) -> list[PlaceResult]:
        data = payload.get("data")
        lists = [data.get(k) if isinstance(data, dict) else None for k in ("success_data", "fail_data")]
        if not isinstance(data, dict) or any(not isinstance(v, list | None) for v in lists):
            raise ProviderError(
                "bad_response", f"quanshi: code 200 without readable data: {str(data)[:200]}", maybe_sent=True
            )
        request_id = str(payload.get("requestId") or "")
        counts = {k: str(data.get(k, "?")) for k in ("total_count", "success_count", "fail_count")}
        summary = "total {total_count}, success {success_count}, fail {fail_count}".format(**counts)
        summary += f"; requestId {request_id}" if request_id else ""
        context = {"event_id": event_id, "before_minutes": str(before), "request_id": request_id, **counts}

        answered = [(True, item) for item in lists[0] or []] + [(False, item) for item in lists[1] or []]
        matched, strays = match_answer([entry for _, entry in sent], answered)
        if strays or counts["total_count"] != str(len(sent)):
            log.warning("quanshi answer for event %s does not match the %d sent (%s)", event_id, len(sent), summary)

        results = []
        for index, (attempt_id, entry) in enumerate(sent):
            if index not in matched:
                detail = f"in neither success_data nor fail_data ({summary})"
                results.append(PlaceResult(attempt_id, CallState.UNKNOWN, code="not_in_answer", detail=detail))
                continue
            ok, item = matched[index]
            call_id = str(item.get("id") or "")
            if ok:
                detail = f"queued by Quanshi ({summary})" if call_id else f"queued by Quanshi without an id ({summary})"
                call_id = call_id or f"event-{event_id}-attempt-{attempt_id}"
                results.append(
                    PlaceResult(attempt_id, CallState.QUEUED, provider_call_id=call_id, detail=detail, context=context)
                )
            else:
                detail = f"{entry['name']!r} is in fail_data, no reason given ({summary})"
                results.append(
                    PlaceResult(
                        attempt_id,
                        CallState.FAILED,
                        provider_call_id=call_id or None,
                        reason=FailReason.PROVIDER_REJECTED,
                        code="entry_rejected",
                        detail=detail,
                        context=context,
                    )
                )
        return results

    async def aclose(self) -> None:
        await self._client.aclose()


def _is_ok(payload: Any) -> bool:
    return isinstance(payload, dict) and str(payload.get("code")) == "200"


def _vendor_detail(payload: Any, response: httpx.Response, fallback: str) -> str:
    """The vendor's msg first (the roster shows the first 160 characters), then code and requestId."""
    if not isinstance(payload, dict):
        return f"HTTP {response.status_code}: {fallback}"
    msg = str(payload.get("msg") or fallback)
    extra = [f"code {payload.get('code')}", f"HTTP {response.status_code}"]
    if payload.get("requestId"):
        extra.append(f"requestId {payload['requestId']}")
    return f"{msg} ({', '.join(extra)})"


def _accepted(response: httpx.Response) -> dict[str, Any]:
    """The answer to call/create when it is `code: 200`; otherwise the matching ProviderError."""
    if response.status_code >= 500:
        raise server_error(response, NAME)
    payload = json_of(response, NAME)
    if response.is_success and _is_ok(payload):
        return payload
    if response.is_success and not (isinstance(payload, dict) and "code" in payload):
        # Accepted, but not in the documented shape: whether the list was added is unknown.
        raise ProviderError("bad_response", f"quanshi: answer without a code: {response.text[:200]}", maybe_sent=True)
    detail = _vendor_detail(payload, response, "refused without a message")
    if _TOKEN_WORDS.search(str(payload.get("msg") or "") if isinstance(payload, dict) else ""):
        raise _TokenRefused("token_rejected", detail, reason=FailReason.AUTH)
    if response.status_code == 429:
        raise ProviderError("rate_limited", detail, reason=FailReason.RATE_LIMITED)
    if response.status_code in {401, 403}:
        raise ProviderError("auth_failed", detail, reason=FailReason.AUTH)
    code = payload.get("code") if isinstance(payload, dict) else None
    raise ProviderError(
        f"api_{code}" if code is not None else f"http_{response.status_code}",
        detail,
        reason=FailReason.PROVIDER_REJECTED,
    )


def match_answer(
    sent: Sequence[dict[str, str]], answered: Sequence[tuple[bool, Any]]
) -> tuple[dict[int, tuple[bool, dict[str, Any]]], int]:
    """Pair answered entries (accepted?, entry) with sent ones by number, not position: first where the
    name agrees too, then by number alone; each sent entry is used once. Returns the pairs and the strays."""
    pending: dict[tuple[str, str], list[int]] = {}
    for index, entry in enumerate(sent):
        pending.setdefault(entry_key(entry), []).append(index)
    matched: dict[int, tuple[bool, dict[str, Any]]] = {}
    left: list[tuple[bool, dict[str, Any]]] = [(ok, item) for ok, item in answered if isinstance(item, dict)]
    strays = len(answered) - len(left)
    for same_name in (True, False):
        unpaired: list[tuple[bool, dict[str, Any]]] = []
        for ok, item in left:
            taken = _take(item, pending, sent, same_name)
            if taken is None:
                unpaired.append((ok, item))
            else:
                matched[taken] = (ok, item)
        left = unpaired
    return matched, strays + len(left)


def _take(
    item: dict[str, Any], pending: dict[tuple[str, str], list[int]], sent: Sequence[dict[str, str]], same_name: bool
) -> int | None:
    country, national = entry_key(item)
    keys = [(country, national)]
    if country and national.startswith(country):  # the country code glued onto the number
        keys.append((country, national[len(country) :]))
    name = str(item.get("name") or "").strip()
    for key in keys:
        for index in pending.get(key, []):
            if not same_name or sent[index]["name"].strip() == name:
                pending[key].remove(index)
                return index
    return None
