"""Every way a /dial can be wrong renders as a sentence, in both languages, without crashing."""

from __future__ import annotations

import pytest

from bot.dialout.core.command import ParseError, ParseProblem, parse_command, resolve_parties
from bot.dialout.slack.replies import build_parse_error
from bot.kernel.people import UserProfile
from tests.dialout.core.test_command import CTX, draft


def _error_for(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_command(text, CTX)
    return caught.value


CASES = [
    "into conf 42",
    "13692206627",
    "13692206627 into conf",
    "13692206627 into conf 42 sometime",
    "13692206627 into conf 42 2026-11-01 09:00",
    "13692206627 into conf 42 tomorrow",
    "13692206627 into conf 42 every weekday",
    "13692206627 into conf 42 every month on the 31st at 9am",
    "12345, +999 1234567 into conf 42",
    "bob into conf 42",
    "@amy into conf 42",
    "13692206627 into conf 42 via nope",
    "13692206627 into conf 42 via broken",
    "13692206627 into conf 42 via quanshi",
    "13692206627 into conf 42 max 5 parsecs",
    "13692206627 into conf 42 via yunhuni max 7h",
    "room r1 into conf 42",
    "13692206627 into meeting 42",
    "event abc 13692206627",
    "13692206627 into conf 42 via yunhuni colour=red",
    "13692206627 into conf 42 via yunhuni voice=loud",
    "13692206627 into conf 42 voice=a voice=b",
    "cancel soon",
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_parse_error_renders_as_a_sentence(text: str, locale: str) -> None:
    rendered = build_parse_error(_error_for(text), locale)
    assert rendered and "{" not in rendered


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_missing_phone_renders_one_line_per_person(locale: str) -> None:
    with pytest.raises(ParseError) as caught:
        resolve_parties(draft("<@U1> <@U2> into conf 42"), {"U1": UserProfile("U1"), "U2": None}, CTX.policy)
    rendered = build_parse_error(caught.value, locale)
    assert rendered.count("<@U1>") == 1 and rendered.count("<@U2>") == 1


@pytest.mark.parametrize(("locale", "words"), [("en", "start a series"), ("zh", "新建一个系列")])
def test_an_invite_edited_to_a_recurring_time_is_refused_with_both_ways_forward(locale: str, words: str) -> None:
    rendered = build_parse_error(ParseError(ParseProblem.RECURRING, {"phrase": "every weekday at 9:30"}), locale)
    assert words in rendered and ("tomorrow 9:30" in rendered or "明天上午9:30" in rendered)
