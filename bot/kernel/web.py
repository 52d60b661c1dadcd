"""HTTP pieces every endpoint shares (provider webhooks, the CTI platform's callbacks)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

log = logging.getLogger(__name__)

# What a database that cannot be reached (or is too busy to answer) raises: the driver's connection
# errors as SQLAlchemy wraps them, the pool's timeout, the socket's.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
    OSError,
    TimeoutError,
)
RETRY_AFTER_S = 5


async def _database_unavailable(_request: Request, exc: Exception) -> Response:
    # One line, not a traceback per request: an outage would flood the log. No path either, as
    # some paths hold secrets.
    log.warning("the database is unavailable (%s: %s); answered 503", type(exc).__name__, str(exc).splitlines()[0])
    return PlainTextResponse(
        "the database is unavailable; try again shortly", status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)}
    )


def database_outage_handlers() -> Mapping[type[Exception], Callable[[Request, Exception], Awaitable[Response]]]:
    """Starlette exception handlers answering 503 when the database is out of reach.

    Callers that must hear "not now" (a provider's webhook, the CTI platform's query) then re-send
    or fall back, as they do for any 5xx, instead of reading a 500 as a bug of ours; nothing was
    stored, so nothing is lost.
    """
    return dict.fromkeys(DATABASE_UNAVAILABLE, _database_unavailable)


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than `limit` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)
