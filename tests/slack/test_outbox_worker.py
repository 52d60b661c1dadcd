"""The shared outbox worker: order per thread, stopping (a send under way may finish, the rest is given back),
and threads given up."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.kernel.acks_first import AcksFirst
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.posting import NotReady
from bot.slack.outbox_worker import SlackOutboxWorker
from tests.e2e.harness import wait_for


class Row(OutboxKind):
    NOTICE = "notice"


class OtherRow(OutboxKind):
    NOTICE = "notice"


def worker_on(outbox: SqlOutbox, clock, *, stop_grace_s: float) -> SlackOutboxWorker:
    slack = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")  # the senders here never call it
    return SlackOutboxWorker(outbox, slack, clock, asyncio.Event(), stop_grace_s=stop_grace_s)


async def _enqueue(outbox: SqlOutbox, clock, count: int) -> None:
    for n in range(count):
        await outbox.enqueue(Row.NOTICE, clock.now(), thread_key="invite:1", invite_id=1, payload={"n": n})


async def test_rows_a_stopped_worker_held_are_due_again_at_once_not_when_the_lease_runs_out(engine, clock) -> None:
    outbox = SqlOutbox(engine)
    worker = worker_on(outbox, clock, stop_grace_s=0.05)
    sending = asyncio.Event()

    async def slack_never_answers(item: OutboxItem) -> None:
        sending.set()
        await asyncio.Event().wait()

    worker.add_handler(Row.NOTICE, slack_never_answers)
    await _enqueue(outbox, clock, 3)
    worker.start()
    await asyncio.wait_for(sending.wait(), 5)
    await worker.stop()
    # The fake clock has not moved: without the release every lease would still have a minute to run.
    again = await outbox.lease_due(clock.now(), limit=10, lease_s=60)
    assert [item.payload["n"] for item in again] == [0, 1, 2]


async def test_the_send_under_way_finishes_and_no_new_one_starts_once_stopping(engine, clock) -> None:
    outbox = SqlOutbox(engine)
    worker = worker_on(outbox, clock, stop_grace_s=30)
    sending, answer = asyncio.Event(), asyncio.Event()
    sent: list[int] = []

    async def slow_slack(item: OutboxItem) -> None:
        sending.set()
        await answer.wait()
        sent.append(item.payload["n"])

    worker.add_handler(Row.NOTICE, slow_slack)
    await _enqueue(outbox, clock, 3)
    worker.start()
    await asyncio.wait_for(sending.wait(), 5)
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0)
    answer.set()
    await asyncio.wait_for(stopping, 5)
    assert sent == [0]
    assert await outbox.pending_count() == 2
    assert [item.payload["n"] for item in await outbox.lease_due(clock.now(), limit=10, lease_s=60)] == [1, 2]


async def test_two_features_cannot_claim_the_same_stored_kind(engine, clock) -> None:
    worker = worker_on(SqlOutbox(engine), clock, stop_grace_s=0)

    async def deliver(item: OutboxItem) -> None:
        return None

    worker.add_handler(Row.NOTICE, deliver)
    with pytest.raises(ValueError, match=r"'notice' is already Row\.NOTICE"):
        worker.add_handler(OtherRow.NOTICE, deliver)


class ThreadRow(OutboxKind):
    PARENT = "test_parent"
    REPLY = "test_reply"


def _refused(error: str) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://127.0.0.1:9/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError(error, response)


async def test_a_reply_whose_thread_slack_refused_for_good_ends_with_a_log_line_instead_of_waiting_forever(
    engine, clock, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = SqlOutbox(engine)
    worker = worker_on(outbox, clock, stop_grace_s=0)
    tries: list[int] = []

    async def parent(item: OutboxItem) -> None:
        raise _refused("invalid_blocks")

    async def reply(item: OutboxItem) -> None:
        tries.append(item.id)
        raise NotReady  # the thread parent was never posted

    worker.add_handler(ThreadRow.PARENT, parent)
    worker.add_handler(ThreadRow.REPLY, reply)
    await outbox.enqueue(ThreadRow.PARENT, clock.now(), thread_key="invite:9", invite_id=9)
    await outbox.enqueue(ThreadRow.REPLY, clock.now(), thread_key="invite:9", invite_id=9)
    for _ in range(5):
        await worker.deliver_due()
        clock.advance(seconds=1)
    assert await outbox.pending_count() == 0
    assert len(tries) == 1
    assert any("invite:9" in r.getMessage() and "gave up" in r.getMessage() for r in caplog.records)


async def test_a_reply_keeps_waiting_while_its_thread_parent_is_still_being_retried(engine, clock) -> None:
    outbox = SqlOutbox(engine)
    worker = worker_on(outbox, clock, stop_grace_s=0)

    async def parent(item: OutboxItem) -> None:
        raise _refused("internal_error")  # not permanent: retried with backoff

    async def reply(item: OutboxItem) -> None:
        raise NotReady

    worker.add_handler(ThreadRow.PARENT, parent)
    worker.add_handler(ThreadRow.REPLY, reply)
    await outbox.enqueue(ThreadRow.PARENT, clock.now(), thread_key="invite:9", invite_id=9)
    await outbox.enqueue(ThreadRow.REPLY, clock.now(), thread_key="invite:9", invite_id=9)
    for _ in range(3):
        await worker.deliver_due()
        clock.advance(seconds=1)
    assert await outbox.pending_count() == 2


def _ratelimited() -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://127.0.0.1:9/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers={"Retry-After": "3"},
        status_code=429,
    )
    return SlackApiError("ratelimited", response)


async def test_a_rate_limited_row_holds_back_the_younger_rows_of_its_thread_only(engine, clock) -> None:
    outbox = SqlOutbox(engine)
    worker = worker_on(outbox, clock, stop_grace_s=0)
    sent: list[tuple[str, int]] = []
    refuse = {("invite:1", 0)}

    async def slack(item: OutboxItem) -> None:
        key = (item.thread_key, item.payload["n"])
        if key in refuse:
            refuse.discard(key)
            raise _ratelimited()
        sent.append(key)

    worker.add_handler(Row.NOTICE, slack)
    for n in range(3):
        for thread in ("invite:1", "invite:2"):
            await outbox.enqueue(Row.NOTICE, clock.now(), thread_key=thread, invite_id=1, payload={"n": n})
    await worker.deliver_due()
    assert sent == [("invite:2", 0), ("invite:2", 1), ("invite:2", 2)]
    assert not await worker.deliver_due()  # nothing of invite:1 goes ahead of its refused row
    clock.advance(seconds=3)  # Retry-After
    await worker.deliver_due()
    assert sent[3:] == [("invite:1", 0), ("invite:1", 1), ("invite:1", 2)]


async def test_slack_posts_wait_while_a_slack_request_is_served_and_go_once_it_is_answered(engine, clock) -> None:
    outbox = SqlOutbox(engine)
    acks_first = AcksFirst(max_wait_s=60)
    slack = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")  # the sender here never calls it
    worker = SlackOutboxWorker(outbox, slack, clock, asyncio.Event(), stop_grace_s=0.05, acks_first=acks_first)
    sent: list[int] = []

    async def record(item: OutboxItem) -> None:
        sent.append(item.payload["n"])

    worker.add_handler(Row.NOTICE, record)
    await _enqueue(outbox, clock, 2)
    with acks_first.acking():  # a Slack request is waiting for its ack
        worker.start()
        await asyncio.sleep(0.1)  # not a wait for a result: the time the worker would have taken to post
        assert sent == []
    await wait_for(lambda: sent == [0, 1], what="the posts once the request was answered")
    await worker.stop()
