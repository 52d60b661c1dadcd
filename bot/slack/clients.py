"""Each workspace's Slack client: `SlackClients.for_team(team_id)`, and the shared client that asks it.

Single-token mode (SLACK_BOT_TOKEN) serves one workspace: every team gets the one client. OAuth
mode (SLACK_CLIENT_ID/SECRET) serves every workspace that installed confbot: the bot token is the
one slack-sdk's installation store holds for the team, refreshed first when it is a rotating token
close to its expiry (the stored refresh token), so a call never goes out with an expired token.

Code that sends on its own (the outbox worker, directory look-ups, App Home, reminders, uploads)
holds one `TeamClient`: an AsyncWebClient that sends each call with the token of the workspace the
running work acts for (bot/kernel/acting.py), so the many places that call Slack need no team argument.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any, Protocol

from prometheus_client import Counter
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import and_, desc

from bot.kernel.acting import acting_team
from bot.slack.counted_client import CountedWebClient

log = logging.getLogger(__name__)


class NotInstalled(Exception):
    """No bot token for this workspace: it never installed confbot, or uninstalled it."""

    def __init__(self, team_id: str | None) -> None:
        super().__init__(f"confbot is not installed in workspace {team_id or '(none named)'}")
        self.team_id = team_id


class SlackClients(Protocol):
    """Where a workspace's Slack client comes from."""

    async def for_team(self, team_id: str | None) -> AsyncWebClient:
        """The client carrying `team_id`'s bot token; raises NotInstalled when there is none."""
        ...

    def forget(self, team_id: str) -> None:
        """Drop what is remembered of `team_id`'s token (it was uninstalled or revoked)."""
        ...


class SingleTokenClients:
    """Single-token mode: one workspace, one client, whatever team is asked for."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def for_team(self, team_id: str | None) -> AsyncWebClient:
        return self._client

    def forget(self, team_id: str) -> None:
        return None


class InstalledClients:
    """OAuth mode: each team's client from the installation store, its token rotated when due."""

    def __init__(
        self,
        store: AsyncSQLAlchemyInstallationStore,
        *,
        client_id: str,
        client_secret: str,
        base_url: str,
        calls: Counter,
        rotate_minutes_before: int,
    ) -> None:
        self._store = store
        self._base_url = base_url
        self._calls = calls
        self._minutes = rotate_minutes_before
        # oauth.v2.access with the refresh token: a client without a bot token, at SLACK_API_URL.
        self._rotator = AsyncTokenRotator(
            client_id=client_id,
            client_secret=client_secret,
            client=CountedWebClient(calls, base_url=base_url),
        )
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._clients: dict[str, AsyncWebClient] = {}  # token → its client (one aiohttp session each)

    async def for_team(self, team_id: str | None) -> AsyncWebClient:
        if not team_id:
            raise NotInstalled(team_id)
        async with self._locks[team_id]:  # one rotation at a time per team: a refresh token is used once
            bot = await self._bot(team_id)
            if bot.bot_refresh_token is not None:
                refreshed = await self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self._minutes
                )
                if refreshed is not None:
                    await self._store.async_save_bot(refreshed)
                    log.info("rotated the bot token of workspace %s", team_id)
                    bot = refreshed
        token = bot.bot_token
        if not token:
            raise NotInstalled(team_id)
        client = self._clients.get(token)
        if client is None:
            if len(self._clients) > 1000:  # rotated-away tokens: start again rather than grow
                self._clients.clear()
            client = self._clients[token] = CountedWebClient(self._calls, token=token, base_url=self._base_url)
        return client

    def forget(self, team_id: str) -> None:
        self._locks.pop(team_id, None)

    async def _bot(self, team_id: str) -> Bot:
        """The team's newest bot row, read each time: another replica (or Bolt's authorize) may have rotated it.

        By team alone (the store's `find_bot` also matches the enterprise id): a workspace of an
        Enterprise Grid org is installed with its enterprise's id, which a row queued for it does not carry.
        """
        bots = self._store.bots
        ours = and_(bots.c.client_id == self._store.client_id, bots.c.team_id == team_id)
        query = bots.select().where(ours, bots.c.bot_token.is_not(None)).order_by(desc(bots.c.installed_at)).limit(1)
        async with self._store.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        if row is None:
            raise NotInstalled(team_id)
        return SQLAlchemyInstallationStore.build_bot_entity(row)


_OWN_AUTH = frozenset({"oauth.v2.access", "oauth.v2.exchange", "apps.connections.open"})


class TeamClient(CountedWebClient):
    """The shared client: each call with the token of the workspace the running work acts for.

    A call that names its own token (Bolt's auth.test) or authenticates otherwise (oauth.v2.access
    with the app's credentials) is sent as given; so is every call outside any workspace's work.
    """

    def __init__(self, calls: Counter, clients: SlackClients, **kwargs: Any) -> None:
        super().__init__(calls, **kwargs)
        self._clients = clients

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        team = acting_team()
        if team is None or api_method in _OWN_AUTH or _names_token(kwargs):
            return await super().api_call(api_method, **kwargs)
        client = await self._clients.for_team(team)
        if client is self:
            return await super().api_call(api_method, **kwargs)
        return await client.api_call(api_method, **kwargs)


def _names_token(kwargs: dict[str, Any]) -> bool:
    return any(isinstance(kwargs.get(part), dict) and "token" in kwargs[part] for part in ("params", "json", "data"))
