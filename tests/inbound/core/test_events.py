"""The platform's event codes and callResults in our terms (seed 003, provider-notes.md §4)."""

from __future__ import annotations

import pytest

from bot.inbound.core.events import (
    CALL_RESULTS,
    EVENT_CODES,
    EventScope,
    end_state,
    map_event,
    normalise_result,
    result_reason,
)
from bot.kernel.states import CallState, FailReason

# --- every code in the seed -----------------------------------------------------------------

SEED_EVENT_CODES = {"15", "16", "22", "30", "31", "32", "40", "42", "43", "44"}
SEED_CALL_RESULTS = {
    "00", "01", "02", "03", "04", "05", "06", "11", "12", "13", "18", "20", "21", "22", "23", "24",
    "101", "102", "103", "104", "108", "109", "110", "113", "180",
}  # fmt: skip


def test_the_mapping_covers_exactly_the_seeds_event_and_call_result_codes() -> None:
    assert set(EVENT_CODES) == SEED_EVENT_CODES
    assert set(CALL_RESULTS) == SEED_CALL_RESULTS


@pytest.mark.parametrize(
    ("code", "call_result", "scope", "state", "reason"),
    [
        ("15", None, EventScope.LEG, CallState.DIALING, None),
        ("15", "180", EventScope.LEG, CallState.RINGING, None),
        ("16", None, EventScope.LEG, CallState.RINGING, None),
        ("31", None, EventScope.LEG, CallState.ANSWERED, None),
        ("30", "02", EventScope.LEG, CallState.FAILED, FailReason.BUSY),
        ("30", None, EventScope.LEG, CallState.FAILED, FailReason.UNKNOWN),
        ("30", "00", EventScope.LEG, CallState.FAILED, FailReason.UNKNOWN),
        ("40", None, EventScope.ANSWER, CallState.ANSWERED, None),
        ("22", None, EventScope.END, None, None),
        ("32", None, EventScope.END, None, None),
        ("44", None, EventScope.END, None, None),
        ("42", None, EventScope.END, None, FailReason.MAX_DURATION),
        ("43", None, EventScope.WARNING, None, None),
        ("99", None, EventScope.NONE, None, None),
        ("99", "180", EventScope.LEG, CallState.RINGING, None),
    ],
)
def test_every_event_code_maps_to_its_scope_state_and_reason(code, call_result, scope, state, reason) -> None:
    meaning = map_event(code, call_result)
    assert (meaning.scope, meaning.state, meaning.reason) == (scope, state, reason)


@pytest.mark.parametrize(
    ("call_result", "reason"),
    [
        ("00", None),
        ("01", FailReason.NETWORK),
        ("02", FailReason.BUSY),
        ("03", FailReason.UNREACHABLE),
        ("04", FailReason.NO_ANSWER),
        ("05", FailReason.UNREACHABLE),
        ("06", FailReason.INVALID_NUMBER),
        ("11", FailReason.BARRED),
        ("12", FailReason.BARRED),
        ("13", FailReason.UNREACHABLE),
        ("18", FailReason.INVALID_NUMBER),
        ("20", FailReason.BARRED),
        ("21", FailReason.BARRED),
        ("22", FailReason.BARRED),
        ("23", FailReason.BUSY),
        ("24", FailReason.REJECTED),
        ("101", FailReason.NETWORK),
        ("102", FailReason.BUSY),
        ("103", FailReason.UNREACHABLE),
        ("104", FailReason.NO_ANSWER),
        ("108", FailReason.NETWORK),
        ("109", FailReason.NETWORK),
        ("110", FailReason.INVALID_NUMBER),
        ("113", FailReason.UNREACHABLE),
        ("180", None),
    ],
)
def test_every_call_result_code_maps_to_the_notes_reason(call_result: str, reason: FailReason | None) -> None:
    assert result_reason(call_result) is reason
    failed = map_event("30", call_result)
    assert failed.state is CallState.FAILED and failed.reason is (reason or FailReason.UNKNOWN)


def test_call_results_are_read_however_the_platform_writes_them() -> None:
    assert normalise_result("2") == "02" and normalise_result("20:") == "20" and normalise_result(" 102 ") == "102"
    assert normalise_result("") is None and normalise_result(None) is None
    assert result_reason("999") is None


@pytest.mark.parametrize(
    ("code", "call_result", "answered", "expected"),
    [
        ("22", None, True, (CallState.COMPLETED, None)),
        ("32", None, True, (CallState.COMPLETED, None)),
        ("44", None, True, (CallState.COMPLETED, None)),
        ("42", None, True, (CallState.COMPLETED, FailReason.MAX_DURATION)),
        ("22", None, False, (CallState.CANCELLED, None)),
        ("44", None, False, (CallState.CANCELLED, None)),
        ("22", "04", False, (CallState.FAILED, FailReason.NO_ANSWER)),
        ("22", "180", False, (CallState.CANCELLED, None)),
        ("32", None, False, (CallState.FAILED, FailReason.REJECTED)),
        ("32", "24", False, (CallState.FAILED, FailReason.REJECTED)),
        ("44", "23", False, (CallState.FAILED, FailReason.BUSY)),
        ("42", None, False, (CallState.FAILED, FailReason.MAX_DURATION)),
    ],
)
def test_end_codes_complete_answered_lines_and_explain_the_others(code, call_result, answered, expected) -> None:
    assert end_state(code, call_result, answered) == expected
