"""Use another number on a reminder DM, through the emulator as Slack sends it (signed block_actions and
view_submission): the new number is dialled instead and shown, a number outside the dialing policy is
refused on the field, a stranger is refused, too late says so; in English and Chinese."""

from __future__ import annotations

from typing import Any

from bot.dialout.core.models import Invite
from bot.emulator.server import Message
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, LI, Harness, wait_for
from tests.e2e.test_reminders import MovableClock, reminder_of, scheduled
from tests.e2e.test_thread_buttons import buttons, click

NUMBER = "another_number_input"


async def reminded(harness: Harness, clock: MovableClock, text: str, person: str) -> tuple[Invite, Message]:
    """A run with `remind dm`, its reminder come: the invite and `person`'s DM."""
    invite = await scheduled(harness, text)
    clock.advance(hours=1, minutes=51)
    await reminder_of(harness, invite)
    await wait_for(lambda: len(harness.emulator.direct_messages(person)) == 1, what="the reminder DM")
    return invite, harness.emulator.direct_messages(person)[0]


def modals(harness: Harness) -> list[dict[str, Any]]:
    return [m for m in harness.emulator.modals() if m.get("callback_id") == ids.ANOTHER_NUMBER_VIEW]


async def open_modal(harness: Harness, dm: Message, user: str) -> dict[str, Any]:
    before = len(modals(harness))
    await click(harness, dm, ids.ANOTHER_NUMBER_ACTION, user)
    await wait_for(lambda: len(modals(harness)) > before, what="the Use another number modal")
    return modals(harness)[-1]


async def submit(harness: Harness, view: dict[str, Any], number: str, user: str) -> dict[str, Any] | None:
    assert harness.driver is not None
    response = await harness.driver.submit(view, user_id=user, inputs={NUMBER: number})
    return harness.driver.response_action(response)


async def address_of(harness: Harness, invite: Invite, user: str) -> str:
    assert invite.id is not None
    calls = await harness.services.store.attempts(invite.id)
    return next(a.party.address for a in calls if a.party.slack_user_id == user)


