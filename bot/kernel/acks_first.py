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

In a split `confbot serve` (bot/kernel/worker_process.py) the requests are counted in the front and
the steps are taken in the worker process: the front publishes its count in a small file both map in
memory (`SharedCount`), and the worker's steps look at it. A step under way there no longer delays
an ack (another process, another GIL); new ones still give the front the CPU first.
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import struct
import time
from collections.abc import Iterator
from pathlib import Path

_COUNT = struct.Struct("q")
# How often a worker's step looks at its front's count while requests wait there (seconds).
FOLLOW_EVERY_S = 0.002


class SharedCount:
    """An integer in a file that a split serve's front and its worker both map in memory (requests being
    served in the front; whether the worker leads): read and written without a system call or a lock."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        if create:
            path.write_bytes(bytes(_COUNT.size))
        self.path = path
        with path.open("r+b") as file:
            self._map = mmap.mmap(file.fileno(), _COUNT.size)

    def set(self, count: int) -> None:
        _COUNT.pack_into(self._map, 0, count)

    def get(self) -> int:
        return int(_COUNT.unpack_from(self._map, 0)[0])

    def close(self) -> None:
        self._map.close()


class AcksFirst:
    """Counts requests waiting for their answer; background steps wait until there are none."""

    def __init__(self, max_wait_s: float = 1.0) -> None:
        self._max_wait_s = max_wait_s
        self._waiting = 0
        self._clear = asyncio.Event()
        self._clear.set()
        self._published: SharedCount | None = None  # a split serve's front: its count, for its worker
        self._followed: SharedCount | None = None  # a split serve's worker: its front's count

    def publish(self, count: SharedCount) -> None:
        """Keep `count` equal to the requests being served here (the front of a split serve)."""
        self._published = count

    def follow(self, count: SharedCount) -> None:
        """Make `step` wait on another process's requests (`count`) instead of this one's (its worker)."""
        self._followed = count

    @property
    def waiting(self) -> int:
        """Requests being served right now."""
        return self._waiting

    @contextlib.contextmanager
    def acking(self) -> Iterator[None]:
        """Held while a request is served: background steps do not start meanwhile."""
        self._waiting += 1
        self._clear.clear()
        if self._published is not None:
            self._published.set(self._waiting)
        try:
            yield
        finally:
            self._waiting -= 1
            if self._published is not None:
                self._published.set(self._waiting)
            if not self._waiting:
                self._clear.set()

    async def step(self) -> None:
        """Return when no request is waiting (or after `max_wait_s`): call before each background step."""
        if self._followed is not None:
            await self._follow(self._followed)
            return
        if self._clear.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._max_wait_s):
                await self._clear.wait()

    async def _follow(self, count: SharedCount) -> None:
        """Wait while the front serves requests, looking every FOLLOW_EVERY_S, at most `max_wait_s`."""
        deadline = time.monotonic() + self._max_wait_s
        while count.get() > 0 and time.monotonic() < deadline:
            await asyncio.sleep(FOLLOW_EVERY_S)
