"""The /dial form through the emulator: opened by /dial and the shortcuts, redrawn, submitted, refused on its fields."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.form import DialForm
from bot.dialout.core.models import TargetKind
from bot.dialout.providers.quanshi.settings import QuanshiSettings
from bot.dialout.providers.sandbox.settings import SandboxSettings
from bot.dialout.slack.form_listeners import open_form
from bot.emulator.driver import view_state
from bot.emulator.render import render_blocks
from bot.emulator.server import Message
from tests.e2e.harness import AMY, BOB, CHANNEL, LI, NOPHONE, Harness, wait_for

TARGET, PEOPLE, NUMBERS, WHEN = (
    "dial_form_target_input",
    "dial_form_people_input",
    "dial_form_numbers_input",
    ("dial_form_when_input"),
)
PROVIDER, MAX, CHANNEL_INPUT = "dial_form_provider_input", "dial_form_max_input", "dial_form_channel_input"
DATE, TIME = "dial_form_date_input", "dial_form_time_input"


def quanshi() -> QuanshiSettings:
    """Configured (so the form offers it), never called: these tests only switch the form to it."""
    return QuanshiSettings(
        _env_file=None,  # type: ignore[call-arg]
        base_url="http://127.0.0.1:9",
        app_key="key",
        app_secret=SecretStr("secret"),
        admin_user_id="1",
    )


@pytest.fixture
async def harness(test_db) -> AsyncIterator[Harness]:
    async with Harness(test_db, providers={"quanshi": quanshi()}) as running:
        yield running


def views(harness: Harness) -> list[dict[str, Any]]:
    return harness.emulator.modals()


async def open_by_slash(harness: Harness, user: str = AMY) -> dict[str, Any]:
    before = len(views(harness))
    started = time.perf_counter()
    response = await harness.dial("", user=user)
    assert response.status_code == 200 and time.perf_counter() - started < 3.0
    await wait_for(lambda: len(views(harness)) > before, what="the form to open")
    return views(harness)[-1]


def labels(view: dict[str, Any]) -> list[str]:
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


def preview_line(view: dict[str, Any]) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == "dial_form_when_preview"]
    return str(block["elements"][0]["text"])


async def redrawn(harness: Harness, view: dict[str, Any]) -> dict[str, Any]:
    """The view once the bot has updated it (its hash changed)."""
    await wait_for(lambda: harness.emulator.views[view["id"]]["hash"] != view["hash"], what="the form to be redrawn")
    return harness.emulator.views[view["id"]]


async def type_when(harness: Harness, view: dict[str, Any], phrase: str, user: str = AMY) -> dict[str, Any]:
    assert harness.driver is not None
    await harness.driver.view_action(view, WHEN, user_id=user, inputs={WHEN: phrase})
    return await redrawn(harness, view)


async def submit(harness: Harness, view: dict[str, Any], inputs: dict[str, Any], user: str = AMY) -> dict | None:
    assert harness.driver is not None
    response = await harness.driver.submit(view, user_id=user, inputs=inputs, current_channel=CHANNEL)
    return harness.driver.response_action(response)


async def test_empty_dial_opens_the_form_in_the_users_language_and_help_still_answers(harness: Harness) -> None:
    english = await open_by_slash(harness)
    assert english["title"]["text"] == "Schedule a dial-out"
    assert labels(english) == [
        "Provider",
        "Conference id",
        "People",
        "Phone numbers",
        "When",
        "Or pick a date",
        "and a time",
        "Longest a call may last",
        "Retries",
    ]
    provider = english["blocks"][0]["element"]
    assert [o["value"] for o in provider["options"]] == ["sandbox:conference", "quanshi:event"]
    assert provider["initial_option"]["value"] == "sandbox:conference"
    chinese = await open_by_slash(harness, LI)
    assert chinese["title"]["text"] == "安排外呼" and "电话会议号" in labels(chinese)
    await harness.dial("help")
    assert "How to use /dial" in await harness.wait_ephemeral()
    assert not harness.emulator.rejections


async def test_a_valid_form_schedules_exactly_what_the_preview_showed(harness: Harness) -> None:
    view = await open_by_slash(harness)
    view = await type_when(harness, view, "in 10 minutes")
    assert preview_line(view).startswith("Read as ") and "(Asia/Shanghai)" in preview_line(view)
    previewed = datetime.fromisoformat(json.loads(view["private_metadata"])["at"])
    inputs = {TARGET: "42", PEOPLE: [BOB], NUMBERS: "Amy <138 0013 8001>\n13800138002", WHEN: "in 10 minutes"}
    assert await submit(harness, view, inputs) is None

    invite = await harness.only_invite()
    assert invite.due_at == previewed.astimezone(UTC)
    assert (invite.target.kind, invite.target.id, invite.provider) == (TargetKind.CONFERENCE, "42", "sandbox")
    attempts = await harness.services.store.attempts(invite.id or 0)
    assert [(a.party.address, a.party.name) for a in attempts] == [
        ("+8613800138001", "Amy"),
        ("+8613800138002", None),
        ("+8613900000011", "bob"),
    ]
    confirmation = await harness.wait_ephemeral()
    assert confirmation.startswith("Scheduled invite #1: 3 people into conference 42 via Sandbox")
    await wait_for(lambda: len(harness.parents()) == 1, what="the thread parent in the channel")
    assert harness.sandbox_dials() == 0  # not yet: it is due in 10 minutes


async def test_the_same_form_submitted_twice_schedules_once(harness: Harness) -> None:
    view = await open_by_slash(harness)
    inputs = {TARGET: "42", NUMBERS: "13800138001", WHEN: "tomorrow 3pm"}
    assert await submit(harness, view, {**inputs, WHEN: "someday"}) is not None  # refused: may be fixed and sent again
    assert await submit(harness, view, inputs) is None
    assert await submit(harness, view, inputs) is None  # Slack gave up on the first and the user pressed again
    assert await harness.services.store.count_rows("invites") == 1
    await harness.wait_ephemeral()
    assert len(harness.ephemerals()) == 1


async def test_each_wrong_field_gets_its_error_under_it_in_english_and_chinese(harness: Harness) -> None:
    wrong = {TARGET: "4 2", NUMBERS: "12345, amy", WHEN: "someday", MAX: "forever"}
    answer = await submit(harness, await open_by_slash(harness), wrong)
    assert answer is not None and answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {"dial_form_target", "dial_form_numbers", "dial_form_when", "dial_form_max"}
    assert errors["dial_form_target"].startswith("Write the id only, e.g. 42")
    assert errors["dial_form_numbers"].startswith("These are not phone numbers: amy.")
    assert errors["dial_form_when"].startswith("I can't read “someday” as a time.")
    assert errors["dial_form_max"].startswith("I can't read “forever” as a duration for max.")

    chinese = await submit(harness, await open_by_slash(harness, LI), {**wrong, TARGET: "42"}, LI)
    assert chinese is not None
    assert set(chinese["errors"]) == {"dial_form_numbers", "dial_form_when", "dial_form_max"}
    assert chinese["errors"]["dial_form_when"].startswith("无法把“someday”理解为时间")
    assert chinese["errors"]["dial_form_numbers"].startswith("以下不是电话号码：amy")

    nobody = await submit(harness, await open_by_slash(harness), {TARGET: "42", WHEN: "now"})
    assert nobody == {
        "response_action": "errors",
        "errors": {"dial_form_people": "Pick people, or write at least one phone number below."},
    }
    no_phone = await submit(harness, await open_by_slash(harness), {TARGET: "42", PEOPLE: [NOPHONE], WHEN: "now"})
    assert no_phone is not None
    assert no_phone["errors"]["dial_form_people"].startswith("No usable phone number in the Slack profile of: nophone.")
    assert await harness.services.store.count_rows("invites") == 0
    assert harness.parents() == [] and harness.sandbox_dials() == 0


async def test_choosing_another_provider_swaps_the_target_fields(harness: Harness) -> None:
    assert harness.driver is not None
    view = await open_by_slash(harness)
    await harness.driver.view_action(view, PROVIDER, user_id=AMY, inputs={PROVIDER: "quanshi:event", TARGET: "77"})
    event = await redrawn(harness, view)
    assert labels(event) == [
        "Provider",
        "Live event id",
        "People",
        "Phone numbers",
        "Minutes before the start",
        "When",
        "Or pick a date",
        "and a time",
    ]
    assert event["blocks"][0]["element"]["initial_option"]["value"] == "quanshi:event"
    assert event["blocks"][1]["element"]["initial_value"] == "77"  # what was typed stays
    await harness.driver.view_action(event, PROVIDER, user_id=AMY, inputs={PROVIDER: "sandbox:conference"})
    back = await redrawn(harness, event)
    assert "Minutes before the start" not in labels(back) and "Conference id" in labels(back)
    assert not harness.emulator.rejections


async def test_a_redraw_from_a_stale_view_is_dropped_not_applied(harness: Harness, caplog) -> None:
    assert harness.driver is not None
    view = await open_by_slash(harness)
    newer = await type_when(harness, view, "tomorrow 3pm")
    asked = harness.emulator.calls["views.update"]
    await harness.driver.view_action(view, PROVIDER, user_id=AMY, inputs={PROVIDER: "quanshi:event"})  # old hash
    await wait_for(lambda: harness.emulator.calls["views.update"] > asked, what="the bot to try to redraw")
    assert harness.emulator.views[view["id"]] == newer  # Slack refused it (hash_conflict); nothing changed
    latest = await type_when(harness, newer, "tomorrow 4pm")  # and the form goes on working
    assert "16:00" in preview_line(latest)
    harness.emulator.fail_next("views.update", status=429, error="ratelimited")
    asked = harness.emulator.calls["views.update"]
    await harness.driver.view_action(latest, WHEN, user_id=AMY, inputs={WHEN: "tomorrow 5pm"})
    await wait_for(lambda: harness.emulator.calls["views.update"] > asked, what="the rate-limited redraw")
    assert "17:00" in preview_line(await type_when(harness, latest, "tomorrow 5pm"))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # dropped, not an unhandled error


async def test_the_time_preview_follows_what_is_typed_in_the_users_zone(harness: Harness) -> None:
    view = await open_by_slash(harness)
    assert preview_line(view).startswith("Read in your time zone (Asia/Shanghai)")
    view = await type_when(harness, view, "tomorrow 3pm")
    tomorrow = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)
    assert preview_line(view) == f"Read as {tomorrow:%a} {tomorrow.day} {tomorrow:%b} 15:00 UTC+8 (Asia/Shanghai)."
    view = await type_when(harness, view, "someday")
    assert preview_line(view).startswith("⚠️ I can't read “someday” as a time.")
    view = await type_when(harness, view, "now")
    assert preview_line(view) == "Read as now: dialled as soon as you schedule it."
    chinese = await type_when(harness, await open_by_slash(harness, LI), "明天下午3点", LI)
    assert preview_line(chinese).startswith("理解为 ") and "15:00" in preview_line(chinese)


async def test_dial_these_people_prefills_the_mentions_and_numbers_of_the_message(harness: Harness) -> None:
    assert harness.driver is not None
    message = Message(CHANNEL, "1700000999.000100", f"call <@{BOB}> and 138 0013 8000 about 2026-12-01", [], user=AMY)
    harness.emulator.messages[CHANNEL].append(message)
    await harness.driver.message_action("dial_people", message, user_id=AMY)
    await wait_for(lambda: len(views(harness)) == 1, what="the form to open")
    [view] = views(harness)
    by_block = {b["block_id"]: b for b in view["blocks"]}
    assert by_block["dial_form_people"]["element"]["initial_users"] == [BOB]
    assert by_block["dial_form_numbers"]["element"]["initial_value"] == "+8613800138000"
    assert "dial_form_channel" not in by_block  # the thread goes where the message is
    assert await submit(harness, view, {TARGET: "42", WHEN: "now"}) is None
    invite = await harness.wait_done()
    assert invite.channel_id == CHANNEL and harness.sandbox_dials() == 2


async def test_the_global_shortcut_asks_where_the_thread_goes(harness: Harness) -> None:
    assert harness.driver is not None
    await harness.driver.shortcut("dial_form", user_id=LI)
    await wait_for(lambda: len(views(harness)) == 1, what="the form to open")
    [view] = views(harness)
    channel = next(b for b in view["blocks"] if b["block_id"] == "dial_form_channel")
    assert channel["element"]["default_to_current_conversation"] is True and channel["label"]["text"] == "在哪里跟进"
    assert await submit(harness, view, {TARGET: "42", NUMBERS: "13800138001", WHEN: "now"}, LI) is None
    invite = await harness.wait_done()
    assert invite.channel_id == CHANNEL and invite.locale == "zh"
    assert (await harness.wait_ephemeral(LI)).startswith("已安排第 1 号邀请")


async def test_a_form_left_open_while_its_provider_was_unconfigured_is_refused_on_the_provider(
    harness: Harness,
) -> None:
    view = await open_by_slash(harness)
    harness.overrides["providers"] = {"quanshi": quanshi(), "sandbox": SandboxSettings(enabled=False)}
    await harness.restart_bot()
    answer = await submit(harness, view, {TARGET: "42", NUMBERS: "13800138001", WHEN: "now"})
    assert answer is not None
    assert answer["errors"] == {
        "dial_form_provider": "Provider sandbox is not set up yet: an admin must set SANDBOX_ENABLED."
    }
    assert await harness.services.store.count_rows("invites") == 0


async def test_a_previewed_time_that_passed_while_the_form_was_open_is_refused_on_when(harness: Harness) -> None:
    view = await type_when(harness, await open_by_slash(harness), "in 5 minutes")
    # Slack hands private_metadata back as it was drawn; as if that preview had been 10 minutes ago:
    metadata = json.loads(view["private_metadata"])
    metadata["at"] = (datetime.fromisoformat(metadata["at"]) - timedelta(minutes=10)).isoformat()
    stale = {**view, "private_metadata": json.dumps(metadata)}
    answer = await submit(harness, stale, {TARGET: "42", NUMBERS: "13800138001", WHEN: "in 5 minutes"})
    assert answer is not None and set(answer["errors"]) == {"dial_form_when"}
    assert (
        "“in 5 minutes” is " in answer["errors"]["dial_form_when"]
        and "already passed" in answer["errors"]["dial_form_when"]
    )
    assert await harness.services.store.count_rows("invites") == 0


async def test_an_expired_or_spent_trigger_id_is_explained_not_a_500(harness: Harness) -> None:
    assert harness.driver is not None
    trigger = await harness.driver.trigger_id()
    real = harness.emulator.monotonic
    harness.emulator.monotonic = lambda: real() + 4.0  # the 3 s are over before the bot asks
    response = await harness.driver.slash("", user_id=AMY, channel_id=CHANNEL, trigger_id=trigger)
    assert response.status_code == 200
    assert await harness.wait_ephemeral() == "Slack gave up waiting for the form to open. Please try again."
    harness.emulator.monotonic = real
    spent = await harness.driver.trigger_id()
    await harness.driver.slash("", user_id=LI, channel_id=CHANNEL, trigger_id=spent)
    await harness.driver.slash("", user_id=LI, channel_id=CHANNEL, trigger_id=spent)
    assert await harness.wait_ephemeral(LI) == "Slack 等待表单打开超时，请重试。"
    assert len(views(harness)) == 1


async def test_rendered_form_blocks_read_as_a_person_would_see_them(harness: Harness) -> None:
    view = await open_by_slash(harness)
    assert render_blocks(view["blocks"])  # the emulator's renderer understands every block we send


async def test_a_message_shortcut_whose_trigger_expired_answers_through_its_response_url(harness: Harness) -> None:
    assert harness.driver is not None
    message = Message(CHANNEL, "1700000999.000200", "13800138000", [], user=AMY)
    harness.emulator.messages[CHANNEL].append(message)
    trigger = await harness.driver.trigger_id()
    real = harness.emulator.monotonic
    harness.emulator.monotonic = lambda: real() + 4.0
    await harness.driver.message_action("dial_people", message, user_id=LI, trigger_id=trigger)
    await wait_for(lambda: harness.emulator.responses, what="an answer through the response URL")
    [answer] = harness.emulator.responses
    assert answer["text"] == "Slack 等待表单打开超时，请重试。" and answer["response_type"] == "ephemeral"
    assert views(harness) == []


async def test_with_no_provider_configured_the_form_explains_instead_of_opening(test_db) -> None:
    async with Harness(test_db, providers={"sandbox": SandboxSettings(enabled=False)}) as harness:
        await harness.dial("")
        assert await harness.wait_ephemeral() == (
            "No provider is set up to dial out yet, so there is nothing to schedule. Ask an admin to configure one."
        )
        assert views(harness) == []


async def test_a_form_prefilled_with_a_time_opens_saying_how_it_reads(harness: Harness) -> None:
    client = AsyncWebClient(token=harness.token, base_url=f"{harness.emulator_server.url}/api/")
    prefill = DialForm(target_id="42", numbers="13800138001", when="tomorrow 3pm")
    trigger = harness.emulator.issue_trigger()
    assert await open_form(client, harness.services.dialout.requests, trigger, LI, CHANNEL, prefill) is None
    [view] = views(harness)
    assert preview_line(view).startswith("理解为 ") and "15:00" in preview_line(view)
    assert await submit(harness, view, {}, LI) is None  # as prefilled
    invite = await harness.only_invite()
    assert invite.due_at == datetime.fromisoformat(json.loads(view["private_metadata"])["at"]).astimezone(UTC)


async def test_a_conversation_the_bot_is_not_in_is_refused_under_the_field_that_chose_it(harness: Harness) -> None:
    assert harness.driver is not None
    harness.emulator.add_channel("C0OUT", is_member=False, is_private=True)
    await harness.driver.shortcut("dial_form", user_id=AMY)
    await wait_for(lambda: len(views(harness)) == 1, what="the form to open")
    inputs = {TARGET: "42", NUMBERS: "13800138001", WHEN: "now", CHANNEL_INPUT: "C0OUT"}
    answer = await submit(harness, views(harness)[0], inputs)
    assert answer is not None and list(answer["errors"]) == ["dial_form_channel"]
    assert answer["errors"]["dial_form_channel"].startswith("I'm not in that conversation")
    opened_there = await harness.driver.slash("", user_id=AMY, channel_id="C0OUT")
    assert opened_there.status_code == 200
    await wait_for(lambda: len(views(harness)) == 2, what="the form to open from that channel")
    answer = await submit(harness, views(harness)[1], inputs)
    assert answer is not None
    assert answer["errors"] == {
        "dial_form_provider": "Nothing was scheduled: I'm not in this conversation, so nobody could follow the "
        "calls here. Add me with /invite @confbot (or use a channel I'm in) and try again."
    }
    assert await harness.services.store.count_rows("invites") == 0


async def submit_picked(harness: Harness, view: dict[str, Any], picked: dict[str, str], user: str = AMY) -> dict | None:
    """Submit the form with the conference, a number and what was typed in When or picked in its pickers."""
    chosen = {key: value for key, value in picked.items() if key != "when"}
    inputs = {TARGET: "42", NUMBERS: "13800138001", WHEN: picked.get("when", ""), **chosen}
    state = view_state(view, inputs)["values"]  # as Slack sends the pickers' state
    assert state["dial_form_date"] == {DATE: {"type": "datepicker", "selected_date": picked.get(DATE)}}
    assert state["dial_form_time"] == {TIME: {"type": "timepicker", "selected_time": picked.get(TIME)}}
    return await submit(harness, view, inputs, user)


async def test_a_picked_date_and_time_schedule_at_that_wall_time_in_the_users_zone(harness: Harness) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    tomorrow = (datetime.now(shanghai) + timedelta(days=1)).date()
    assert await submit_picked(harness, await open_by_slash(harness), {DATE: f"{tomorrow}", TIME: "09:30"}) is None
    invite = await harness.only_invite()
    assert invite.due_at.astimezone(shanghai) == datetime.combine(tomorrow, datetime.min.time(), shanghai).replace(
        hour=9, minute=30
    )
    assert (await harness.wait_ephemeral()).startswith("Scheduled invite #1: 1 person into conference 42")
    london = ZoneInfo("Europe/London")  # Bob's zone: the same picked wall time is another instant
    assert (
        await submit_picked(harness, await open_by_slash(harness, BOB), {DATE: f"{tomorrow}", TIME: "09:30"}, BOB)
        is None
    )
    bobs = await harness.services.store.get_invite(2)
    assert bobs is not None
    assert bobs.due_at.astimezone(london).strftime("%H:%M") == "09:30" and bobs.due_at != invite.due_at


async def test_a_phrase_and_a_pick_together_or_a_past_pick_are_refused_on_their_field(harness: Harness) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    today = datetime.now(shanghai).date()
    both = await submit_picked(harness, await open_by_slash(harness), {"when": "tomorrow 3pm", TIME: "15:00"})
    assert both is not None and both["errors"] == {
        "dial_form_when": "Type when, or pick a date and a time below, not both: empty this box or clear the pickers."
    }
    past = {DATE: f"{today - timedelta(days=1)}", TIME: "12:00"}
    answer = await submit_picked(harness, await open_by_slash(harness), past)
    assert answer is not None and answer["errors"] == {
        "dial_form_date": "That date has already passed in your time zone (Asia/Shanghai). Pick a later one."
    }
    no_time = await submit_picked(harness, await open_by_slash(harness, LI), {DATE: f"{today}"}, LI)
    assert no_time is not None and no_time["errors"] == {"dial_form_time": "请为所选日期选择时刻。"}
    nothing = await submit_picked(harness, await open_by_slash(harness), {})
    assert nothing is not None and list(nothing["errors"]) == ["dial_form_when"]
    assert nothing["errors"]["dial_form_when"].startswith("Say when: type it (e.g. in 10 minutes)")
    assert await harness.services.store.count_rows("invites") == 0
