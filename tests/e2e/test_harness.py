"""The harness itself: a story's "Nth answer" counts what the bot answered, in the order it was asked."""

from __future__ import annotations

import asyncio

from tests.e2e.harness import Harness, wait_for


async def test_dial_returns_once_the_commands_answer_has_arrived_even_when_its_thread_came_first(
    harness: Harness,
) -> None:
    # The ack comes before the listener's work, so the thread parent (the outbox's post) can reach
    # Slack before the command's answer: hold the answer to make that order certain.
    held = harness.emulator.hold("chat.postEphemeral")
    dialling = asyncio.ensure_future(harness.dial("13800138001 into conf 42 in 2 hours"))
    await wait_for(lambda: len(harness.parents()) == 1, what="the thread parent, before the answer")
    assert not dialling.done()  # a click on the parent now would get the first answer, not the second
    held.set()
    response = await asyncio.wait_for(dialling, 10)
    assert response.status_code == 200
    assert harness.ephemerals()[0].startswith("Scheduled invite #1")
