"""The one background loop: a step run again and again, started and stopped with the app.

The outbox worker, the route cache's version poll and the profile refresh are all this loop,
so each survives its errors the same way (the traceback is logged and the next step comes after
`every_s`: a database hiccup delays the work, it never ends it) and stops the same way (nothing
outlives the app).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class BackgroundLoop:
    """Runs `step` in one named task until stopped, waiting between steps.

    `step` returns how long to wait before the next one, or None for `every_s`; setting `wake`
    ends a wait early (it is cleared as each step begins, so a wake-up during a step is not lost).
    The first step runs after `first_after_s`. `stop()` cancels a wait at once and gives a running
    step `grace_s` to finish (the loop then ends) before cancelling it; `stopping` tells a long step
    to finish early.
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[float | None]],
        *,
        every_s: float,
        first_after_s: float = 0.0,
        wake: asyncio.Event | None = None,
        grace_s: float = 0.0,
        failure: str | None = None,
    ) -> None:
        self._name = name
        self._step = step
        self._every_s = every_s
        self._first_after_s = first_after_s
        self._wake = wake
        self._grace_s = grace_s
        self._failure = failure or f"{name} failed; trying again in {every_s:g} s"
        self._task: asyncio.Task[None] | None = None
        self._stepping = False
        self.stopping = False

    def start(self) -> None:
        """Start the loop in the running event loop."""
        self.stopping = False
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        """End the loop and wait until it has ended."""
        task, self._task = self._task, None
        if task is None:
            return
        self.stopping = True
        if self._stepping and self._grace_s > 0:
            await asyncio.wait({task}, timeout=self._grace_s)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        wait = self._first_after_s
        while True:
            if wait > 0:
                await self._pause(wait)
            else:
                await asyncio.sleep(0)  # let the rest of the app run between back-to-back steps
            self._stepping = True
            try:
                if self._wake is not None:
                    self._wake.clear()
                after = await self._step()
            except Exception:  # a background loop must survive its step's errors
                log.exception(self._failure)
                after = None
            finally:
                self._stepping = False
            if self.stopping:
                return
            wait = self._every_s if after is None else after

    async def _pause(self, seconds: float) -> None:
        if self._wake is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
