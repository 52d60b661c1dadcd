"""Number normalisation, dialing policy and masking."""

from __future__ import annotations

import pytest

from bot.kernel.phone import DialingPolicy, NumberProblem, NumberProblemKind, dial_string, mask, normalise, split_number

CN = DialingPolicy("CN")


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+8613692206627", "+8613692206627"),
        ("13692206627", "+8613692206627"),
        ("008613692206627", "+8613692206627"),
        ("010 5851 2042", "+861058512042"),
        ("(010) 5851-2042", "+861058512042"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_national_and_international_forms_normalise_to_e164(text: str, e164: str) -> None:
    assert normalise(text, CN) == e164


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("12345", NumberProblemKind.INVALID),
        ("+999 1234567", NumberProblemKind.BAD_COUNTRY_CODE),
        ("hello", NumberProblemKind.NOT_A_NUMBER),
        ("+86 136 9220 6627 1234 5678", NumberProblemKind.TOO_LONG),
    ],
)
def test_undiallable_text_says_why(text: str, kind: NumberProblemKind) -> None:
    result = normalise(text, CN)
    assert isinstance(result, NumberProblem) and result.kind is kind


def test_country_outside_the_allowed_list_is_refused() -> None:
    policy = DialingPolicy("CN", allowed_countries=frozenset({"CN"}))
    result = normalise("+1 415 555 2671", policy)
    assert isinstance(result, NumberProblem)
    assert result.kind is NumberProblemKind.COUNTRY_NOT_ALLOWED and result.region == "US"


def test_premium_rate_numbers_are_blocked_unless_allowed() -> None:
    premium = "+19005550100"
    result = normalise(premium, CN)
    assert isinstance(result, NumberProblem) and result.kind is NumberProblemKind.PREMIUM_RATE
    assert normalise(premium, DialingPolicy("CN", block_premium_rate=False)) == premium


@pytest.mark.parametrize(
    ("e164", "shown"),
    [("+8613800138000", "138****8000"), ("+14155552671", "415***2671"), ("+85291234567", "91**4567")],
)
def test_masked_number_keeps_only_the_ends(e164: str, shown: str) -> None:
    assert mask(e164) == shown


def test_mainland_landline_splits_into_area_code_and_local_number() -> None:
    parts = split_number("+861058512042")
    assert (parts.country_code, parts.area_code, parts.local, parts.is_mobile) == ("86", "10", "58512042", False)
    mobile = split_number("+8613800138000")
    assert (mobile.country_code, mobile.national, mobile.is_mobile, mobile.area_code) == ("86", "13800138000", True, "")
    abroad = split_number("+14155552671")
    assert abroad.is_mobile and abroad.national == "4155552671"


@pytest.mark.parametrize(
    ("e164", "region", "dialled"),
    [
        ("+8613692206627", "CN", "13692206627"),
        ("+861058512042", "CN", "01058512042"),
        ("+14155552671", "CN", "0014155552671"),
        ("+8613692206627", "US", "0118613692206627"),
    ],
)
def test_dial_string_is_what_a_line_in_the_region_dials(e164: str, region: str, dialled: str) -> None:
    assert dial_string(e164, region) == dialled


def test_a_landline_outside_mainland_china_is_a_landline_without_an_area_code() -> None:
    hong_kong = split_number("+85221234567")
    assert (hong_kong.is_mobile, hong_kong.area_code, hong_kong.local) == (False, "", "21234567")
    london = split_number("+442071838750")
    assert (london.is_mobile, london.area_code, london.local) == (False, "", "2071838750")
