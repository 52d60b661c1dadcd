"""What events do to an inbound call's lines and to the call as a whole (pure planning)."""

from __future__ import annotations

from datetime import timedelta

from bot.inbound.core.calls import call_state, plan_event, talk_time
from bot.inbound.core.events import InboundEvent
from bot.kernel.states import CallState, FailReason
from tests.inbound.core.builders import T0, inbound_call, leg

# --- events on lines ------------------------------------------------------------------------


def test_a_single_line_follows_the_call_from_dialling_to_hang_up() -> None:
    line = leg(1, "+8613900000001")
    for code, state in [("15", CallState.DIALING), ("16", CallState.RINGING), ("31", CallState.ANSWERED)]:
        [change] = plan_event([line], code, None)
        assert (change.expected, change.new) == (line.state, state)
        line.state = state
    [end] = plan_event([line], "22", None)
    assert (end.new, end.reason) == (CallState.COMPLETED, None)


def test_late_and_repeated_events_plan_nothing() -> None:
    answered = leg(1, "+8613900000001", CallState.ANSWERED)
    assert plan_event([answered], "16", None) == []
    assert plan_event([answered], "31", None) == []
    assert plan_event([answered], "15", None) == []
    done = leg(1, "+8613900000001", CallState.COMPLETED)
    assert plan_event([done], "30", "02") == [] and plan_event([done], "22", None) == []


def test_a_failure_after_an_answer_is_just_the_end() -> None:
    [change] = plan_event([leg(1, "+8613900000001", CallState.ANSWERED)], "30", "02")
    assert (change.new, change.reason, change.code) == (CallState.COMPLETED, None, None)


def test_an_unreachable_callee_fails_with_the_call_result_kept() -> None:
    [change] = plan_event([leg(1, "+8613900000001", CallState.DIALING)], "30", "05")
    assert (change.new, change.reason, change.code) == (CallState.FAILED, FailReason.UNREACHABLE, "05")


def test_events_naming_a_callee_move_that_line_only() -> None:
    lines = [leg(1, "+8613900000001", CallState.RINGING), leg(2, "+8613900000002", CallState.RINGING)]
    [change] = plan_event(lines, "31", None, ["13900000002"])
    assert change.leg_id == 2 and change.new is CallState.ANSWERED
    [translated] = plan_event(lines, "30", "04", ["+86 139 0000 0001"])
    assert translated.leg_id == 1 and translated.reason is FailReason.NO_ANSWER


def test_without_a_number_new_attempts_take_the_next_waiting_line_and_others_the_furthest_along() -> None:
    lines = [leg(1, "+8613900000001", CallState.FAILED), leg(2, "+8613900000002"), leg(3, "+8613900000003")]
    [dialing] = plan_event(lines, "15", None)
    assert dialing.leg_id == 2
    lines[1].state = CallState.RINGING
    [answered] = plan_event(lines, "40", None)
    assert answered.leg_id == 2 and answered.new is CallState.ANSWERED


def test_the_end_of_the_call_closes_every_open_line() -> None:
    lines = [
        leg(1, "+8613900000001", CallState.ANSWERED),
        leg(2, "+8613900000002", CallState.RINGING),
        leg(3, "+8613900000003", CallState.FAILED),
    ]
    ended_by_time = {c.leg_id: (c.new, c.reason) for c in plan_event(lines, "42", None)}
    assert ended_by_time == {
        1: (CallState.COMPLETED, FailReason.MAX_DURATION),
        2: (CallState.FAILED, FailReason.MAX_DURATION),  # still ringing when time ran out: nobody withdrew it
    }
    caller_left = {c.leg_id: (c.new, c.reason) for c in plan_event(lines, "22", None)}
    assert caller_left == {1: (CallState.COMPLETED, None), 2: (CallState.CANCELLED, None)}


def test_an_end_with_a_call_result_explains_the_line_it_names() -> None:
    lines = [leg(1, "+8613900000001", CallState.DIALING), leg(2, "+8613900000002", CallState.DIALING)]
    changes = {c.leg_id: (c.new, c.reason, c.code) for c in plan_event(lines, "22", "02", ["13900000002"])}
    assert changes == {1: (CallState.CANCELLED, None, None), 2: (CallState.FAILED, FailReason.BUSY, "02")}


