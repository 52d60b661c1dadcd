"""The Bolt app: one error handler for every listener; the features register their listeners on it."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.messages import locale_of, t

log = logging.getLogger(__name__)


def build_app(client: AsyncWebClient, signing_secret: str, default_locale: str) -> AsyncApp:
    """An AsyncApp on the shared Slack client, with no listeners yet and the one error handler."""
    app = AsyncApp(client=client, signing_secret=signing_secret, process_before_response=False)

    @app.error
    async def handle_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        ref = uuid.uuid4().hex[:8]
        log.exception("unhandled error in a Slack listener (ref %s)", ref, exc_info=error)
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        if user and channel:
            locale = locale_of(None, default_locale)
            try:
                await client.chat_postEphemeral(channel=channel, user=user, text=t("internal_error", locale, ref=ref))
            except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                log.warning("could not tell %s about error %s: %r", user, ref, exc)

    return app
