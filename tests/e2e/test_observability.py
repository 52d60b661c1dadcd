"""`/metrics` and `/readyz` on a running bot, after a real dial through the sandbox and the emulator."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import Harness

TWO = "+8613800138001, 13800138000 into conf 42 now"


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


async def get(harness: Harness, path: str) -> httpx.Response:
    _, server = harness.bots[-1]
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await http.get(path)


async def test_metrics_count_the_invite_its_calls_the_webhooks_and_the_slack_calls(harness: Harness) -> None:
    await harness.dial(TWO)
    invite = await harness.wait_done()
    outcomes = {
        a.party.address: (a.state.value, a.reason.value if a.reason else "")
        for a in await harness.services.store.attempts(invite.id or 0)
    }

    response = await get(harness, "/metrics")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("confbot_invites", (("status", invite.status.value),))] == 1
    for state, reason in outcomes.values():
        key = ("confbot_calls", (("provider", "sandbox"), ("reason", reason), ("state", state)))
        assert found[key] == sum(1 for o in outcomes.values() if o == (state, reason))
    assert found[("confbot_database_up", ())] == 1
    assert found[("confbot_scheduler_leader", ())] == 1  # one process on SQLite: it leads
    assert found[("confbot_outbox_pending", ())] >= 0
    webhooks = sum(
        v
        for (name, labels), v in found.items()
        if name == "confbot_webhook_requests_total" and ("provider", "sandbox") in labels
    )
    assert webhooks >= 2  # each call reported at least once, signed and stored (200)
    assert found[("confbot_slack_api_calls_total", (("method", "chat.postMessage"), ("outcome", "ok")))] >= 2
    assert found[("confbot_scheduler_lateness_seconds_count", ())] == 1  # the one invite's job ran once


async def test_ready_when_the_database_is_at_this_builds_schema(harness: Harness) -> None:
    response = await get(harness, "/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": "up", "migrations": "current", "scheduler": "leader"}
