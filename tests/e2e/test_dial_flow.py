"""Signed /dial through the emulator → thread → job → sandbox events → final roster, over HTTP."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.emulator.render import render_blocks
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, CHANNEL, LI, NOPHONE, Harness, wait_for

FOUR = "+8613800138001, 13800138000, 138 0013 8009, 13800138008 into conf 42 now max 30m"


async def test_dial_reaches_a_final_roster_that_matches_the_outcomes(harness: Harness) -> None:
    started = time.perf_counter()
    response = await harness.dial(FOUR)
    assert response.status_code == 200 and time.perf_counter() - started < 3.0
    invite = await harness.wait_done()

    attempts = await harness.services.store.attempts(invite.id or 0)
    outcome = {a.party.address: (a.state, a.reason) for a in attempts}
    assert outcome == {
        "+8613800138001": (CallState.COMPLETED, None),
        "+8613800138000": (CallState.FAILED, FailReason.BUSY),
        "+8613800138009": (CallState.FAILED, FailReason.NO_ANSWER),
        "+8613800138008": (CallState.FAILED, FailReason.UNREACHABLE),
    }
    [parent] = harness.parents()
    assert parent.text.startswith("Invite #1 · Finished: 4 people into conference 42 via Sandbox · now (dialled ")
    assert parent.text.endswith(" · by amy\n1 of 4 joined · 3 failed")
    roster = "\n".join(render_blocks(harness.roster(invite).blocks))
    assert "138****8001 — joined (" in roster
    assert "138****8000 — failed: busy" in roster
    assert "138****8009 — failed: no answer" in roster
    assert "138****8008 — failed: unreachable" in roster
    replies = harness.replies_text(invite)
    assert replies[-1] == (
        f"<@{AMY}> 1 of 4 joined · 138****8000 busy · 138****8009 no answer · 138****8008 unreachable"
        "\nJoined: 138****8001 1 min"
    )
    assert len(replies) == 1  # the failures came and ended within the quiet period: the summary names them
    thread = harness.thread(parent)
    mentions = [m for m in thread if "<@" in m.text or "<@" in json.dumps(m.blocks)]
    assert [m.text for m in mentions] == [replies[-1]]  # only the summary pings, and only its creator
    assert replies[-1].count("<@") == 1
    assert harness.sandbox_dials() == 4
    assert harness.ephemerals()[0].startswith("Scheduled invite #1: 4 people into conference 42 via Sandbox, now.")
    assert not harness.emulator.rejections


async def test_roster_is_updated_in_place_not_reposted(harness: Harness) -> None:
    await harness.dial(FOUR)
    invite = await harness.wait_done()
    assert harness.roster(invite).edits >= 1
    roster_messages = [m for m in harness.thread(harness.parents()[0]) if m.text.startswith("Roster · ")]
    assert len(roster_messages) == 1


async def test_mention_is_dialled_on_the_number_in_their_profile(harness: Harness) -> None:
    await harness.dial(f"<@{BOB}> into conf 7 now")
    invite = await harness.wait_done()
    [attempt] = await harness.services.store.attempts(invite.id or 0)
    assert attempt.party.address == "+8613900000011" and attempt.party.slack_user_id == BOB
    assert attempt.state is CallState.COMPLETED
    assert "bob (139****0011)" in str(harness.roster(invite).blocks)


async def test_bad_signature_gets_401_and_stores_nothing(harness: Harness) -> None:
    assert harness.driver is not None
    body = harness.driver.slash_body("13800138001 into conf 42 now", user_id=AMY, channel_id=CHANNEL)
    forged = await harness.driver.post_signed(body, secret="not-the-signing-secret")
    stale = await harness.driver.post_signed(body, timestamp=int(time.time()) - 600)
    assert (forged.status_code, stale.status_code) == (401, 401)
    await harness.services.worker.deliver_due()
    assert await harness.services.store.count_rows("invites") == 0
    assert harness.emulator.messages[CHANNEL] == [] and harness.ephemerals() == []


async def test_nonsense_gets_an_ephemeral_explanation_and_stores_nothing(harness: Harness) -> None:
    response = await harness.dial("please call everyone soon")
    assert response.status_code == 200
    text = await harness.wait_ephemeral()
    assert "Into which conference?" in text and "/dial" in text
    assert await harness.services.store.count_rows("invites") == 0
    assert harness.parents() == []


async def test_time_in_the_past_is_explained_in_the_users_language(harness: Harness) -> None:
    await harness.dial("13800138001 呼入会议 42 2020-01-01 10:00", user=LI)
    text = await harness.wait_ephemeral(LI)
    assert "已经过去了" in text and "Asia/Shanghai" in text
    assert await harness.services.store.count_rows("invites") == 0


async def test_invalid_numbers_are_listed_with_why_and_nothing_is_scheduled(harness: Harness) -> None:
    await harness.dial("12345, 13800138001 into conf 42")
    text = await harness.wait_ephemeral()
    assert "Nothing was scheduled" in text and "`12345` is not a valid number in China" in text
    assert await harness.services.store.count_rows("invites") == 0


async def test_mention_without_a_phone_is_named_and_nothing_is_scheduled(harness: Harness) -> None:
    await harness.dial(f"13800138001 <@{NOPHONE}> into conf 42 now")
    text = await harness.wait_ephemeral()
    assert f"<@{NOPHONE}> has no phone number in their Slack profile" in text
    assert await harness.services.store.count_rows("invites") == 0
    assert harness.sandbox_dials() == 0


async def test_help_is_shown_for_help_in_either_language(harness: Harness) -> None:
    await harness.dial("help")
    assert "How to use /dial" in await harness.wait_ephemeral()
    await harness.dial("帮助", user=LI)
    assert "如何使用 /dial" in await harness.wait_ephemeral(LI)


async def test_slack_429_then_200_delivers_the_message_once(harness: Harness) -> None:
    harness.emulator.fail_next("chat.postMessage", status=429, retry_after=1)
    await harness.dial("13800138001 into conf 42 now")
    invite = await harness.wait_done()
    assert harness.emulator.calls["chat.postMessage"] >= 3  # the refused one, parent, roster, …
    assert len(harness.parents()) == 1
    assert invite.thread_ts == harness.parents()[0].ts


async def test_slack_outage_delays_messages_and_loses_none(harness: Harness) -> None:
    harness.emulator.fail_next("chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=2)
    harness.emulator.fail_next("chat.update", status=429, retry_after=1, times=2)
    await harness.dial(FOUR)
    invite = await harness.wait_done(timeout=30)
    assert len(harness.parents()) == 1
    assert harness.replies_text(invite)[-1].startswith(f"<@{AMY}> 1 of 4 joined")


async def test_restart_between_scheduling_and_firing_dials_once(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 in 2 seconds")
    await wait_for(lambda: len(harness.parents()) == 1, what="the thread parent")
    await harness.stop_bot()
    invite = await _wait_until_due_passed(harness)
    await harness.start_bot()
    done = await harness.wait_done()
    assert done.id == invite.id
    assert harness.sandbox_dials("+8613800138001") == 1


async def _wait_until_due_passed(harness: Harness) -> Invite:
    from bot.dialout.store import SqlInviteStore
    from bot.kernel.db import create_engine

    engine = create_engine(harness.database.url, schema=harness.database.schema)
    found: list[Invite] = []

    async def stored() -> bool:
        # The command is acknowledged before the invite is stored: wait for the row, not for luck.
        found[:] = await SqlInviteStore(engine).recent_invites(CHANNEL, 1)
        return bool(found)

    try:
        await wait_for(stored, what="the stored invite")
    finally:
        await engine.dispose()
    invite = found[0]
    from datetime import UTC, datetime

    await wait_for(lambda: datetime.now(UTC) > invite.due_at + timedelta(milliseconds=300), timeout=5, what="due time")
    return invite


async def test_two_schedulers_on_one_database_dial_once(harness: Harness) -> None:
    await harness.dial("13800138001, 13800138002 into conf 42 in 1 second")
    await wait_for(lambda: len(harness.parents()) == 1, what="the thread parent")
    second = await harness.start_bot()
    first = harness.bots[0][0]
    invite = (await second.store.recent_invites(CHANNEL, 1))[0]
    assert invite.id is not None
    await _wait_until_due_passed(harness)
    await __import__("asyncio").gather(first.invites.fire(invite.id), second.invites.fire(invite.id))
    await harness.wait_done()
    assert harness.sandbox_dials("+8613800138001") == 1 and harness.sandbox_dials("+8613800138002") == 1


async def test_firing_the_same_invite_twice_dials_once(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 in 1 second")
    invite = await _wait_until_due_passed(harness)
    assert invite.id is not None
    await harness.services.invites.fire(invite.id)
    await harness.services.invites.fire(invite.id)
    await harness.wait_done()
    assert harness.sandbox_dials() == 1


async def test_run_missed_while_down_within_grace_is_dialled_late_and_says_so(harness: Harness) -> None:
    invite = await _insert_due_invite(harness, minutes_ago=3)
    await harness.services.invites.rebuild()
    done = await harness.wait_done()
    assert done.id == invite.id and harness.sandbox_dials() == 1
    assert any("dialling now, 3 min late" in r for r in harness.replies_text(done))


async def test_run_missed_past_grace_is_marked_missed_in_its_thread(harness: Harness) -> None:
    invite = await _insert_due_invite(harness, minutes_ago=45)
    await harness.services.invites.rebuild()

    async def missed() -> bool:
        found = await harness.services.store.get_invite(invite.id or 0)
        return (
            found is not None
            and found.status is InviteStatus.MISSED
            and not await harness.services.outbox.pending_count()
        )

    await wait_for(missed, what="the invite to be marked missed")
    found = await harness.services.store.get_invite(invite.id or 0)
    assert found is not None
    assert any("This invite was missed" in r and "45 min late" in r for r in harness.replies_text(found))
    assert harness.sandbox_dials() == 0
    [parent] = harness.parents()
    assert "Missed" in parent.text


async def _insert_due_invite(harness: Harness, minutes_ago: float) -> Invite:
    now = harness.services.clock.now()
    return await harness.services.invites.schedule(
        Invite(
            team_id="T0EMU",
            channel_id=CHANNEL,
            created_by=AMY,
            provider="sandbox",
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=now - timedelta(minutes=minutes_ago),
            tz="Asia/Shanghai",
            created_at=now - timedelta(minutes=minutes_ago + 5),
        ),
        [Party(PartyKind.PHONE, "+8613800138001")],
    )


async def test_cancel_button_withdraws_a_scheduled_invite(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 in 2 hours")
    await wait_for(lambda: len(harness.parents()) == 1, what="the thread parent")
    assert harness.driver is not None
    response = await harness.driver.click(harness.parents()[0], ids.CANCEL_INVITE_ACTION, user_id=AMY)
    assert response.status_code == 200
    await wait_for(lambda: any("is cancelled" in e for e in harness.ephemerals()), what="the cancel reply")
    invite = await harness.only_invite()
    assert invite.status is InviteStatus.CANCELLED
    assert harness.services.scheduler.job_ids().count(f"invite:{invite.id}") == 0
    await wait_for(lambda: "· Cancelled:" in harness.parents()[0].text, what="the parent to say cancelled")
    await wait_for(lambda: "Cancelled by amy." in harness.replies_text(invite), what="the thread to say who cancelled")


async def test_only_the_creator_or_an_admin_may_cancel(harness: Harness) -> None:
    await harness.dial("13800138001 into conf 42 in 2 hours")
    await harness.wait_ephemeral()
    await harness.dial("cancel 1", user=BOB)
    assert "Only the person who created invite #1" in await harness.wait_ephemeral(BOB)
    assert (await harness.only_invite()).status is InviteStatus.SCHEDULED


async def test_duplicate_and_out_of_order_events_cannot_corrupt_the_roster(test_db) -> None:
    async with Harness(test_db, chaos=frozenset({"duplicate", "reverse"})) as chaotic:
        await chaotic.dial(FOUR)
        invite = await chaotic.wait_done()
        attempts = await chaotic.services.store.attempts(invite.id or 0)
        assert {a.party.address: a.state for a in attempts} == {
            "+8613800138001": CallState.COMPLETED,
            "+8613800138000": CallState.FAILED,
            "+8613800138009": CallState.FAILED,
            "+8613800138008": CallState.FAILED,
        }
        summaries = [r.splitlines()[0] for r in chaotic.replies_text(invite) if "of 4 joined" in r]
        assert summaries == [
            f"<@{AMY}> 1 of 4 joined · 138****8000 busy · 138****8009 no answer · 138****8008 unreachable"
        ]


async def test_hundreds_of_parties_fit_in_slacks_limits(test_db) -> None:
    async with Harness(test_db, speed=200.0) as big:
        numbers = ", ".join(f"+86138{i:08d}" for i in range(1, 301))
        await big.dial(f"{numbers} into conf 99 now")
        invite = await big.wait_done(timeout=120)
        roster = big.roster(invite)
        assert len(roster.blocks) <= 50
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in roster.blocks)
        assert not big.emulator.rejections
        assert big.sandbox_dials() == 300
        assert "300" not in roster.text or "of 300" in big.replies_text(invite)[-1]


async def test_forged_provider_webhook_gets_401_and_stores_nothing(harness: Harness) -> None:
    import httpx

    body = b'{"event_id": "x:1", "call_id": "sbx_x", "state": "answered"}'
    async with httpx.AsyncClient() as http:
        forged = await http.post(
            f"{harness.services.settings.base_url}/webhooks/sandbox",
            content=body,
            headers={"x-sandbox-timestamp": str(int(time.time())), "x-sandbox-signature": "v1=00"},
        )
        unknown = await http.post(f"{harness.services.settings.base_url}/webhooks/nobody", content=body)
        health = await http.get(f"{harness.services.settings.base_url}/healthz")
    assert (forged.status_code, unknown.status_code) == (401, 404)
    assert await harness.services.store.count_rows("call_events") == 0
    assert health.json() == {"ok": True, "outbox_pending": 0}


async def test_dial_in_a_private_channel_the_bot_is_not_in_is_refused_before_anything_is_stored(
    harness: Harness,
) -> None:
    harness.emulator.add_channel("C0ELSEWHERE", is_member=False, is_private=True)
    await harness.dial("13800138001 into conf 42 now", channel="C0ELSEWHERE")
    await wait_for(lambda: bool(harness.emulator.responses), what="the answer through the response URL")
    assert "/invite @confbot" in harness.emulator.responses[-1]["text"]
    assert await harness.services.store.count_rows("invites") == 0
    assert harness.sandbox_dials() == 0


async def test_dial_in_a_public_channel_the_bot_was_not_invited_to_runs_its_thread_there(harness: Harness) -> None:
    harness.emulator.add_channel("C0PUBLIC", is_member=False)
    await harness.dial("13800138001 into conf 42 now", channel="C0PUBLIC")

    async def roster_posted() -> bool:
        invites = await harness.services.store.recent_invites("C0PUBLIC", 1)
        return bool(invites) and invites[0].roster_ts is not None

    await wait_for(roster_posted, what="the thread and its roster in the public channel")
    invite = (await harness.services.store.recent_invites("C0PUBLIC", 1))[0]
    assert invite.thread_ts is not None and harness.emulator.find("C0PUBLIC", invite.thread_ts) is not None
    await wait_for(lambda: harness.sandbox_dials() == 1, what="the call to be placed")


async def test_each_message_is_updated_at_most_once_a_second_however_many_events_arrive(test_db) -> None:
    async with Harness(test_db, speed=200.0, min_update_interval_s=1.0) as busy:  # production's pace
        numbers = ", ".join(f"+86138{i:08d}" for i in range(1, 61))
        await busy.dial(f"{numbers} into conf 7 now")
        invite = await busy.wait_done(timeout=60)
        events = sum(len(call.events) for call in busy.sandbox.calls.values())
        for ts in (invite.thread_ts, invite.roster_ts):
            message = busy.emulator.find(CHANNEL, ts or "")
            assert message is not None and message.edits >= 1
            gaps = [b - a for a, b in zip(message.edit_times, message.edit_times[1:], strict=False)]
            assert all(gap >= 0.95 for gap in gaps), gaps
            assert message.edits < events / 4  # many events, few updates


async def test_posts_owed_to_slack_survive_a_restart_during_an_outage(harness: Harness) -> None:
    harness.emulator.fail_next(
        "chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=10**6
    )
    await harness.dial("13800138001 into conf 42 now")
    await wait_for(lambda: harness.sandbox_dials() == 1, what="the call to be placed while Slack is down")
    await wait_for(lambda: harness.emulator.calls["chat.postMessage"] >= 2, what="a refused post")
    assert harness.parents() == []
    await harness.stop_bot()
    harness.emulator.failures.clear()  # Slack is back; the bot restarts with its outbox in the database
    await harness.start_bot(same_address=True)
    invite = await harness.wait_done(timeout=30)
    assert len(harness.parents()) == 1 and invite.thread_ts == harness.parents()[0].ts
    assert harness.replies_text(invite)[-1].splitlines()[0] == f"<@{AMY}> 1 of 1 joined"
    assert harness.sandbox_dials() == 1


async def test_thread_keeps_roster_first_and_summary_last_after_an_outage_and_429s(harness: Harness) -> None:
    harness.emulator.outage("chat.postMessage", "chat.update")
    await harness.dial(FOUR)

    async def all_owed() -> bool:
        # Every call is over, so the summary waits behind the parent and roster.
        invites = await harness.services.store.recent_invites(CHANNEL, 1)
        return bool(invites) and invites[0].status is InviteStatus.DONE

    await wait_for(all_owed, timeout=20, what="the invite to finish while Slack is down")
    assert harness.parents() == []
    # Slack comes back rate-limiting: the first reply it is asked for (the roster, oldest) is refused.
    harness.emulator.fail_next("chat.postMessage", status=429, retry_after=1, when=lambda p: bool(p.get("thread_ts")))
    harness.emulator.end_outage()
    invite = await harness.wait_done(timeout=30)

    thread = harness.thread(harness.parents()[0])
    assert thread[1].ts == invite.roster_ts
    replies = harness.replies_text(invite)
    assert replies[-1] == (
        f"<@{AMY}> 1 of 4 joined · 138****8000 busy · 138****8009 no answer · 138****8008 unreachable"
        "\nJoined: 138****8001 1 min"
    )
    assert len(replies) == 1  # failures still owed when it ended are named by the summary, not replied twice


async def test_webhooks_are_answered_once_stored_and_what_a_crash_left_unapplied_is_applied_at_the_next_start(
    test_db,
) -> None:
    # The call watcher polls the sandbox too; kept out of the way, only webhooks bring news here.
    async with Harness(test_db, watch_every_s=3600) as harness:
        await harness.services.dialout.applier.stop()  # this process dies between storing events and applying them
        await harness.dial(FOUR)

        async def all_stored() -> bool:
            calls = list(harness.sandbox.calls.values())
            sent = sum(len(call.events) for call in calls)
            finished = len(calls) == 4 and all(call.state in {"completed", "failed"} for call in calls)
            return finished and await harness.services.store.count_rows("call_events") == sent

        await wait_for(all_stored, timeout=20, what="every sandbox event to be stored")
        # Answered, stored, not applied (but for any event that beat its call id: placing the call applies those).
        assert (await harness.only_invite()).status is InviteStatus.DIALING
        assert await harness.services.store.unapplied_events(100)
        await harness.stop_bot()
        await harness.start_bot(same_address=True)
        done = await harness.wait_done(timeout=30)
        store = harness.services.store
        outcome = {a.party.address: (a.state, a.reason) for a in await store.attempts(done.id or 0)}
        assert outcome == {
            "+8613800138001": (CallState.COMPLETED, None),
            "+8613800138000": (CallState.FAILED, FailReason.BUSY),
            "+8613800138009": (CallState.FAILED, FailReason.NO_ANSWER),
            "+8613800138008": (CallState.FAILED, FailReason.UNREACHABLE),
        }
        assert harness.sandbox_dials() == 4

        async def all_applied() -> bool:  # a pass tells Slack before it marks its events applied
            return await store.unapplied_events(100) == []

        await wait_for(all_applied, what="every stored event marked applied")


async def test_the_summary_is_also_shown_in_the_channel_when_the_workspace_asks_for_it(test_db) -> None:
    async with Harness(test_db, summary_to_channel=True) as harness:
        await harness.dial("13800138001, 13800138000 into conf 42 now")
        invite = await harness.wait_done()
        thread = harness.emulator.thread(CHANNEL, invite.thread_ts or "")
        assert [m.text for m in thread if m.broadcast] == [harness.replies_text(invite)[-1]]  # the summary only
