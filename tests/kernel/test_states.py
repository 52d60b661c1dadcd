"""The forward-only call state rule."""

from __future__ import annotations

import pytest

from bot.kernel.states import CallState, advance

S = CallState


@pytest.mark.parametrize(
    ("current", "new", "result"),
    [
        (S.QUEUED, S.DIALING, S.DIALING),
        (S.DIALING, S.RINGING, S.RINGING),
        (S.RINGING, S.ANSWERED, S.ANSWERED),
        (S.ANSWERED, S.COMPLETED, S.COMPLETED),
        (S.RINGING, S.FAILED, S.FAILED),
        (S.QUEUED, S.ANSWERED, S.ANSWERED),  # missed intermediate events are fine
        (S.UNKNOWN, S.DIALING, S.DIALING),  # reconciled by status
        (S.UNKNOWN, S.FAILED, S.FAILED),
        (S.DIALING, S.CANCELLED, S.CANCELLED),
    ],
)
def test_later_state_moves_the_call_forward(current: CallState, new: CallState, result: CallState) -> None:
    assert advance(current, new) is result


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.RINGING, S.DIALING),  # late event
        (S.ANSWERED, S.RINGING),
        (S.RINGING, S.RINGING),  # duplicate
        (S.COMPLETED, S.FAILED),  # first final state wins
        (S.FAILED, S.ANSWERED),
        (S.CANCELLED, S.DIALING),
        (S.DIALING, S.QUEUED),
        (S.DIALING, S.UNKNOWN),
    ],
)
def test_older_duplicate_or_post_final_state_changes_nothing(current: CallState, new: CallState) -> None:
    assert advance(current, new) is None


def test_failure_after_answer_means_the_call_completed() -> None:
    assert advance(S.ANSWERED, S.FAILED) is S.COMPLETED


def test_every_final_state_is_final_and_no_other() -> None:
    assert {s for s in S if s.is_final} == {S.COMPLETED, S.FAILED, S.CANCELLED}
