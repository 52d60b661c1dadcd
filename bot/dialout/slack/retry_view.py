"""How retries show in an invite's thread: the waiting retry's roster line and the summary's count."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialout.core.models import CallAttempt
from bot.dialout.core.retries import retries_used
from bot.kernel.states import CallState
from bot.slack.lines import reason_words
from bot.slack.messages import t


def describe_waiting_retry(attempt: CallAttempt, locale: str) -> str | None:
    """'busy · retry 2/3 at 15:06' for a retry not placed yet (None for any other call).

    The time is a Slack date token, so each reader sees it in their own zone (UTC where it can't be shown).
    """
    mark = attempt.retry
    if mark is None or attempt.state is not CallState.QUEUED or attempt.sent_at is not None:
        return None
    at = f"<!date^{int(mark.at.timestamp())}^{{time}}|{mark.at:%H:%M} UTC>"
    reason = reason_words(mark.reason, locale)
    return t("retry.line", locale, reason=reason, n=mark.number, limit=mark.limit, at=at)


def describe_retries_used(attempts: Sequence[CallAttempt], locale: str) -> str | None:
    """'3 retries used' for the summary, None when no retry went out."""
    used = retries_used(attempts)
    if not used:
        return None
    return t("summary.retry_one", locale) if used == 1 else t("summary.retries", locale, n=used)
