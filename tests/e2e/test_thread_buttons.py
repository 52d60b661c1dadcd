"""The thread parent's buttons, clicked through the emulator as Slack sends them (signed block_actions,
view_submission): Dial now, Redial failed, Hang up all and Cancel, for those allowed and those not,
on fresh and on stale messages, twice at once, in English and Chinese."""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from typing import Any

import httpx

from bot.dialout.core.models import InviteStatus
from bot.emulator.render import render_blocks
from bot.emulator.server import TEAM_ID, Message
from bot.kernel.states import CallState
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, LI, Harness, wait_for

LEADS = "S0LEADS"
FOUR = "+8613800138001, 13800138000, 138 0013 8009, 13800138008 into conf 42 now max 30m"


def buttons(message: Message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


async def click(harness: Harness, message: Message, action_id: str, user: str) -> httpx.Response:
    assert harness.driver is not None
    response = await harness.driver.click(message, action_id, user_id=user)
    assert response.status_code == 200
    return response


async def submit(harness: Harness, view: dict[str, Any], user: str) -> httpx.Response:
    """Press Submit on an open modal: the view_submission payload Slack sends (no inputs, so empty state)."""
    assert harness.driver is not None
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "emulated"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0CONFBOT",
        "token": "deprecated-verification-token",
        "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex}",
        "view": {**view, "team_id": TEAM_ID, "state": {"values": {}}, "hash": f"{int(time.time())}.abc"},
        "response_urls": [],
        "is_enterprise_install": False,
    }
    response = await harness.driver.interact(payload)
    assert response.status_code == 200
    return response


async def scheduled_parent(harness: Harness, text: str = "13800138001 into conf 42 in 2 hours") -> Message:
    await harness.dial(text)
    await wait_for(lambda: len(harness.parents()) == 1 and bool(buttons(harness.parents()[0])), what="the parent")
    return harness.parents()[0]