async def test_another_number_is_shown_in_the_dm_and_the_roster_and_dialled_instead(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite, dm = await reminded(harness, clock, f"<@{BOB}>, 13800138001 into conf 42 in 2 hours remind dm", BOB)
        assert buttons(dm) == [ids.ANOTHER_NUMBER_ACTION, ids.SKIP_ME_ACTION]
        view = await open_modal(harness, dm, BOB)
        assert view["title"]["text"] == "Another number"
        assert view["blocks"][0]["hint"]["text"].startswith("Now: 139****0011. Only your call of invite #1 changes.")
        assert await submit(harness, view, "138 0013 8999", BOB) is None  # the modal closes
        assert await address_of(harness, invite, BOB) == "+8613800138999"
        new_dm = " on 138****8999 for conference 42 (invite #1)."
        await wait_for(
            lambda: harness.emulator.direct_messages(BOB)[0].text.endswith(new_dm),
            what="the DM re-rendered in place with the new number",
        )
        assert len(harness.emulator.direct_messages(BOB)) == 1
        await wait_for(lambda: "138****8999" in str(harness.roster(invite).blocks), what="the roster's new number")
        assert "139****0011" not in str(harness.roster(invite).blocks)
        await click(harness, harness.parents()[0], ids.DIAL_NOW_ACTION, AMY)
        await harness.wait_done()
        assert harness.sandbox_dials("+8613800138999") == 1
        assert harness.sandbox_dials("+8613900000011") == 0 and harness.sandbox_dials("+8613800138001") == 1


async def test_a_number_outside_the_dialing_policy_is_refused_on_the_field_and_nothing_changes(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock, allowed_countries="CN") as harness:
        invite, dm = await reminded(harness, clock, f"<@{BOB}> into conf 42 in 2 hours remind dm", BOB)
        view = await open_modal(harness, dm, BOB)
        refused = await submit(harness, view, "+1 415 555 2671", BOB)
        assert refused == {
            "response_action": "errors",
            "errors": {"another_number": "+1 415 555 2671 is in the US, which this workspace doesn't dial."},
        }
        invalid = await submit(harness, view, "+86 168 0000 0000", BOB)  # no Chinese line has this number
        assert invalid is not None and "not a valid number in China" in invalid["errors"]["another_number"]
        not_a_number = await submit(harness, view, "my desk", BOB)
        assert not_a_number is not None and "not a phone number" in not_a_number["errors"]["another_number"]
        assert await address_of(harness, invite, BOB) == "+8613900000011"
        assert harness.emulator.direct_messages(BOB)[0].text.endswith(" on 139****0011 for conference 42 (invite #1).")


async def test_a_stranger_can_neither_open_nor_submit_someone_elses_number(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite, dm = await reminded(harness, clock, f"<@{BOB}>, <@{LI}> into conf 42 in 2 hours remind dm", BOB)
        await click(harness, dm, ids.ANOTHER_NUMBER_ACTION, AMY)
        refusal = await harness.wait_ephemeral(AMY, 2)  # after the scheduling answer
        assert refusal == "This call of invite #1 is someone else's: only the person called may change its number."
        assert modals(harness) == []
        bobs = await open_modal(harness, dm, BOB)
        forged = await submit(harness, bobs, "13800138999", LI)  # Bob's modal, submitted as Li
        assert forged == {
            "response_action": "errors",
            "errors": {"another_number": "第 1 号邀请中的这通电话不是你的：只有被呼叫的人可以更改号码。"},
        }
        assert await address_of(harness, invite, BOB) == "+8613900000011"


async def test_too_late_once_the_call_was_placed_in_english_and_chinese(test_db) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock) as harness:
        invite, to_bob = await reminded(harness, clock, f"<@{BOB}>, <@{LI}> into conf 42 in 2 hours remind dm", BOB)
        await wait_for(lambda: len(harness.emulator.direct_messages(LI)) == 1, what="Li's DM")
        to_li = harness.emulator.direct_messages(LI)[0]
        assert "换个号码" in str(to_li.blocks)
        left_open = await open_modal(harness, to_li, LI)
        assert left_open["title"]["text"] == "换个号码"
        await click(harness, harness.parents()[0], ids.DIAL_NOW_ACTION, AMY)
        await harness.wait_done()
        late = await submit(harness, left_open, "13800138999", LI)
        assert late == {
            "response_action": "errors",
            "errors": {"another_number": "第 1 号邀请已经开始拨打，无法更改你的号码。"},
        }
        await click(harness, to_bob, ids.ANOTHER_NUMBER_ACTION, BOB)
        too_late = await harness.wait_ephemeral(BOB)
        assert too_late == "Invite #1 has already been dialled; your number could not be changed."
        assert harness.sandbox_dials("+8613800138999") == 0
        assert await address_of(harness, invite, LI) == "+8613900000002"


async def test_after_skip_me_there_is_no_number_to_change_and_a_chinese_bad_number_is_said_in_chinese(
    test_db,
) -> None:
    clock = MovableClock()
    async with Harness(test_db, clock=clock, allowed_countries="CN") as harness:
        invite, to_li = await reminded(harness, clock, f"<@{LI}>, <@{BOB}> into conf 42 in 2 hours remind dm", LI)
        view = await open_modal(harness, to_li, LI)
        refused = await submit(harness, view, "+1 415 555 2671", LI)
        assert refused is not None
        assert refused["errors"]["another_number"] == "+1 415 555 2671 属于美国，本工作区不拨打该地区。"
        await click(harness, to_li, ids.SKIP_ME_ACTION, LI)
        await harness.wait_ephemeral(LI)
        skipped = await submit(harness, view, "13800138999", LI)
        assert skipped is not None
        assert skipped["errors"]["another_number"] == "你已选择不参加第 1 号邀请：不会拨打你，因此没有可更改的号码。"
        assert await address_of(harness, invite, LI) == "+8613900000002"
