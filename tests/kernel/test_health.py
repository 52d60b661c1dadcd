"""`/healthz` is public: it says whether the database answers, never why not (that goes to the log)."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette

from bot.kernel import db
from bot.kernel.health import health_route
from bot.kernel.outbox import SqlOutbox
from bot.loopback import reserve_socket


async def get_health(url: str) -> httpx.Response:
    engine = db.create_engine(url)
    app = Starlette(routes=[health_route(engine, SqlOutbox(engine))])
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://confbot") as http:
            return await http.get("/healthz")
    finally:
        await engine.dispose()


async def test_an_unreachable_database_is_a_503_with_a_generic_body_and_a_logged_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed = reserve_socket()
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: connecting is refused
    with caplog.at_level(logging.ERROR, logger="bot.kernel.health"):
        response = await get_health(f"postgresql+psycopg://confbot:hunter2@127.0.0.1:{port}/confbot")
    assert response.status_code == 503
    assert response.json() == {"ok": False, "database": "unavailable"}
    assert "hunter2" not in response.text and "127.0.0.1" not in response.text
    [record] = [r for r in caplog.records if r.name == "bot.kernel.health"]
    assert record.exc_info is not None  # the reason is in the server's log, with its traceback


async def test_a_reachable_database_reports_the_outbox(test_db) -> None:
    engine = db.create_engine(test_db.url, schema=test_db.schema)
    await db.upgrade(engine)
    app = Starlette(routes=[health_route(engine, SqlOutbox(engine))])
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://confbot") as http:
            response = await http.get("/healthz")
    finally:
        await engine.dispose()
    assert response.status_code == 200 and response.json() == {"ok": True, "outbox_pending": 0}
