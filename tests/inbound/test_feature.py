"""Inbound routing as a feature: what it offers the composition root, built from explicit parts.

Its Slack listener (`user_change`) is exercised end to end in tests/e2e/test_inbound_e2e.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.inbound.cti.settings import CtiSettings
from bot.inbound.feature import InboundFeature, build_inbound_feature
from bot.inbound.slack.sender import InboundRow
from bot.kernel.feature import Asker, Feature, Subcommand
from bot.kernel.outbox import SqlOutbox
from bot.kernel.people import UserProfile
from bot.kernel.phone import DialingPolicy
from bot.slack.outbox_worker import SlackOutboxWorker


class NoDirectory:
    async def profile(self, user_id: str) -> UserProfile | None:
        return None

    async def can_post(self, channel_id: str) -> bool:
        return True


def build(engine: Any, clock: Any, **cti: Any) -> tuple[InboundFeature, SlackOutboxWorker]:
    outbox = SqlOutbox(engine)
    wake = asyncio.Event()
    slack_client = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
    worker = SlackOutboxWorker(outbox, slack_client, clock, wake)
    settings = Settings(_env_file=None, cti=CtiSettings(_env_file=None, **cti))  # type: ignore[call-arg]
    feature = build_inbound_feature(
        settings,
        engine=engine,
        clock=clock,
        slack_client=slack_client,
        outbox=outbox,
        wake=wake,
        worker=worker,
        directory=NoDirectory(),
        policy=DialingPolicy("CN"),
    )
    return feature, worker


async def test_it_mounts_its_endpoint_registers_its_senders_and_claims_its_words(engine, clock) -> None:
    feature, worker = build(engine, clock, path_secret=SecretStr("s3cret"), vcc_id="VCC")
    shape: Feature = feature  # the kernel's protocols, checked by mypy where tests are typed
    words: Subcommand = feature.subcommand
    assert [route.path for route in shape.routes()] == ["/cti/{secret}"]  # type: ignore[attr-defined]
    assert set(InboundRow) <= worker.kinds()  # the shared worker delivers its rows
    assert words.claims("route 4001234567 to 13900000001") and words.claims("路由列表")
    assert not words.claims("13900000001 into conf 42")
    await feature.start()
    await feature.stop()


async def test_until_configured_route_changes_say_what_is_missing(engine, clock) -> None:
    feature, _ = build(engine, clock)
    answer = await feature.subcommand.handle("route 4001234567 to 13900000001", Asker("U1", "T1", "C1"))
    assert answer.startswith("Inbound call routing is not set up yet: an admin must set `CTI_PATH_SECRET`")
    assert (await feature.subcommand.handle("route help", Asker("U1", "T1", "C1"))).startswith("*Inbound routes*")
