"""The /dial form read by the same rules as typed text, with every error on its own field."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.dialout.core.answers import provider_choices
from bot.dialout.core.command import InviteDraft, ParseError, ParseProblem, parse_command, read_when, resolve_parties
from bot.dialout.core.form import DialForm, FormErrors, FormField, Preview, read_form
from bot.dialout.core.models import TargetKind
from bot.kernel.people import PartyKind
from tests.dialout.core.test_command import CTX, PROVIDERS

CONF = DialForm(provider="yunhuni", target_id="42", numbers="13800138000", when="tomorrow 3pm")


def errors_of(form: DialForm, preview: Preview | None = None) -> dict[FormField, ParseProblem]:
    with pytest.raises(FormErrors) as caught:
        read_form(form, CTX, preview)
    return {where: error.problem for where, error in caught.value.errors.items()}


def test_a_form_reads_to_the_same_draft_as_the_typed_command() -> None:
    form = replace(
        CONF,
        numbers="13692206627\n13800138000",
        people=("U024BE7LH",),
        options="voice=listen",
        max_duration="30m",
    )
    typed = parse_command(
        "13692206627, 13800138000 <@U024BE7LH> into conf 42 via yunhuni voice=listen max 30m tomorrow 3pm", CTX
    )
    assert isinstance(typed, InviteDraft)
    assert read_form(form, CTX) == typed


def test_numbers_may_carry_names_and_be_comma_separated() -> None:
    form = replace(CONF, numbers="Amy <138 0013 8001>, 13800138002；Bob Li <+86 138 0013 8003>")
    draft = read_form(form, CTX)
    assert draft.phones == ("+8613800138001", "+8613800138002", "+8613800138003")
    parties = resolve_parties(draft, {}, CTX.policy)
    assert [p.name for p in parties] == ["Amy", None, "Bob Li"]


def test_every_wrong_field_gets_its_own_error_at_once() -> None:
    form = DialForm(
        provider="yunhuni",
        target_id="4 2",
        numbers="12345, amy",
        when="someday",
        options="voice=shout",
        max_duration="forever",
    )
    assert errors_of(form) == {
        FormField.TARGET: ParseProblem.BAD_TARGET_ID,
        FormField.NUMBERS: ParseProblem.UNKNOWN_WORDS,
        FormField.OPTIONS: ParseProblem.BAD_OPTION_VALUE,
        FormField.MAX: ParseProblem.BAD_DURATION,
        FormField.WHEN: ParseProblem.UNREADABLE_TIME,
    }


def test_nobody_to_call_is_an_error_on_the_people_field() -> None:
    assert errors_of(replace(CONF, numbers="")) == {FormField.PEOPLE: ParseProblem.NO_PARTIES}


def test_options_box_takes_only_the_providers_keys() -> None:
    assert errors_of(replace(CONF, options="colour=red")) == {FormField.OPTIONS: ParseProblem.BAD_OPTION_KEY}
    assert errors_of(replace(CONF, options="voice=listen please")) == {FormField.OPTIONS: ParseProblem.UNKNOWN_WORDS}


def test_max_outside_the_providers_range_is_an_error_on_max() -> None:
    assert errors_of(replace(CONF, max_duration="7h")) == {FormField.MAX: ParseProblem.DURATION_OUT_OF_RANGE}
    sandbox = replace(CONF, provider="sandbox", max_duration="30m")
    assert read_form(sandbox, CTX).max_duration_s == 1800


def test_an_unconfigured_provider_is_an_error_on_the_provider_field() -> None:
    assert errors_of(replace(CONF, provider="broken")) == {FormField.PROVIDER: ParseProblem.PROVIDER_NOT_CONFIGURED}
    assert errors_of(replace(CONF, provider="gone")) == {FormField.PROVIDER: ParseProblem.UNKNOWN_PROVIDER}


def test_meeting_rooms_and_sip_addresses_into_a_meeting() -> None:
    form = DialForm(
        provider="tencent_meeting",
        kind=TargetKind.MEETING,
        target_id="9876543",
        rooms="10086\nsip:room1@10.1.2.3, h323:10.1.2.4",
        when="now",
    )
    draft = read_form(form, CTX)
    assert [(r.kind, r.address) for r in draft.rooms] == [
        (PartyKind.ROOM, "10086"),
        (PartyKind.SIP, "room1@10.1.2.3"),
        (PartyKind.H323, "10.1.2.4"),
    ]
    assert draft.when.is_now
    assert errors_of(replace(form, rooms="")) == {FormField.ROOMS: ParseProblem.NO_PARTIES}


def test_event_minutes_before_go_through_the_providers_option() -> None:
    form = DialForm(
        provider="quanshi", kind=TargetKind.EVENT, target_id="542818", numbers="13800138000", before="15", when="now"
    )
    assert read_form(form, CTX).options == {"before": "15"}
    assert read_form(replace(form, before="1h"), CTX).options == {"before": "60"}
    assert errors_of(replace(form, before="soon")) == {FormField.BEFORE: ParseProblem.BAD_DURATION}
    assert errors_of(replace(form, target_id="abc")) == {FormField.TARGET: ParseProblem.BAD_TARGET_ID}


def test_the_previewed_instant_is_what_is_scheduled_for_an_unchanged_phrase() -> None:
    form = replace(CONF, when="in 10 minutes")
    preview = Preview("in 10 minutes", read_when("in 10 minutes", CTX))
    later = replace(CTX, now=CTX.now + timedelta(minutes=4))
    assert read_form(form, later, preview).when.at == CTX.now + timedelta(minutes=10)
    changed = replace(form, when="in 20 minutes")
    assert read_form(changed, later, preview).when.at == later.now + timedelta(minutes=20)


def test_a_previewed_time_that_has_passed_is_refused_on_the_when_field() -> None:
    form = replace(CONF, when="in 10 minutes")
    preview = Preview("in 10 minutes", read_when("in 10 minutes", CTX))
    too_late = replace(CTX, now=CTX.now + timedelta(minutes=11))
    with pytest.raises(FormErrors) as caught:
        read_form(form, too_late, preview)
    error: ParseError = caught.value.errors[FormField.WHEN]
    assert error.problem is ParseProblem.PAST_TIME and error.params["phrase"] == "in 10 minutes"


def test_choices_offer_only_configured_providers_with_the_default_first() -> None:
    choices = provider_choices(PROVIDERS, CTX.default_provider)
    assert [(c.name, c.kind) for c in choices] == [
        ("sandbox", TargetKind.CONFERENCE),
        ("yunhuni", TargetKind.CONFERENCE),
        ("tencent_meeting", TargetKind.MEETING),
        ("quanshi", TargetKind.EVENT),
    ]
    assert choices[1].options == (("voice", "listen|speak"),)
    assert choices[3].options == ()  # `before` has a field of its own


# CTX.now is Thursday 2026-11-26 10:00 in Asia/Shanghai.


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        ("2026-11-27", "15:00", "2026-11-27T15:00:00+08:00"),  # a picked date and time, in the user's zone
        ("2026-11-26", "03:30", None),  # today, but already past
        ("", "10:30", "2026-11-26T10:30:00+08:00"),  # a time alone is today's
        ("2026-12-01", "09:05", "2026-12-01T09:05:00+08:00"),  # 09:05 as the 24-hour picker shows it
    ],
)
def test_a_picked_date_and_time_are_read_in_the_users_zone_like_the_typed_phrase(
    date: str, time: str, expected: str | None
) -> None:
    form = replace(CONF, when="", date=date, time=time)
    if expected is None:
        assert errors_of(form) == {FormField.TIME: ParseProblem.PAST_TIME}
        return
    draft = read_form(form, CTX)
    assert draft.when.at.isoformat() == expected and not draft.when.is_now
    assert draft == read_form(replace(CONF, when=f"{date or '2026-11-26'} {time}"), CTX)  # one reading


@pytest.mark.parametrize(
    ("when", "date", "time", "expected"),
    [
        ("tomorrow 3pm", "2026-11-27", "15:00", {FormField.WHEN: ParseProblem.WHEN_TWICE}),
        ("tomorrow 3pm", "", "15:00", {FormField.WHEN: ParseProblem.WHEN_TWICE}),
        ("", "", "", {FormField.WHEN: ParseProblem.NO_WHEN}),
        ("  ", "2026-11-27", "", {FormField.TIME: ParseProblem.NEEDS_TIME}),
        ("", "2026-11-25", "15:00", {FormField.DATE: ParseProblem.PAST_TIME}),
        ("", "2028-01-01", "15:00", {FormField.DATE: ParseProblem.TOO_FAR}),
        ("", "27/11/2026", "15:00", {FormField.DATE: ParseProblem.UNREADABLE_TIME}),
        ("", "2026-11-27", "3pm", {FormField.TIME: ParseProblem.UNREADABLE_TIME}),
    ],
)
def test_a_form_with_no_time_both_kinds_or_a_wrong_pick_is_refused_on_that_field(
    when: str, date: str, time: str, expected: dict[FormField, ParseProblem]
) -> None:
    assert errors_of(replace(CONF, when=when, date=date, time=time)) == expected
