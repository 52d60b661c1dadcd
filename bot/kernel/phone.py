"""Phone numbers: E.164 normalisation, the workspace dialing policy, and display masking.

Everything that is dialled passes `normalise` first, so a number nobody could have meant
(too short, premium-rate, a country the workspace does not call) is refused before it is
stored, never discovered by the provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult


class NumberProblemKind(StrEnum):
    """Why text is not a number we will dial; each has a sentence in the message catalogue."""

    NOT_A_NUMBER = "not_a_number"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_COUNTRY_CODE = "bad_country_code"
    INVALID = "invalid"
    PREMIUM_RATE = "premium_rate"
    COUNTRY_NOT_ALLOWED = "country_not_allowed"
    SHARED_COST = "shared_cost"
    PERSONAL_NUMBER = "personal_number"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    INTERNATIONAL_NETWORK = "international_network"
    VANITY_WITHOUT_COUNTRY_CODE = "vanity_without_country_code"
    REGION_MISMATCH = "region_mismatch"


@dataclass(frozen=True)
class NumberProblem:
    """Text that was meant as a number, and why it cannot be dialled."""

    text: str
    kind: NumberProblemKind
    region: str | None = None  # the region the number belongs to, when known


@dataclass(frozen=True)
class DialingPolicy:
    """Which numbers the workspace allows: read national numbers in `region`, block the rest.

    The number types blocked by default are the usual toll-fraud destinations: each costs the
    caller far more than a call, or pays the number's owner; a workspace that needs one turns it on.
    """

    region: str = "CN"
    allowed_countries: frozenset[str] | None = None  # ISO regions; None allows all
    block_premium_rate: bool = True
    block_shared_cost: bool = True
    block_personal_numbers: bool = True  # UK 070, "follow-me" numbers that forward anywhere at a premium
    block_uan: bool = True  # universal access numbers (UK 03/084x-style, non-geographic)
    block_voicemail: bool = True
    block_international_networks: bool = True  # +881/+870 satellite, +882/+883 international networks, +800…

    def blocked_types(self) -> dict[int, NumberProblemKind]:
        """libphonenumber's number types this policy refuses, with the reason each is refused for."""
        blocked = {
            PhoneNumberType.PREMIUM_RATE: (self.block_premium_rate, NumberProblemKind.PREMIUM_RATE),
            PhoneNumberType.SHARED_COST: (self.block_shared_cost, NumberProblemKind.SHARED_COST),
            PhoneNumberType.PERSONAL_NUMBER: (self.block_personal_numbers, NumberProblemKind.PERSONAL_NUMBER),
            PhoneNumberType.UAN: (self.block_uan, NumberProblemKind.UAN),
            PhoneNumberType.VOICEMAIL: (self.block_voicemail, NumberProblemKind.VOICEMAIL),
        }
        return {kind: problem for kind, (on, problem) in blocked.items() if on}


# libphonenumber's region for numbers of no country (satellite, international networks, UIFN).
_NO_COUNTRY = "001"
_LETTERS = re.compile(r"[A-Za-z]")

_POSSIBLE_TO_PROBLEM = {
    ValidationResult.TOO_SHORT: NumberProblemKind.TOO_SHORT,
    ValidationResult.INVALID_LENGTH: NumberProblemKind.INVALID,
    ValidationResult.TOO_LONG: NumberProblemKind.TOO_LONG,
    ValidationResult.INVALID_COUNTRY_CODE: NumberProblemKind.BAD_COUNTRY_CODE,
}


def looks_like_number(text: str) -> bool:
    """Whether text is made of what people type in phone numbers (digits, +, -, spaces, brackets)."""
    stripped = text.strip()
    digits = sum(ch.isdigit() for ch in stripped)
    return (digits >= 3 or (digits >= 1 and stripped.startswith("+"))) and all(
        ch.isdigit() or ch in "+-() ." for ch in stripped
    )


