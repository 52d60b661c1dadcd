"""The Bolt app: one error handler for every listener; the features register their listeners on it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.acting import enter
from bot.kernel.ports import Directory, LookupFailed
from bot.slack.messages import locale_of, t

log = logging.getLogger(__name__)


class KeptAck(AsyncAck):
    """An ack whose answer, once given, stays given.

    Bolt's asyncio runner (process_before_response=False) runs the listener as a task and polls
    `ack.response` every 10 ms; when the listener raises after `ack()`, the runner sets
    `ack.response = None` (slack_bolt/listener/asyncio_runner.py). If that happens before the poll
    saw the ack, Bolt waits out its 3 s and answers 404 ("didn't call ack()"), and Slack shows the
    user an error for a command we did acknowledge. Ignoring that reset keeps Slack's 200.
    """

    def __init__(self) -> None:
        self._kept: BoltResponse | None = None
        super().__init__()

    @property
    def response(self) -> BoltResponse | None:
        return self._kept

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._kept is None:
            self._kept = value


def build_app(
    client: AsyncWebClient,
    signing_secret: str,
    default_locale: str,
    directory: Directory | None = None,
    *,
    oauth: tuple[AsyncOAuthSettings, AsyncAuthorize] | None = None,
) -> AsyncApp:
    """An AsyncApp on the shared Slack client, with no listeners yet and the one error handler.

    `directory` gives the user's language for the error message (the default locale without it).
    `oauth`: OAuth mode's settings and authorize (each request's token from the installation store).
    """
    settings, authorize = oauth if oauth else (None, None)
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        oauth_settings=settings,
        authorize=authorize,  # type: ignore[arg-type]  # an AsyncAuthorize is called like the function it types
    )

    @app.middleware
    async def keep_ack(req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]) -> None:
        req.context["ack"] = KeptAck()
        # What the listener sends on its own (directory, App Home, DMs) goes with its workspace's token.
        enter(req.context.team_id)
        await next()

    @app.error
    async def handle_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        ref = uuid.uuid4().hex[:8]
        log.exception("unhandled error in a Slack listener (ref %s)", ref, exc_info=error)
        user, channel = _asker_of(body)
        if user and channel:
            locale = await _locale(directory, user, default_locale)
            try:
                # A failed slash command scheduled nothing; a failed click or submission may have done part of it.
                key = "internal_error" if isinstance(body, dict) and "command" in body else "internal_error.request"
                await client.chat_postEphemeral(channel=channel, user=user, text=t(key, locale, ref=ref))
            except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                log.warning("could not tell %s about error %s: %r", user, ref, exc)

    return app


def _asker_of(body: object) -> tuple[str | None, str | None]:
    """Who sent the request and where (a slash command's fields, or an interaction's objects)."""
    if not isinstance(body, dict):
        return None, None
    user = body.get("user_id") or _id_in(body.get("user"))
    channel = body.get("channel_id") or _id_in(body.get("channel"))
    return (user if isinstance(user, str) else None), (channel if isinstance(channel, str) else None)


def _id_in(value: object) -> object:
    return value.get("id") if isinstance(value, dict) else None


async def _locale(directory: Directory | None, user: str, default_locale: str) -> str:
    """The user's language from their profile; the default when Slack cannot say."""
    if directory is None:
        return default_locale
    try:
        profile = await directory.profile(user)
    except LookupFailed:
        return default_locale
    return locale_of(profile.locale if profile else None, default_locale)
