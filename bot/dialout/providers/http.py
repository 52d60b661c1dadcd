"""The one place provider HTTP goes through: timeouts, and transport errors → ProviderError.

What matters for dialling at-most-once is *when* a request failed: before it could reach
the provider (connect errors: safe to report as failed) or after it may have arrived
(read timeouts, resets mid-response: `maybe_sent`, never re-sent blindly).
"""

from __future__ import annotations

import functools
import json
import ssl
from typing import Any

import httpx

from bot.dialout.core.ports import ProviderError
from bot.kernel.states import FailReason

USER_AGENT = "confbot/0.1 (+https://github.com/confbot)"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context every provider client shares: loading the CA bundle costs ~40 ms a client."""
    return httpx.create_ssl_context(trust_env=False)


def make_client(timeout_s: float = 10.0) -> httpx.AsyncClient:
    """An httpx client with bounded connect/read timeouts and a small connection pool."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        headers={"User-Agent": USER_AGENT},
        verify=_tls_context(),
        trust_env=False,
    )


async def send(client: httpx.AsyncClient, provider: str, request: httpx.Request) -> httpx.Response:
    """Send `request`; transport failures become ProviderError saying whether it may have arrived."""
    try:
        return await client.send(request)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise ProviderError(
            "connect_failed",
            f"{provider}: could not connect ({exc.__class__.__name__})",
            reason=FailReason.NETWORK,
            retry_safe=True,
        ) from exc
    except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
        raise ProviderError(
            "timeout",
            f"{provider}: no answer in time ({exc.__class__.__name__})",
            reason=FailReason.TIMEOUT,
            maybe_sent=True,
        ) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise ProviderError(
            "connection_lost",
            f"{provider}: connection lost after sending ({exc.__class__.__name__})",
            reason=FailReason.NETWORK,
            maybe_sent=True,
        ) from exc
    except httpx.HTTPError as exc:
        raise ProviderError(
            "http_error",
            f"{provider}: {exc.__class__.__name__}",
            reason=FailReason.PROVIDER_ERROR,
            maybe_sent=True,
        ) from exc


def json_of(response: httpx.Response, provider: str) -> Any:
    """The response body as JSON, or ProviderError(bad_response) quoting what came back."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = response.text[:200].replace("\n", " ")
        raise ProviderError(
            "bad_response",
            f"{provider}: HTTP {response.status_code} with a body that is not JSON: {snippet!r}",
            reason=FailReason.PROVIDER_ERROR,
            maybe_sent=response.is_success,
        ) from exc


def server_error(response: httpx.Response, provider: str) -> ProviderError:
    """A 5xx: the provider received the request and failed; whether it acted is unknown."""
    snippet = response.text[:200].replace("\n", " ")
    return ProviderError(
        f"http_{response.status_code}",
        f"{provider}: HTTP {response.status_code} {snippet}",
        reason=FailReason.PROVIDER_ERROR,
        maybe_sent=True,
    )
