"""Retries per outcome through Slack and the sandbox: a signed /dial with a retry policy, the sandbox's
real webhooks failing the calls, the roster showing the waiting retry, and the summary counting them."""

from __future__ import annotations

from bot.emulator.render import render_blocks
from bot.kernel.states import CallState, FailReason
from tests import conftest
from tests.e2e.harness import AMY, CHANNEL, LI, Harness, wait_for

NUMBER = "+8613800138001"


async def _roster_text(harness: Harness) -> str:
    invites = await harness.services.store.recent_invites(CHANNEL, 1)
    if not invites or not invites[0].roster_ts:
        return ""
    return "\n".join(render_blocks(harness.roster(invites[0]).blocks))


async def test_busy_twice_then_answered_is_dialled_three_times_and_the_thread_says_so(harness: Harness) -> None:
    harness.sandbox.scripted[NUMBER] = ["busy", "busy", "answered"]
    await harness.dial("13800138001 into conf 42 now retry busy=3x1s")
    invite = await harness.wait_done(timeout=20)
    attempts = await harness.services.store.attempts(invite.id or 0)
    assert [(a.state, a.reason) for a in attempts] == [
        (CallState.FAILED, FailReason.BUSY),
        (CallState.FAILED, FailReason.BUSY),
        (CallState.COMPLETED, None),
    ]
    await harness.wait_watch_rounds(3)
    assert harness.sandbox_dials(NUMBER) == 3  # and nobody dialled after they joined
    assert harness.replies_text(invite)[-1].splitlines()[0].endswith("1 of 1 joined · 2 retries used")


async def test_no_answer_three_times_gives_up_after_two_retries_in_chinese(test_db: conftest.TestDatabase) -> None:
    async with Harness(test_db, default_locale="zh") as harness:
        await harness.dial("13800138009 呼入会议 42 现在 重试 无人接=2x1秒", user=LI)
        invite = await harness.wait_done(timeout=20)
        await harness.wait_watch_rounds(3)
        assert harness.sandbox_dials("+8613800138009") == 3
        attempts = await harness.services.store.attempts(invite.id or 0)
        assert [(a.state, a.reason) for a in attempts] == [(CallState.FAILED, FailReason.NO_ANSWER)] * 3
        assert harness.replies_text(invite)[-1].splitlines()[0].endswith("重试了 2 次")


async def test_the_workspace_default_applies_and_a_rejected_call_is_never_retried(
    test_db: conftest.TestDatabase,
) -> None:
    async with Harness(test_db, retry_policy="busy=3x1s noanswer=3x1s error=3x1s") as harness:
        await harness.dial("13800138007, 13800138000 into conf 42 now")
        invite = await harness.wait_done(timeout=20)
        await harness.wait_watch_rounds(3)
        assert harness.sandbox_dials("+8613800138007") == 1
        assert harness.sandbox_dials("+8613800138000") == 4  # busy every time: three retries, then no more
        assert harness.replies_text(invite)[-1].splitlines()[0].endswith("3 retries used")


async def test_a_retry_is_not_placed_after_cancel(harness: Harness) -> None:
    await harness.dial("13800138000, 13800138001 into conf 42 now retry busy=3x1m")

    async def waiting_retry() -> bool:
        return "busy · retry 1/3 at " in await _roster_text(harness)

    await wait_for(waiting_retry, what="the busy call's retry to be queued")
    invite = await harness.only_invite()
    await harness.dial(f"cancel {invite.id}")
    done = await harness.wait_done(timeout=20)
    attempts = await harness.services.store.attempts(done.id or 0)
    assert attempts[-1].retry is not None and attempts[-1].state is CallState.CANCELLED
    assert harness.sandbox_dials("+8613800138000") == 1


async def test_the_roster_shows_the_waiting_retry_in_chinese(test_db: conftest.TestDatabase) -> None:
    async with Harness(test_db, default_locale="zh") as harness:
        await harness.dial("13800138000 呼入会议 42 现在 重试 忙=3x1分", user=LI)

        async def waiting_retry() -> bool:
            return "忙线 · " in await _roster_text(harness) and " 第 1/3 次重试" in await _roster_text(harness)

        await wait_for(waiting_retry, what="the roster to show the first retry waiting, in Chinese")
        invite = await harness.only_invite()
        await harness.dial(f"取消 {invite.id}", user=LI)
        await harness.wait_done(timeout=20)
        assert harness.sandbox_dials() == 1


async def test_a_bad_retry_policy_is_explained_and_nothing_is_scheduled(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 now retry bussy=3")
    reply = await harness.wait_ephemeral()
    assert "“bussy” is not an outcome I retry" in reply
    assert await harness.services.store.recent_invites(CHANNEL, 5) == []
    assert harness.sandbox_dials() == 0


async def test_the_forms_retries_box_sets_the_policy_and_a_bad_one_is_refused_under_it(harness: Harness) -> None:
    assert harness.driver is not None
    before = len(harness.emulator.modals())
    await harness.dial("")
    await wait_for(lambda: len(harness.emulator.modals()) > before, what="the form to open")
    view = harness.emulator.modals()[-1]
    inputs = {
        "dial_form_target_input": "42",
        "dial_form_numbers_input": "13800138001",
        "dial_form_when_input": "tomorrow 3pm",
        "dial_form_retry_input": "busy=2xsoon",
    }
    refused = await harness.driver.submit(view, user_id=AMY, inputs=inputs, current_channel=CHANNEL)
    answer = harness.driver.response_action(refused)
    assert answer is not None and list(answer["errors"]) == ["dial_form_retry"]
    assert "“soon” is not a delay I can use" in answer["errors"]["dial_form_retry"]
    assert await harness.services.store.count_rows("invites") == 0
    accepted = await harness.driver.submit(
        view, user_id=AMY, inputs={**inputs, "dial_form_retry_input": "忙=2x1分"}, current_channel=CHANNEL
    )
    assert harness.driver.response_action(accepted) is None
    invite = await harness.only_invite()
    assert invite.retry is not None and invite.retry.spec() == "busy=2x1m"


async def test_a_queued_retry_survives_a_restart_and_is_dialled_once_by_the_next_process(harness: Harness) -> None:
    await harness.dial("13800138000 into conf 42 now retry busy=1x2s")

    async def waiting_retry() -> bool:
        return "busy · retry 1/1 at " in await _roster_text(harness)

    await wait_for(waiting_retry, what="the busy call's retry to be queued")
    await harness.restart_bot()
    invite = await harness.wait_done(timeout=20)
    await harness.wait_watch_rounds(3)
    assert harness.sandbox_dials("+8613800138000") == 2
    assert harness.replies_text(invite)[-1].splitlines()[0].endswith("1 retry used")
