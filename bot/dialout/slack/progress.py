"""What the thread parent adds while a bulk invite is sent at its pace: the time left, or who paused it.

"120/300 dialled · 87 of 300 joined · about 4 min left": the time left is the calls not sent yet at
the provider's pace (core/pacing.py), read from the rows at each render, so it needs no state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from bot.dialout.core.models import CallAttempt, Invite
from bot.dialout.core.pacing import estimate_s
from bot.kernel.states import CallState
from bot.slack.lines import no_markup
from bot.slack.messages import t


def is_unsent(attempt: CallAttempt) -> bool:
    """Queued and never handed to the provider: what pacing (or a pause) still holds back."""
    return attempt.state is CallState.QUEUED and attempt.sent_at is None and attempt.provider_call_id is None


def describe_eta(waiting: int, pace_per_min: float, locale: str) -> str | None:
    """'about 4 min left' for `waiting` calls at the pace; None when none wait or nothing paces them."""
    seconds = estimate_s(waiting, pace_per_min)
    if seconds is None:
        return None
    if seconds < 60:
        return t("parent.eta_soon", locale)
    return t("parent.eta_minutes", locale, n=math.ceil(seconds / 60))


def describe_pacing(
    invite: Invite, parties: Sequence[CallAttempt], locale: str, pace_per_min: float, names: Mapping[str, str]
) -> list[str]:
    """The notes after the progress: who paused it and how many wait, or the time left at the pace."""
    waiting = sum(1 for a in parties if is_unsent(a))
    if invite.paused_at is not None:
        by = invite.paused_by or ""
        return [t("parent.paused", locale, user=no_markup(names.get(by, by)), n=waiting)]
    eta = describe_eta(waiting, pace_per_min, locale)
    return [eta] if eta else []
