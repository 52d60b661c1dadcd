"""The audit trail as a CSV file: what `confbot audit` prints (and what an admin could be sent)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from bot.dialout.core.audit import AuditEvent, masked_values

CSV_COLUMNS = ("at", "team", "actor", "action", "subject", "subject id", "details")


def audit_rows(events: Sequence[AuditEvent], *, full_numbers: bool = False) -> list[list[str]]:
    """One row per event, oldest first; phone numbers masked unless `full_numbers`."""
    rows = []
    for event in events:
        details = dict(event.details) if full_numbers else masked_values(dict(event.details))
        rows.append(
            [
                event.at.isoformat(),
                event.team_id,
                event.actor,
                event.action.value,
                event.subject_kind.value,
                event.subject_id,
                json.dumps(details, ensure_ascii=False, sort_keys=True) if details else "",
            ]
        )
    return rows


def build_audit_csv(events: Sequence[AuditEvent], *, full_numbers: bool = False) -> str:
    """The events as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(audit_rows(events, full_numbers=full_numbers))
    return out.getvalue()
