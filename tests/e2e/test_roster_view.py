"""A roster too long for one message: View all opens every call in a modal, paged with Newer / Older."""

from __future__ import annotations

from datetime import timedelta

from bot.dialout.core.models import Invite, Target, TargetKind
from bot.emulator.render import render_blocks
from bot.kernel.people import Party, PartyKind
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, CHANNEL, Harness, wait_for


async def test_view_all_opens_the_whole_roster_paged_in_a_modal(harness: Harness) -> None:
    now = harness.services.clock.now()
    parties = [Party(PartyKind.PHONE, f"+86138{i:08d}", name=f"Guest {i:03d} " + "x" * 30) for i in range(300)]
    invite = await harness.services.invites.schedule(
        Invite(
            team_id="T0EMU",
            channel_id=CHANNEL,
            created_by=AMY,
            provider="sandbox",
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=now + timedelta(days=1),
            tz="Asia/Shanghai",
            created_at=now,
        ),
        parties,
    )

    async def roster_posted() -> bool:
        found = await harness.services.store.get_invite(invite.id or 0)
        return found is not None and found.roster_ts is not None

    await wait_for(roster_posted, what="the roster")
    roster = harness.roster(await harness.only_invite())
    shown = "\n".join(render_blocks(roster.blocks))
    assert "Guest 000" in shown and "Guest 299" not in shown and "more not listed" in shown
    assert "<@" not in str(roster.blocks)

    response = await harness.driver.click(roster, ids.ROSTER_VIEW_ALL_ACTION, user_id=BOB)  # anyone in the thread
    assert response.status_code == 200
    await wait_for(lambda: len(harness.emulator.modals()) == 1, what="the roster modal")
    [first] = harness.emulator.modals()
    assert first["title"]["text"] == f"Invite #{invite.id} roster" and len(first["blocks"]) <= 100
    assert "Guest 000" in str(first["blocks"]) and "Page 1 of 5" in str(first["blocks"])

    pages = [str(first["blocks"])]
    for page in range(1, 5):
        current = harness.emulator.views[first["id"]]
        await harness.driver.click_in_view(current, f"{ids.ROSTER_PAGE_ACTION}:{page}", user_id=BOB)
        await wait_for(
            lambda page=page: f"Page {page + 1} of 5" in str(harness.emulator.views[first["id"]]["blocks"]),
            what=f"page {page + 1}",
        )
        pages.append(str(harness.emulator.views[first["id"]]["blocks"]))
    assert all(f"Guest {i:03d}" in "".join(pages) for i in range(300))
    assert not harness.emulator.rejections
