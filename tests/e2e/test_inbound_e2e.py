"""Inbound calls end to end: a signed `/dial route` through the emulator → the CTI platform's query is
answered with the right B number → its events → the call's thread, from ringing to hang-up."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.emulator.render import render_message
from bot.emulator.server import Message
from bot.inbound.cti.settings import CtiSettings
from tests.e2e.harness import AMY, BOB, CHANNEL, LI, Harness, wait_for
from tests.e2e.test_workspace_settings_e2e import open_settings, submit
from tests.inbound.fakes import JSON, XML, FakeCtiPlatform

ADMIN = "U0ADMIN"
CALLS = "C0CALLS"
SECRET = "e2e-path-secret-42"
VCC = "VCC001"
CALLER = "13812341234"


def settings(**overrides: Any) -> CtiSettings:
    values: dict[str, Any] = {"path_secret": SecretStr(SECRET), "vcc_id": VCC, "charge_ext": "8001"}
    values.update(overrides)
    return CtiSettings(**values)


@pytest.fixture
async def bot(test_db) -> AsyncIterator[Harness]:
    async with Harness(test_db, cti=settings(route_admin_group="S0ROUTES")) as running:
        running.emulator.add_user(ADMIN, name="boss", is_admin=True, phone="+8613900000009")
        running.emulator.add_channel(CALLS, "calls")
        running.emulator.add_usergroup("S0ROUTES", [])
        yield running


def platform(bot: Harness, content_type: str = XML) -> FakeCtiPlatform:
    return FakeCtiPlatform(f"{bot.services.settings.base_url}/cti/{SECRET}", VCC, content_type)


async def route(bot: Harness, text: str, user: str = ADMIN, channel: str = CHANNEL) -> str:
    """Send a signed /dial route command; its private answer."""
    before = len(bot.ephemerals(user))
    response = await bot.dial(text, user=user, channel=channel)
    assert response.status_code == 200
    return await bot.wait_ephemeral(user, before + 1)


def parent(bot: Harness, channel: str = CALLS) -> Message:
    [message] = bot.emulator.channel_messages(channel)
    return message


def shown(bot: Harness, message: Message) -> str:
    return "\n".join(render_message(message, bot.emulator))


async def wait_parent(bot: Harness, text: str, channel: str = CALLS, timeout: float = 10.0) -> str:
    """Wait until the call's thread parent (edited in place) shows `text`."""

    def showing() -> bool:
        messages = bot.emulator.channel_messages(channel)
        return len(messages) == 1 and text in shown(bot, messages[0])

    await wait_for(showing, timeout, f"the call's message to show {text!r}")
    return shown(bot, parent(bot, channel))


def replies(bot: Harness, channel: str = CALLS) -> list[str]:
    top = parent(bot, channel)
    return [m.text for m in bot.emulator.thread(channel, top.ts)[1:]]


async def settled(bot: Harness) -> None:
    async def empty() -> bool:
        return await bot.services.outbox.pending_count() == 0

    await wait_for(empty, 15, "Slack to be up to date")


async def test_a_call_routed_from_slack_shows_in_its_thread_from_ringing_to_hang_up(bot: Harness) -> None:
    answer = await route(bot, f"route 400-123-4567 to <@{BOB}|bob> max=30m warn=1m record=answer in <#{CALLS}|calls>")
    assert answer == (
        f"Saved: calls to 400-123-4567 from any caller now ring <@{BOB}> (139****0011) `record=answer` `max=30m` "
        f"`warn=1m`. Its calls are reported in <#{CALLS}>."
    )
    cti = platform(bot)
    try:
        query = await cti.query("call-1", CALLER, "4001234567")
        assert (query.fields["result"], query.users[0]["number"]) == ("0000", "13900000011")
        assert (query.fields["maxDuration"], query.fields["warningDuration"], query.fields["recordType"]) == (
            "1800",
            "60",
            "2",
        )
        assert bot.emulator.channel_messages(CALLS) == []  # the first event opens the thread, not the query
        client_id = query.fields["clientId"]
        await cti.event("call-1", "15", client_id=client_id, callee="13900000011")
        await wait_parent(bot, "Inbound call from 138****1234 to 4001234567 → dialling bob (139****0011)")
        await cti.event("call-1", "16", client_id=client_id, callee="13900000011", state="3")
        ringing = await wait_parent(bot, "→ ringing bob (139****0011)")
        assert "🔔 bob (139****0011) — ringing" in ringing and "Rule: any caller · call call-1" in ringing
        await cti.event("call-1", "31", client_id=client_id, callee="13900000011", state="1")
        await cti.event("call-1", "40", client_id=client_id)
        await wait_parent(bot, "→ talking with bob (139****0011)")
        await cti.event("call-1", "43", client_id=client_id)
        await cti.event("call-1", "22", client_id=client_id)
        done = await wait_parent(bot, "→ talked with bob (139****0011) for")
    finally:
        await cti.aclose()
    await settled(bot)
    assert "👋 bob (139****0011) — hung up" in done
    assert parent(bot).edits >= 3 and len(bot.emulator.channel_messages(CALLS)) == 1
    thread = replies(bot)
    assert thread[0] == "bob (139****0011) answered the call from 138****1234."
    assert thread[1] == "One minute left: the call will be cut off at its 30 min limit."
    assert thread[2].startswith("The call ended after ") and len(thread) == 3
    assert bot.emulator.rejections == []


