"""After a run: the summary's details (who joined and for how long, attempts used) and, for invites
over CSV_ABOVE_PARTIES parties, the same data as a CSV shared in the thread (files.uploadV2).

The CSV goes out through the outbox as its own row, queued right after the summary in the thread's
order, so it is uploaded after the summary, retried until Slack has it, and never lost to a restart.
Numbers in it are masked as the roster's are (MASK_NUMBERS): the whole channel can open it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.models import CallAttempt
from bot.dialout.core.run_report import CSV_ABOVE_PARTIES, PartyRun, build_csv, run_rows
from bot.dialout.slack.thread import View
from bot.dialout.store import SqlInviteStore
from bot.kernel.outbox import OutboxItem, OutboxKind
from bot.kernel.phone import display
from bot.kernel.posting import NotReady
from bot.slack.lines import describe_person
from bot.slack.messages import t
from bot.slack.outbox_worker import SlackOutboxWorker

log = logging.getLogger(__name__)

DETAIL_ITEMS = 10  # people named in each detail line; the rest are counted (the CSV has everyone)


class ReportRow(OutboxKind):
    """The outbox row of a run's CSV report (queued with every summary; sent for large invites only)."""

    REPORT = "run_report"


def _joined_item(row: PartyRun, view: View) -> str:
    who = describe_person(row.party, view.mask_numbers, view.locale)
    duration = row.duration_s
    if duration is None:
        return who
    return t("run.joined_item", view.locale, who=who, minutes=max(1, round(duration / 60)))


def build_run_details(attempts: Sequence[CallAttempt], view: View, *, with_csv: bool = False) -> list[str]:
    """The summary's lines after its head: who joined and for how long, calls used when more than one
    per party, and that a CSV follows (`with_csv`)."""
    rows = run_rows(attempts)
    lines: list[str] = []
    joined = [r for r in rows if r.joined]
    if joined:
        items = [_joined_item(r, view) for r in joined[:DETAIL_ITEMS]]
        if len(joined) > DETAIL_ITEMS:
            items.append(t("summary.more", view.locale, n=len(joined) - DETAIL_ITEMS))
        lines.append(t("run.joined", view.locale, items=", ".join(items)))
    calls = sum(r.attempts for r in rows)
    if calls > len(rows):
        key = "run.attempts.one" if len(rows) == 1 else "run.attempts"
        lines.append(t(key, view.locale, calls=calls, parties=len(rows)))
    if with_csv:
        lines.append(t("run.csv_follows", view.locale))
    return lines


def wants_csv(attempts: Sequence[CallAttempt]) -> bool:
    """Whether a run is large enough to get its report as a CSV attachment."""
    return len(run_rows(attempts)) > CSV_ABOVE_PARTIES


class ReportSender:
    """Uploads a large run's CSV into its thread; small runs' rows are settled with nothing sent."""

    def __init__(
        self,
        worker: SlackOutboxWorker,
        store: SqlInviteStore,
        client: AsyncWebClient,
        mask_numbers: bool,
        locale: str,
    ) -> None:
        self._worker = worker
        self._store = store
        self._client = client
        self._mask = mask_numbers
        self._locale = locale

    def register(self) -> None:
        """Hand this sender the report rows of the outbox worker."""
        self._worker.add_handler(ReportRow.REPORT, self._send)

    async def _send(self, item: OutboxItem) -> None:
        invite = await self._store.get_invite(item.invite_id) if item.invite_id is not None else None
        if invite is None or invite.id is None:
            return
        attempts = await self._store.attempts(invite.id)
        if not wants_csv(attempts):
            return
        if invite.thread_ts is None:
            raise NotReady
        content = build_csv(run_rows(attempts), lambda number: display(number, self._mask))
        await self._client.files_upload_v2(
            channel=invite.channel_id,
            thread_ts=invite.thread_ts,
            filename=f"invite-{invite.id}.csv",
            content=content,
            title=t("run.csv_title", self._locale, id=invite.id),
        )
