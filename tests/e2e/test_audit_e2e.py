"""The audit trail through the emulator: what people did on the thread (schedule, edit, cancel, dial now)
and what became of each call, read back by the export exactly as it happened."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.dialout.audit_store import SqlAuditLog
from bot.dialout.core.audit_export import build_audit_csv
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, Harness, wait_for
from tests.e2e.test_edit_and_add_people import NUMBERS, WHEN, open_edit, submit
from tests.e2e.test_home_refresh import open_home
from tests.e2e.test_thread_buttons import click, scheduled_parent


async def exported(harness: Harness) -> list[dict[str, str]]:
    now = harness.services.clock.now()
    events = await SqlAuditLog(harness.services.engine).between(now - timedelta(hours=1), now + timedelta(hours=1))
    return list(csv.DictReader(io.StringIO(build_audit_csv(events))))


async def test_the_export_tells_who_scheduled_edited_and_cancelled_and_each_dialled_call(harness: Harness) -> None:
    parent = await scheduled_parent(harness, "13800138001 into conf 42 in 2 hours")
    edit = {WHEN: "in 3 hours", NUMBERS: "13800138002"}
    assert await submit(harness, await open_edit(harness, parent), edit) is None
    await harness.wait_ephemeral(AMY, 2)
    await click(harness, parent, ids.CANCEL_INVITE_ACTION, AMY)
    await wait_for(lambda: "· Cancelled:" in harness.parents()[0].text, what="the parent to say cancelled")

    async def cancel_recorded() -> bool:  # Slack is told first, then the audit row is written
        return any(r["action"] == "cancelled" for r in await exported(harness))

    await wait_for(cancel_recorded, what="the cancel in the audit trail")
    invite = await harness.only_invite()
    rows = await exported(harness)
    assert [(r["actor"], r["action"], r["subject"], r["subject id"]) for r in rows] == [
        (AMY, "scheduled", "invite", str(invite.id)),
        (AMY, "edited", "invite", str(invite.id)),
        (AMY, "cancelled", "invite", str(invite.id)),
    ]
    assert {r["team"] for r in rows} == {invite.team_id}
    assert '"added": 1' in rows[1]["details"] and '"removed": 1' in rows[1]["details"]
    assert "+8613800138002" not in rows[1]["details"]  # no numbers in an edit's before/after


async def test_dial_now_and_each_calls_outcome_land_once_in_the_export(harness: Harness) -> None:
    parent = await scheduled_parent(harness, f"13800138001 <@{BOB}> into conf 42 in 2 hours")
    await click(harness, parent, ids.DIAL_NOW_ACTION, AMY)
    invite = await harness.wait_done()
    attempts = await harness.services.store.attempts(invite.id or 0)

    async def every_call_recorded() -> bool:
        return sum(r["action"] == "call_ended" for r in await exported(harness)) == len(attempts)

    await wait_for(every_call_recorded, what="each call's outcome in the audit trail")
    rows = await exported(harness)
    actions = [(r["actor"], r["action"]) for r in rows]
    assert actions[:2] == [(AMY, "scheduled"), (AMY, "dialled_now")]
    calls = [r for r in rows if r["action"] == "call_ended"]
    assert sorted(r["subject id"] for r in calls) == sorted(str(a.id) for a in attempts)
    assert all(r["actor"] == "system" and '"provider": "sandbox"' in r["details"] for r in calls)
    assert all("+8613800138001" not in r["details"] for r in calls)  # masked in the export


async def test_an_admin_gets_the_last_30_days_as_a_csv_in_a_dm_from_app_home(harness: Harness) -> None:
    harness.emulator.add_user("U0BOSS", name="boss", is_admin=True, locale="zh-CN")
    parent = await scheduled_parent(harness, "13800138001 into conf 42 in 2 hours")
    await click(harness, parent, ids.CANCEL_INVITE_ACTION, AMY)
    await wait_for(lambda: "· Cancelled:" in harness.parents()[0].text, what="the parent to say cancelled")
    assert ids.AUDIT_EXPORT_ACTION not in await open_home(harness, AMY)  # not an admin: no button
    await open_home(harness, "U0BOSS")
    home = {**harness.emulator.views["home:U0BOSS"], "id": "home:U0BOSS"}
    assert harness.driver is not None
    await harness.driver.click_in_view(home, ids.AUDIT_EXPORT_ACTION, user_id="U0BOSS")
    await wait_for(lambda: bool(harness.emulator.shared_files("D0BOSS")), what="the CSV in the admin's DM")
    [sent] = harness.emulator.shared_files("D0BOSS")
    assert sent.title == "审计记录（最近 30 天）" and sent.content is not None
    rows = list(csv.reader(io.StringIO(sent.content.decode())))
    assert rows[0] == ["at", "team", "actor", "action", "subject", "subject id", "details"]
    assert [(r[2], r[3]) for r in rows[1:]] == [(AMY, "scheduled"), (AMY, "cancelled")]


async def test_a_press_by_someone_slack_says_is_no_admin_queues_nothing(harness: Harness) -> None:
    """The button shows only to admins, but a payload can be forged: the press asks Slack again."""
    audit_dm = harness.services.dialout.audit_dm
    assert not await audit_dm.request(AMY, "T0EMULATED")
    assert await harness.services.outbox.pending_count() == 0
    harness.emulator.add_user("U0BOSS", name="boss", is_admin=True)
    assert await audit_dm.request("U0BOSS", "T0EMULATED")
    await wait_for(lambda: bool(harness.emulator.shared_files("D0BOSS")), what="the CSV in the admin's DM")
    assert harness.emulator.shared_files("D0AMY") == []
