"""Repeating invites through the emulator as Slack sends them: a `/dial` whose time repeats starts a series,
confirmed with the rule and the next three times in the asker's language and zone; the series' own message
carries Skip next / Pause / Resume / End for its creator (others are refused, naming who may); the same
controls as `/dial` words in both languages; `/dial list` shows the series with its next time."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.dialout.core.models import InviteStatus
from bot.dialout.core.series import SeriesStatus
from bot.emulator.server import Message
from bot.slack import ids
from tests.e2e.harness import AMY, CHANNEL, LI, Harness, wait_for
from tests.e2e.test_dial_form import NUMBERS, TARGET, WHEN, open_by_slash, preview_line, submit, type_when
from tests.e2e.test_edit_and_add_people import open_edit
from tests.e2e.test_edit_and_add_people import submit as edit_submit
from tests.e2e.test_home_refresh import open_home
from tests.e2e.test_thread_buttons import scheduled_parent

WEEKLY = "13800138001 into conf 42 every monday 9am"


def buttons(message: Message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


async def series_message(harness: Harness, wanted: list[str]) -> Message:
    def found() -> bool:
        return bool(harness.parents()) and buttons(harness.parents()[0]) == wanted

    await wait_for(found, what=f"the series' message with {wanted}")
    return harness.parents()[0]


async def click(harness: Harness, message: Message, action_id: str, user: str) -> None:
    assert harness.driver is not None
    response = await harness.driver.click(message, action_id, user_id=user)
    assert response.status_code == 200


async def test_a_repeating_dial_starts_a_series_confirmed_with_its_rule_and_next_three_times(harness: Harness) -> None:
    await harness.dial(WEEKLY)
    reply = await harness.wait_ephemeral(AMY)
    assert reply.startswith("Series #1: 1 person into conference 42 via ")
    assert "every Monday at 09:00 (Asia/Shanghai)" in reply
    upcoming = reply.split("Next: ", 1)[1].split(". ", 1)[0].split("; ")
    assert len(upcoming) == 3 and all(re.fullmatch(r"Mon \d+ \w+ 09:00 UTC\+8", at) for at in upcoming)
    message = await series_message(harness, [ids.SERIES_SKIP_ACTION, ids.SERIES_PAUSE_ACTION, ids.SERIES_END_ACTION])
    assert message.text.startswith("*Series #1* by ")
    series = await harness.services.dialout.series.get(1)
    assert series is not None and series.recurrence.rule == "FREQ=WEEKLY;BYDAY=MO"
    if series.next_at and series.next_at - harness.services.clock.now() > timedelta(minutes=10):
        assert await harness.services.store.recent_invites(CHANNEL, 5) == []  # not due yet: no invite made


async def test_a_chinese_repeating_dial_is_confirmed_in_chinese(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 每周二、四下午4点", user=LI)
    reply = await harness.wait_ephemeral(LI)
    assert reply.startswith("第 1 号系列：每周二、四 16:00（Asia/Shanghai）")
    assert reply.count("UTC+8") == 3 and "`/dial 跳过 1`" in reply


async def test_the_series_buttons_act_for_its_creator_and_refuse_others_naming_who_may(harness: Harness) -> None:
    await harness.dial(WEEKLY)
    await harness.wait_ephemeral(AMY)
    message = await series_message(harness, [ids.SERIES_SKIP_ACTION, ids.SERIES_PAUSE_ACTION, ids.SERIES_END_ACTION])
    await click(harness, message, ids.SERIES_PAUSE_ACTION, LI)
    assert await harness.wait_ephemeral(LI) == f"只有第 1 号系列的创建者（<@{AMY}>）或工作区管理员可以这样做。"
    assert (await harness.services.dialout.series.get(1)).status is SeriesStatus.ACTIVE  # type: ignore[union-attr]
    await click(harness, message, ids.SERIES_PAUSE_ACTION, AMY)
    assert await harness.wait_ephemeral(AMY, 2) == "Series #1 is paused."
    paused = await series_message(harness, [ids.SERIES_RESUME_ACTION, ids.SERIES_END_ACTION])
    assert "Paused" in paused.blocks[1]["elements"][0]["text"]
    await click(harness, paused, ids.SERIES_RESUME_ACTION, AMY)
    assert (await harness.wait_ephemeral(AMY, 3)).startswith("Series #1 is running again. Next: Mon ")
    running = await series_message(harness, [ids.SERIES_SKIP_ACTION, ids.SERIES_PAUSE_ACTION, ids.SERIES_END_ACTION])
    await click(harness, running, ids.SERIES_SKIP_ACTION, AMY)
    skipped = await harness.wait_ephemeral(AMY, 4)
    assert re.fullmatch(r"Series #1: Mon \d+ \w+ 09:00 UTC\+8 is skipped\.", skipped)
    await click(harness, running, ids.SERIES_END_ACTION, AMY)
    assert await harness.wait_ephemeral(AMY, 5) == "Series #1 has ended."
    ended = await series_message(harness, [])
    assert "Ended" in ended.blocks[1]["elements"][0]["text"]


async def test_the_controls_are_dial_words_in_both_languages(harness: Harness) -> None:
    await harness.dial(WEEKLY)
    await harness.wait_ephemeral(AMY)
    await harness.dial("skip 1")
    assert re.fullmatch(r"Series #1: Mon \d+ \w+ 09:00 UTC\+8 is skipped\.", await harness.wait_ephemeral(AMY, 2))
    await harness.dial("skip 1")
    assert (await harness.wait_ephemeral(AMY, 3)).endswith("is already skipped.")
    await harness.dial("结束 1", user=LI)
    assert await harness.wait_ephemeral(LI) == f"只有第 1 号系列的创建者（<@{AMY}>）或工作区管理员可以这样做。"
    await harness.dial("暂停 1")
    assert await harness.wait_ephemeral(AMY, 4) == "Series #1 is paused."
    await harness.dial("end #1")
    assert await harness.wait_ephemeral(AMY, 5) == "Series #1 has ended."
    await harness.dial("resume 1")
    assert await harness.wait_ephemeral(AMY, 6) == "Series #1 is not paused."
    await harness.dial("pause soon", user=LI)
    assert (await harness.wait_ephemeral(LI, 2)).startswith("“soon”不是系列编号")
    await harness.dial("skip 99")
    assert await harness.wait_ephemeral(AMY, 7) == "There is no series #99."


async def test_dial_list_shows_series_with_their_next_time_in_the_askers_zone(harness: Harness) -> None:
    await harness.dial(WEEKLY)
    await harness.wait_ephemeral(AMY)
    await harness.dial("list")
    await wait_for(lambda: len(harness.emulator.ephemerals_for(AMY)) >= 2, what="the list")
    listed = harness.emulator.ephemerals_for(AMY)[1]
    first = listed.blocks[0]["text"]["text"]
    assert first.startswith("*Repeating invites*\n#1 · every Monday at 09:00 (Asia/Shanghai) · next Mon ")


async def test_the_dial_form_with_a_repeating_time_starts_a_series(harness: Harness) -> None:
    view = await open_by_slash(harness, LI)
    view = await type_when(harness, view, "每个工作日上午9:30", user=LI)
    assert "{" not in preview_line(view)
    inputs = {TARGET: "42", NUMBERS: "13800138001\n13800138002", WHEN: "每个工作日上午9:30"}
    assert await submit(harness, view, inputs, user=LI) is None
    reply = await harness.wait_ephemeral(LI)
    assert reply.startswith("第 1 号系列：每个工作日 09:30（Asia/Shanghai）") and reply.count("UTC+8") == 3
    series = await harness.services.dialout.series.get(1)
    assert series is not None and [p.address for p in series.parties] == ["+8613800138001", "+8613800138002"]


async def test_an_invite_edited_to_a_repeating_time_is_refused_under_the_time_and_left_as_it_was(
    harness: Harness,
) -> None:
    parent = await scheduled_parent(harness, "13800138001 into conf 42 in 2 hours")
    before = await harness.only_invite()
    view = await open_edit(harness, parent)
    answer = await edit_submit(harness, view, {WHEN: "every weekday at 9:30"})
    assert answer is not None and answer["response_action"] == "errors"
    assert "start a series" in answer["errors"]["dial_form_when"]
    after = await harness.only_invite()
    assert (after.due_at, after.status, after.source_text) == (before.due_at, before.status, before.source_text)
    assert await harness.services.dialout.series.get(1) is None


async def test_an_occurrence_within_the_lead_time_is_posted_at_once_and_a_restart_makes_it_no_second_time(
    harness: Harness,
) -> None:
    soon = (harness.services.clock.now() + timedelta(minutes=4)).astimezone(ZoneInfo("Asia/Shanghai"))
    await harness.dial(f"13800138001 into conf 42 daily at {soon:%H:%M}")
    await harness.wait_ephemeral(AMY)
    await wait_for(lambda: len(harness.parents()) == 2, what="the series' message and the occurrence's thread parent")
    occurrence = await harness.only_invite()
    assert occurrence.request_key == f"series:1:{occurrence.due_at.isoformat()}"
    assert occurrence.status is InviteStatus.SCHEDULED
    services = await harness.restart_bot()
    await services.dialout.series.tick()
    assert (await harness.only_invite()).id == occurrence.id
    assert harness.services.scheduler.job_ids().count(f"invite:{occurrence.id}") == 1
    series = await services.dialout.series.get(1)
    assert series is not None and series.next_at == occurrence.due_at + timedelta(days=1)


async def test_my_home_lists_my_repeating_series_with_their_next_time(harness: Harness) -> None:
    assert "Repeating invites" not in await open_home(harness, AMY)
    await harness.dial(WEEKLY)
    await harness.wait_ephemeral(AMY)
    home = await open_home(harness, AMY)
    assert "*Repeating invites*\\n#1 · every Monday at 09:00 (Asia/Shanghai) · next Mon " in home
    assert "Repeating invites" not in await open_home(harness, LI)  # someone else's series is not on my home