async def test_dial_now_dials_a_scheduled_invite_at_once_and_the_parent_says_who(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    assert buttons(parent) == [ids.DIAL_NOW_ACTION, ids.EDIT_ACTION, ids.ADD_PEOPLE_ACTION, ids.CANCEL_INVITE_ACTION]
    await click(harness, parent, ids.DIAL_NOW_ACTION, AMY)
    assert await harness.wait_ephemeral(AMY, 2) == "Dialling invite #1 now."
    invite = await harness.wait_done()
    assert harness.sandbox_dials("+8613800138001") == 1
    assert harness.services.scheduler.job_ids().count(f"invite:{invite.id}") == 0
    assert invite.fired_by == AMY
    assert "Dialled early by amy." in harness.parents()[0].text


async def test_two_dial_now_clicks_at_once_dial_each_party_once(harness: Harness) -> None:
    parent = await scheduled_parent(harness, "13800138001, 13800138002 into conf 42 in 2 hours")
    await asyncio.gather(*(click(harness, parent, ids.DIAL_NOW_ACTION, AMY) for _ in range(2)))
    await wait_for(lambda: len(harness.ephemerals(AMY)) == 3, what="an answer to each click")
    assert sorted(harness.ephemerals(AMY)[1:]) == [
        "Dialling invite #1 now.",
        "Invite #1 has already been dialled; nobody was called twice.",
    ]
    await harness.wait_done()
    assert harness.sandbox_dials("+8613800138001") == 1 and harness.sandbox_dials("+8613800138002") == 1


async def test_a_stranger_is_refused_in_their_language_and_nothing_changes(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    await click(harness, parent, ids.DIAL_NOW_ACTION, LI)
    assert await harness.wait_ephemeral(LI) == f"只有第 1 号邀请的创建者（<@{AMY}>）或工作区管理员可以这样做。"
    await click(harness, parent, ids.CANCEL_INVITE_ACTION, BOB)
    refusal = await harness.wait_ephemeral(BOB)
    assert refusal == f"Only the person who created invite #1 (<@{AMY}>) or a workspace admin may do that."
    assert (await harness.only_invite()).status is InviteStatus.SCHEDULED
    assert harness.sandbox_dials() == 0


async def test_members_of_the_invite_admin_group_and_admins_may_press_any_button(test_db) -> None:
    async with Harness(test_db, invite_admin_group=LEADS) as harness:
        harness.emulator.add_usergroup(LEADS, [BOB])
        harness.emulator.add_user("U0BOSS", name="boss", is_admin=True)
        parent = await scheduled_parent(harness)
        await click(harness, parent, ids.DIAL_NOW_ACTION, LI)
        assert await harness.wait_ephemeral(LI) == (
            f"只有第 1 号邀请的创建者（<@{AMY}>）、工作区管理员或 <!subteam^{LEADS}> 的成员可以这样做。"
        )
        await click(harness, parent, ids.DIAL_NOW_ACTION, BOB)
        assert await harness.wait_ephemeral(BOB) == "Dialling invite #1 now."
        await harness.dial("13800138002 into conf 43 in 2 hours")
        await wait_for(lambda: len(harness.parents()) == 2, what="the second parent")
        await click(harness, harness.parents()[1], ids.CANCEL_INVITE_ACTION, "U0BOSS")
        assert await harness.wait_ephemeral("U0BOSS") == "Invite #2 is cancelled."


async def test_when_slack_cannot_say_who_is_in_the_group_only_the_creator_may_act(test_db) -> None:
    async with Harness(test_db, invite_admin_group=LEADS) as harness:
        harness.emulator.add_usergroup(LEADS, [BOB])
        parent = await scheduled_parent(harness)
        harness.emulator.fail_next("usergroups.users.list", status=200, error="team_access_not_granted", times=5)
        await click(harness, parent, ids.DIAL_NOW_ACTION, BOB)
        assert (await harness.wait_ephemeral(BOB)).startswith("Only the person who created invite #1")
        assert harness.emulator.calls["usergroups.users.list"] >= 1  # it asked, and Slack refused to say
        await click(harness, parent, ids.DIAL_NOW_ACTION, AMY)
        assert await harness.wait_ephemeral(AMY, 2) == "Dialling invite #1 now."
        await harness.wait_done()
        assert harness.sandbox_dials() == 1


async def test_a_stale_button_says_what_happened_instead_of_acting(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    stale = copy.deepcopy(parent)  # what a client that has not refreshed still shows
    await click(harness, parent, ids.CANCEL_INVITE_ACTION, AMY)
    await wait_for(lambda: "· Cancelled:" in harness.parents()[0].text, what="the parent to say cancelled")
    assert buttons(harness.parents()[0]) == []
    await click(harness, stale, ids.DIAL_NOW_ACTION, AMY)
    assert await harness.wait_ephemeral(AMY, 3) == "Invite #1 was cancelled or missed meanwhile; nobody was dialled."
    await click(harness, stale, ids.DIAL_NOW_ACTION, LI)  # a stranger is refused before anything else
    assert "只有第 1 号邀请的创建者" in await harness.wait_ephemeral(LI)
    assert harness.sandbox_dials() == 0


async def test_redial_failed_confirms_who_failed_and_why_then_calls_only_them_again(harness: Harness) -> None:
    await harness.dial(FOUR)
    invite = await harness.wait_done()
    parent = harness.parents()[0]
    assert buttons(parent) == [ids.REDIAL_FAILED_ACTION]
    await click(harness, parent, ids.REDIAL_FAILED_ACTION, AMY)
    await wait_for(lambda: bool(harness.emulator.modals()), what="the confirmation modal")
    [modal] = harness.emulator.modals()
    shown = "\n".join(render_blocks(modal["blocks"]))
    assert "Call these 3 people again on invite #1?" in shown
    assert "• 138****8000: busy" in shown and "• 138****8009: no answer" in shown
    assert "8001" not in shown  # joined: never redialled
    assert harness.sandbox_dials() == 4  # nothing is placed before Submit
    await asyncio.gather(submit(harness, modal, AMY), submit(harness, modal, AMY))  # a double submit
    await wait_for(lambda: len(harness.ephemerals(AMY)) == 3, what="an answer to each submit")
    assert sorted(harness.ephemerals(AMY)[1:]) == [
        "Calling again the people whose calls failed on invite #1.",
        "Invite #1 is being dialled right now (perhaps someone redialled it already); nobody was dialled twice.",
    ]
    done = await harness.wait_done()
    assert done.id == invite.id
    assert [harness.sandbox_dials(n) for n in ("+8613800138001", "+8613800138000", "+8613800138009")] == [1, 2, 2]
    attempts = await harness.services.store.attempts(invite.id or 0)
    assert len(attempts) == 7 and all(a.state is not CallState.QUEUED for a in attempts)
    roster = "\n".join(render_blocks(harness.roster(done).blocks))
    assert roster.count("138****8000 — failed: busy") == 2  # the first call and the new attempt
    replies = harness.replies_text(done)
    assert any("amy is calling again the 3 people" in r for r in replies)
    assert (
        replies[-1].splitlines()[0]
        == f"<@{AMY}> 1 of 4 joined · 138****8000 busy · 138****8009 no answer · 138****8008 unreachable"
    )
    assert ": 4 people into conference 42" in harness.parents()[0].text  # people, not calls
    assert not harness.emulator.rejections


async def test_redial_by_a_stranger_opens_nothing_and_is_refused_in_chinese(harness: Harness) -> None:
    await harness.dial("13800138000 into conf 42 now")
    await harness.wait_done()
    await click(harness, harness.parents()[0], ids.REDIAL_FAILED_ACTION, LI)
    assert "只有第 1 号邀请的创建者" in await harness.wait_ephemeral(LI)
    assert harness.emulator.modals() == [] and harness.sandbox_dials() == 1


async def test_hang_up_all_ends_the_calls_under_way(test_db) -> None:
    async with Harness(test_db, speed=1.0) as harness:  # real-time: the call is still up when we press
        await harness.dial("13800138001 into conf 42 now")
        await wait_for(
            lambda: bool(harness.parents()) and ids.HANG_UP_ACTION in buttons(harness.parents()[0]),
            what="the Hang up all button",
        )
        assert buttons(harness.parents()[0]) == [ids.HANG_UP_ACTION, ids.ADD_PEOPLE_ACTION, ids.CANCEL_INVITE_ACTION]
        await wait_for(lambda: harness.sandbox_dials() == 1, what="the call to be placed")
        await click(harness, harness.parents()[0], ids.HANG_UP_ACTION, LI)
        assert "只有第 1 号邀请的创建者" in await harness.wait_ephemeral(LI)
        await click(harness, harness.parents()[0], ids.HANG_UP_ACTION, AMY)
        assert await harness.wait_ephemeral(AMY, 2) == "Hanging up every call of invite #1."
        invite = await harness.wait_done()
        [attempt] = await harness.services.store.attempts(invite.id or 0)
        assert attempt.state in {CallState.CANCELLED, CallState.COMPLETED}
        assert "amy hung up every call." in harness.replies_text(invite)
        assert buttons(harness.parents()[0]) == []
