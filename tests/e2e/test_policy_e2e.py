"""The dialing policy of the moment of dialling, through a restart with stricter settings."""

from __future__ import annotations

from bot.dialout.core.outcomes import Actor
from bot.emulator.render import render_blocks
from bot.kernel.states import CallState, FailReason
from tests.e2e.harness import Harness


async def test_invite_scheduled_before_the_country_was_disallowed_is_not_dialled_and_the_thread_says_why(
    harness: Harness,
) -> None:
    await harness.dial("+852 9123 4567, 13800138001 into conf 42 in 2 hours")
    await harness.wait_ephemeral()
    invite = await harness.only_invite()
    await harness.stop_bot()
    harness.overrides.update(allowed_countries="CN", default_locale="zh")
    services = await harness.start_bot()
    await services.invites.dial_now(invite.id or 0, Actor(invite.created_by))  # its time, come early
    done = await harness.wait_done()
    attempts = {a.party.address: a for a in await services.store.attempts(done.id or 0)}
    assert (attempts["+85291234567"].state, attempts["+85291234567"].reason) == (CallState.FAILED, FailReason.POLICY)
    assert harness.sandbox_dials("+85291234567") == 0 and harness.sandbox_dials() == 1
    roster = "\n".join(render_blocks(harness.roster(done).blocks))
    assert "91**4567 — 失败：未拨打：不符合拨号策略" in roster
    assert any("不符合拨号策略" in reply for reply in harness.replies_text(done))
