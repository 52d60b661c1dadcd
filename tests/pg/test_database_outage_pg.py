"""The database goes away for a few seconds and comes back: nothing acknowledged is lost.

confbot reaches PostgreSQL through a link the test severs (tests/pg/severable_link.py), so the
driver sees a real outage. While it lasts, provider webhooks are answered 503 (the provider keeps
re-sending them), `/dial` is answered at once with "try again" in the asker's language instead of
a silent ack, and the scheduler stops; afterwards the re-sent events are applied, the scheduler
resumes and fires what fell due during the outage, and every invite ends.
Skips when PostgreSQL is not reachable (see test_claims_pg).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.kernel import db
from bot.slack.messages import t
from tests.conftest import PG_DEFAULT, PG_ENV, create_pg_schema, drop_pg_schema
from tests.conftest import TestDatabase as Database
from tests.e2e.harness import AMY, LI, Harness, wait_for
from tests.pg.severable_link import SeverableLink
from tests.pg.test_claims_pg import _SKIP

URL = os.environ.get(PG_ENV, PG_DEFAULT)
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")
SPEED = 2.0  # rings at 0.5 s, answers at 1.5 s, hangs up at 7.5 s


@pytest.fixture
async def outage() -> AsyncIterator[tuple[Harness, SeverableLink, str]]:
    real = make_url(URL)
    link = SeverableLink(real.host or "127.0.0.1", real.port or 5432)
    await link.start()
    schema = create_pg_schema(URL)  # empty: the bot migrates it at start, through the link
    through_link = real.set(host="127.0.0.1", port=link.port).render_as_string(hide_password=False)
    try:
        async with Harness(Database(through_link, schema), speed=SPEED) as harness:
            try:
                yield harness, link, schema
            finally:
                link.mend()  # the harness stops through the link
    finally:
        await link.stop()
        drop_pg_schema(URL, schema)


async def _rows(schema: str, query: str) -> list[tuple]:
    """Read the database directly, not through the severed link."""
    engine = db.create_engine(URL, schema=schema)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(query))).all()]
    finally:
        await engine.dispose()


async def test_webhooks_sent_during_an_outage_get_503_and_are_applied_once_it_is_over(outage) -> None:
    harness, link, schema = outage
    await harness.dial("13800138001 into conf 42 now")

    async def placed() -> bool:
        return await _rows(schema, "SELECT count(*) FROM call_attempts WHERE provider_call_id IS NOT NULL") == [(1,)]

    await wait_for(placed, timeout=10, what="the call to be placed")
    link.sever()
    await wait_for(lambda: 503 in harness.sandbox.webhook_answers, timeout=10, what="a webhook answered 503")
    link.mend()
    invite = await harness.wait_done(timeout=30)
    assert 500 not in harness.sandbox.webhook_answers
    assert await _rows(schema, "SELECT state FROM call_attempts") == [("completed",)]
    assert harness.sandbox_dials() == 1
    assert harness.replies_text(invite)[-1].splitlines()[0].endswith("1 of 1 joined")


async def test_a_dial_during_an_outage_is_told_to_try_again_in_its_language_and_nothing_is_stored(outage) -> None:
    harness, link, schema = outage
    link.sever()
    answer = await harness.dial("13800138001 into conf 42 now", user=LI)
    assert answer.status_code == 200
    assert answer.json()["text"] == t("store_unavailable", "zh")
    link.mend()
    assert await _rows(schema, "SELECT count(*) FROM invites") == [(0,)]
    assert await _rows(schema, "SELECT count(*) FROM slack_inbox") == [(0,)]
    assert harness.sandbox_dials() == 0


async def test_an_invite_that_fell_due_during_an_outage_is_dialled_once_when_the_database_is_back(outage) -> None:
    harness, link, schema = outage
    await harness.dial("13800138001 into conf 42 in 3 seconds", user=AMY)

    async def stored() -> bool:
        return await _rows(schema, "SELECT count(*) FROM invites") == [(1,)]

    await wait_for(stored, timeout=10, what="the invite to be stored")
    link.sever()

    async def overdue() -> bool:
        return await _rows(schema, "SELECT count(*) FROM invites WHERE due_at < now()") == [(1,)]

    await wait_for(overdue, timeout=10, what="the invite to fall due during the outage")
    assert harness.sandbox_dials() == 0
    link.mend()
    await harness.wait_done(timeout=30)
    assert harness.sandbox_dials("+8613800138001") == 1
    assert await _rows(schema, "SELECT status, fired_at > due_at FROM invites") == [("done", True)]
