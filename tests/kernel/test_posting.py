"""The one post-or-update of kept messages: posted once, edited in place after, paced, never losing a change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.posting import Blocks, KeptMessages, Rendered, TooSoon, Where


class Row(OutboxKind):
    ROSTER = "roster"


@dataclass
class RecordingChat:
    """The Poster port at the network edge: records what would have gone to Slack."""

    calls: list[tuple[str, ...]] = field(default_factory=list)

    async def post(
        self,
        channel: str,
        text: str,
        *,
        blocks: Blocks | None = None,
        thread_ts: str | None = None,
        broadcast: bool = False,
        row: int | None = None,
    ) -> str:
        ts = f"100.{len(self.calls)}"
        self.calls.append(("post", channel, text, str(thread_ts)))
        return ts

    async def update(self, channel: str, ts: str, text: str, *, blocks: Blocks | None = None) -> None:
        self.calls.append(("update", channel, text, ts))

    async def find_row(self, channel: str, row: int, *, thread_ts: str | None, since: datetime) -> str | None:
        raise AssertionError("only a row taken over from a dead worker looks for its message")


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _leased(box: SqlOutbox, clock) -> OutboxItem:
    """A fresh roster row, leased. Earlier rows are left pending, so each gets a thread of its own:
    a thread's rows go out one after another (tests/kernel/test_outbox.py), and these tests are
    about one message's posts and edits."""
    thread_key = f"invite:1/{uuid.uuid4().hex}"
    await box.enqueue(Row.ROSTER, clock.now(), thread_key=thread_key, invite_id=1, coalesce_for=1)
    [item] = await box.lease_due(clock.now(), limit=1, lease_s=60)
    return item


def rendering(text: str):
    async def render() -> Rendered:
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]

    return render


async def test_it_posts_once_in_its_thread_remembers_the_ts_and_edits_that_message_after(engine, clock) -> None:
    box, chat, tick = SqlOutbox(engine), RecordingChat(), Monotonic()
    messages = KeptMessages(chat, box, min_interval_s=1.0, monotonic=tick)
    remembered: list[str] = []

    async def remember(ts: str) -> None:
        remembered.append(ts)

    await messages.post_or_update(await _leased(box, clock), Where("C1", None, "99.0"), rendering("v1"), remember)
    tick.now += 1.0
    await messages.post_or_update(
        await _leased(box, clock), Where("C1", remembered[0], "99.0"), rendering("v2"), remember
    )
    assert chat.calls == [("post", "C1", "v1", "99.0"), ("update", "C1", "v2", "100.0")]
    assert remembered == ["100.0"]


async def test_a_second_edit_within_the_interval_is_too_soon_and_the_row_keeps_coalescing(engine, clock) -> None:
    box, chat, tick = SqlOutbox(engine), RecordingChat(), Monotonic()
    messages = KeptMessages(chat, box, min_interval_s=1.0, monotonic=tick)

    async def nowhere(ts: str) -> None:
        raise AssertionError("an edit has nothing to remember")

    await messages.post_or_update(await _leased(box, clock), Where("C1", "5.0"), rendering("v1"), nowhere)
    tick.now += 0.4
    with pytest.raises(TooSoon) as soon:
        await messages.post_or_update(await _leased(box, clock), Where("C1", "5.0"), rendering("v2"), nowhere)
    assert soon.value.wait_s == pytest.approx(0.6)
    assert chat.calls == [("update", "C1", "v1", "5.0")]
    assert not await box.enqueue(Row.ROSTER, clock.now(), thread_key="invite:1", invite_id=1, coalesce_for=1)


async def test_a_change_made_while_the_message_renders_gets_a_row_of_its_own(engine, clock) -> None:
    box, chat = SqlOutbox(engine), RecordingChat()
    messages = KeptMessages(chat, box)
    covered: list[bool] = []

    async def render_while_a_call_changes() -> Rendered:
        covered.append(await box.enqueue(Row.ROSTER, clock.now(), thread_key="invite:1", invite_id=1, coalesce_for=1))
        return "v1", []

    async def remember(ts: str) -> None:
        return None

    await messages.post_or_update(await _leased(box, clock), Where("C1", None), render_while_a_call_changes, remember)
    assert covered == [True]  # a new pending row: the change is sent next, not folded into this send