def normalise(text: str, policy: DialingPolicy) -> str | NumberProblem:
    """E.164 form of `text`, or the reason it cannot be dialled under `policy`."""
    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if _LETTERS.search(raw) and any(ch.isdigit() for ch in raw) and not raw.startswith("+"):
        # libphonenumber turns letters into keypad digits and reads the result in the default region:
        # 1-900-FLOWERS became a Chinese mobile. A vanity number is only dialled with its country code.
        return NumberProblem(text, NumberProblemKind.VANITY_WITHOUT_COUNTRY_CODE)
    try:
        number = phonenumbers.parse(raw, policy.region)
    except NumberParseException as exc:
        kind = {
            NumberParseException.INVALID_COUNTRY_CODE: NumberProblemKind.BAD_COUNTRY_CODE,
            NumberParseException.TOO_SHORT_NSN: NumberProblemKind.TOO_SHORT,
            NumberParseException.TOO_SHORT_AFTER_IDD: NumberProblemKind.TOO_SHORT,
            NumberParseException.TOO_LONG: NumberProblemKind.TOO_LONG,
        }.get(exc.error_type, NumberProblemKind.NOT_A_NUMBER)
        return NumberProblem(text, kind)
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != ValidationResult.IS_POSSIBLE and possible in _POSSIBLE_TO_PROBLEM:
        return NumberProblem(text, _POSSIBLE_TO_PROBLEM[possible])
    written_for = _region_written_for(raw, number)
    if written_for is not None:
        return NumberProblem(text, NumberProblemKind.REGION_MISMATCH, written_for)
    region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number(number):
        return NumberProblem(text, NumberProblemKind.INVALID, region)
    if region == _NO_COUNTRY and policy.block_international_networks:
        return NumberProblem(text, NumberProblemKind.INTERNATIONAL_NETWORK, region)
    if policy.allowed_countries is not None and region not in policy.allowed_countries:
        return NumberProblem(text, NumberProblemKind.COUNTRY_NOT_ALLOWED, region)
    blocked = policy.blocked_types().get(phonenumbers.number_type(number))
    if blocked is not None:
        return NumberProblem(text, blocked, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _groups(text: str) -> list[int]:
    return [len(group) for group in re.findall(r"\d+", text)]


def _region_written_for(raw: str, number: phonenumbers.PhoneNumber) -> str | None:
    """The region a number without + is plainly written for, when that is not the region it was read in.

    `1-415-555-2671` read in CN is a valid Chinese number by its digits, but its grouping is North
    America's `+1 415-555-2671`: the text says one country and the digits would dial another.
    Only a grouping that matches the other country's international format, and not the national
    format of the region it was read in, counts; digits written in one run say nothing.
    """
    if raw.startswith("+"):
        return None
    groups = _groups(raw)
    if len(groups) < 2:
        return None
    digits = "".join(ch for ch in raw if ch.isdigit())
    try:
        other = phonenumbers.parse("+" + digits, None)
    except NumberParseException:
        return None
    if other.country_code == number.country_code or not phonenumbers.is_valid_number(other):
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(other, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if groups == _groups(national) or groups != _groups(international):
        return None
    return phonenumbers.region_code_for_number(other)


def mask(e164: str) -> str:
    """A number as shown in Slack when masking is on: 138****8000 (national digits, middle hidden)."""
    try:
        number = phonenumbers.parse(e164, None)
        digits = phonenumbers.national_significant_number(number)
    except NumberParseException:
        digits = "".join(ch for ch in e164 if ch.isdigit())
    if len(digits) <= 6:
        return "*" * (len(digits) - 2) + digits[-2:]
    keep_head = 3 if len(digits) >= 10 else 2
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def display(e164: str, masked: bool) -> str:
    """How a number is shown to people: masked, or in international format."""
    if masked:
        return mask(e164)
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def dial_string(e164: str, region: str) -> str:
    """The digits a line in `region` dials for a number: national (with trunk 0) at home, IDD abroad.

    '+8613692206627' → '13692206627', '+861058512042' → '01058512042', '+14155552671' → '0014155552671'
    from CN: for vendors that dial exactly what they are sent (Yunhuni, the CTI platform).
    """
    number = phonenumbers.parse(e164, None)
    return "".join(ch for ch in phonenumbers.format_out_of_country_calling_number(number, region) if ch.isdigit())


@dataclass(frozen=True)
class NumberParts:
    """An E.164 number split the way vendors with landline/mobile forms want it."""

    country_code: str  # without + or 00, e.g. "86"
    national: str  # national significant number
    is_mobile: bool
    area_code: str = ""  # without its trunk 0, landlines only
    local: str = ""  # the subscriber number after the area code, landlines only


def split_number(e164: str) -> NumberParts:
    """Country code, area code and local number of an E.164 number (area code for landlines only)."""
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.national_significant_number(number)
    # A fixed line is a landline wherever it is; only a mainland China landline is written as area
    # code + local number (Quanshi's rule, seed 004): elsewhere the whole national number is local.
    # Numbers that may be either (FIXED_LINE_OR_MOBILE, as in North America) go as mobiles.
    if phonenumbers.number_type(number) != PhoneNumberType.FIXED_LINE:
        return NumberParts(str(number.country_code), national, True)
    area_len = phonenumbers.length_of_geographical_area_code(number) if number.country_code == 86 else 0
    return NumberParts(str(number.country_code), national, False, national[:area_len], national[area_len:])
