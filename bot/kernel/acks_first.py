"""Acks first: while Slack waits for an answer, background work starts no new step.

Slack's requests and the work they cause (carrying out stored commands, posting from the outbox,
applying call events) share one event loop. Under a burst the loop is busy with that work, and each
request waits its turn in it: the ack's tail grew to several times a bare Bolt app's
(bench/ack_load.py). A request holds `acking()` from the moment it is read until it is answered;
background work awaits `step()` before each new step (a command, a write), which lets it go at
once when nobody waits, else when the last waiting request is answered, or after `max_wait_s`.

The bound is what keeps the work alive under sustained overload: it then goes at about one step
per `max_wait_s` per worker, its backlog fills, and new commands are answered "busy, try again"
in the ack (never dropped). Steps already under way are not interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class AcksFirst:
    """Counts requests waiting for their answer; background steps wait until there are none."""

    def __init__(self, max_wait_s: float = 1.0) -> None:
        self._max_wait_s = max_wait_s
        self._waiting = 0
        self._clear = asyncio.Event()
        self._clear.set()

    @property
    def waiting(self) -> int:
        """Requests being served right now."""
        return self._waiting

    @contextlib.contextmanager
    def acking(self) -> Iterator[None]:
        """Held while a request is served: background steps do not start meanwhile."""
        self._waiting += 1
        self._clear.clear()
        try:
            yield
        finally:
            self._waiting -= 1
            if not self._waiting:
                self._clear.set()

    async def step(self) -> None:
        """Return when no request is waiting (or after `max_wait_s`): call before each background step."""
        if self._clear.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._max_wait_s):
                await self._clear.wait()
