"""Many workspaces by OAuth, through the emulator: install, each workspace's own token, the boundary, uninstall.

Two workspaces install confbot as a browser would (`/slack/install` → Slack's authorize page →
`/slack/oauth_redirect` with the code and state, the state cookie sent back); the emulator only
accepts each workspace's token for that workspace's channels and users, so a post that arrives
proves it went out with the right token.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from bot.dialout.core.models import InviteStatus
from bot.emulator.driver import SlackDriver
from bot.emulator.server import TEAM_ID
from bot.kernel.acting import acting_for
from bot.kernel.outbox import outbox
from bot.kernel.tables import SLACK_BOTS
from bot.slack import ids
from tests.e2e.harness import AMY, BOB, CHANNEL, Harness, wait_for

CLIENT_ID = "111.222"
CLIENT_SECRET = "oauth-test-secret"
OTHER_TEAM = "T0TWO"
OTHER_CHANNEL = "C0TWO"
ZED = "U0ZED"  # an admin of the other workspace


@pytest.fixture
async def two(test_db) -> AsyncIterator[Harness]:
    """A confbot in OAuth mode (no bot token of its own) and an emulator with two workspaces."""
    async with Harness(
        test_db,
        slack_bot_token=SecretStr(""),
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
    ) as running:
        emulator = running.emulator
        emulator.add_channel(OTHER_CHANNEL, team_id=OTHER_TEAM)
        emulator.add_user(ZED, name="zed", is_admin=True, phone="+8613900000031", team_id=OTHER_TEAM)
        emulator.oauth.configure(CLIENT_ID, CLIENT_SECRET, redirect_url=f"{bot_url(running)}/slack/oauth_redirect")
        yield running


def bot_url(harness: Harness) -> str:
    return harness.bots[-1][1].url


def other_driver(harness: Harness) -> SlackDriver:
    return SlackDriver(bot_url(harness), harness.signing_secret, harness.emulator_server.url, team_id=OTHER_TEAM)


async def install(harness: Harness, team: str) -> None:
    """What an admin's browser does: open the install page, approve on Slack, land on the redirect."""
    harness.emulator.oauth.signed_in_team = team
    async with httpx.AsyncClient(trust_env=False) as browser:
        page = await browser.get(f"{bot_url(harness)}/slack/install")
        assert page.status_code == 200, page.text
        found = re.search(r'<a href="([^"]+)"', page.text)
        assert found is not None, page.text
        # Bolt's state cookie is `Secure`: a browser sends it back to localhost, httpx's jar would not.
        cookie = page.headers["set-cookie"].split(";")[0]
        approved = await browser.get(html.unescape(found.group(1)))
        assert approved.status_code == 302, approved.text
        landed = await browser.get(approved.headers["location"], headers={"cookie": cookie})
        assert landed.status_code == 200, landed.text
        assert f"confbot is installed in {team}" in landed.text


async def test_an_installer_who_did_not_come_from_the_install_page_is_told_why_in_their_language(two: Harness) -> None:
    two.emulator.oauth.signed_in_team = OTHER_TEAM
    async with httpx.AsyncClient(trust_env=False, headers={"accept-language": "zh-CN,zh;q=0.9"}) as browser:
        page = await browser.get(f"{bot_url(two)}/slack/install")
        found = re.search(r'<a href="([^"]+)"', page.text)
        assert found is not None
        approved = await browser.get(html.unescape(found.group(1)))
        landed = await browser.get(approved.headers["location"])  # no state cookie: not the browser that started
    assert landed.status_code == 400
    assert "安装没有完成" in landed.text and "/slack/install" in landed.text
    async with two.services.engine.connect() as conn:
        assert (await conn.execute(select(SLACK_BOTS))).first() is None  # nothing installed


def tokens_of(harness: Harness, team: str) -> list[str]:
    """The tokens Slack issued to the team by OAuth (not the single-token mode's one the emulator also knows)."""
    return [t for t, issued in harness.emulator.tokens.items() if issued.team_id == team and t != harness.token]


