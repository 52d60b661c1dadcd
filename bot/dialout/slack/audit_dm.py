"""App Home's "Send me the audit trail": an admin gets the last 30 days of their workspace as a CSV in a DM.

The press only queues an outbox row (so the file is sent once, retried until Slack has it, and not
lost to a restart); the row's handler opens the DM and uploads the file with files.uploadV2.
Admins are decided again from Slack on the press: the button shows only to admins, but a payload
can be forged. Numbers are masked as everywhere in Slack (MASK_NUMBERS).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.audit_store import SqlAuditLog
from bot.dialout.core.audit_export import build_audit_csv
from bot.kernel.outbox import OutboxItem, OutboxKind, SqlOutbox
from bot.kernel.ports import Clock, Directory, LookupFailed
from bot.slack import ids
from bot.slack.messages import t
from bot.slack.outbox_worker import SlackOutboxWorker

log = logging.getLogger(__name__)

EXPORT_DAYS = 30


class AuditRow(OutboxKind):
    """The outbox row of an admin's audit export DM."""

    EXPORT = "audit_export"


class AuditDm:
    """Queues an admin's export on the press, and sends it as a CSV file in their DM."""

    def __init__(
        self,
        outbox: SqlOutbox,
        worker: SlackOutboxWorker,
        client: AsyncWebClient,
        wake: asyncio.Event,
        log_store: SqlAuditLog,
        directory: Directory,
        clock: Clock,
        mask_numbers: bool,
    ) -> None:
        self._outbox = outbox
        self._worker = worker
        self._client = client
        self._wake = wake
        self._log = log_store
        self._directory = directory
        self._clock = clock
        self._mask = mask_numbers

    def register(self, app: AsyncApp) -> None:
        """The App Home button's listener, and the outbox handler that sends the file."""
        self._worker.add_handler(AuditRow.EXPORT, self._send)

        @app.action(ids.AUDIT_EXPORT_ACTION)
        async def handle_audit_export(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            await self.request(body["user"]["id"], str(body["user"].get("team_id") or body["team"]["id"]))

    async def request(self, user_id: str, team_id: str) -> bool:
        """Queue the export for `user_id` if Slack says they are an admin; False (nothing queued) if not."""
        try:
            profile = await self._directory.profile(user_id)
        except LookupFailed as exc:
            log.warning("audit export for %s refused: no profile (%s)", user_id, exc)
            return False
        if profile is None or not profile.is_admin:
            log.warning("audit export refused: %s is not a workspace admin", user_id)
            return False
        now = self._clock.now()
        payload = {
            "user": user_id,
            "team": team_id,
            "since": (now - timedelta(days=EXPORT_DAYS)).isoformat(),
            "until": now.isoformat(),
            "locale": profile.locale,
        }
        await self._outbox.enqueue(
            AuditRow.EXPORT, now, thread_key=f"audit:{user_id}", payload=payload, team_id=team_id
        )
        self._wake.set()
        return True

    async def _send(self, item: OutboxItem) -> None:
        p = item.payload
        since, until = datetime.fromisoformat(p["since"]), datetime.fromisoformat(p["until"])
        events = await self._log.between(since, until, p["team"])
        opened = await self._client.conversations_open(users=p["user"])
        channel = str((opened.get("channel") or {}).get("id", ""))
        locale = "zh" if str(p.get("locale", "")).startswith("zh") else "en"
        await self._client.files_upload_v2(
            channel=channel,
            filename=f"audit-{since.date().isoformat()}-{until.date().isoformat()}.csv",
            content=build_audit_csv(events, full_numbers=not self._mask),
            title=t("audit.csv_title", locale, days=EXPORT_DAYS),
            initial_comment=t("audit.csv_comment", locale, n=len(events), days=EXPORT_DAYS),
        )
