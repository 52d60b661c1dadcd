"""The message catalogue: every sentence in both languages, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.dialout.core.command import ParseProblem
from bot.dialout.core.outcomes import CancelOutcome, DialNowOutcome, HangUpOutcome, RedialOutcome
from bot.dialout.core.ports import NoticeKind
from bot.kernel.phone import NumberProblemKind
from bot.kernel.states import CallState, FailReason
from bot.slack.messages import CATALOGUE, SUPPORTED, locale_of, t


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_message_exists_in_every_language_with_the_same_placeholders(key: str) -> None:
    entry = CATALOGUE[key]
    assert set(entry) == set(SUPPORTED), key
    assert placeholders(entry["en"]) == placeholders(entry["zh"]), key


def test_every_problem_state_and_reason_has_words() -> None:
    needed = {f"parse.{p.value}" for p in ParseProblem}
    needed |= {f"number.{k.value}" for k in NumberProblemKind}
    needed |= {f"state.{s.value}" for s in CallState}
    needed |= {f"reason.{r.value}" for r in FailReason}
    needed |= {f"notice.{k.value}" for k in NoticeKind if k is not NoticeKind.SUMMARY}
    assert needed - set(CATALOGUE) == set()


def test_every_outcome_of_every_button_has_words() -> None:
    needed = {f"cancel.{o.value}" for o in CancelOutcome if o is not CancelOutcome.NOT_ALLOWED}
    needed |= {f"dial_now.{o.value}" for o in DialNowOutcome if o is not DialNowOutcome.NOT_ALLOWED}
    needed |= {f"redial.{o.value}" for o in RedialOutcome if o is not RedialOutcome.NOT_ALLOWED}
    needed |= {f"hang_up.{o.value}" for o in HangUpOutcome if o is not HangUpOutcome.NOT_ALLOWED}
    needed |= {"action.not_allowed", "action.not_allowed_group"}  # one refusal, naming who may, for all
    assert needed - set(CATALOGUE) == set()


def test_slack_locales_map_to_catalogue_languages() -> None:
    assert locale_of("zh-CN") == "zh" and locale_of("zh_TW") == "zh"
    assert locale_of("en-GB") == "en" and locale_of("fr-FR") == "en" and locale_of(None, "zh") == "zh"


def test_missing_placeholder_fails_loudly() -> None:
    with pytest.raises(KeyError):
        t("cancel.cancelled", "en")