async def test_two_workspaces_install_by_oauth_and_each_gets_its_posts_through_its_own_token(two: Harness) -> None:
    await install(two, TEAM_ID)
    await install(two, OTHER_TEAM)
    async with two.services.engine.connect() as conn:
        bots = {row.team_id: row.bot_token for row in await conn.execute(select(SLACK_BOTS))}
    assert set(bots) == {TEAM_ID, OTHER_TEAM}
    assert bots[TEAM_ID] != bots[OTHER_TEAM] and bots[OTHER_TEAM] in tokens_of(two, OTHER_TEAM)
    assert two.token not in bots.values()  # not the single-token mode's token

    await two.dial("13800138001 into conf 42 in 3 hours")
    zed = other_driver(two)
    try:
        await zed.slash("13800138002 into conf 77 in 3 hours", user_id=ZED, channel_id=OTHER_CHANNEL)
        await wait_for(lambda: bool(two.emulator.channel_messages(CHANNEL)), what="workspace one's thread")
        await wait_for(lambda: bool(two.emulator.channel_messages(OTHER_CHANNEL)), what="workspace two's thread")
    finally:
        await zed.aclose()
    # The emulator refuses another workspace's channel to a token: each post went with its own team's token.
    assert two.emulator.asked_by_team[OTHER_TEAM]["chat.postMessage"] >= 1
    assert two.emulator.asked_by_team[TEAM_ID]["chat.postMessage"] >= 1
    invites = {i.team_id: i for i in await two.services.store.invites_with_status(InviteStatus.SCHEDULED)}
    assert set(invites) == {TEAM_ID, OTHER_TEAM}
    async with two.services.engine.connect() as conn:
        teams = {row.team_id for row in await conn.execute(select(outbox.c.team_id))}
    assert teams == {TEAM_ID, OTHER_TEAM}  # every row says whose token delivers it


def answers_to(harness: Harness, user: str) -> list[str]:
    """What `user` was told privately: ephemerals, and answers through response URLs (where the bot cannot post)."""
    return harness.ephemerals(user) + [str(r.get("text", "")) for r in harness.emulator.responses]


async def test_another_workspace_finds_no_invite_or_series_of_ours_on_any_surface(two: Harness) -> None:
    await install(two, TEAM_ID)
    await install(two, OTHER_TEAM)
    await two.dial("13800138001 into conf 42 in 3 hours")
    await wait_for(lambda: bool(two.emulator.channel_messages(CHANNEL)), what="the invite's thread")
    await two.dial("13800138001 into conf 43 every monday 9am")
    await wait_for(lambda: len(two.ephemerals(AMY)) >= 2, what="the series' answer")
    invite = await two.only_invite()
    parent = two.emulator.channel_messages(CHANNEL)[0]
    zed = other_driver(two)
    try:
        # Typed in the other workspace by an admin there (privileged in their own workspace only).
        for command, refusal in [
            (f"cancel {invite.id}", f"There is no invite #{invite.id}"),
            ("skip 1", "There is no series #1"),
            ("pause 1", "There is no series #1"),
            ("end 1", "There is no series #1"),
        ]:
            told = len(answers_to(two, ZED))
            await zed.slash(command, user_id=ZED, channel_id=OTHER_CHANNEL)
            await wait_for(lambda told=told: len(answers_to(two, ZED)) > told, what=f"the answer to {command!r}")
            assert refusal in answers_to(two, ZED)[-1], command
        # The invite's own buttons, pressed with the other workspace's payload (a forged or leaked message).
        for action in (ids.CANCEL_INVITE_ACTION, ids.DIAL_NOW_ACTION, ids.EDIT_ACTION, ids.ADD_PEOPLE_ACTION):
            told = len(answers_to(two, ZED))
            response = await zed.click(parent, action, user_id=ZED)
            assert response.status_code == 200
            await wait_for(lambda told=told: len(answers_to(two, ZED)) > told, what=f"the answer to {action}")
            assert f"There is no invite #{invite.id}" in answers_to(two, ZED)[-1], action
        # A /dial sent from the other workspace as if typed in our channel: its token cannot reach that
        # channel, so nothing is scheduled there (the asker is told why).
        told = len(answers_to(two, ZED))
        await zed.slash("13800138009 into conf 9 in 3 hours", user_id=ZED, channel_id=CHANNEL)
        await wait_for(lambda: len(answers_to(two, ZED)) > told, what="the answer to a dial into our channel")
        # Their App Home lists none of ours.
        await zed.event({"type": "app_home_opened", "user": ZED, "tab": "home", "channel": "D0ZED"})
        await wait_for(lambda: "home:U0ZED" in two.emulator.views, what="the other workspace's App Home")
        assert f"#{invite.id}" not in str(two.emulator.views["home:U0ZED"])
        # Their list shows none of ours.
        await zed.slash("list", user_id=ZED, channel_id=OTHER_CHANNEL)
        await wait_for(
            lambda: any(
                "Nothing scheduled by you" in e.text or e.blocks for e in two.emulator.ephemerals_for(ZED) if e.blocks
            ),
            what="the other workspace's list",
        )
    finally:
        await zed.aclose()
    listed = [e for e in two.emulator.ephemerals_for(ZED) if e.blocks][-1]
    assert f"#{invite.id}" not in str(listed.blocks)
    assert two.emulator.modals() == []  # no Edit or Add people form opened on our invite
    assert (await two.services.store.get_invite(invite.id)).status is InviteStatus.SCHEDULED  # type: ignore[union-attr]
    scheduled = await two.services.store.invites_with_status(InviteStatus.SCHEDULED)
    assert [i.id for i in scheduled] == [invite.id], [(i.team_id, i.channel_id, i.thread_ts) for i in scheduled]
    await two.dial(f"cancel {invite.id}")  # its own workspace still may
    await wait_for(lambda: any("is cancelled" in text for text in two.ephemerals(AMY)), what="the owner's cancel")


