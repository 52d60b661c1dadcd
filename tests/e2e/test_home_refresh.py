"""App Home follows my invites: opened once, it is published again when an invite of mine changes."""

from __future__ import annotations

import json

from tests.e2e.harness import AMY, Harness, wait_for


def home_of(harness: Harness, user: str) -> str:
    return json.dumps(harness.emulator.views.get(f"home:{user}", {}), ensure_ascii=False)


async def test_my_home_shows_an_invite_i_made_after_opening_it_and_what_became_of_it(harness: Harness) -> None:
    assert harness.driver is not None
    await harness.driver.event({"type": "app_home_opened", "user": AMY, "channel": "D0AMY", "tab": "home"})
    await wait_for(lambda: f"home:{AMY}" in harness.emulator.views, what="the home tab to be published")
    assert "#1" not in home_of(harness, AMY)
    await harness.dial("13800138001 into conf 42 in 2 hours")
    await wait_for(lambda: "#1" in home_of(harness, AMY), what="my home to list the new invite")
    await harness.dial("cancel 1")
    await wait_for(lambda: "Cancelled" in home_of(harness, AMY), what="my home to show it was cancelled")
