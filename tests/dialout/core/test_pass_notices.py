"""PassNotices: one pass of the applier tells Slack each invite's changes once, in thread order."""

from __future__ import annotations

from bot.dialout.core.pass_notices import PassNotices
from bot.dialout.core.ports import Notice, NoticeKind


class OrderedNotifier:
    """Remembers every call, in order."""

    def __init__(self) -> None:
        self.told: list[tuple[str, int]] = []

    async def invite_created(self, invite_id: int) -> None:
        self.told.append(("created", invite_id))

    async def invite_changed(self, invite_id: int) -> None:
        self.told.append(("invite", invite_id))

    async def calls_changed(self, invite_id: int) -> None:
        self.told.append(("calls", invite_id))

    async def calls_failed(self, invite_id: int) -> None:
        self.told.append(("failed", invite_id))

    async def notice(self, invite_id: int, notice: Notice) -> None:
        self.told.append((notice.kind.value, invite_id))


async def test_many_changes_of_an_invite_are_told_once_when_the_pass_ends() -> None:
    slack = OrderedNotifier()
    notices = PassNotices(slack)
    for _ in range(3):
        await notices.calls_changed(7)
        await notices.calls_failed(7)
    await notices.calls_changed(5)
    await notices.invite_changed(5)  # the parent too: it covers the roster's change
    await notices.calls_changed(5)
    assert slack.told == []
    await notices.flush()
    assert slack.told == [("invite", 5), ("calls", 7), ("failed", 7)]
    await notices.flush()
    assert len(slack.told) == 3  # told once


async def test_a_notice_goes_out_after_what_was_held_for_its_invite_and_before_what_comes_later() -> None:
    slack = OrderedNotifier()
    notices = PassNotices(slack)
    await notices.calls_changed(7)
    await notices.calls_changed(8)
    await notices.notice(7, Notice(NoticeKind.SUMMARY))
    await notices.invite_changed(7)
    await notices.flush()
    assert slack.told == [("calls", 7), ("summary", 7), ("invite", 7), ("calls", 8)]
