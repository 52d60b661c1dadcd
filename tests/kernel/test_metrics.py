"""`/readyz` says whether this replica may take traffic; `/metrics` survives a database outage."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from bot.kernel import db
from bot.kernel.metrics import GaugeSample, Metrics, metrics_route, read_outbox_gauges, readiness_route
from bot.loopback import reserve_socket


def unreachable_url() -> str:
    closed = reserve_socket()
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: connecting is refused
    return f"postgresql+psycopg://confbot:hunter2@127.0.0.1:{port}/confbot"


async def get(route: Route, path: str) -> httpx.Response:
    app = Starlette(routes=[route])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://confbot") as http:
        return await http.get(path)


async def test_a_database_behind_this_builds_migrations_is_not_ready(empty_db) -> None:
    engine = db.create_engine(empty_db.url, schema=empty_db.schema)
    try:
        response = await get(readiness_route(engine, lambda: "leader"), "/readyz")
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert response.json() == {"ready": False, "database": "up", "migrations": "behind", "scheduler": "leader"}


async def test_an_unreachable_database_is_not_ready_and_the_body_names_no_host() -> None:
    engine = db.create_engine(unreachable_url())
    try:
        response = await get(readiness_route(engine, lambda: "leader"), "/readyz")
    finally:
        await engine.dispose()
    assert response.status_code == 503 and response.json() == {"ready": False, "database": "unavailable"}
    assert "hunter2" not in response.text and "127.0.0.1" not in response.text


async def test_metrics_still_answer_when_the_database_is_down_and_say_so() -> None:
    engine = db.create_engine(unreachable_url())
    metrics = Metrics()
    metrics.slack_calls.labels("chat.update", "ratelimited").inc()

    async def outbox() -> list[GaugeSample]:
        return await read_outbox_gauges(engine, datetime.now(UTC))

    try:
        response = await get(metrics_route(metrics, [outbox]), "/metrics")
    finally:
        await engine.dispose()
    assert response.status_code == 200
    assert "confbot_database_up 0.0" in response.text
    assert 'confbot_slack_api_calls_total{method="chat.update",outcome="ratelimited"} 1.0' in response.text
    assert "confbot_outbox_pending" not in response.text


def test_two_bots_in_one_process_count_apart() -> None:
    first, second = Metrics(), Metrics()
    first.slack_calls.labels("chat.postMessage", "ok").inc()
    assert b'outcome="ok"} 1.0' in first.render([])
    assert b"chat.postMessage" not in second.render([])
