"""Reading `/dial` text, forms and previews happens off the event loop, one at a time."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.dialout.core import requests as requests_module
from bot.dialout.core.answers import ErrorReply
from bot.dialout.core.command import ParseContext, ParseError, ParseProblem
from bot.dialout.core.invites import InviteService
from bot.dialout.core.requests import DialRequests, RequestRules
from bot.dialout.core.status import StatusService
from bot.kernel.feature import Asker
from bot.kernel.people import UserProfile
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier, RecordingScheduler, ScriptedProvider


class Directory:
    async def profile(self, user_id: str) -> UserProfile | None:
        return UserProfile(user_id, tz="Asia/Shanghai", locale="en-US")

    async def can_post(self, channel_id: str) -> bool:
        return True


class NoGroups:
    async def members(self, group_id: str) -> frozenset[str]:
        return frozenset()


def dial_requests(clock: FakeClock) -> DialRequests:
    provider = ScriptedProvider()
    store, notifier = InMemoryInviteStore(), RecordingNotifier()
    status = StatusService(store, notifier, clock, {provider.name: provider.info})
    invites = InviteService(
        store, RecordingScheduler(), notifier, {provider.name: provider}, status, clock, lambda name: name
    )
    return DialRequests(
        invites,
        Directory(),
        lambda: {provider.name: provider.info},
        clock,
        RequestRules(),
        lambda loc, d: "en",
        NoGroups(),
    )


async def test_commands_are_read_off_the_event_loop_and_never_two_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.current_thread()
    readers: list[threading.Thread] = []
    inside, most_inside = 0, 0
    release = threading.Event()

    def slow_parse(text: str, ctx: ParseContext) -> object:
        nonlocal inside, most_inside
        inside += 1
        most_inside = max(most_inside, inside)
        readers.append(threading.current_thread())
        release.wait(5)
        inside -= 1
        raise ParseError(ParseProblem.NO_TARGET, {})

    monkeypatch.setattr(requests_module, "parse_command", slow_parse)
    requests = dial_requests(FakeClock())
    asker = Asker("U1", "T1", "C1")
    both = asyncio.gather(requests.handle_text("a", asker), requests.handle_text("b", asker))
    await asyncio.sleep(0)  # the loop is free while a command is read: this line runs at all
    release.set()
    replies = await both
    assert all(isinstance(r, ErrorReply) for r in replies)
    assert readers and loop_thread not in readers
    assert most_inside == 1
