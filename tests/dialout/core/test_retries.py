"""The retry policy as written (both languages, and what is refused) and the rule deciding each retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.dialout.core.command import InviteDraft, ParseError, ParseProblem, parse_command
from bot.dialout.core.form import DialForm, FormErrors, FormField, read_form
from bot.dialout.core.models import CallAttempt
from bot.dialout.core.retries import (
    RETRY_OFF,
    RetryMark,
    RetryOutcome,
    RetryPolicy,
    RetryProblem,
    RetryRule,
    RetrySyntaxError,
    next_retry,
    parse_retry,
    plan_retry,
    retries_used,
)
from bot.dialout.slack.replies import build_parse_error
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from tests.dialout.core.test_command import CTX

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
AMY = Party(PartyKind.PHONE, "+8613900000001")


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("busy=3x2m noanswer=2", {RetryOutcome.BUSY: RetryRule(3, 120), RetryOutcome.NO_ANSWER: RetryRule(2, 120)}),
        ("retry busy=1x30s", {RetryOutcome.BUSY: RetryRule(1, 30)}),
        (
            "error=3x1m, no_answer=1x5m",
            {RetryOutcome.ERROR: RetryRule(3, 60), RetryOutcome.NO_ANSWER: RetryRule(1, 300)},
        ),
        ("重试 忙=3x2分 无人接=2", {RetryOutcome.BUSY: RetryRule(3, 120), RetryOutcome.NO_ANSWER: RetryRule(2, 120)}),
        (
            "占线=2×5分钟 无人接听=1 出错=2x30秒",
            {
                RetryOutcome.BUSY: RetryRule(2, 300),
                RetryOutcome.NO_ANSWER: RetryRule(1, 120),
                RetryOutcome.ERROR: RetryRule(2, 30),
            },
        ),
        ("BUSY=2X1h", {RetryOutcome.BUSY: RetryRule(2, 3600)}),
    ],
)
def test_written_policies_are_read_in_english_and_chinese(text: str, rules: dict[RetryOutcome, RetryRule]) -> None:
    assert parse_retry(text) == RetryPolicy(rules)


@pytest.mark.parametrize("text", ["off", "retry off", "重试 关", "不重试", "关闭", "none"])
def test_off_in_either_language_retries_nothing(text: str) -> None:
    policy = parse_retry(text)
    assert policy == RETRY_OFF and policy.is_off


@pytest.mark.parametrize(
    ("text", "problem", "part"),
    [
        ("", RetryProblem.EMPTY, ""),
        ("retry", RetryProblem.EMPTY, ""),
        ("bussy=3", RetryProblem.UNKNOWN_OUTCOME, "bussy"),
        ("rejected=2", RetryProblem.UNKNOWN_OUTCOME, "rejected"),
        ("busy=three", RetryProblem.BAD_ITEM, "busy=three"),
        ("busy", RetryProblem.BAD_ITEM, "busy"),
        ("busy=3x2parsecs", RetryProblem.BAD_DELAY, "2parsecs"),
        ("busy=3x0m", RetryProblem.BAD_DELAY, "0m"),
        ("busy=3x7h", RetryProblem.BAD_DELAY, "7h"),
        ("busy=11", RetryProblem.TOO_MANY, "busy=11"),
        ("busy=1 忙=2", RetryProblem.DUPLICATE, "忙=2"),
        ("忙=3x2光年", RetryProblem.BAD_DELAY, "2光年"),
    ],
)
def test_unreadable_policies_name_the_part_at_fault(text: str, problem: RetryProblem, part: str) -> None:
    with pytest.raises(RetrySyntaxError) as caught:
        parse_retry(text)
    assert (caught.value.problem, caught.value.text) == (problem, part)


def test_a_policy_survives_its_row_and_its_written_form() -> None:
    policy = parse_retry("busy=3x2m noanswer=2x90s error=1")
    assert RetryPolicy.from_json(policy.as_json()) == policy
    assert parse_retry(policy.spec()) == policy
    assert policy.spec() == "busy=3x2m noanswer=2x90s error=1x30s"
    assert RETRY_OFF.spec() == "off" and RetryPolicy.from_json({"busy": {"times": "x"}}) == RETRY_OFF


def _call(position: int, state: CallState, reason: FailReason | None = None, **kw: object) -> CallAttempt:
    return CallAttempt(1, position, AMY, state=state, reason=reason, id=position + 1, **kw)  # type: ignore[arg-type]


POLICY = parse_retry("busy=3x2m noanswer=2x5m error=3x30s")


def test_a_busy_call_is_retried_after_its_delay_as_the_first_of_three() -> None:
    mark = plan_retry(POLICY, [_call(0, CallState.FAILED, FailReason.BUSY)], NOW)
    assert mark == RetryMark(1, NOW + timedelta(minutes=2), 1, 3, FailReason.BUSY)
    assert next_retry(POLICY, [_call(0, CallState.FAILED, FailReason.BUSY)], NOW) == NOW + timedelta(minutes=2)


def test_retries_count_along_the_chain_and_stop_at_the_limit() -> None:
    first = _call(0, CallState.FAILED, FailReason.NO_ANSWER)
    second = _call(1, CallState.FAILED, FailReason.NO_ANSWER, retry=RetryMark(1, NOW, 1, 2, FailReason.NO_ANSWER))
    mark = plan_retry(POLICY, [first, second], NOW)
    assert mark is not None and (mark.of, mark.number, mark.limit) == (2, 2, 2)
    third = _call(2, CallState.FAILED, FailReason.NO_ANSWER, retry=RetryMark(2, NOW, 2, 2, FailReason.NO_ANSWER))
    assert plan_retry(POLICY, [first, second, third], NOW) is None


def test_errors_back_off_doubling_the_delay() -> None:
    earlier = RetryMark(1, NOW, 2, 3, FailReason.NETWORK)
    failed = _call(1, CallState.FAILED, FailReason.NETWORK, retry=earlier)
    mark = plan_retry(POLICY, [failed], NOW)
    assert mark is not None and mark.at == NOW + timedelta(seconds=30 * 4) and mark.number == 3


@pytest.mark.parametrize(
    "reason",
    [
        FailReason.REJECTED,
        FailReason.INVALID_NUMBER,
        FailReason.BARRED,
        FailReason.POLICY,
        FailReason.UNKNOWN,
        FailReason.MISSED,
        FailReason.AUTH,
        FailReason.PROVIDER_REJECTED,
        FailReason.TIMEOUT,
    ],
)
def test_refusals_and_unknown_outcomes_are_never_retried(reason: FailReason) -> None:
    assert next_retry(parse_retry("busy=3 noanswer=3 error=3"), [_call(0, CallState.FAILED, reason)], NOW) is None


def test_a_call_silent_past_its_ring_limit_is_not_retried_as_it_may_have_connected() -> None:
    silent = _call(0, CallState.FAILED, FailReason.NO_ANSWER, provider_code="no_news")
    assert next_retry(POLICY, [silent], NOW) is None


def test_nobody_is_retried_who_joined_or_still_has_a_call_open() -> None:
    joined = _call(0, CallState.COMPLETED, answered_at=NOW)
    assert next_retry(POLICY, [joined, _call(1, CallState.FAILED, FailReason.BUSY)], NOW) is None
    ringing = _call(1, CallState.RINGING)
    assert next_retry(POLICY, [_call(0, CallState.FAILED, FailReason.BUSY), ringing], NOW) is None
    assert next_retry(RETRY_OFF, [_call(0, CallState.FAILED, FailReason.BUSY)], NOW) is None


def test_retries_used_counts_retry_calls_that_went_out() -> None:
    mark = RetryMark(1, NOW, 1, 3, FailReason.BUSY)
    sent = _call(1, CallState.FAILED, FailReason.BUSY, retry=mark, sent_at=NOW)
    withdrawn = _call(2, CallState.CANCELLED, retry=mark)
    assert retries_used([_call(0, CallState.FAILED, FailReason.BUSY), sent, withdrawn]) == 1


# --- on the command line and in the form -------------------------------------------------


def _draft(text: str) -> InviteDraft:
    draft = parse_command(text, CTX)
    assert isinstance(draft, InviteDraft)
    return draft


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("13800138000 into conf 42 retry busy=3x2m noanswer=2 tomorrow 9:30", "busy=3x2m noanswer=2x2m"),
        ("13800138000 into conf 42 voice=listen retry busy=1x30s via yunhuni", "busy=1x30s"),
        ("13800138000 into conf 42 retry off", "off"),
        ("13800138000 into conf 42 no retries", "off"),
        ("13800138000 呼入会议 42 重试 忙=3x2分 无人接=2 明天上午9:30", "busy=3x2m noanswer=2x2m"),
        ("13800138000 呼入会议 42 重试 关", "off"),
        ("13800138000 呼入会议 42 不重试", "off"),
    ],
)
def test_the_command_line_sets_the_invites_retry_policy(text: str, spec: str) -> None:
    draft = _draft(text)
    assert draft.retry is not None and draft.retry.spec() == spec
    assert "retry" not in draft.options and "busy" not in draft.options


def test_without_retry_the_workspace_default_applies() -> None:
    assert _draft("13800138000 into conf 42").retry is None


@pytest.mark.parametrize(
    ("text", "why", "part"),
    [
        ("13800138000 into conf 42 retry", "empty", ""),
        ("13800138000 into conf 42 retry bussy=3", "unknown_outcome", "bussy"),
        ("13800138000 into conf 42 retry busy=3xsoon", "bad_delay", "soon"),
        ("13800138000 呼入会议 42 重试 忙=30", "too_many", "忙=30"),
        ("13800138000 into conf 42 retry busy=1 retry off", None, None),
    ],
)
def test_an_unreadable_retry_policy_is_refused_naming_the_part(text: str, why: str | None, part: str | None) -> None:

    with pytest.raises(ParseError) as caught:
        parse_command(text, CTX)
    if why is None:
        assert caught.value.problem is ParseProblem.DUPLICATE_OPTION
        return
    assert caught.value.problem is ParseProblem.BAD_RETRY
    assert dict(caught.value.params) == {"text": part, "why": why}


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_refusal_says_what_is_wrong_in_the_users_language(locale: str) -> None:

    with pytest.raises(ParseError) as caught:
        parse_command("13800138000 into conf 42 retry bussy=3", CTX)
    text = build_parse_error(caught.value, locale)
    assert "bussy" in text
    assert ("not an outcome I retry" in text) if locale == "en" else ("不是可重试的情况" in text)


def test_the_forms_retry_box_reads_the_same_syntax_and_its_errors_go_under_it() -> None:

    form = DialForm(provider="sandbox", target_id="42", numbers="13800138000", when="now", retry="忙=2x1分")
    assert read_form(form, CTX).retry == parse_retry("busy=2x1m")
    assert read_form(DialForm(provider="sandbox", target_id="42", numbers="13800138000", when="now"), CTX).retry is None
    with pytest.raises(FormErrors) as caught:
        read_form(DialForm(provider="sandbox", target_id="42", numbers="13800138000", when="now", retry="busy=2x"), CTX)
    assert list(caught.value.errors) == [FormField.RETRY]
    assert caught.value.errors[FormField.RETRY].params["why"] == "bad_item"
