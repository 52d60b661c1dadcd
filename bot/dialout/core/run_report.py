"""What became of each party of a run, as data and as CSV: the summary reply, its CSV attachment for
large invites and `confbot report <id> --csv` read the same rows.

One row per party (a redialled party once, its joined call if any), with how long it was in the
conference (answered → ended) and how many calls it took. Numbers are masked or not by the caller:
the attachment is seen by the whole channel (masked as the roster is, MASK_NUMBERS), the CLI is
run by an operator with the database (full numbers).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.dialout.core.models import CallAttempt, party_outcomes
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason

CSV_ABOVE_PARTIES = 20  # a run with more parties than this gets its report as a CSV attachment too

CSV_COLUMNS = (
    "position",
    "name",
    "slack user",
    "number",
    "state",
    "reason",
    "answered at",
    "ended at",
    "duration s",
    "attempts",
)


@dataclass(frozen=True)
class PartyRun:
    """One party's outcome in a run."""

    position: int  # 1-based, in the order the invite named them
    party: Party
    state: CallState
    reason: FailReason | None
    answered_at: datetime | None
    ended_at: datetime | None
    attempts: int  # calls placed or queued for this party (a redial or a retry adds one)

    @property
    def joined(self) -> bool:
        return self.answered_at is not None or self.state in {CallState.ANSWERED, CallState.COMPLETED}

    @property
    def duration_s(self) -> int | None:
        """Seconds in the conference, when both ends are known."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.answered_at).total_seconds()))


def _key(party: Party) -> tuple[str, str]:
    return party.kind.value, party.address


def run_rows(attempts: Sequence[CallAttempt]) -> list[PartyRun]:
    """One row per party, in party order, with its number of calls."""
    tries = Counter(_key(a.party) for a in attempts)
    return [
        PartyRun(
            position=index + 1,
            party=a.party,
            state=a.state,
            reason=a.reason,
            answered_at=a.answered_at,
            ended_at=a.ended_at,
            attempts=tries[_key(a.party)],
        )
        for index, a in enumerate(party_outcomes(attempts))
    ]


def _stamp(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else ""


def build_csv(rows: Sequence[PartyRun], show_number: Callable[[str], str] = lambda n: n) -> str:
    """The report as CSV (header first); `show_number` masks numbers where the reader may not see them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        phone = row.party.kind is PartyKind.PHONE
        duration = row.duration_s
        writer.writerow(
            [
                row.position,
                row.party.name or "",
                row.party.slack_user_id or "",
                show_number(row.party.address) if phone else row.party.address,
                row.state.value,
                row.reason.value if row.reason and not row.joined else "",
                _stamp(row.answered_at),
                _stamp(row.ended_at),
                "" if duration is None else duration,
                row.attempts,
            ]
        )
    return out.getvalue()
