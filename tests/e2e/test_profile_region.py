"""Through the emulator: a New Yorker's profile number written without +1, mentioned in a CN
workspace, is dialled as a US number, and the confirmation says which region was assumed."""

from __future__ import annotations

from tests.e2e.harness import AMY, LI, Harness

NEW_YORKER = "U0NY"


async def test_a_us_number_without_plus_one_is_read_in_the_users_zone_and_the_reply_says_so(harness: Harness) -> None:
    harness.emulator.add_user(NEW_YORKER, name="ny", tz="America/New_York", phone="212 555 0123")
    await harness.dial(f"<@{NEW_YORKER}> into conf 42 now")
    reply = await harness.wait_ephemeral(AMY)
    assert reply.endswith(
        f"<@{NEW_YORKER}>'s profile number has no country code: read as a number in the US (their Slack time zone)."
    )
    await harness.wait_done()
    assert harness.sandbox_dials("+12125550123") == 1
    assert harness.sandbox_dials("+862125550123") == 0


async def test_the_assumed_region_is_said_in_chinese_and_not_at_all_when_it_is_the_workspaces(
    harness: Harness,
) -> None:
    harness.emulator.add_user(NEW_YORKER, name="ny", tz="America/New_York", phone="212 555 0123")
    await harness.dial(f"<@{NEW_YORKER}> 呼入 会议 42 2小时后", user=LI)
    assert (await harness.wait_ephemeral(LI)).endswith(
        f"<@{NEW_YORKER}> 的资料号码没有国家代码：已按其 Slack 时区当作美国号码。"
    )
    await harness.dial("<@U0LI> into conf 43 in 2 hours")  # Shanghai, +86 in the profile: nothing to say
    assert "country code" not in await harness.wait_ephemeral(AMY)
