"""Workspace settings from App Home through the emulator: an admin opens the modal, saves, and the next
/dial obeys; every wrong box is refused on its field (in Chinese too); a non-admin has no button and is
refused if they submit anyway; the audit export shows what changed; one workspace's change stays its own."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bot.dialout.audit_store import SqlAuditLog
from bot.dialout.core.audit_export import build_audit_csv
from bot.dialout.core.pacing import BURST
from bot.dialout.core.retry_policy import parse_retry
from bot.emulator.server import TEAM_ID
from bot.slack import ids
from tests.e2e.harness import AMY, CHANNEL, LI, Harness, wait_for
from tests.e2e.test_home_refresh import home_of, open_home
from tests.e2e.test_thread_buttons import click, scheduled_parent

BOSS = "U0BOSS"  # a workspace admin, English
LAOBAN = "U0LAOBAN"  # a workspace admin, Chinese
OTHER_TEAM = "T0OTHER"


async def open_settings(harness: Harness, user: str) -> dict[str, Any]:
    """Open `user`'s home and press Workspace settings: the modal views.open showed."""
    assert harness.driver is not None
    assert ids.SETTINGS_OPEN_ACTION in await open_home(harness, user)
    home = {**harness.emulator.views[f"home:{user}"], "id": f"home:{user}"}
    before = len(harness.emulator.modals())
    await harness.driver.click_in_view(home, ids.SETTINGS_OPEN_ACTION, user_id=user)
    await wait_for(lambda: len(harness.emulator.modals()) > before, what="the settings modal to open")
    return harness.emulator.modals()[-1]


async def submit(harness: Harness, modal: dict[str, Any], user: str, **inputs: Any) -> dict[str, Any] | None:
    """Submit the modal as `user` with some boxes changed; the response_action, or None when it closed."""
    assert harness.driver is not None
    return harness.driver.response_action(await harness.driver.submit(modal, user_id=user, inputs=inputs))


async def exported(harness: Harness) -> list[dict[str, str]]:
    now = harness.services.clock.now()
    events = await SqlAuditLog(harness.services.engine).between(now - timedelta(hours=1), now + timedelta(hours=1))
    return list(csv.DictReader(io.StringIO(build_audit_csv(events))))


def _boxes(modal: dict[str, Any]) -> dict[str, Any]:
    return {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}


async def test_an_admin_changes_the_allowed_countries_and_the_next_dial_is_refused_and_audited(
    harness: Harness,
) -> None:
    harness.emulator.add_user(BOSS, name="boss", is_admin=True)
    modal = await open_settings(harness, BOSS)
    boxes = _boxes(modal)
    assert boxes["region"]["initial_value"] == "CN"
    assert boxes["provider_conference"]["initial_option"]["value"] == "sandbox"
    assert "initial_value" not in boxes["allowed_countries"]  # every country, as the environment says
    assert {o["value"] for o in boxes["blocked_types"]["initial_options"]} >= {"block_premium_rate"}
    assert "secret" not in json.dumps(modal).lower()  # provider credentials are never shown
    assert await submit(harness, modal, BOSS, allowed_countries="HK", retry_policy="busy=2x1m", quiet_hours="") is None
    await wait_for(
        lambda: "Countries that may be dialled: HK" in home_of(harness, BOSS), what="the admin's home to show the save"
    )

    await harness.dial("13800138001 into conf 42 in 2 hours")
    refusal = await harness.wait_ephemeral()
    assert "Nothing was scheduled" in refusal and "doesn't dial" in refusal
    await harness.dial("+852 9123 4567 into conf 42 in 2 hours")
    await harness.wait_ephemeral(count=2)
    invite = await harness.only_invite()
    assert invite.retry == parse_retry("busy=2x1m")  # the workspace's new default retries

    [saved] = [r for r in await exported(harness) if r["action"] == "settings_changed"]
    assert (saved["actor"], saved["subject"], saved["subject id"], saved["team"]) == (
        BOSS,
        "settings",
        TEAM_ID,
        TEAM_ID,
    )
    details = json.loads(saved["details"])
    assert details == {
        "allowed_countries": {"before": [], "after": ["HK"]},
        "retry_policy": {"before": "off", "after": "busy=2x1m"},
    }


