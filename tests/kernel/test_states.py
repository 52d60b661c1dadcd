"""The forward-only call state rule and the compare-and-set apply both features use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.kernel.states import CallState, FailReason, advance, apply_forward, moved_values

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


# --- the forward-only apply (compare-and-set with retries) ---------------------------------


class CasCell:
    """One stored state with compare-and-set; `rivals` are states other writers commit just before ours."""

    def __init__(self, state: CallState, rivals: list[CallState] | None = None) -> None:
        self.state = state
        self.rivals = list(rivals or [])
        self.writes: list[tuple[CallState, CallState]] = []
        self.reads = 0

    async def read(self) -> CallState:
        self.reads += 1
        return self.state

    async def compare_and_set(self, expected: CallState, new: CallState) -> bool:
        if self.rivals:
            self.state = self.rivals.pop(0)  # someone else got there first
        if self.state is not expected:
            return False
        self.writes.append((expected, new))
        self.state = new
        return True


def reported(state: CallState):
    return lambda current: advance(current, state)


async def test_a_forward_move_is_written_once_without_rereading() -> None:
    cell = CasCell(S.DIALING)
    moved = await apply_forward(cell.state, reported(S.RINGING), cell.compare_and_set, cell.read)
    assert moved is S.RINGING and cell.writes == [(S.DIALING, S.RINGING)] and cell.reads == 0


async def test_a_conflict_rereads_and_plans_again_from_what_was_stored() -> None:
    cell = CasCell(S.DIALING, rivals=[S.RINGING])  # another replica stored "ringing" meanwhile
    moved = await apply_forward(S.DIALING, reported(S.ANSWERED), cell.compare_and_set, cell.read)
    assert moved is S.ANSWERED and cell.reads == 1
    assert cell.writes == [(S.RINGING, S.ANSWERED)]


async def test_a_conflict_that_makes_the_report_stale_writes_nothing() -> None:
    cell = CasCell(S.DIALING, rivals=[S.ANSWERED])
    moved = await apply_forward(S.DIALING, reported(S.RINGING), cell.compare_and_set, cell.read)
    assert moved is None and cell.writes == [] and cell.state is S.ANSWERED


async def test_a_backward_report_and_a_vanished_row_write_nothing() -> None:
    cell = CasCell(S.ANSWERED)
    assert await apply_forward(cell.state, reported(S.RINGING), cell.compare_and_set, cell.read) is None

    async def gone() -> CallState | None:
        return None

    async def always_conflicts(_current: CallState, _new: CallState) -> bool:
        return False

    assert await apply_forward(S.DIALING, reported(S.RINGING), always_conflicts, gone) is None
    assert cell.writes == []


async def test_endless_conflicts_give_up_after_a_bounded_number_of_tries() -> None:
    tries: list[CallState] = []

    async def always_conflicts(current: CallState, _new: CallState) -> bool:
        tries.append(current)
        return False

    async def read() -> CallState:
        return S.DIALING

    assert await apply_forward(S.DIALING, reported(S.RINGING), always_conflicts, read, tries=3) is None
    assert len(tries) == 3


def test_moved_values_stamp_answers_and_ends() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert moved_values(S.ANSWERED, None, None, at) == {
        "state": "answered",
        "reason": None,
        "updated_at": at,
        "answered_at": at,
    }
    assert moved_values(S.FAILED, FailReason.BUSY, "02", at) == {
        "state": "failed",
        "reason": "busy",
        "updated_at": at,
        "code": "02",
        "ended_at": at,
    }
