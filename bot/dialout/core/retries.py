"""Deciding retries: when a failed call is dialled again under its invite's policy.

The policy itself, its written form and `parse_retry` are in `retry_policy.py` (imported by
`models.py`, so they cannot import the models); they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.dialout.core.models import CallAttempt
from bot.dialout.core.retry_policy import (
    RETRIED_REASONS,
    RETRY_OFF,
    SILENT_CODE,
    RetryMark,
    RetryOutcome,
    RetryPolicy,
    RetryProblem,
    RetryRule,
    RetrySyntaxError,
    parse_retry,
)
from bot.kernel.states import CallState

__all__ = [
    "RETRY_OFF",
    "RetryMark",
    "RetryOutcome",
    "RetryPolicy",
    "RetryProblem",
    "RetryRule",
    "RetrySyntaxError",
    "next_retry",
    "parse_retry",
    "plan_retry",
    "retries_used",
]


def _joined(attempt: CallAttempt) -> bool:
    return attempt.answered_at is not None or attempt.state in {CallState.ANSWERED, CallState.COMPLETED}


def plan_retry(policy: RetryPolicy, attempts_of_party: Sequence[CallAttempt], now: datetime) -> RetryMark | None:
    """The retry to queue after the party's latest call failed, or None.

    None when the latest call did not fail for a retried reason, may have connected (silent past
    its limit), when any call of the party joined or is still open, or when the retries the policy
    allows for that outcome are used up (retries of one failed call count in a chain: a retry
    that fails is retried as the next of the chain). Errors back off: the delay doubles each time.
    """
    if not attempts_of_party or any(_joined(a) for a in attempts_of_party):
        return None
    latest = max(attempts_of_party, key=lambda a: a.position)
    if latest.state is not CallState.FAILED or latest.id is None or latest.provider_code == SILENT_CODE:
        return None
    if any(not a.state.is_final for a in attempts_of_party):
        return None
    rule = policy.rule_for(latest.reason)
    if rule is None or latest.reason is None:
        return None
    number = (latest.retry.number if latest.retry else 0) + 1
    if number > rule.times:
        return None
    delay = rule.delay_s
    if RETRIED_REASONS[latest.reason] is RetryOutcome.ERROR:
        delay *= 2 ** (number - 1)
    return RetryMark(latest.id, now + timedelta(seconds=delay), number, rule.times, latest.reason)


def next_retry(policy: RetryPolicy, attempts_of_party: Sequence[CallAttempt], now: datetime) -> datetime | None:
    """When the party is dialled again under `policy`, or None (see `plan_retry`)."""
    mark = plan_retry(policy, attempts_of_party, now)
    return mark.at if mark else None


def retries_used(attempts: Sequence[CallAttempt]) -> int:
    """How many retry calls went out (queued ones that were withdrawn do not count)."""
    return sum(1 for a in attempts if a.retry is not None and a.sent_at is not None)
