"""VoipNow's UnifiedAPI on the wire: the OAuth2 token, authorised requests, and reading its answers.

Apart from provider.py so that file holds the decisions (what is placed, how a call is followed)
and this one the protocol (provider notes §2): client-credentials tokens cached until
`expires_in` − 5 min (at most half their life), one fresh token and one retry on a 401 (a 401
placed nothing), JSON also in the seed's printed form `{…}, {…}`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from bot.dialout.core.ports import ProviderError
from bot.dialout.providers.http import send
from bot.dialout.providers.voipnow.settings import VoipNowSettings
from bot.kernel.states import FailReason

NAME = "voipnow"
TOKEN_LIFETIME_S = 3600  # when the token answer has no expires_in (docs: tokens live 1 h)


class UnifiedApi:
    """Authorised UnifiedAPI requests with a cached bearer token."""

    def __init__(self, settings: VoipNowSettings, client: httpx.AsyncClient, monotonic: Callable[[], float]) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        self._client = client
        self._token: str | None = None
        self._monotonic = monotonic  # token expiry runs on this, not on the wall clock
        self._token_until = 0.0  # after this (by self._monotonic) the token is not used
        self._token_lock = asyncio.Lock()

    async def call(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: Any = None
    ) -> httpx.Response:
        """One UnifiedAPI request; a 401 gets a fresh token and exactly one retry (a 401 did nothing)."""
        token = await self._access_token()
        response = await self._send(method, path, token, params, body)
        if response.status_code == 401:
            token = await self._access_token(stale=token)
            response = await self._send(method, path, token, params, body)
        return response

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _access_token(self, stale: str | None = None) -> str:
        """A cached bearer token; with `stale` (a token VoipNow just refused), a different one."""
        async with self._token_lock:
            token = self._token
            if token is not None and token != stale and self._monotonic() < self._token_until:
                return token
            self._token = None
            form = {
                "grant_type": "client_credentials",
                "client_id": self._settings.client_id,
                "client_secret": self._settings.client_secret.get_secret_value(),
                "type": "unifiedapi",
                "redirect_uri": f"{self._base}/ouath/token.php",  # sic, as 4PSA's own client sends it
            }
            request = self._client.build_request("POST", f"{self._base}/oauth/token.php", data=form)
            try:
                response = await send(self._client, NAME, request)
            except ProviderError as exc:  # a token request never places a call: not maybe_sent
                raise ProviderError("token_unavailable", f"token request: {exc.message}", reason=exc.reason) from exc
            payload = loads(response.content)
            token = payload.get("access_token") if isinstance(payload, dict) else None
            if not response.is_success or not isinstance(token, str) or not token:
                refused = response.status_code in (400, 401, 403)
                raise ProviderError(
                    "token_refused" if refused else "token_unavailable",
                    f"token: HTTP {response.status_code} {error_text(payload, response)}",
                    reason=FailReason.AUTH if refused else FailReason.PROVIDER_ERROR,
                )
            lifetime = number(payload.get("expires_in")) or TOKEN_LIFETIME_S
            self._token, self._token_until = token, self._monotonic() + lifetime - min(300.0, lifetime / 2)
            return token

    async def _send(
        self, method: str, path: str, token: str, params: Mapping[str, str] | None, body: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}", "accept": "application/json"}
        request = self._client.build_request(method, f"{self._base}{path}", params=params, json=body, headers=headers)
        return await send(self._client, NAME, request)


def loads(content: bytes) -> Any:
    """JSON, also the seed's printed form `{…}, {…}` (two objects side by side); None when unreadable."""
    text = content.decode("utf-8", "replace").strip()
    for candidate in (text, f"[{text}]"):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def records(payload: Any) -> list[dict[str, Any]]:
    """PhoneCall objects wherever they sit: a list, `{"entry": [...]}` or `[{"entry": [...]}, {paging}]`."""
    if isinstance(payload, list):
        return [record for item in payload for record in records(item)]
    if not isinstance(payload, dict):
        return []
    if "entry" in payload:
        return records(payload["entry"])
    return [payload] if "id" in payload else []


def find_call(payload: Any, call_id: str | None) -> dict[str, Any] | None:
    """The PhoneCall with `call_id` (any one with an id when None)."""
    for record in records(payload):
        if record.get("id") and (call_id is None or str(record["id"]) == call_id):
            return record
    return None


def error_of(payload: Any) -> tuple[str | None, str | None]:
    """(code, message) from `{"error": {"code", "message"}}`; OAuth's `{"error": "…"}` too."""
    if not isinstance(payload, dict):
        return None, None
    error = payload.get("error")
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return (str(code) if code else None), (str(message) if message else None)
    if isinstance(error, str):
        description = payload.get("error_description")
        return error, str(description) if description else None
    return None, None


def error_text(payload: Any, response: httpx.Response) -> str:
    code, message = error_of(payload)
    return " ".join(p for p in (code, message) if p) or response.text[:200].replace("\n", " ")


def segment(value: str) -> str:
    """A path segment: `@me` and the extended extension form `0003*211` pass as they are."""
    return quote(value, safe="@*")


def number(value: Any) -> float | None:
    """A positive number from a context value or JSON field; None otherwise."""
    try:
        found = float(value)
    except (TypeError, ValueError):
        return None
    return found if found > 0 else None


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
