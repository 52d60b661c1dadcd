"""App Home follows my invites: opened once, it is published again when an invite of mine changes."""

from __future__ import annotations

import json

from tests.e2e.harness import AMY, BOB, LI, NOPHONE, Harness, wait_for


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


async def open_home(harness: Harness, user: str) -> str:
    """Open `user`'s home tab and wait for it to be published anew."""
    assert harness.driver is not None
    harness.emulator.views.pop(f"home:{user}", None)
    await harness.driver.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    await wait_for(lambda: f"home:{user}" in harness.emulator.views, what="the home tab to be published")
    return home_of(harness, user)


async def test_my_home_lists_the_upcoming_invites_of_the_channels_i_am_in_paging_through_them(
    harness: Harness,
) -> None:
    emulator = harness.emulator
    for channel in ("C0ONE", "C0TWO", "C0THREE"):
        emulator.add_channel(channel, members=(AMY, BOB))
    emulator.add_channel("C0BOBS", members=(BOB,))
    emulator.add_channel("C0SECRET", is_private=True, is_member=False, members=(AMY, BOB))  # the bot is not in it
    emulator.max_page = 2  # Slack pages users.conversations: three channels take two calls
    await harness.dial("13800138001 into conf 41 in 3 hours", user=BOB, channel="C0THREE")
    await harness.wait_ephemeral(BOB)
    await harness.dial("13800138001 into conf 42 in 2 hours", user=BOB, channel="C0BOBS")
    await harness.wait_ephemeral(BOB, 2)

    def asked_for_amy() -> list[str]:
        return [str(p.get("cursor") or "") for p in emulator.asked["users.conversations"] if p.get("user") == AMY]

    home = await open_home(harness, AMY)
    assert "#1" in home and "conference 41" in home  # Bob's, in a channel Amy is in
    assert "#2" not in home  # Bob's, in a channel Amy is not in
    assert asked_for_amy() == ["", "next:2"]  # the first page, then the next by its cursor
    await open_home(harness, AMY)  # published again within the minute: the channels are not asked again
    assert len(asked_for_amy()) == 2
    assert "could not be listed" not in home


async def test_when_slack_will_not_list_my_channels_my_home_shows_my_own_invites_and_says_so(
    harness: Harness,
) -> None:
    harness.emulator.add_channel("C0ONE", members=(AMY, BOB, LI))
    # Refused until the scope is granted, the homes published as the invites are made included.
    harness.emulator.fail_next("users.conversations", status=200, error="missing_scope", retry_after=None, times=99)
    await harness.dial("13800138001 into conf 41 in 3 hours", user=BOB, channel="C0ONE")
    await harness.wait_ephemeral(BOB)
    await harness.dial("13800138001 into conf 42 in 2 hours")
    await harness.wait_ephemeral(AMY)
    home = await open_home(harness, AMY)
    assert "#2" in home and "#1" not in home
    assert "The dial-outs of your channels could not be listed just now" in home
    chinese = await open_home(harness, LI)
    assert "暂时无法列出你所在频道的外呼" in chinese
    harness.emulator.failures["users.conversations"].clear()  # the scope is granted
    await open_home(harness, AMY)  # (a home refused just before may be published first)
    # A failure is not remembered: the next publish asks again.
    await wait_for(lambda: "#1" in home_of(harness, AMY), what="Amy's home to list her channel's invite")
    harness.emulator.fail_next("users.conversations")  # Slack's rate limit: 429 with Retry-After
    assert "could not be listed just now" in await open_home(harness, NOPHONE)  # (Bob's channels are cached)