async def test_every_wrong_box_is_refused_on_its_field_in_chinese_and_nothing_is_saved(harness: Harness) -> None:
    harness.emulator.add_user(LAOBAN, name="laoban", is_admin=True, locale="zh-CN")
    modal = await open_settings(harness, LAOBAN)
    assert modal["title"]["text"] == "工作区设置"
    answer = await submit(
        harness,
        modal,
        LAOBAN,
        region="ZZ",
        allowed_countries="CN, XX",
        max_parties="-1",
        daily_per_user="many",
        quiet_hours="25:00-07:00",
        default_tz="Mars/Olympus",
        retry_policy="busy=lots",
        reminder_minutes="9999",
        pace_per_min="fast",
        tencent_operators="U0AMY:amy",
        route_admin_group="admins",
    )
    assert answer is not None and answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {
        "region",
        "allowed_countries",
        "max_parties",
        "daily_per_user",
        "quiet_hours",
        "default_tz",
        "retry_policy",
        "reminder_minutes",
        "pace_per_min",
        "tencent_operators",
        "route_admin_group",
    }
    assert "不是地区代码" in errors["region"] and "XX" in errors["allowed_countries"]
    assert "不是时区" in errors["default_tz"] and "免打扰" in errors["quiet_hours"]
    assert "U0AMY:amy" in errors["tencent_operators"] and "用户组" in errors["route_admin_group"]
    assert [r for r in await exported(harness) if r["action"] == "settings_changed"] == []
    settings = await harness.services.dialout.settings_requests.settings_of(TEAM_ID)
    assert settings == harness.services.settings.workspace_defaults()


async def test_a_non_admin_has_no_button_and_is_refused_when_submitting_anyway(harness: Harness) -> None:
    harness.emulator.add_user(BOSS, name="boss", is_admin=True)
    modal = await open_settings(harness, BOSS)
    assert ids.SETTINGS_OPEN_ACTION not in await open_home(harness, LI)
    answer = await submit(harness, modal, LI, allowed_countries="HK")  # the form, submitted by someone else
    assert answer is not None and answer["response_action"] == "errors"
    assert answer["errors"] == {"region": answer["errors"]["region"]}
    assert "只有工作区管理员" in answer["errors"]["region"]  # in Li's language
    settings = await harness.services.dialout.settings_requests.settings_of(TEAM_ID)
    assert settings.policy.allowed_countries is None


async def test_members_of_the_invite_admin_group_may_manage_the_settings(harness: Harness) -> None:
    harness.emulator.add_user(BOSS, name="boss", is_admin=True)
    harness.emulator.add_usergroup("S0ADMINS", [AMY])
    assert ids.SETTINGS_OPEN_ACTION not in await open_home(harness, AMY)
    assert await submit(harness, await open_settings(harness, BOSS), BOSS, invite_admin_group="S0ADMINS") is None
    modal = await open_settings(harness, AMY)  # now in the group the workspace names
    assert await submit(harness, modal, AMY, reminder_minutes="3") is None
    settings = await harness.services.dialout.settings_requests.settings_of(TEAM_ID)
    assert (settings.invite_admin_group, settings.reminder_minutes) == ("S0ADMINS", 3)


