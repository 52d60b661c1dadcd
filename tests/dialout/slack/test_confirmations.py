"""Redial failed's confirmation modal: who failed and why, within Slack's modal limits, in both languages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slack_sdk.models.views import View as SlackView

from bot.dialout.core.answers import RedialConfirmation
from bot.dialout.core.models import CallAttempt, InviteStatus
from bot.dialout.core.outcomes import Redial
from bot.dialout.slack.confirmations import build_redial_modal, read_redial_metadata
from bot.emulator.render import render_blocks
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState, FailReason
from bot.slack import ids
from tests.dialout.slack.test_blocks import check_snapshot, invite, view


def failed(position: int, reason: FailReason = FailReason.BUSY, detail: str | None = None) -> CallAttempt:
    return CallAttempt(
        invite_id=17,
        position=position,
        party=Party(PartyKind.PHONE, f"+86138{position:08d}"),
        state=CallState.FAILED,
        reason=reason,
        detail=detail,
        id=position + 1,
    )


def confirmation(calls: list[CallAttempt], refused: list[CallAttempt], locale: str = "en") -> RedialConfirmation:
    return RedialConfirmation(locale, Redial(invite(InviteStatus.DONE), tuple(calls), tuple(refused)), "Sandbox")


def parsed(modal: dict) -> dict:
    return SlackView(**modal).to_dict()  # raises when a Slack limit is broken


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_modal_lists_who_failed_and_why_and_what_the_policy_now_refuses(locale: str) -> None:
    modal = build_redial_modal(
        confirmation([failed(1), failed(2, FailReason.NO_ANSWER)], [failed(3, FailReason.UNREACHABLE)], locale),
        "C0OPS",
        view(locale),
    )
    parsed(modal)
    check_snapshot(f"redial_modal_{locale}", modal)
    assert modal["callback_id"] == ids.REDIAL_VIEW
    assert read_redial_metadata(modal["private_metadata"]) == (17, "C0OPS")


def test_the_modal_names_each_party_with_the_reason_and_the_providers_words() -> None:
    vendor = failed(1, FailReason.PROVIDER_REJECTED, detail="balance too low")
    text = "\n".join(render_blocks(build_redial_modal(confirmation([vendor, failed(2)], []), "C", view())["blocks"]))
    assert "Call these 2 people again on invite #17?" in text
    assert "• 138****0001: refused by the provider (balance too low)" in text
    assert "• 138****0002: busy" in text


@pytest.mark.parametrize(("locale", "more"), [("en", "…and 300 more."), ("zh", "……另有 300 方。")])
def test_five_hundred_failures_with_long_explanations_stay_within_a_modals_limits(locale: str, more: str) -> None:
    calls = [failed(i, FailReason.PROVIDER_ERROR, detail="x" * 400) for i in range(500)]
    refused = [replace(c, id=1000 + i) for i, c in enumerate(calls)]
    modal = build_redial_modal(confirmation(calls, refused, locale), "C", view(locale))
    parsed(modal)
    assert len(modal["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in modal["blocks"])
    assert more in "\n".join(render_blocks(modal["blocks"]))
