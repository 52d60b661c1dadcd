"""The numbers the dialing policy used to miss: vanity letters, a region the text contradicts, toll-fraud types."""

from __future__ import annotations

import dataclasses

import pytest

from bot.kernel.phone import DialingPolicy, NumberProblem, NumberProblemKind, normalise

CN = DialingPolicy("CN")


def _kind(text: str, policy: DialingPolicy = CN) -> NumberProblemKind | str:
    result = normalise(text, policy)
    return result.kind if isinstance(result, NumberProblem) else result


@pytest.mark.parametrize("text", ["1-900-FLOWERS", "800-FLOWERS", "138OO138OOO"])
def test_letters_without_a_country_code_are_refused_not_turned_into_a_local_number(text: str) -> None:
    assert _kind(text) is NumberProblemKind.VANITY_WITHOUT_COUNTRY_CODE


def test_letters_with_a_country_code_are_read_in_that_country() -> None:
    assert _kind("+1 415-FLOWERS", DialingPolicy("CN")) == "+14153569377"
    assert _kind("+1-900-FLOWERS") is NumberProblemKind.PREMIUM_RATE  # and then judged as what it is


@pytest.mark.parametrize(
    ("text", "region"),
    [("1-900-356-9377", "US"), ("1 (415) 555-2671", "US"), ("852 9123 4567", "HK"), ("44 20 7946 0958", "GB")],
)
def test_a_number_written_for_another_country_is_refused_rather_than_dialled_here(text: str, region: str) -> None:
    result = normalise(text, CN)
    assert isinstance(result, NumberProblem)
    assert (result.kind, result.region) == (NumberProblemKind.REGION_MISMATCH, region)


@pytest.mark.parametrize(
    "text", ["138 0013 8000", "13800138000", "(010) 5851-2042", "86 138 0013 8000", "021-6123 4567"]
)
def test_numbers_written_the_way_this_region_writes_them_are_not_mistaken_for_another_country(text: str) -> None:
    assert str(_kind(text)).startswith("+86")


@pytest.mark.parametrize(
    ("number", "kind", "switch"),
    [
        ("+19005550100", NumberProblemKind.PREMIUM_RATE, "block_premium_rate"),
        ("+86 400 800 1234", NumberProblemKind.SHARED_COST, "block_shared_cost"),
        ("+44 7011 123456", NumberProblemKind.PERSONAL_NUMBER, "block_personal_numbers"),
        ("+44 345 123 4567", NumberProblemKind.UAN, "block_uan"),
        ("+881 6 12345678", NumberProblemKind.INTERNATIONAL_NETWORK, "block_international_networks"),
        ("+870 773 123 456", NumberProblemKind.INTERNATIONAL_NETWORK, "block_international_networks"),
        ("+882 16 1234 5678", NumberProblemKind.INTERNATIONAL_NETWORK, "block_international_networks"),
    ],
)
def test_toll_fraud_number_types_are_blocked_by_default_and_each_can_be_allowed(
    number: str, kind: NumberProblemKind, switch: str
) -> None:
    assert _kind(number) is kind
    assert str(_kind(number, dataclasses.replace(CN, **{switch: False}))).startswith("+")


def test_voicemail_numbers_are_blocked_by_default_where_libphonenumber_types_them() -> None:
    import phonenumbers

    example = phonenumbers.example_number_for_type("CH", phonenumbers.PhoneNumberType.VOICEMAIL)
    assert example is not None
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert _kind(e164) is NumberProblemKind.VOICEMAIL
    assert _kind(e164, DialingPolicy("CN", block_voicemail=False)) == e164


def test_a_satellite_number_is_blocked_even_when_no_country_list_is_set() -> None:
    assert CN.allowed_countries is None
    assert _kind("+881 6 12345678") is NumberProblemKind.INTERNATIONAL_NETWORK
