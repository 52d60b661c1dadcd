"""The Bolt app: listeners registered explicitly, one error handler for everything."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.slack import actions, commands
from bot.slack.messages import locale_of, t

if TYPE_CHECKING:
    from bot.wiring import Services

log = logging.getLogger(__name__)


def build_app(services: Services) -> AsyncApp:
    """An AsyncApp on the services' Slack client, with every listener registered."""
    settings = services.settings
    app = AsyncApp(
        client=services.slack_client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=False,
    )
    commands.register(app, services, [services.inbound.subcommand] if services.inbound else [])
    actions.register(app, services)
    if services.inbound is not None:
        services.inbound.register(app)

    @app.error
    async def handle_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        ref = uuid.uuid4().hex[:8]
        log.exception("unhandled error in a Slack listener (ref %s)", ref, exc_info=error)
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        if user and channel:
            locale = locale_of(None, settings.default_locale)
            try:
                await client.chat_postEphemeral(channel=channel, user=user, text=t("internal_error", locale, ref=ref))
            except Exception:
                log.warning("could not tell %s about error %s", user, ref)

    return app
