"""Prometheus metrics (`GET /metrics`) and readiness (`GET /readyz`).

Counters and histograms are kept as work happens (webhooks, Slack API calls, firing lateness);
what the database already knows (invites by status, calls by provider/state/reason, outbox
depth and age) is read at scrape time from the features' gauge sources, so every replica
reports the same truth and nothing is double-counted across restarts.

Each `Metrics` has a registry of its own, not prometheus-client's global one: a process may hold
several bots (tests, the demo), and a module-level registry would be a global holding the app.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.kernel import db
from bot.kernel.tables import OutboxRow

log = logging.getLogger(__name__)

outbox = OutboxRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class GaugeSample:
    """One value of a gauge read from the database: `confbot_<name>{labels} value`."""

    name: str
    help: str
    labels: Mapping[str, str]
    value: float


GaugeSource = Callable[[], Awaitable[Sequence[GaugeSample]]]


@dataclass(eq=False)  # registered by identity: prometheus-client keys its collectors by hash
class _Snapshot(Collector):
    """The gauges of the scrape under way, handed to prometheus-client as metric families."""

    samples: Sequence[GaugeSample] = field(default_factory=tuple)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        for sample in self.samples:
            name = f"confbot_{sample.name}"
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(name, sample.help, labels=list(sample.labels))
            family.add_metric(list(sample.labels.values()), sample.value)
        yield from families.values()


class Metrics:
    """What confbot counts as it works, plus the scrape-time gauges, in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._snapshot = _Snapshot()
        self.registry.register(self._snapshot)
        self.webhook_events = Counter(
            "confbot_webhook_requests",
            "Provider webhook requests by provider and HTTP status answered",
            ["provider", "status"],
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "confbot_webhook_seconds",
            "Time to answer a provider webhook (verify, store, apply)",
            ["provider"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.slack_calls = Counter(
            "confbot_slack_api_calls",
            "Slack Web API calls by method and outcome (ok, error, ratelimited)",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.fire_lateness = Histogram(
            "confbot_scheduler_lateness_seconds",
            "How long after its due time an invite's job ran",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 30.0, 60.0, 300.0),
            registry=self.registry,
        )

    def render(self, samples: Sequence[GaugeSample]) -> bytes:
        """The text exposition with `samples` as this scrape's gauges."""
        self._snapshot.samples = tuple(samples)
        return generate_latest(self.registry)


def metrics_route(metrics: Metrics, sources: Sequence[GaugeSource]) -> Route:
    """`GET /metrics`: counters as kept, gauges read now; a database outage leaves the gauges out."""

    async def handle_metrics(_request: Request) -> Response:
        samples: list[GaugeSample] = []
        try:
            for source in sources:
                samples += await source()
            up = 1.0
        except (SQLAlchemyError, OSError, TimeoutError):
            log.exception("metrics: the database is unavailable; gauges left out of this scrape")
            samples, up = [], 0.0
        samples.append(GaugeSample("database_up", "1 when the database answered this scrape", {}, up))
        return Response(metrics.render(samples), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", handle_metrics, methods=["GET"])


def readiness_route(engine: AsyncEngine, scheduler_state: Callable[[], str]) -> Route:
    """`GET /readyz`: ready to serve when the database answers and its schema is this build's.

    A replica whose migrations are behind (or ahead: an older build during a rollout) must not get
    traffic, so both count as not ready. Public like `/healthz`: no reasons in the body, only in the log.
    """

    async def handle_ready(_request: Request) -> Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                revision = await conn.run_sync(db.current_revision)
        except (SQLAlchemyError, OSError, TimeoutError):
            log.exception("readiness: the database is unavailable")
            return JSONResponse({"ready": False, "database": "unavailable"}, status_code=503)
        current = revision == db.head_revision()
        body = {"ready": current, "database": "up", "migrations": "current" if current else "behind"}
        body["scheduler"] = scheduler_state()
        return JSONResponse(body, status_code=200 if current else 503)

    return Route("/readyz", handle_ready, methods=["GET"])


async def read_outbox_gauges(engine: AsyncEngine, now: datetime) -> list[GaugeSample]:
    """Slack output waiting: how many rows, and how long the oldest has waited (0 when none)."""
    async with engine.connect() as conn:
        found = await conn.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.status == "pending")
        )
        count, oldest = found.one()
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return [
        GaugeSample("outbox_pending", "Slack posts and edits waiting to be delivered", {}, count),
        GaugeSample("outbox_oldest_age_seconds", "How long the oldest waiting Slack post waited", {}, max(age, 0.0)),
    ]
