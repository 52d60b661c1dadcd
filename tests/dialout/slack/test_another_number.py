"""Use another number's pure builders: the modal within Slack's limits in both languages, every
outcome worded, refusals fit to show under a field, and metadata nobody else wrote is not read."""

from __future__ import annotations

import pytest
from slack_sdk.models.views import View

from bot.dialout.core.models import CallAttempt
from bot.dialout.core.reminder_requests import NumberChangeOutcome, NumberChangeReply
from bot.dialout.slack.another_number import (
    NUMBER_BLOCK,
    AnotherNumberMetadata,
    build_another_number_modal,
    build_number_change_answer,
)
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import NumberProblem, NumberProblemKind
from bot.kernel.states import CallState
from bot.slack import ids

CALL = CallAttempt(1, 0, Party(PartyKind.PHONE, "+8613900000011", slack_user_id="U0BOB"), CallState.QUEUED, id=7)
METADATA = AnotherNumberMetadata(1, 7, "D0BOB", "1700000000.000100")


def reply(outcome: NumberChangeOutcome, locale: str = "en", **extra: object) -> NumberChangeReply:
    return NumberChangeReply(locale, "UTC", "CN", 1, outcome, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_modal_has_one_number_field_within_slacks_limits(locale: str) -> None:
    modal = build_another_number_modal(reply(NumberChangeOutcome.READY, locale, attempt=CALL), METADATA, True)
    View(**modal).validate_json()
    assert modal["callback_id"] == ids.ANOTHER_NUMBER_VIEW
    assert [b["block_id"] for b in modal["blocks"]] == [NUMBER_BLOCK]
    assert "139****0011" in modal["blocks"][0]["hint"]["text"]
    assert AnotherNumberMetadata.decode(modal["private_metadata"]) == METADATA


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize(
    "outcome", [o for o in NumberChangeOutcome if o not in {NumberChangeOutcome.READY, NumberChangeOutcome.BAD_NUMBER}]
)
def test_every_outcome_is_worded_in_both_languages(outcome: NumberChangeOutcome, locale: str) -> None:
    text = build_number_change_answer(reply(outcome, locale, attempt=CALL), mask_numbers=True)
    assert "#1" in text or "第 1 号" in text


def test_a_refused_number_is_said_as_plain_text_for_the_field() -> None:
    problem = NumberProblem("+1 415 555 2671", NumberProblemKind.COUNTRY_NOT_ALLOWED, "US")
    text = build_number_change_answer(reply(NumberChangeOutcome.BAD_NUMBER, problem=problem), mask_numbers=True)
    assert text == "+1 415 555 2671 is in the US, which this workspace doesn't dial."


@pytest.mark.parametrize("forged", ["", "{}", "[1]", '{"invite_id": "x"}', "not json"])
def test_metadata_this_module_did_not_write_is_not_read(forged: str) -> None:
    assert AnotherNumberMetadata.decode(forged) is None
