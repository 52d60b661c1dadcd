"""Edit and Add people on the thread parent, through the emulator as Slack sends them (signed
block_actions and view_submission): allowed, refused, stale, submitted twice, in English and Chinese."""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialout.core.models import InviteStatus
from bot.emulator.server import Message
from bot.kernel.states import CallState
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, CHANNEL, LI, Harness, wait_for
from tests.e2e.test_thread_buttons import LEADS, buttons, click, scheduled_parent

TARGET, PEOPLE, NUMBERS, WHEN = (
    "dial_form_target_input",
    "dial_form_people_input",
    "dial_form_numbers_input",
    "dial_form_when_input",
)


def views(harness: Harness, callback_id: str) -> list[dict[str, Any]]:
    return [v for v in harness.emulator.views.values() if v.get("callback_id") == callback_id]


async def open_modal(harness: Harness, parent: Message, action_id: str, user: str, callback_id: str) -> dict[str, Any]:
    before = len(views(harness, callback_id))
    await click(harness, parent, action_id, user)
    await wait_for(lambda: len(views(harness, callback_id)) > before, what="the modal to open")
    return views(harness, callback_id)[-1]


async def open_edit(harness: Harness, parent: Message, user: str = AMY) -> dict[str, Any]:
    return await open_modal(harness, parent, ids.EDIT_ACTION, user, "dial_form_edit")


async def open_add(harness: Harness, parent: Message, user: str = AMY) -> dict[str, Any]:
    return await open_modal(harness, parent, ids.ADD_PEOPLE_ACTION, user, "invite_add_people")


async def submit(harness: Harness, view: dict[str, Any], inputs: dict[str, Any], user: str = AMY) -> dict | None:
    assert harness.driver is not None
    response = await harness.driver.submit(view, user_id=user, inputs=inputs, current_channel=CHANNEL)
    return harness.driver.response_action(response)


def initial(view: dict[str, Any], action_id: str) -> Any:
    for block in view["blocks"]:
        element = block.get("element") or {}
        if element.get("action_id") == action_id:
            return element.get("initial_value", element.get("initial_users"))
    raise LookupError(action_id)


async def test_edit_opens_the_form_prefilled_and_saving_moves_the_time_and_replaces_the_parties(
    harness: Harness,
) -> None:
    parent = await scheduled_parent(harness, "13800138001, 13800138003 into conf 42 in 2 hours")
    assert buttons(parent) == [ids.DIAL_NOW_ACTION, ids.EDIT_ACTION, ids.ADD_PEOPLE_ACTION, ids.CANCEL_INVITE_ACTION]
    before = await harness.only_invite()
    view = await open_edit(harness, parent)
    assert view["title"]["text"] == "Edit invite #1" and view["submit"]["text"] == "Save"
    assert (initial(view, TARGET), initial(view, NUMBERS)) == ("42", "+8613800138001\n+8613800138003")
    assert "channel" not in {b.get("block_id", "").removeprefix("dial_form_") for b in view["blocks"]}

    answer = await submit(harness, view, {WHEN: "in 3 hours", NUMBERS: "13800138001\n13800138002", PEOPLE: [BOB]})
    assert answer is None  # saved: the modal closes
    assert await harness.wait_ephemeral(AMY, 2) == "Invite #1 is updated."
    invite = await harness.only_invite()
    assert invite.status is InviteStatus.SCHEDULED
    assert timedelta(minutes=55) < invite.due_at - before.due_at < timedelta(minutes=65)
    assert harness.services.scheduler.job_ids().count("invite:1") == 1
    attempts = await harness.services.store.attempts(1)
    assert [a.party.address for a in attempts] == ["+8613800138001", "+8613800138002", "+8613900000011"]

    def edited_reply() -> list[str]:
        return [r for r in harness.replies_text(invite) if r.startswith("amy ")]

    await wait_for(lambda: bool(edited_reply()), what="the thread to say who edited what")
    [reply] = edited_reply()
    assert reply.startswith("amy moved it to ") and reply.endswith("; added 2 people; removed 1 person.")
    assert "<@" not in reply  # named, not pinged
    await wait_for(lambda: "3 people into conference 42" in harness.parents()[0].text, what="the parent re-rendered")
    assert harness.sandbox_dials() == 0