def test_the_call_as_a_whole_follows_its_lines() -> None:
    assert call_state([]) is CallState.FAILED
    assert call_state([CallState.QUEUED, CallState.QUEUED]) is CallState.QUEUED
    assert call_state([CallState.DIALING, CallState.QUEUED]) is CallState.DIALING
    assert call_state([CallState.RINGING, CallState.FAILED]) is CallState.RINGING
    assert call_state([CallState.ANSWERED, CallState.RINGING]) is CallState.ANSWERED
    assert call_state([CallState.COMPLETED, CallState.RINGING]) is CallState.ANSWERED
    assert call_state([CallState.COMPLETED, CallState.CANCELLED]) is CallState.COMPLETED
    assert call_state([CallState.FAILED, CallState.CANCELLED]) is CallState.FAILED
    assert call_state([CallState.CANCELLED]) is CallState.CANCELLED


def test_talk_time_runs_from_the_first_answer_to_the_last_hang_up() -> None:
    first, second = leg(1, "+8613900000001"), leg(2, "+8613900000002")
    assert talk_time([first, second]) is None
    first.answered_at, first.ended_at = T0, T0 + timedelta(seconds=95)
    assert talk_time([first, second]) == 95


def test_duplicate_events_share_a_dedupe_key_and_different_events_do_not() -> None:
    def event(**kw) -> InboundEvent:
        values = {"sid": "s", "vcc_id": "V", "call_id": "c", "seq": "3", "code": "16"} | kw
        return InboundEvent(**values)

    assert event().dedupe_key == event(charge_ext="x").dedupe_key
    assert len({event().dedupe_key, event(code="31").dedupe_key, event(seq="4").dedupe_key}) == 3
    assert event(callee_numbers=("1",)).dedupe_key != event(callee_numbers=("2",)).dedupe_key
    assert event(call_result="2").dedupe_key == event(call_result="02").dedupe_key


def _event(code: str, call_result: str | None = None) -> InboundEvent:
    return InboundEvent(sid="s", vcc_id="V", call_id="c", seq="1", code=code, call_result=call_result)


def plan(call, legs, event: InboundEvent):
    """What an event does, as the core decides it: line changes, once-per-call flags, the call's move."""
    from bot.inbound.core.calls import call_move, due_flags, with_changes

    changes = plan_event(legs, event.code, event.call_result, event.callee_numbers)
    after = with_changes(legs, changes)
    moved = call_move(call, [leg.state for leg in after]) if changes else None
    return changes, due_flags(call, event), moved


def test_the_first_event_opens_the_thread_and_moves_theinbound_call() -> None:
    from bot.inbound.core.calls import CallFlag

    changes, flags, moved = plan(inbound_call(), [leg(1, "+8613900000001")], _event("15"))
    assert flags == (CallFlag.OPENED,) and moved is CallState.DIALING and len(changes) == 1
    later = plan(
        inbound_call(CallState.DIALING, opened=True), [leg(1, "+8613900000001", CallState.DIALING)], _event("16")
    )
    assert later[1] == () and later[2] is CallState.RINGING


def test_an_event_that_changes_nothing_moves_nothing_but_still_opens_a_thread() -> None:
    from bot.inbound.core.calls import CallFlag

    changes, flags, moved = plan(
        inbound_call(CallState.ANSWERED), [leg(1, "+8613900000001", CallState.ANSWERED)], _event("16")
    )
    assert changes == [] and moved is None and flags == (CallFlag.OPENED,)


def test_the_warning_is_due_once_and_the_end_completes_theinbound_call() -> None:
    from bot.inbound.core.calls import CallFlag

    answered = [leg(1, "+8613900000001", CallState.ANSWERED)]
    assert plan(inbound_call(CallState.ANSWERED, opened=True), answered, _event("43"))[1] == (CallFlag.WARNED,)
    assert plan(inbound_call(CallState.ANSWERED, opened=True, warned=True), answered, _event("43"))[1] == ()
    changes, _, moved = plan(inbound_call(CallState.ANSWERED, opened=True), answered, _event("32"))
    assert moved is CallState.COMPLETED and changes[0].new is CallState.COMPLETED


def test_a_line_failing_while_another_rings_keeps_the_call_ringing() -> None:
    legs = [leg(1, "+8613900000001", CallState.RINGING), leg(2, "+8613900000002", CallState.RINGING)]
    changes, _, moved = plan(inbound_call(CallState.RINGING, opened=True), legs, _event("30", "02"))
    assert [c.leg_id for c in changes] == [1]  # the first of the lines furthest along
    assert moved is None  # the other line still rings: so does the call
