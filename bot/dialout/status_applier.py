"""Applies the provider events webhooks stored, in the background, oldest first.

A webhook is answered once its events are stored (`StatusService.receive`); applying them
(moving call states, enqueueing Slack updates) is several writes more, and under a burst of
webhooks doing it before answering kept providers waiting past their own timeouts. So one loop
per process applies what was received, in arrival order, so each call's events keep theirs.
Its first step after a start applies whatever a stopped or crashed process stored and had not
applied yet; the loop also looks every second, for events another replica stored and did not
get to. Two replicas applying the same event change a call once, as states only move forward.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.dialout.core.status import StatusService
from bot.kernel.acks_first import AcksFirst
from bot.kernel.background import BackgroundLoop


class StatusApplier:
    """The background loop of `StatusService.apply_received`, woken by each webhook that stored something."""

    def __init__(
        self, status: StatusService, *, batch: int = 200, every_s: float = 1.0, acks_first: AcksFirst | None = None
    ) -> None:
        """`acks_first`: each pass waits while Slack requests wait for their answer (bot/kernel/acks_first.py)."""
        self._status = status
        self._acks_first = acks_first or AcksFirst()
        self._batch = batch
        self._wake = asyncio.Event()
        self._elsewhere: Callable[[], None] | None = None
        self._loop = BackgroundLoop(
            "status-applier",
            self._step,
            every_s=every_s,
            wake=self._wake,
            grace_s=5.0,
            failure="applying received call events failed; they stay stored and are tried again",
        )

    def wake(self) -> None:
        """Events were stored: apply them now rather than at the next look (or have them applied elsewhere)."""
        if self._elsewhere is not None:
            self._elsewhere()
            return
        self._wake.set()

    def apply_elsewhere(self, tell: Callable[[], None]) -> None:
        """A split serve's front: `wake` tells the worker process, which applies what was stored."""
        self._elsewhere = tell

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        """Stop after the batch under way (up to 5 s); what is left stays stored for the next start."""
        await self._loop.stop()

    async def _step(self) -> float | None:
        await self._acks_first.step()
        taken = await self._status.apply_received(self._batch)
        return 0.0 if taken == self._batch else None