async def test_one_workspaces_change_does_not_reach_another(harness: Harness) -> None:
    """The other workspace's admin saves through a payload naming their team; this one dials as before."""
    assert harness.driver is not None
    harness.emulator.add_user(BOSS, name="boss", is_admin=True)
    modal = await open_settings(harness, BOSS)
    payload = {
        "type": "view_submission",
        "user": {"id": BOSS, "team_id": OTHER_TEAM},
        "team": {"id": OTHER_TEAM, "domain": "other"},
        "api_app_id": "A0CONFBOT",
        "trigger_id": await harness.driver.trigger_id(),
        "view": {**modal, "state": {"values": {"allowed_countries": {"allowed_countries": {"value": "HK"}}}}},
    }
    assert harness.driver.response_action(await harness.driver.interact(payload)) is None
    other = await harness.services.dialout.settings_requests.settings_of(OTHER_TEAM)
    assert other.policy.allowed_countries == frozenset({"HK"})

    await harness.dial("13800138001 into conf 42 in 2 hours")  # this workspace: still every country
    assert (await harness.wait_ephemeral()).startswith("Scheduled invite #1")
    body = harness.driver.slash_body("13800138002 into conf 43 in 2 hours", user_id=AMY, channel_id=CHANNEL)
    fields = dict(parse_qsl(body.decode())) | {"team_id": OTHER_TEAM}  # the same /dial from the other workspace
    await harness.driver.post_signed(urlencode(fields).encode())
    refusal = await harness.wait_ephemeral(count=2)
    assert "Nothing was scheduled" in refusal and "doesn't dial" in refusal


async def test_the_invite_admin_group_a_workspace_names_may_cancel_anyones_invite(harness: Harness) -> None:
    harness.emulator.add_user(BOSS, name="boss", is_admin=True)
    harness.emulator.add_usergroup("S0HELPERS", [LI])
    parent = await scheduled_parent(harness)  # Amy's
    await click(harness, parent, ids.CANCEL_INVITE_ACTION, LI)
    assert (await harness.wait_ephemeral(LI)).startswith("只有第 1 号邀请的创建者")  # not hers, no group says she may
    assert await submit(harness, await open_settings(harness, BOSS), BOSS, invite_admin_group="S0HELPERS") is None
    await click(harness, parent, ids.CANCEL_INVITE_ACTION, LI)
    await wait_for(lambda: "· Cancelled:" in harness.parents()[0].text, what="the parent to say cancelled")


async def test_the_invite_admin_group_a_workspace_names_may_pause_anyones_series(harness: Harness) -> None:
    harness.emulator.add_user(BOSS, name="boss", is_admin=True)
    harness.emulator.add_usergroup("S0HELPERS", [LI])
    await harness.dial("13800138001 into conf 42 every monday 9am")  # Amy's series #1
    await harness.wait_ephemeral()
    await harness.dial("暂停 1", user=LI)
    assert (await harness.wait_ephemeral(LI)).startswith("只有第 1 号系列的创建者")
    assert await submit(harness, await open_settings(harness, BOSS), BOSS, invite_admin_group="S0HELPERS") is None
    await harness.dial("暂停 1", user=LI)
    assert await harness.wait_ephemeral(LI, 2) == "第 1 号系列已暂停。"


async def test_the_workspace_pace_its_admins_set_paces_its_calls_and_the_time_left(test_db) -> None:
    async with Harness(test_db, speed=200.0) as harness:  # the sandbox itself is unpaced
        harness.emulator.add_user(BOSS, name="boss", is_admin=True)
        assert await submit(harness, await open_settings(harness, BOSS), BOSS, pace_per_min="1800") is None
        await harness.dial(", ".join(f"1380{i:06d}1" for i in range(60)) + " into conf 42 now")
        await wait_for(
            lambda: bool(harness.parents()) and "left" in harness.parents()[0].text,
            what="the parent to show the time left at the workspace's pace",
        )
        await wait_for(lambda: harness.sandbox_dials() == 60, timeout=30, what="every call to be placed")
        times = sorted(call.placed_at for call in harness.sandbox.calls.values())
        assert times[-1] - times[0] >= (60 - BURST) * (60 / 1800) * 0.95  # one every 1/30 s after the burst