async def test_a_busy_callee_is_explained_with_the_call_result_in_words(bot: Harness) -> None:
    await route(bot, f"route 4001234567 to <@{BOB}|bob> in <#{CALLS}|calls>")
    cti = platform(bot, JSON)
    try:
        await cti.query("call-2", CALLER, "4001234567")
        await cti.event("call-2", "15", callee="13900000011")
        await cti.event("call-2", "30", call_result="02", callee="13900000011", state="0")
        await cti.event("call-2", "22", call_result="02")
    finally:
        await cti.aclose()
    text = await wait_parent(bot, "→ not connected: busy")
    await settled(bot)
    assert "❌ bob (139****0011) — not reached: busy (callResult 02: the line was busy)" in text
    assert replies(bot) == ["Couldn't reach bob (139****0011): busy (callResult 02: the line was busy)."]


async def test_vip_callers_reach_someone_else_and_blocked_callers_are_refused_and_reported(bot: Harness) -> None:
    await route(bot, "route 4001234567 to 13900000001")
    await route(bot, f"route 4001234567 from 139 to <@{BOB}>")
    await route(bot, 'route 4001234567 from 170 refuse prompt="sorry.wav"')
    cti = platform(bot)
    try:
        vip = await cti.query("call-3", "13912345678", "4001234567")
        other = await cti.query("call-4", CALLER, "4001234567")
        blocked = await cti.query("call-5", "17000000000", "4001234567")
        unknown = await cti.query("call-6", CALLER, "4000000000")
    finally:
        await cti.aclose()
    assert vip.users[0]["number"] == "13900000011" and other.users[0]["number"] == "13900000001"
    assert (blocked.fields["result"], blocked.fields["callerPrompt"]) == ("1002", "sorry.wav")
    assert unknown.fields["result"] == "1001"
    await settled(bot)
    reports = [shown(bot, m) for m in bot.emulator.channel_messages(CHANNEL)]
    assert any("refused: the route refuses callers starting 170" in r for r in reports)
    assert any("to 4000000000 refused: no route is set up for this number" in r for r in reports)


async def test_only_admins_and_the_route_group_may_change_routes(bot: Harness) -> None:
    refused = await route(bot, "route 4001234567 to 13900000001", user=AMY)
    assert refused.startswith("Only workspace admins and members of <!subteam^S0ROUTES> can change inbound routes.")
    assert bot.services.inbound is not None and await bot.services.inbound.route_store.route("4001234567") is None
    bot.emulator.add_usergroup("S0ROUTES", [AMY])
    bot.services.inbound.book._groups._cache.clear()  # type: ignore[attr-defined]  # the group cache lasts a minute
    assert (await route(bot, "route 4001234567 to 13900000001", user=AMY)).startswith("Saved:")


async def test_routes_lists_rules_and_every_change_in_the_askers_language(bot: Harness) -> None:
    await route(bot, "route 4001234567 to 13900000001")
    await route(bot, f"route 4001234567 to <@{BOB}> max=30m")
    await route(bot, "route 4001234567 from 170 refuse")
    listing = await route(bot, "路由列表", user=LI)
    assert listing.startswith("*呼入路由*（1 个）\n*4001234567* · 在 <#C0OPS> 报告")
    assert "• 170 开头的主叫 → 拒接" in listing
    assert f"• 所有主叫 → 呼叫 <@{BOB}>（139****0011） `max=30m`" in listing
    history = listing.split("*最近的变更*\n")[1].splitlines()
    assert len(history) == 3 and all(f"<@{ADMIN}>" in line for line in history)
    assert history[0].endswith("4001234567，170 开头的主叫：无 → 170 开头的主叫：拒接")
    assert history[1].endswith(f"4001234567，所有主叫：所有主叫：呼叫 139****0001 → 所有主叫：呼叫 <@{BOB}> `max=30m`")


