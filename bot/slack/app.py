"""The Bolt app: one error handler for every listener; the features register their listeners on it."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
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


ACK_TIMEOUT_S = 3.0  # Slack shows the user an error when a request is not answered within 3 s

# The request being served, for the listener wrapper (set by `_keep_ack`; its context holds the KeptAck).
_serving: ContextVar[AsyncBoltRequest | None] = ContextVar("confbot_serving", default=None)


class KeptAck(AsyncAck):
    """An ack that tells when it is given, and whose answer, once given, stays given.

    `when_given` lets the listener wrapper answer Slack the moment the listener acks. The answer is
    kept because Bolt's runner resets `ack.response` to None when a listener raises after acking
    (slack_bolt/listener/asyncio_runner.py); Slack must still get the 200 it was promised.
    """

    def __init__(self) -> None:
        self._kept: BoltResponse | None = None
        self._told: list[Callable[[], None]] = []
        super().__init__()

    def when_given(self, tell: Callable[[], None]) -> None:
        self._told.append(tell)

    @property
    def response(self) -> BoltResponse | None:
        return self._kept

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None:
            self._kept = value
            for tell in self._told:
                tell()


async def _keep_ack(req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]) -> None:
    ack = KeptAck()
    req.context["ack"] = ack
    _serving.set(req)
    # What the listener sends on its own (directory, App Home, DMs) goes with its workspace's token.
    enter(req.context.team_id)
    await next()


class PromptApp(AsyncApp):
    """A Bolt app that answers Slack the moment a listener acks, and lets the listener go on after.

    Bolt offers two modes, and neither fits. `process_before_response=False` runs the listener as a
    task and *polls* for the ack every 10 ms, so every ack waits up to 10 ms more and, under load,
    behind every other ready task; `process_before_response=True` answers only when the listener
    returns, after all its work. Here Bolt runs in the second mode, and each listener is wrapped: the
    listener runs as a task and the wrapper returns the ack's answer as soon as it is given (a
    callback, not a poll), or when the listener ends, or after Slack's 3 s. What the listener does after
    its ack goes on in the background; an error there reaches the app's error handler, as Bolt does
    for errors after an ack, and the user is told. Events (auto-acknowledged) are answered at once.
    `finish` lets that background work end before shutdown. Each request's listener acts for the
    request's workspace (`bot.kernel.acting`): what it sends goes with that workspace's token.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._keep: set[asyncio.Future[Any]] = set()
        super().__init__(process_before_response=True, **kwargs)
        self.middleware(_keep_ack)

    def _register_listener(  # same parameters as Bolt; the first function is wrapped
        self,
        functions: Sequence[Callable[..., Awaitable[BoltResponse | None]]],
        primary_matcher: Any,
        matchers: Sequence[Callable[..., Awaitable[bool]]] | None,
        middleware: Sequence[Any] | None,
        auto_acknowledgement: bool = False,
        ack_timeout: int = 3,
    ) -> Callable[..., Awaitable[BoltResponse | None]] | None:
        functions = list(functions)
        original = functions[0] if functions else None
        if original is not None:
            functions[0] = self._prompt(original, answers_at_once=auto_acknowledgement)
        registered = super()._register_listener(
            functions, primary_matcher, matchers, middleware, auto_acknowledgement, ack_timeout
        )
        return original if registered is not None else None  # a decorated name keeps the function it named

    def _prompt(
        self, listener: Callable[..., Awaitable[BoltResponse | None]], *, answers_at_once: bool
    ) -> Callable[..., Awaitable[BoltResponse | None]]:
        @functools.wraps(listener)  # Bolt passes the arguments the listener names (inspect.unwrap)
        async def prompt(**kwargs: Any) -> BoltResponse | None:
            request = _serving.get()
            ack = request.context.get("ack") if request is not None else None
            if request is None or not isinstance(ack, KeptAck):  # not through `_keep_ack`: run as written
                return await listener(**kwargs)
            work = asyncio.ensure_future(listener(**kwargs))
            if not answers_at_once:
                await _first_of(ack, work)
                if work.done() and ack.response is None:
                    returned = work.result()  # an error before any ack: Bolt answers 500 and reports it
                    return returned if isinstance(returned, BoltResponse) else None
            self._hold(work, request)
            return ack.response

        return prompt

    def _hold(self, work: asyncio.Future[Any], request: AsyncBoltRequest) -> None:
        """Keep the listener's task until it ends (the loop holds tasks weakly); report its error."""
        self._keep.add(work)

        def ended(done: asyncio.Future[Any]) -> None:
            self._keep.discard(done)
            if not done.cancelled() and done.exception() is not None:
                self._hold(asyncio.ensure_future(self._report(done.exception(), request)), request)

        work.add_done_callback(ended)

    async def _report(self, error: BaseException | None, request: AsyncBoltRequest) -> None:
        if isinstance(error, Exception):  # response None: the request was answered already
            await self._async_listener_runner.listener_error_handler.handle(
                error=error,
                request=request,
                response=None,  # Bolt passes None here too, after an ack
            )

    async def finish(self, grace_s: float = 10.0) -> None:
        """Let the listeners still working after their ack end; cancel what outlives `grace_s`."""
        while self._keep:
            _, late = await asyncio.wait(set(self._keep), timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
                break


async def _first_of(ack: KeptAck, work: asyncio.Future[Any]) -> None:
    """Until the listener acks, or ends, or Slack's 3 s are over (a future and a timer: no poll, no task)."""
    loop = asyncio.get_running_loop()
    answered = loop.create_future()

    def settle(*_: object) -> None:
        if not answered.done():
            answered.set_result(None)

    ack.when_given(settle)
    work.add_done_callback(settle)
    timer = loop.call_later(ACK_TIMEOUT_S, settle)
    try:
        await answered
    finally:
        timer.cancel()
        work.remove_done_callback(settle)


def build_app(
    client: AsyncWebClient,
    signing_secret: str,
    default_locale: str,
    directory: Directory | None = None,
    *,
    oauth: tuple[AsyncOAuthSettings, AsyncAuthorize] | None = None,
) -> PromptApp:
    """A PromptApp on the shared Slack client, with no listeners yet and the one error handler.

    `directory` gives the user's language for the error message (the default locale without it).
    `oauth`: OAuth mode's settings and authorize (each request's token from the installation store).
    """
    settings, authorize = oauth if oauth else (None, None)
    app = PromptApp(
        client=client,
        signing_secret=signing_secret,
        # Every request over HTTP reaches Bolt through SlackEvents, which checks the signature before
        # anything reads the body (it must: Bolt parses first); Socket Mode is never signed. Checking
        # again here would only repeat the same HMAC on every ack.
        request_verification_enabled=False,
        oauth_settings=settings,
        authorize=authorize,  # an AsyncAuthorize is called like the function it types
    )

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
