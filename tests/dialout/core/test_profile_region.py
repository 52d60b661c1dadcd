"""A mentioned person's profile number without a country code is read in their Slack zone's country."""

from __future__ import annotations

import pytest

from bot.dialout.core.command import InviteDraft, parse_command, resolve_parties
from bot.dialout.core.profile_region import assumed_regions, region_of_zone
from bot.kernel.people import UserProfile
from bot.kernel.phone import DialingPolicy
from tests.dialout.core.test_command import CTX

CN = DialingPolicy("CN")


@pytest.mark.parametrize(
    ("zone", "region"),
    [("America/New_York", "US"), ("Asia/Shanghai", "CN"), ("Europe/London", "GB"), ("UTC", None), ("Mars/Base", None)],
)
def test_a_zone_names_its_country_from_the_tz_database(zone: str, region: str | None) -> None:
    assert region_of_zone(zone) == region


def _draft(*users: str) -> InviteDraft:
    draft = parse_command(" ".join(f"<@{u}>" for u in users) + " into conf 42 tomorrow 3pm", CTX)
    assert isinstance(draft, InviteDraft)
    return draft


def test_a_new_yorkers_number_without_plus_one_is_a_us_number_in_a_cn_workspace() -> None:
    profiles = {
        "U0NY": UserProfile("U0NY", tz="America/New_York", phone="212 555 0123"),
        "U0SH": UserProfile("U0SH", tz="Asia/Shanghai", phone="139 0000 0011"),
        "U0INTL": UserProfile("U0INTL", tz="Europe/London", phone="+86 139 0000 0012"),
        "U0UTC": UserProfile("U0UTC", tz="UTC", phone="139 0000 0013"),
    }
    draft = _draft(*profiles)
    parties = resolve_parties(draft, profiles, CN)
    assert [p.address for p in parties] == ["+12125550123", "+8613900000011", "+8613900000012", "+8613900000013"]
    assert assumed_regions(draft.mentions, profiles, CN) == {"U0NY": "US"}


def test_the_zone_only_changes_how_a_number_is_read_not_what_may_be_dialled() -> None:
    profiles = {"U0NY": UserProfile("U0NY", tz="America/New_York", phone="212 555 0123")}
    with pytest.raises(Exception) as refused:
        resolve_parties(_draft("U0NY"), profiles, DialingPolicy("CN", allowed_countries=frozenset({"CN"})))
    assert "country_not_allowed" in str(refused.value)