async def test_saving_the_form_unchanged_keeps_the_exact_time_and_every_call(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    before = await harness.only_invite()
    calls = await harness.services.store.attempts(1)
    assert await submit(harness, await open_edit(harness, parent), {}) is None
    await harness.wait_ephemeral(AMY, 2)
    after = await harness.only_invite()
    assert after.due_at == before.due_at and await harness.services.store.attempts(1) == calls


async def test_wrong_fields_on_an_edit_get_their_errors_and_change_nothing(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    before = await harness.only_invite()
    answer = await submit(harness, await open_edit(harness, parent), {WHEN: "someday", NUMBERS: "amy"})
    assert answer is not None and set(answer["errors"]) == {"dial_form_when", "dial_form_numbers"}
    assert (await harness.only_invite()).due_at == before.due_at


async def test_edit_by_a_stranger_opens_nothing_and_is_refused_in_their_language(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    await click(harness, parent, ids.EDIT_ACTION, LI)
    assert await harness.wait_ephemeral(LI) == f"只有第 1 号邀请的创建者（<@{AMY}>）或工作区管理员可以这样做。"
    await click(harness, parent, ids.ADD_PEOPLE_ACTION, BOB)
    assert (await harness.wait_ephemeral(BOB)).startswith("Only the person who created invite #1")
    assert views(harness, "dial_form_edit") == [] and views(harness, "invite_add_people") == []


async def test_an_edit_form_left_open_while_the_invite_was_dialled_or_edited_is_refused_on_the_form(
    harness: Harness,
) -> None:
    parent = await scheduled_parent(harness, "13800138001 into conf 42 in 2 hours")
    stale = copy.deepcopy(parent)  # what a client that has not refreshed still shows
    first, second = await open_edit(harness, parent), await open_edit(harness, parent)
    assert await submit(harness, first, {NUMBERS: "13800138002"}) is None
    refused = await submit(harness, second, {NUMBERS: "13800138003"})
    assert refused is not None
    assert refused["errors"]["dial_form_provider"].startswith(
        "Invite #1 was changed by someone else after this form was opened; nothing was changed."
    )
    third = await open_edit(harness, parent)
    await click(harness, parent, ids.DIAL_NOW_ACTION, AMY)
    await harness.wait_done()
    late = await submit(harness, third, {NUMBERS: "13800138003"})
    assert late is not None
    assert late["errors"]["dial_form_provider"] == (
        "Invite #1 has already been dialled, so it can no longer be edited; nothing was changed."
    )
    assert harness.sandbox_dials() == 1 and harness.sandbox_dials("+8613800138002") == 1
    await click(harness, stale, ids.EDIT_ACTION, AMY)  # the stale button says what happened
    await wait_for(lambda: "already been dialled" in harness.ephemerals(AMY)[-1], what="the stale answer")
    await click(harness, stale, ids.EDIT_ACTION, LI)  # a stranger is refused before anything else
    assert "只有第 1 号邀请的创建者" in await harness.wait_ephemeral(LI)


async def test_an_edit_submitted_twice_is_saved_once(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    view = await open_edit(harness, parent)
    inputs = {NUMBERS: "13800138001\n13800138002"}
    answers = await asyncio.gather(submit(harness, view, inputs), submit(harness, view, inputs))
    assert answers == [None, None]
    invite = await harness.only_invite()
    await wait_for(lambda: any(r.startswith("amy ") for r in harness.replies_text(invite)), what="the edit reply")
    await wait_for(lambda: len(harness.ephemerals(AMY)) >= 2, what="the answer to the submit that saved")

    async def slack_up_to_date() -> bool:
        return await harness.services.outbox.pending_count() == 0

    await wait_for(slack_up_to_date, what="every thread message to be sent")
    assert len(harness.ephemerals(AMY)) == 2  # the command's confirmation, then one "updated"
    assert len([r for r in harness.replies_text(invite) if r.startswith("amy ")]) == 1
    assert len(await harness.services.store.attempts(1)) == 2


async def test_people_added_to_a_scheduled_invite_wait_and_those_already_on_it_are_named(harness: Harness) -> None:
    parent = await scheduled_parent(harness, "13800138001 into conf 42 in 2 hours")
    view = await open_add(harness, parent)
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "dial_form_people",
        "dial_form_numbers",
    ]
    assert await submit(harness, view, {PEOPLE: [BOB], NUMBERS: "138 0013 8001, Cleo <13800138002>"}) is None
    answer = await harness.wait_ephemeral(AMY, 2)
    assert answer == "Added 2 people to invite #1; already on it, so not added again: 138****8001."
    attempts = await harness.services.store.attempts(1)
    assert [(a.party.address, a.party.name) for a in attempts] == [
        ("+8613800138001", None),
        ("+8613800138002", "Cleo"),
        ("+8613900000011", "bob"),
    ]
    invite = await harness.only_invite()
    await wait_for(lambda: "amy added 2 people." in harness.replies_text(invite), what="the thread reply")
    assert harness.sandbox_dials() == 0  # they wait for the due time


async def test_adding_only_people_already_on_it_is_said_on_the_modal_in_chinese(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 in 2 hours", user=LI)
    await wait_for(lambda: len(harness.parents()) == 1 and bool(buttons(harness.parents()[0])), what="the parent")
    view = await open_add(harness, harness.parents()[0], LI)
    assert view["title"]["text"] == "添加人员"
    answer = await submit(harness, view, {NUMBERS: "13800138001"}, LI)
    assert answer == {
        "response_action": "errors",
        "errors": {"dial_form_people": "所填人员都已在第 1 号邀请中，未添加任何人：138****8001。"},
    }
    bad = await submit(harness, view, {NUMBERS: "12345"}, LI)
    assert bad is not None and "12345 不是中国的有效号码" in bad["errors"]["dial_form_numbers"]
    nobody = await submit(harness, view, {}, LI)
    assert nobody is not None and set(nobody["errors"]) == {"dial_form_people"}
    assert len(await harness.services.store.attempts(1)) == 1


async def test_people_added_while_dialling_are_called_now_each_once_however_often_submitted(test_db) -> None:
    async with Harness(test_db, speed=1.0) as harness:  # real-time: the invite is still dialling when we add
        await harness.dial("13800138001 into conf 42 now")
        await wait_for(
            lambda: bool(harness.parents()) and ids.ADD_PEOPLE_ACTION in buttons(harness.parents()[0]),
            what="the Add people button while dialling",
        )
        view = await open_add(harness, harness.parents()[0])
        inputs = {NUMBERS: "13800138002, 13800138003"}
        answers = await asyncio.gather(*(submit(harness, view, inputs) for _ in range(2)))
        assert answers == [None, None]
        await wait_for(lambda: harness.sandbox_dials() == 3, what="the added people to be dialled")
        await harness.wait_done(timeout=60)
        assert [harness.sandbox_dials(n) for n in ("+8613800138001", "+8613800138002", "+8613800138003")] == [1, 1, 1]
        assert harness.ephemerals(AMY)[-1] == "Added 2 people to invite #1."
        attempts = await harness.services.store.attempts(1)
        assert len(attempts) == 3 and all(a.state is not CallState.QUEUED for a in attempts)


async def test_add_people_on_a_finished_invite_says_it_is_over(harness: Harness) -> None:
    parent = await scheduled_parent(harness)
    stale = copy.deepcopy(parent)
    view = await open_add(harness, parent)
    await click(harness, parent, ids.CANCEL_INVITE_ACTION, AMY)
    await wait_for(lambda: "· Cancelled:" in harness.parents()[0].text, what="the parent to say cancelled")
    answer = await submit(harness, view, {NUMBERS: "13800138002"})
    assert answer is not None and answer["errors"]["dial_form_people"] == (
        "Invite #1 is over (finished, cancelled or missed); nobody was added."
    )
    await click(harness, stale, ids.ADD_PEOPLE_ACTION, AMY)
    await wait_for(lambda: harness.ephemerals(AMY)[-1].startswith("Invite #1 is over"), what="the stale answer")
    assert len(await harness.services.store.attempts(1)) == 1 and harness.sandbox_dials() == 0


async def test_an_edit_form_stays_an_edit_form_when_its_time_is_retyped_and_answers_in_chinese(
    harness: Harness,
) -> None:
    assert harness.driver is not None
    await harness.dial("13800138001 into conf 42 in 2 hours", user=LI)
    await wait_for(lambda: len(harness.parents()) == 1 and bool(buttons(harness.parents()[0])), what="the parent")
    view = await open_edit(harness, harness.parents()[0], LI)
    assert view["title"]["text"] == "编辑邀请 #1" and view["submit"]["text"] == "保存"
    await harness.driver.view_action(view, WHEN, user_id=LI, inputs={WHEN: "in 5 hours"})
    await wait_for(lambda: harness.emulator.views[view["id"]]["hash"] != view["hash"], what="the form to be redrawn")
    redrawn = harness.emulator.views[view["id"]]
    assert redrawn["callback_id"] == "dial_form_edit" and redrawn["title"]["text"] == "编辑邀请 #1"
    assert await submit(harness, redrawn, {WHEN: "in 5 hours"}, LI) is None
    assert await harness.wait_ephemeral(LI, 2) == "第 1 号邀请已更新。"
    invite = await harness.only_invite()
    # The thread speaks the workspace's language (English here), the editor's answer theirs.
    await wait_for(lambda: any(r.startswith("li moved it to ") for r in harness.replies_text(invite)), what="the reply")
    assert harness.services.scheduler.job_ids().count("invite:1") == 1


async def test_an_edit_can_move_the_invite_with_the_date_and_time_pickers_once_the_phrase_is_cleared(
    harness: Harness,
) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    tomorrow = (datetime.now(shanghai) + timedelta(days=1)).date()
    parent = await scheduled_parent(harness)
    view = await open_edit(harness, parent)
    picked = {"dial_form_date_input": f"{tomorrow}", "dial_form_time_input": "10:15"}
    both = await submit(harness, view, picked)  # the prefilled phrase is still there
    assert both is not None and list(both["errors"]) == ["dial_form_when"]
    assert await submit(harness, view, {**picked, WHEN: ""}) is None
    moved = await harness.only_invite()
    assert moved.due_at.astimezone(shanghai) == datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, 10, 15, tzinfo=shanghai
    )


async def test_forms_left_open_while_the_user_lost_permission_name_the_creator_in_plain_text(test_db) -> None:
    async with Harness(test_db, invite_admin_group=LEADS) as harness:
        harness.emulator.add_usergroup(LEADS, [BOB])
        parent = await scheduled_parent(harness)
        edit, add = await open_edit(harness, parent, BOB), await open_add(harness, parent, BOB)
        harness.emulator.usergroups[LEADS] = []  # Bob leaves the group while both forms are open
        await harness.restart_bot()  # (and the bot forgot who was in it)
        refused = await submit(harness, edit, {NUMBERS: "13800138002"}, BOB)
        assert refused is not None and refused["errors"] == {
            "dial_form_provider": "Only the person who created invite #1 (amy), a workspace admin or a member of "
            "the invite admin group may do that."
        }
        not_added = await submit(harness, add, {NUMBERS: "13800138002"}, BOB)
        assert not_added is not None
        assert not_added["errors"]["dial_form_people"].startswith("Only the person who created invite #1 (amy)")
        assert len(await harness.services.store.attempts(1)) == 1