async def test_a_profile_change_reaches_the_route_through_slacks_user_change_event(bot: Harness) -> None:
    await route(bot, f"route 4001234567 to <@{BOB}>")
    user = dict(bot.emulator.users[BOB])
    user["profile"] = {**user["profile"], "phone": "+86 139 0000 0077"}
    assert bot.driver is not None
    response = await bot.driver.event({"type": "user_change", "user": user})
    assert response.status_code == 200
    cti = platform(bot)

    async def rings_new_number() -> bool:
        reply = await cti.query(f"call-{time.monotonic_ns()}", CALLER, "4001234567")
        return reply.users[0]["number"] == "13900000077"

    try:
        await wait_for(rings_new_number, 5, "the new profile number to be rung")
    finally:
        await cti.aclose()


async def test_events_are_acknowledged_while_slack_is_down_and_the_thread_follows(bot: Harness) -> None:
    await route(bot, f"route 4001234567 to <@{BOB}> in <#{CALLS}>")
    bot.emulator.fail_next("chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=2)
    cti = platform(bot)
    try:
        await cti.query("call-7", CALLER, "4001234567")
        for code in ["15", "16", "31", "40", "22"]:
            started = time.perf_counter()
            ack = await cti.event("call-7", code)
            assert ack.status == 200 and time.perf_counter() - started < 1.0
    finally:
        await cti.aclose()
    await wait_parent(bot, "→ talked with bob (139****0011) for", timeout=20)
    await settled(bot)
    assert bot.emulator.calls["chat.postMessage"] >= 3


async def test_routes_and_calls_survive_a_restart(bot: Harness) -> None:
    await route(bot, f"route 4001234567 to <@{BOB}> in <#{CALLS}>")
    cti = platform(bot)
    try:
        first = await cti.query("call-8", CALLER, "4001234567")
        await bot.restart_bot()
        cti.url = f"{bot.services.settings.base_url}/cti/{SECRET}"
        again = await cti.query("call-8", CALLER, "4001234567")
        fresh = await cti.query("call-9", CALLER, "4001234567")
        await cti.event("call-8", "15")
    finally:
        await cti.aclose()
    assert again.fields["clientId"] == first.fields["clientId"]
    assert fresh.users[0]["number"] == "13900000011"
    await wait_parent(bot, "→ dialling bob (139****0011)")


async def test_the_route_managers_a_workspace_names_in_app_home_may_change_routes(bot: Harness) -> None:
    bot.emulator.add_usergroup("S0NEWROUTES", [AMY])
    assert (await route(bot, "route 4001234567 to 13900000001", user=AMY)).startswith("Only workspace admins")
    modal = await open_settings(bot, ADMIN)
    assert await submit(bot, modal, ADMIN, route_admin_group="S0NEWROUTES") is None
    assert (await route(bot, "route 4001234567 to 13900000001", user=AMY)).startswith("Saved:")


async def test_a_route_command_reads_its_numbers_by_the_workspaces_own_policy(bot: Harness) -> None:
    modal = await open_settings(bot, ADMIN)
    assert await submit(bot, modal, ADMIN, allowed_countries="HK") is None
    refused = await route(bot, "route 4001234567 to 13900000001")
    assert not refused.startswith("Saved:") and "doesn't dial" in refused
    assert bot.services.inbound is not None and await bot.services.inbound.route_store.route("4001234567") is None


async def test_an_inbound_call_rings_only_numbers_its_routes_workspace_allows_now(bot: Harness) -> None:
    await route(bot, "route 4001234567 to 13900000001")
    cti = platform(bot)
    try:
        before = await cti.query("call-20", CALLER, "4001234567")
        assert await submit(bot, await open_settings(bot, ADMIN), ADMIN, allowed_countries="HK") is None
        after = await cti.query("call-21", CALLER, "4001234567")
    finally:
        await cti.aclose()
    assert before.users[0]["number"] == "13900000001"
    assert after.users == [] and after.fields["result"] != before.fields["result"]
