"""`GET /healthz`: can we reach the database, and how much Slack output is waiting.

Public (load balancers and uptime checks call it without credentials), so it says no more than
"up" or "unavailable"; why the database is unavailable goes to the log.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.kernel.outbox import SqlOutbox

log = logging.getLogger(__name__)


def health_route(engine: AsyncEngine, outbox: SqlOutbox) -> Route:
    """The health check on the shared engine and outbox."""

    async def handle_health(_request: Request) -> Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            pending = await outbox.pending_count()
        except (SQLAlchemyError, OSError, TimeoutError):
            # The error names hosts, users, sometimes a password: the log may see it, the caller may not.
            log.exception("health check: the database is unavailable")
            return JSONResponse({"ok": False, "database": "unavailable"}, status_code=503)
        return JSONResponse({"ok": True, "outbox_pending": pending})

    return Route("/healthz", handle_health, methods=["GET"])
