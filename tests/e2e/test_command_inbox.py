"""Every `/dial` Slack got its 200 for is carried out, or was answered "busy" in that 200 and stored nothing."""

from __future__ import annotations

import asyncio

from bot.kernel.inbox import SqlInbox
from tests.e2e.harness import AMY, CHANNEL, Harness, wait_for


async def test_beyond_its_backlog_a_bot_answers_busy_in_the_ack_and_stores_nothing(test_db) -> None:
    async with Harness(test_db, command_backlog=1) as harness:
        stuck = harness.emulator.hold("users.info")  # the first command's work cannot finish yet
        first = await harness.dial("13800138001 into conf 42 in 1 hour", answered=False)
        await wait_for(lambda: harness.emulator.calls["users.info"] >= 1, what="the first command under way")
        second = await harness.dial("13800138002 into conf 43 in 1 hour")
        assert first.status_code == second.status_code == 200
        assert first.text == ""  # an empty ack: the answer comes as an ephemeral message
        assert second.json() == {
            "text": "I'm busy with many requests right now and did not take this one: nothing was scheduled. "
            "Please try again in a minute.",
            "response_type": "ephemeral",
        }
        stuck.set()
        await harness.wait_ephemeral(AMY)
        invites = await harness.services.store.recent_invites(CHANNEL, 10)
        assert [i.target.id for i in invites] == ["42"]
        inbox = SqlInbox(harness.services.engine)

        async def forgotten() -> bool:
            return await inbox.count() == 0

        await wait_for(forgotten, what="the carried-out command to leave the inbox")


async def test_many_commands_at_once_are_all_carried_out(harness: Harness) -> None:
    responses = await asyncio.gather(*(harness.dial(f"1380013800{n % 10} into conf {n} in 1 hour") for n in range(40)))
    assert all(r.status_code == 200 and r.text == "" for r in responses)
    await wait_for(lambda: len(harness.ephemerals()) == 40, timeout=30, what="40 confirmations")
    invites = await harness.services.store.recent_invites(CHANNEL, 100)
    assert sorted(int(i.target.id) for i in invites) == list(range(40))
