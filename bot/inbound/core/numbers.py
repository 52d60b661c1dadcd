"""Telephone numbers as the CTI platform writes them: lookup keys, caller prefixes, what it must dial.

The platform sends national numbers with their trunk 0 and dials what we send as is, so a
route's access number, a rule's caller prefix and a callee are all reduced to the same digits
however people typed them.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException

from bot.kernel.phone import dial_string


def _home_code(region: str) -> str:
    return str(phonenumbers.country_code_for_region(region.upper()))


def number_key(text: str, region: str = "CN") -> str:
    """The digits that identify a number however it is written, in the platform's national form.

    '+86 400-123-4567' and '4001234567' give '4001234567'; '+86 10 5851 2042' and '010-58512042'
    give '01058512042' (with the trunk 0, as a CTI platform sends national numbers); numbers
    of other countries become '00' + country code + number.
    """
    raw = re.sub(r"[^\d+]", "", text.strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if not raw.startswith("+"):
        return re.sub(r"\D", "", raw)
    try:
        number = phonenumbers.parse(raw, None)
    except NumberParseException:
        return "00" + raw[1:]
    if str(number.country_code) == _home_code(region):
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return re.sub(r"\D", "", national)
    return "00" + raw[1:]


def prefix_key(text: str, region: str = "CN") -> str:
    """A caller prefix in the form caller numbers arrive in: '+86139' → '139', '+1' → '001'."""
    raw = re.sub(r"[^\d+]", "", text.strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        home = _home_code(region)
        return raw[1 + len(home) :] if raw[1:].startswith(home) else "00" + raw[1:]
    return raw


def dialable(e164: str, region: str = "CN") -> str:
    """How the platform must dial an E.164 number: national digits at home, international prefix abroad.

    The platform dials what we send as is (its callResult 18, "外地手机号前未加0", shows it does no
    number rewriting), so a home landline keeps its trunk 0: '+861058512042' → '01058512042'.
    """
    return dial_string(e164, region)
