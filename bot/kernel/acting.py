"""The workspace the code running now acts for: whose bot token its Slack calls use.

With many workspaces installed (OAuth mode) every Slack call must go out with the token of the
workspace it is about. The Bolt middleware, the command inbox and the outbox worker know that
workspace where the work starts (the request's team, the row's team) and enter `acting_for`;
the shared Slack client (bot/slack/clients.py) reads `acting_team()` at each call, so the code in
between, the directory look-ups, App Home publishing, uploads, DMs, need no team argument. It is
a `ContextVar`: tasks started inside inherit it, and concurrent requests never see each other's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_acting: ContextVar[str | None] = ContextVar("confbot_acting_team", default=None)


def acting_team() -> str | None:
    """The team id the current work acts for, None outside any (single-token mode needs none)."""
    return _acting.get()


@contextlib.contextmanager
def acting_for(team_id: str | None) -> Iterator[None]:
    """Act for `team_id` inside the block (None or "" leaves the current one unchanged)."""
    if not team_id:
        yield
        return
    token = _acting.set(team_id)
    try:
        yield
    finally:
        _acting.reset(token)


def enter(team_id: str | None) -> None:
    """Act for `team_id` (None: for no workspace) from here to the end of the current task.

    Bolt's middleware: the listener runs in the same task, or one started from it. Set even to None,
    so a task that serves requests one after another never carries one's workspace into the next.
    """
    _acting.set(team_id or None)