async def test_each_workspaces_calls_are_moved_only_by_their_own_provider_events(two: Harness) -> None:
    """Both workspaces dial at once through the same provider account: every event lands on its own call."""
    await install(two, TEAM_ID)
    await install(two, OTHER_TEAM)
    await two.dial("13800138001 into conf 45 now")
    zed = other_driver(two)
    try:
        await zed.slash("13800138021 into conf 46 now", user_id=ZED, channel_id=OTHER_CHANNEL)
        store = two.services.store

        async def both_done() -> bool:
            return len(await store.invites_with_status(InviteStatus.DONE)) == 2

        await wait_for(both_done, timeout=20, what="both workspaces' invites to finish")
    finally:
        await zed.aclose()
    seen: dict[str, tuple[str, str]] = {}
    for invite in await store.invites_with_status(InviteStatus.DONE):
        assert invite.id is not None
        (attempt,) = await store.attempts(invite.id)
        assert attempt.state.is_final and attempt.provider_call_id
        seen[invite.team_id] = (attempt.party.address, attempt.provider_call_id)
    assert seen[TEAM_ID][0] == "+8613800138001" and seen[OTHER_TEAM][0] == "+8613800138021"
    assert seen[TEAM_ID][1] != seen[OTHER_TEAM][1]
    # Each thread was told by its own workspace's token (the channels are invisible to the other's).
    assert two.emulator.channel_messages(CHANNEL) and two.emulator.channel_messages(OTHER_CHANNEL)


async def test_a_token_near_its_expiry_is_refreshed_before_a_call(test_db) -> None:
    async with Harness(
        test_db,
        slack_bot_token=SecretStr(""),
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        slack_token_rotation_minutes=120,
    ) as rotating:
        emulator = rotating.emulator
        emulator.oauth.configure(
            CLIENT_ID, CLIENT_SECRET, redirect_url=f"{bot_url(rotating)}/slack/oauth_redirect", rotation=True
        )
        await install(rotating, TEAM_ID)
        (first,) = tokens_of(rotating, TEAM_ID)
        assert first.startswith("xoxe.xoxb-")
        # An hour goes by on both sides: the stored token now expires within the rotation margin and,
        # at Slack, it has expired already, so only a refreshed token gets the next call through.
        soon = datetime.now(UTC) + timedelta(minutes=1)
        async with rotating.services.engine.begin() as conn:
            await conn.execute(update(SLACK_BOTS).values(bot_token_expires_at=soon.replace(tzinfo=None)))
        emulator.oauth.expire_soon(TEAM_ID, 0)
        with acting_for(TEAM_ID):
            answer = await rotating.services.slack_client.auth_test()
        assert answer["team_id"] == TEAM_ID
        assert emulator.asked["oauth.v2.access"][-1]["grant_type"] == "refresh_token"
        (second,) = [t for t in tokens_of(rotating, TEAM_ID) if t != first]
        async with rotating.services.engine.connect() as conn:
            stored = (await conn.execute(select(SLACK_BOTS.c.bot_token))).scalars().all()
        assert second in stored


