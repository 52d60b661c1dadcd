"""PromptApp answers Slack the moment a listener acks, and the listener's work after its ack goes on.

Several tests freeze the event loop's clock: no timer fires, so an answer that comes at all came
from the ack itself, not from a poll. Bolt's own runner (process_before_response=False) polls
every 10 ms and, with the clock frozen, never answers: the last test shows it, and why PromptApp exists.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.emulator.driver import slack_signature, slash_command_fields
from bot.slack import app as prompt_module
from bot.slack.app import PromptApp

SECRET = "prompt-secret"
TURNS = 500  # loop turns a prompt answer may take; Bolt's poll needs a timer, which never fires here


async def _authorize(**_: object) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UB", bot_id="B1")


def _request(body: str) -> AsyncBoltRequest:
    ts = str(int(time.time()))
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/x-www-form-urlencoded" if not body.startswith("{") else "application/json",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": slack_signature(SECRET, ts, body.encode()),
    }
    return AsyncBoltRequest(body=body, headers=headers)


def _dial(text: str = "13800138001 into conf 42") -> AsyncBoltRequest:
    return _request(urlencode(slash_command_fields(text, "U1", "C1", "/dial", "http://127.0.0.1:9/r")))


def _event() -> AsyncBoltRequest:
    envelope = {
        "token": "t",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"},
    }
    return _request(json.dumps(envelope))


async def _frozen(dispatch: Awaitable[BoltResponse], turns: int = TURNS) -> BoltResponse | None:
    """Run `dispatch` with the loop's clock stopped for `turns` loop turns: its answer, or None."""
    loop = asyncio.get_running_loop()
    now = loop.time()
    real_time = loop.time
    loop.time = lambda: now  # type: ignore[method-assign]
    try:
        task = asyncio.ensure_future(dispatch)
        for _ in range(turns):
            if task.done():
                return task.result()
            await asyncio.sleep(0)
        return None if not task.done() else task.result()
    finally:
        loop.time = real_time  # type: ignore[method-assign]


def _app(**kwargs: Any) -> PromptApp:
    return PromptApp(signing_secret=SECRET, authorize=_authorize, **kwargs)


async def test_slack_gets_the_ack_while_the_listener_is_still_at_work() -> None:
    app = _app()
    release, done = asyncio.Event(), asyncio.Event()

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(f"Got it: {command['text']}")
        await release.wait()  # the work after the ack: storing, posting the thread
        done.set()

    answer = await _frozen(app.async_dispatch(_dial()))
    assert answer is not None, "no answer without a timer: the ack did not answer at once"
    assert answer.status == 200 and "Got it: 13800138001 into conf 42" in answer.body
    assert not done.is_set()
    release.set()
    await asyncio.wait_for(done.wait(), 5)


async def test_a_listener_that_fails_after_its_ack_leaves_slack_its_200_and_reaches_the_error_handler() -> None:
    app = _app()
    reported: list[tuple[str, str]] = []
    fail = asyncio.Event()

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck) -> None:
        await ack("Got it")
        await fail.wait()
        raise RuntimeError("the store went away")

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        reported.append((str(error), body["user_id"]))

    answer = await app.async_dispatch(_dial())
    assert answer.status == 200 and answer.body == "Got it"
    fail.set()
    for _ in range(200):
        if reported:
            break
        await asyncio.sleep(0.01)
    assert reported == [("the store went away", "U1")]


async def test_a_listener_that_raises_in_the_same_step_as_its_ack_still_leaves_slack_its_200() -> None:
    app = _app()
    reported: list[str] = []

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck) -> None:
        await ack("Got it")  # returns without yielding: the listener ends before the wrapper looks
        raise RuntimeError("a bug right after the ack")

    @app.error
    async def on_error(error: Exception) -> None:
        reported.append(str(error))

    answer = await app.async_dispatch(_dial())
    assert answer.status == 200 and answer.body == "Got it"
    for _ in range(200):
        if reported:
            break
        await asyncio.sleep(0.01)
    assert reported == ["a bug right after the ack"]


async def test_a_listener_that_fails_before_its_ack_is_answered_500_and_reported_as_bolt_does() -> None:
    app = _app()
    reported: list[str] = []

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck) -> None:
        raise ValueError("unreadable")

    @app.error
    async def on_error(error: Exception) -> None:
        reported.append(str(error))

    answer = await app.async_dispatch(_dial())
    assert answer.status == 500 and reported == ["unreadable"]


async def test_a_listener_that_never_acks_is_given_up_after_the_timeout_and_still_runs_to_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prompt_module, "ACK_TIMEOUT_S", 0.05)
    app = _app()
    release, done = asyncio.Event(), asyncio.Event()

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck) -> None:
        await release.wait()
        done.set()

    answer = await app.async_dispatch(_dial())
    assert answer.status == 404  # Bolt's answer when no listener acknowledged
    release.set()
    await asyncio.wait_for(done.wait(), 5)


async def test_events_are_answered_at_once_and_their_listener_goes_on() -> None:
    app = _app()
    release, done = asyncio.Event(), asyncio.Event()

    @app.event("app_home_opened")
    async def home(event: dict[str, Any]) -> None:
        await release.wait()  # publishing the home view
        done.set()

    answer = await _frozen(app.async_dispatch(_event()))
    assert answer is not None and answer.status == 200
    assert not done.is_set()
    release.set()
    await asyncio.wait_for(done.wait(), 5)


async def test_finish_lets_listeners_at_work_end_and_cancels_those_that_outlive_the_grace() -> None:
    app = _app()
    quick_release = asyncio.Event()
    ended: list[str] = []

    def listener(name: str, wait: Callable[[], Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
        async def work(ack: AsyncAck) -> None:
            await ack()
            try:
                await wait()
                ended.append(name)
            except asyncio.CancelledError:
                ended.append(f"{name} cancelled")
                raise

        return work

    app.command("/quick")(listener("quick", quick_release.wait))
    app.command("/slow")(listener("slow", asyncio.Event().wait))
    for command in ("/quick", "/slow"):
        fields = slash_command_fields("x", "U1", "C1", command, "http://127.0.0.1:9/r")
        assert (await app.async_dispatch(_request(urlencode(fields)))).status == 200
    asyncio.get_running_loop().call_later(0.05, quick_release.set)
    await app.finish(grace_s=0.5)
    assert sorted(ended) == ["quick", "slow cancelled"]


async def test_bolts_own_runner_answers_only_through_a_timer_which_is_why_prompt_app_exists() -> None:
    app = AsyncApp(signing_secret=SECRET, authorize=_authorize, process_before_response=False)

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck) -> None:
        await ack("Got it")

    pending = asyncio.ensure_future(app.async_dispatch(_dial()))
    assert await _frozen(asyncio.shield(pending)) is None  # acked, but Bolt waits for its 10 ms poll
    assert (await asyncio.wait_for(pending, 5)).status == 200
