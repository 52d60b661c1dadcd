"""OAuth installation into many workspaces: Bolt's OAuth flow on slack-sdk's SQLAlchemy stores.

Switched on by SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Settings.oauth_mode). The installation and
state stores keep their rows in our database (tables created by migration 0017, declared in
bot/kernel/tables.py) through the one async engine. `GET /slack/install` starts an install and
`GET /slack/oauth_redirect` finishes it (Bolt's AsyncOAuthFlow: state checked against its cookie and
the state store, `oauth.v2.access` at SLACK_API_URL, the installation saved). Bolt's authorize finds
each request's token in the store (rotating it when due, through a client at SLACK_API_URL); what
confbot sends on its own gets its token from `InstalledClients` (bot/slack/clients.py).

Uninstalling (`app_uninstalled`, `tokens_revoked` for the bot) deletes the workspace's tokens and
tells the features (`on_uninstall`), which stop its schedules; its history stays until purged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.slack.clients import InstalledClients
from bot.slack.counted_client import CountedWebClient
from bot.slack.install_pages import CALLBACKS

log = logging.getLogger(__name__)

# What the manifest asks for (manifest.yml oauth_config.scopes.bot), asked again at install.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "usergroups:read",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "files:write",
    "im:write",
    "channels:history",
    "groups:history",
)
STATE_EXPIRATION_S = 600

Uninstalled = Callable[[str], Awaitable[object]]


@dataclass
class OAuthInstalls:
    """The OAuth side of a many-workspace confbot: its stores, Bolt's settings and authorize, the clients."""

    store: AsyncSQLAlchemyInstallationStore
    oauth_settings: AsyncOAuthSettings
    authorize: AsyncInstallationStoreAuthorize
    clients: InstalledClients
    on_uninstall: list[Uninstalled] = field(default_factory=list)

    def routes(self, bolt: AsyncApp) -> Sequence[BaseRoute]:
        """`GET /slack/install` and `GET /slack/oauth_redirect`, served by Bolt's OAuth flow."""
        handler = AsyncSlackRequestHandler(bolt)

        async def oauth(request: Request) -> Response:
            return await handler.handle(request)

        return [
            Route(self.oauth_settings.install_path, oauth, methods=["GET"]),
            Route(self.oauth_settings.redirect_uri_path, oauth, methods=["GET"]),
        ]

    def register(self, bolt: AsyncApp) -> None:
        """Listen for the workspace removing confbot (the manifest subscribes to both events)."""

        async def uninstalled(body: dict[str, Any]) -> None:
            await self.forget(str(body.get("team_id") or ""), body.get("enterprise_id"))

        async def revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
            if (event.get("tokens") or {}).get("bot"):
                await self.forget(str(body.get("team_id") or ""), body.get("enterprise_id"))
            else:
                log.info("workspace %s revoked user tokens only: its bot token still works", body.get("team_id"))

        bolt.event("app_uninstalled")(uninstalled)
        bolt.event("tokens_revoked")(revoked)

    async def forget(self, team_id: str, enterprise_id: object = None) -> None:
        """Delete the workspace's tokens and stop what confbot would do there on its own."""
        if not team_id:
            return
        enterprise = enterprise_id if isinstance(enterprise_id, str) else None
        await self.store.async_delete_all(enterprise_id=enterprise, team_id=team_id)
        self.clients.forget(team_id)
        log.warning("workspace %s removed confbot: its tokens are deleted and its schedules stopped", team_id)
        for stop in self.on_uninstall:
            await stop(team_id)


def build_oauth(settings: Settings, engine: AsyncEngine, calls: Counter) -> OAuthInstalls:
    """The stores on our engine, Bolt's settings and authorize, and the per-workspace clients."""
    client_id = settings.slack_client_id
    secret = settings.slack_client_secret.get_secret_value()
    store = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    minutes = settings.slack_token_rotation_minutes
    # Bolt's own authorize rotates with a client that has no base URL of ours: this one's is SLACK_API_URL.
    authorize = AsyncInstallationStoreAuthorize(
        logger=log,
        client_id=client_id,
        client_secret=secret,
        installation_store=store,
        token_rotation_expiration_minutes=minutes,
        client=CountedWebClient(calls, base_url=settings.slack_api_url),
    )
    oauth_settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri or None,
        authorization_url=settings.slack_authorize_url,
        installation_store=store,
        token_rotation_expiration_minutes=minutes,
        state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_S, engine=engine),
        state_expiration_seconds=STATE_EXPIRATION_S,
        callback_options=CALLBACKS,  # the pages after Slack, in the installer's language
    )
    clients = InstalledClients(
        store,
        client_id=client_id,
        client_secret=secret,
        base_url=settings.slack_api_url,
        calls=calls,
        rotate_minutes_before=minutes,
    )
    return OAuthInstalls(store, oauth_settings, authorize, clients)
