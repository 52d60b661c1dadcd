"""The summary's detail lines: who joined for how long, and the calls used when a party needed more than one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.dialout.core.models import CallAttempt
from bot.dialout.core.run_report import build_csv, run_rows
from bot.dialout.slack.run_summary import build_run_details, wants_csv
from bot.dialout.slack.thread import View
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def call(
    position: int,
    number: str,
    state: CallState,
    minutes: float | None = None,
    *,
    name: str | None = None,
    reason: FailReason | None = None,
) -> CallAttempt:
    answered = T0 if minutes is not None else None
    ended = T0 + timedelta(minutes=minutes) if minutes is not None else None
    party = Party(PartyKind.PHONE, number, name=name)
    return CallAttempt(1, position, party, state, reason=reason, answered_at=answered, ended_at=ended)


def view(locale: str = "en") -> View:
    return View(locale=locale, mask_numbers=True, now=T0)


def test_the_details_name_who_joined_for_how_long_and_the_calls_a_redial_used() -> None:
    attempts = [
        call(0, "+8613800138001", CallState.COMPLETED, 12, name="Bob"),
        call(1, "+8613800138000", CallState.FAILED, reason=FailReason.BUSY),
        call(2, "+8613800138000", CallState.COMPLETED, 3),  # the redial got through
        call(3, "+8613800138009", CallState.FAILED, reason=FailReason.NO_ANSWER),
    ]
    assert build_run_details(attempts, view()) == [
        "Joined: Bob (138****8001) 12 min, 138****8000 3 min",
        "Calls used: 4 for 3 parties",
    ]
    assert build_run_details(attempts, view("zh"))[0] == "已加入：Bob（138****8001） 12 分钟, 138****8000 3 分钟"
    rows = run_rows(attempts)
    assert [(r.position, r.attempts, r.duration_s) for r in rows] == [(1, 1, 720), (2, 2, 180), (3, 1, None)]
    assert build_csv(rows, lambda n: n[-4:]).splitlines()[2] == (
        "2,,,8000,completed,,2026-11-26T07:00:00+00:00,2026-11-26T07:03:00+00:00,180,2"
    )


def test_only_runs_over_twenty_parties_get_a_csv_and_long_lists_are_cut_at_ten() -> None:
    many = [call(i, f"+86138001{i:05d}", CallState.COMPLETED, 1) for i in range(21)]
    assert wants_csv(many) and not wants_csv(many[:20])
    joined = build_run_details(many, view(), with_csv=True)
    assert joined[0].endswith("and 11 more") and joined[-1] == "The full report follows as a CSV file."
