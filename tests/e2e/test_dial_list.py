"""`/dial list` (我的外呼) through the emulator: my upcoming invites with Cancel, the channel's recent ones."""

from __future__ import annotations

from bot.dialout.core.models import InviteStatus
from bot.emulator.render import render_blocks
from bot.emulator.server import Ephemeral, Message
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, LI, Harness, wait_for


def _lists(harness: Harness, user: str) -> list[Ephemeral]:
    return [e for e in harness.emulator.ephemerals_for(user) if any(b["type"] == "header" for b in e.blocks)]


async def the_list(harness: Harness, user: str) -> Ephemeral:
    await wait_for(lambda: bool(_lists(harness, user)), what="the /dial list answer")
    return _lists(harness, user)[-1]


async def test_dial_list_shows_my_upcoming_invites_soonest_first_and_the_channels_recent_ones(
    harness: Harness,
) -> None:
    answered = {AMY: 0, BOB: 0}
    for text, user in [("conf 42 in 3 hours", AMY), ("conf 43 in 1 hour", AMY), ("conf 44 in 2 hours", BOB)]:
        await harness.dial(f"13800138001 into {text}", user=user)  # one at a time, so ids follow the order
        answered[user] += 1
        await harness.wait_ephemeral(user, count=answered[user])
    await harness.dial("13800138001 into conf 45 now")
    store = harness.services.store

    async def finished() -> bool:
        invite = await store.get_invite(4)
        return invite is not None and invite.status is InviteStatus.DONE

    await wait_for(finished, timeout=15, what="the 'now' invite to finish")
    await harness.dial("list")
    listed = await the_list(harness, AMY)
    text = "\n".join(render_blocks(listed.blocks))
    upcoming, recent = text.split("RECENT IN THIS CHANNEL")
    assert "YOUR UPCOMING DIAL-OUTS" in upcoming
    assert upcoming.index("#2") < upcoming.index("#1")  # soonest first
    assert "#3" not in upcoming and "#4" not in upcoming  # Bob's, and one already dialled
    assert "#4" in recent and "#3" in recent and "Finished." in recent  # with what became of it
    assert "#1" not in recent and "#2" not in recent  # listed once, above
    buttons = [b["accessory"] for b in listed.blocks if "accessory" in b]
    assert [b["value"] for b in buttons] == ["2", "1"] and all(
        b["action_id"] == ids.CANCEL_INVITE_ACTION for b in buttons
    )
    assert "<@" not in listed.text and "*" not in listed.text  # the notification text is plain


async def test_the_cancel_button_in_the_list_cancels_that_invite(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 in 3 hours")
    await harness.wait_ephemeral()
    await harness.dial("我的外呼")
    listed = await the_list(harness, AMY)
    assert harness.driver is not None
    as_message = Message(listed.channel, "", listed.text, listed.blocks)
    response = await harness.driver.click(as_message, ids.CANCEL_INVITE_ACTION, user_id=AMY)
    assert response.status_code == 200
    await wait_for(lambda: any("is cancelled" in e for e in harness.ephemerals()), what="the cancel reply")
    assert (await harness.only_invite()).status is InviteStatus.CANCELLED


async def test_an_empty_list_says_how_to_schedule_in_the_askers_language(harness: Harness) -> None:
    await harness.dial("list", user=BOB)
    text = "\n".join(render_blocks((await the_list(harness, BOB)).blocks))
    assert "Nothing scheduled by you" in text and "No dial-outs in this channel yet" in text


async def test_the_list_answers_in_chinese_for_a_chinese_asker(harness: Harness) -> None:
    await harness.dial("13800138001 呼入会议 42 明天下午3点", user=LI)
    await harness.wait_ephemeral(LI)
    await harness.dial("我的外呼", user=LI)
    text = "\n".join(render_blocks((await the_list(harness, LI)).blocks))
    assert "我安排的外呼" in text and "*#1* · 1 人，电话会议 42，经 Sandbox" in text
    assert "本频道最近的外呼" in text
