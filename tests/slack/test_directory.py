"""The Directory and UserGroups adapters on a real Slack client against the emulator over loopback HTTP.

What the cores rely on: Slack's "no such user / group" is an answer (None, no members), and every
other failure, Slack's refusal or Slack out of reach, is the ports' LookupFailed, never slack_sdk's
or aiohttp's own errors.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator.server import SlackEmulator
from bot.kernel.ports import LookupFailed
from bot.loopback import LoopbackServer
from bot.slack.directory import SlackDirectory, SlackUserGroups

TOKEN = "xoxb-directory-test"


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackEmulator, AsyncWebClient]]:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", phone=" +8613900000001 ", locale="zh-CN", is_admin=True)
    emulator.add_usergroup("S1", ["U1", "U2"])
    server = LoopbackServer(emulator.app)
    await server.start()
    yield emulator, AsyncWebClient(token=TOKEN, base_url=f"{server.url}/api/")
    await server.stop()


@pytest.fixture
def unreachable() -> Iterator[AsyncWebClient]:
    """A client for a port that is bound but not listening: every connection is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/"
    # No retry handlers: the default one retries a refused connection once, after a backoff, then
    # raises the same error; this test is about what that error becomes.
    yield AsyncWebClient(token=TOKEN, base_url=url, retry_handlers=[])
    sock.close()


async def test_a_profile_is_read_from_users_info_and_an_unknown_user_is_none(slack) -> None:
    _, client = slack
    directory = SlackDirectory(client)
    found = await directory.profile("U1")
    assert found is not None
    assert (found.phone, found.locale, found.is_admin, found.real_name) == ("+8613900000001", "zh-CN", True, "amy")
    assert await directory.profile("U0NOBODY") is None


async def test_the_bot_may_post_in_public_channels_uninvited_but_only_in_private_ones_it_is_in(slack) -> None:
    emulator, client = slack
    emulator.add_channel("C0PUBLIC", is_member=False)
    emulator.add_channel("G0SECRET", is_member=False, is_private=True)
    emulator.add_channel("G0TEAM", is_member=True, is_private=True)
    directory = SlackDirectory(client)
    assert await directory.can_post("C0PUBLIC")  # chat:write.public
    assert not await directory.can_post("G0SECRET")  # Slack hides it: channel_not_found
    assert await directory.can_post("G0TEAM")
    assert not await directory.can_post("C0NOSUCH")


async def test_slack_refusing_a_profile_lookup_is_lookup_failed_naming_its_error(slack) -> None:
    emulator, client = slack
    emulator.fail_next("users.info", status=429, error="ratelimited")
    with pytest.raises(LookupFailed, match=r"users\.info U1: ratelimited"):
        await SlackDirectory(client).profile("U1")


async def test_slack_out_of_reach_is_lookup_failed_for_profiles_channels_and_groups(unreachable) -> None:
    with pytest.raises(LookupFailed, match=r"users\.info U1"):
        await SlackDirectory(unreachable).profile("U1")
    with pytest.raises(LookupFailed, match=r"conversations\.info C1"):
        await SlackDirectory(unreachable).can_post("C1")
    with pytest.raises(LookupFailed, match=r"usergroups\.users\.list S1"):
        await SlackUserGroups(unreachable).members("S1")


async def test_group_members_are_read_once_a_minute_and_an_unknown_group_has_none(slack) -> None:
    emulator, client = slack
    groups = SlackUserGroups(client)
    assert await groups.members("S1") == frozenset({"U1", "U2"})
    assert await groups.members("S1") == frozenset({"U1", "U2"})
    assert emulator.calls["usergroups.users.list"] == 1
    assert await groups.members("S0NOSUCH") == frozenset()


async def test_slack_refusing_a_group_lookup_is_lookup_failed(slack) -> None:
    emulator, client = slack
    emulator.fail_next("usergroups.users.list", status=200, error="missing_scope", retry_after=None)
    with pytest.raises(LookupFailed, match=r"usergroups\.users\.list S1: missing_scope"):
        await SlackUserGroups(client).members("S1")
