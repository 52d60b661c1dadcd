"""After a run, through the emulator: the summary says who joined and for how long and what the calls
were; a run of more than 20 parties also gets its report as a CSV file in the thread (files.uploadV2),
uploaded once; a small one gets none."""

from __future__ import annotations

import csv
import io

from bot.dialout.core.models import Invite
from bot.dialout.core.run_report import CSV_COLUMNS
from tests.e2e.harness import CHANNEL, LI, Harness, wait_for


def summary_of(harness: Harness, invite: Invite) -> str:
    return next(r for r in harness.replies_text(invite) if "joined" in r or "已加入" in r)


async def posted_summary(harness: Harness, invite: Invite) -> str:
    """The summary once it is in the thread: the invite is done a moment before its summary is queued."""

    def posted() -> bool:  # its "Joined:" line is the summary's own (the roster counts "joined" too)
        return any("Joined:" in r or "已加入：" in r for r in harness.replies_text(invite))

    await wait_for(posted, what="the summary in the thread")
    return summary_of(harness, invite)


async def test_the_summary_says_who_joined_for_how_long_and_a_small_run_gets_no_csv(harness: Harness) -> None:
    await harness.dial("13800138001, 13800138002, 13800138000 into conf 42 now")
    invite = await harness.wait_done()
    summary = await posted_summary(harness, invite)
    lines = summary.splitlines()
    assert lines[0].endswith("2 of 3 joined · 138****8000 busy")
    assert lines[1] == "Joined: 138****8001 1 min, 138****8002 1 min"
    assert "CSV" not in summary
    assert harness.emulator.shared_files(CHANNEL) == []


async def test_a_run_of_25_parties_gets_its_report_as_a_masked_csv_in_the_thread(test_db) -> None:
    numbers = [f"138001{i:04d}1" for i in range(24)] + ["13800138000"]  # 24 answer, one is busy
    async with Harness(test_db, speed=80.0) as harness:
        await harness.dial(", ".join(numbers) + " into conf 42 now")
        invite = await harness.wait_done(timeout=30)
        await wait_for(lambda: len(harness.emulator.shared_files(CHANNEL)) == 1, what="the CSV in the thread")
        shared = harness.emulator.shared_files(CHANNEL)[0]
        assert (shared.thread_ts, shared.filename) == (invite.thread_ts, "invite-1.csv")
        assert shared.title == "Invite #1: who joined"
        assert shared.content is not None
        rows = list(csv.reader(io.StringIO(shared.content.decode())))
        assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 26
        by_number = {row[3]: row for row in rows[1:]}
        assert by_number["138****8000"][4:6] == ["failed", "busy"]
        joined = by_number["138****0001"]
        assert joined[4] == "completed" and int(joined[8]) >= 0 and joined[9] == "1"
        summary = summary_of(harness, invite)
        assert "24 of 25 joined" in summary and "and 14 more" in summary
        assert summary.endswith("The full report follows as a CSV file.")
        await harness.restart_bot()
        assert len(harness.emulator.shared_files(CHANNEL)) == 1


async def test_the_summary_details_are_in_chinese_in_a_chinese_workspace(test_db) -> None:
    async with Harness(test_db, default_locale="zh") as harness:
        await harness.dial("13800138001 呼入 会议 42 现在", user=LI)
        invite = await harness.wait_done()
        assert "已加入：138****8001 1 分钟" in await posted_summary(harness, invite)
