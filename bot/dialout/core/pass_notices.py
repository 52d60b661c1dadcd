"""What one pass of the status applier tells Slack: each invite's changes once, when the pass ends."""

from __future__ import annotations

from bot.dialout.core.ports import Notice, Notifier


class PassNotices:
    """A Notifier for one pass of the applier: each invite's changes are told once, when the pass ends.

    Every event of a 500-party invite used to enqueue its own parent and roster rows (two writes
    each, coalesced into the same rows anyway). A notice goes out at once, after what was held
    for its invite, so the thread's rows keep the order they had when every event told Slack.
    """

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self._changed: dict[int, bool] = {}  # invite → whether the invite itself changed (not only calls)
        self._failed: set[int] = set()

    async def invite_created(self, invite_id: int) -> None:
        await self._notifier.invite_created(invite_id)

    async def invite_changed(self, invite_id: int) -> None:
        self._changed[invite_id] = True

    async def calls_changed(self, invite_id: int) -> None:
        self._changed.setdefault(invite_id, False)

    async def calls_failed(self, invite_id: int) -> None:
        self._failed.add(invite_id)

    async def notice(self, invite_id: int, notice: Notice) -> None:
        await self._flush(invite_id)
        await self._notifier.notice(invite_id, notice)

    async def flush(self) -> None:
        """Tell Slack what the pass changed."""
        for invite_id in sorted(self._changed.keys() | self._failed):
            await self._flush(invite_id)

    async def _flush(self, invite_id: int) -> None:
        whole = self._changed.pop(invite_id, None)
        if whole is True:
            await self._notifier.invite_changed(invite_id)
        elif whole is False:
            await self._notifier.calls_changed(invite_id)
        if invite_id in self._failed:
            self._failed.discard(invite_id)
            await self._notifier.calls_failed(invite_id)
