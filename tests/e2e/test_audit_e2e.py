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