async def test_uninstalling_removes_the_tokens_and_stops_the_workspaces_schedules(two: Harness) -> None:
    await install(two, TEAM_ID)
    await install(two, OTHER_TEAM)
    await two.dial("13800138001 into conf 42 in 3 hours")
    zed = other_driver(two)
    try:
        await zed.slash("13800138002 into conf 77 in 3 hours", user_id=ZED, channel_id=OTHER_CHANNEL)
        await wait_for(lambda: bool(two.emulator.channel_messages(OTHER_CHANNEL)), what="workspace two's thread")
        await wait_for(lambda: bool(two.emulator.channel_messages(CHANNEL)), what="workspace one's thread")
        two.emulator.oauth.revoke_team(OTHER_TEAM)  # Slack revokes the tokens, then tells the app
        response = await zed.event({"type": "app_uninstalled"})
        assert response.status_code == 200
    finally:
        await zed.aclose()
    store = two.services.store

    async def nothing_pending() -> bool:
        """Nothing left to retry for ever against a workspace we cannot reach."""
        async with two.services.engine.connect() as conn:
            query = select(outbox.c.id).where(outbox.c.team_id == OTHER_TEAM, outbox.c.status == "pending")
            return not (await conn.execute(query)).all()

    async def stopped() -> bool:
        cancelled = [i.team_id for i in await store.invites_with_status(InviteStatus.CANCELLED)]
        return cancelled == [OTHER_TEAM] and await nothing_pending()

    await wait_for(stopped, what="the uninstalled workspace's invite to be cancelled and its rows given up")
    assert [i.team_id for i in await store.invites_with_status(InviteStatus.SCHEDULED)] == [TEAM_ID]
    async with two.services.engine.connect() as conn:
        bots = {row.team_id for row in await conn.execute(select(SLACK_BOTS))}
    assert bots == {TEAM_ID}
    posts_before = two.emulator.asked_by_team[OTHER_TEAM]["chat.postMessage"]
    await two.dial("13800138001 into conf 43 in 2 hours", user=BOB)  # the other workspace still works
    await wait_for(lambda: len(two.emulator.channel_messages(CHANNEL)) >= 2, what="workspace one's next thread")
    assert two.emulator.asked_by_team[OTHER_TEAM]["chat.postMessage"] == posts_before


async def test_a_revoked_bot_token_uninstalls_but_revoked_user_tokens_do_not(two: Harness, caplog) -> None:
    await install(two, OTHER_TEAM)
    caplog.set_level(logging.INFO, logger="bot.slack.installs")

    async def installed_teams() -> set[str]:
        async with two.services.engine.connect() as conn:
            return {row.team_id for row in await conn.execute(select(SLACK_BOTS))}

    zed = other_driver(two)
    try:
        user_only = {"type": "tokens_revoked", "tokens": {"oauth": [ZED]}}
        assert (await zed.event(user_only)).status_code == 200
        await wait_for(lambda: "revoked user tokens only" in caplog.text, what="the user-only revocation handled")
        assert await installed_teams() == {OTHER_TEAM}
        bot_too = {"type": "tokens_revoked", "tokens": {"oauth": [ZED], "bot": ["U0BOT"]}}
        assert (await zed.event(bot_too)).status_code == 200
    finally:
        await zed.aclose()

    async def gone() -> bool:
        return not await installed_teams()

    await wait_for(gone, what="the revoked workspace's tokens to be deleted")
