"""Paced bulk dialing end to end (emulator ↔ bot ↔ sandbox over loopback): a 300-party invite sent at
the provider's pace, measured on the sandbox's clock; the parent's progress and its bounded updates;
Pause then Resume dialling losing and repeating nobody; the confirmation before a bulk launch."""

from __future__ import annotations

import copy
from collections import Counter

import httpx

from bot.dialout.core.models import InviteStatus
from bot.dialout.core.pacing import BURST
from bot.emulator.server import Message
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, CHANNEL, LI, Harness, wait_for

PACE = 1800  # requests a minute: one every 1/30 s (production's are slower; the rule is the same)


def numbers(n: int) -> list[str]:
    """`n` distinct Chinese mobiles that answer in the sandbox (they end in 1)."""
    return [f"1380{i:06d}1" for i in range(n)]


def placed_times(harness: Harness) -> list[float]:
    return sorted(call.placed_at for call in harness.sandbox.calls.values())


def buttons(message: Message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


async def click(harness: Harness, message: Message, action_id: str, user: str = AMY) -> None:
    assert harness.driver is not None
    response: httpx.Response = await harness.driver.click(message, action_id, user_id=user)
    assert response.status_code == 200


async def test_a_300_party_invite_is_sent_at_the_provider_pace_with_a_bounded_number_of_parent_updates(
    test_db,
) -> None:
    async with Harness(test_db, speed=200.0, min_update_interval_s=1.0, pace_sandbox_per_min=PACE) as harness:
        await harness.dial(", ".join(numbers(300)) + " into conf 42 now")
        await wait_for(
            lambda: bool(harness.parents()) and "left" in harness.parents()[0].text,
            what="the parent to show the time left",
        )
        assert "dialled" in harness.parents()[0].text
        await wait_for(lambda: harness.sandbox_dials() == 300, timeout=60, what="every call to be placed")
        times = placed_times(harness)
        interval = 60 / PACE
        # After the burst, never faster than the pace: any k+BURST consecutive sends span ≥ k intervals.
        for i in range(len(times) - BURST):
            for k in (1, 10, 60):
                if i + BURST + k - 1 < len(times):
                    assert times[i + BURST + k - 1] - times[i] >= k * interval * 0.9, (i, k)
        assert times[-1] - times[0] >= (300 - BURST) * interval * 0.95
        # Each message is edited at most once a second: while sending, the parent's edits are bounded
        # by the time it took, whatever the number of calls.
        invite = await harness.only_invite()
        parent = harness.emulator.find(CHANNEL, invite.thread_ts or "")
        assert parent is not None
        edits, span = parent.edits, times[-1] - times[0]
        assert 2 <= edits <= span + 3, (edits, span)
        assert edits < 300 / 10  # far fewer updates than calls


async def test_pause_stops_sending_and_resume_sends_the_rest_with_nobody_lost_or_repeated(test_db) -> None:
    async with Harness(test_db, speed=200.0, pace_sandbox_per_min=600) as harness:  # ten a second
        wanted = numbers(80)
        await harness.dial(", ".join(wanted) + " into conf 42 now")
        await wait_for(lambda: harness.sandbox_dials() >= BURST + 5, what="some calls to be placed")
        await wait_for(
            lambda: ids.PAUSE_DIALLING_ACTION in buttons(harness.parents()[0]), what="the Pause dialling button"
        )
        await click(harness, harness.parents()[0], ids.PAUSE_DIALLING_ACTION)
        assert await harness.wait_ephemeral(AMY, 2) == (
            "Dialling of invite #1 is paused: calls placed go on; nobody else is called until Resume dialling."
        )
        await wait_for(lambda: "Paused by amy" in harness.parents()[0].text, what="the parent to say paused")
        await harness.wait_watch_rounds(3)  # the senders that held a turn have looked at the row again
        held = harness.sandbox_dials()
        await harness.wait_watch_rounds(10)  # two seconds at ten a second: nothing more goes out
        assert harness.sandbox_dials() == held < 80
        invite = await harness.only_invite()
        assert invite.status is InviteStatus.DIALING and invite.paused_by == AMY
        assert buttons(harness.parents()[0])[0] == ids.RESUME_DIALLING_ACTION

        await click(harness, harness.parents()[0], ids.RESUME_DIALLING_ACTION)
        assert await harness.wait_ephemeral(AMY, 3) == (
            "Dialling of invite #1 resumed: the people not called yet are being called."
        )
        await harness.wait_done(timeout=60)
        dialled = Counter(call.to for call in harness.sandbox.calls.values())
        assert sorted(dialled) == sorted(f"+86{n}" for n in wanted)
        assert set(dialled.values()) == {1}


async def test_a_stale_or_foreign_pause_click_changes_nothing(test_db) -> None:
    async with Harness(test_db, speed=200.0, pace_sandbox_per_min=600) as harness:
        await harness.dial(", ".join(numbers(40)) + " into conf 42 now")
        await wait_for(
            lambda: bool(harness.parents()) and ids.PAUSE_DIALLING_ACTION in buttons(harness.parents()[0]),
            what="the Pause dialling button",
        )
        parent = copy.deepcopy(harness.parents()[0])  # as the clicker's Slack still shows it later
        await click(harness, parent, ids.PAUSE_DIALLING_ACTION, user=BOB)
        assert await harness.wait_ephemeral(BOB, 1) == (
            "Only the person who created invite #1 (<@U0AMY>) or a workspace admin may do that."
        )
        assert (await harness.only_invite()).paused_at is None
        await click(harness, parent, ids.PAUSE_DIALLING_ACTION)
        await click(harness, parent, ids.PAUSE_DIALLING_ACTION)  # the same button, now stale
        await wait_for(lambda: len(harness.ephemerals(AMY)) >= 3, what="both answers")
        assert sorted(harness.ephemerals(AMY)[1:]) == [  # whichever press is answered first
            "Dialling of invite #1 is already paused.",
            "Dialling of invite #1 is paused: calls placed go on; nobody else is called until Resume dialling.",
        ]
        await wait_for(
            lambda: ids.RESUME_DIALLING_ACTION in buttons(harness.parents()[0]), what="the Resume dialling button"
        )
        await click(harness, harness.parents()[0], ids.RESUME_DIALLING_ACTION)
        await harness.wait_done(timeout=60)
        await click(harness, parent, ids.PAUSE_DIALLING_ACTION)  # a button left from while it dialled
        assert await harness.wait_ephemeral(AMY, 5) == (
            "Invite #1 is not being dialled now, so there is nothing to pause or resume."
        )
        assert harness.sandbox_dials() == 40


async def test_a_restart_mid_bulk_sends_the_rest_and_repeats_nobody(test_db) -> None:
    # Two a second after the burst: the outbox is quiet between sends, so the bot can stop cleanly.
    async with Harness(test_db, speed=200.0, pace_sandbox_per_min=120) as harness:
        wanted = numbers(30)
        await harness.dial(", ".join(wanted) + " into conf 42 now")
        await wait_for(lambda: harness.sandbox_dials() >= BURST + 2, what="some calls to be placed")
        await harness.restart_bot()  # the rest wait in the rows as queued calls
        await harness.wait_done(timeout=60)
        dialled = Counter(call.to for call in harness.sandbox.calls.values())
        assert sorted(dialled) == sorted(f"+86{n}" for n in wanted)
        assert set(dialled.values()) == {1}


# --- the confirmation before a bulk launch ---------------------------------------------------------


def summary_message(harness: Harness, user: str, index: int) -> Message:
    ephemeral = harness.emulator.ephemerals_for(user)[index]
    return Message(channel=ephemeral.channel, ts=f"ephemeral.{index}", text=ephemeral.text, blocks=ephemeral.blocks)


MIXED = [*numbers(49), "+447400123456", "+12125550123", f"<@{BOB}>"]  # 52 parties


async def test_a_launch_over_the_threshold_waits_for_confirm_and_schedules_once(test_db) -> None:
    async with Harness(test_db, speed=200.0, bulk_confirm_over=50, pace_sandbox_per_min=600) as harness:
        await harness.dial(", ".join(MIXED) + " into conf 42 now")
        summary = await harness.wait_ephemeral(AMY, 1)
        assert summary.startswith("*Call 52 parties into conference 42?* That is more than 50, so please confirm.")
        assert "1 Slack users (their profile numbers) · 49 in China · 1 in the UK · 1 in the US" in summary
        assert "Dialling takes about 1 min at 600 calls a minute." in summary
        assert await harness.services.store.recent_invites(CHANNEL, 5) == []
        assert harness.sandbox_dials() == 0

        message = summary_message(harness, AMY, 0)
        assert buttons(message) == [ids.LAUNCH_CONFIRM_ACTION, ids.LAUNCH_CANCEL_ACTION]
        await click(harness, message, ids.LAUNCH_CONFIRM_ACTION)
        assert (await harness.wait_ephemeral(AMY, 2)).startswith("Scheduled invite #1")
        await click(harness, message, ids.LAUNCH_CONFIRM_ACTION)  # pressed twice
        assert await harness.wait_ephemeral(AMY, 3) == "This call-out was already confirmed; nobody is called twice."
        await harness.wait_done(timeout=60)
        assert len(await harness.services.store.recent_invites(CHANNEL, 5)) == 1
        dialled = Counter(call.to for call in harness.sandbox.calls.values())
        assert len(dialled) == 52 and set(dialled.values()) == {1}


async def test_a_cancelled_launch_calls_nobody_and_cannot_be_confirmed_after(test_db) -> None:
    async with Harness(test_db, bulk_confirm_over=50) as harness:
        await harness.dial(", ".join(numbers(51)) + " into conf 42 now", user=LI)
        summary = await harness.wait_ephemeral(LI, 1)
        assert summary.startswith("*要将 51 方呼入")
        assert "中国 51 个" in summary
        message = summary_message(harness, LI, 0)
        await click(harness, message, ids.LAUNCH_CANCEL_ACTION, user=LI)
        assert await harness.wait_ephemeral(LI, 2) == "已取消：未拨打任何人。"
        await click(harness, message, ids.LAUNCH_CONFIRM_ACTION, user=LI)
        assert await harness.wait_ephemeral(LI, 3) == "此次外呼已取消；未拨打任何人。"
        assert await harness.services.store.recent_invites(CHANNEL, 5) == []
        assert harness.sandbox_dials() == 0


async def test_a_launch_at_the_threshold_is_scheduled_without_asking(test_db) -> None:
    async with Harness(test_db, bulk_confirm_over=50) as harness:
        await harness.dial(", ".join(numbers(50)) + " into conf 42 now")
        assert (await harness.wait_ephemeral(AMY, 1)).startswith("Scheduled invite #1")
        await harness.wait_done(timeout=60)
        assert harness.sandbox_dials() == 50


async def test_a_bulk_form_waits_for_confirm_and_keeps_its_time(test_db) -> None:
    async with Harness(test_db, bulk_confirm_over=50) as harness:
        assert harness.driver is not None
        await harness.dial("")
        await wait_for(lambda: bool(harness.emulator.modals()), what="the form to open")
        form = harness.emulator.modals()[-1]
        inputs = {
            "dial_form_target_input": "42",
            "dial_form_numbers_input": "\n".join(numbers(51)),
            "dial_form_when_input": "in 10 minutes",
        }
        response = await harness.driver.submit(form, user_id=AMY, inputs=inputs, current_channel=CHANNEL)
        assert harness.driver.response_action(response) is None  # the form closes
        summary = await harness.wait_ephemeral(AMY, 1)
        assert summary.startswith("*Call 51 parties into conference 42?*") and "51 in China" in summary
        assert await harness.services.store.recent_invites(CHANNEL, 5) == []
        await click(harness, summary_message(harness, AMY, 0), ids.LAUNCH_CONFIRM_ACTION)
        assert (await harness.wait_ephemeral(AMY, 2)).startswith("Scheduled invite #1: 51 people into conference 42")
        invite = await harness.only_invite()
        assert invite.status is InviteStatus.SCHEDULED and invite.request_key == "launch:1"
        assert 590 <= (invite.due_at - harness.services.clock.now()).total_seconds() <= 600
        assert len(await harness.services.store.attempts(invite.id or 0)) == 51
        assert harness.sandbox_dials() == 0  # due in ten minutes, as summarised
