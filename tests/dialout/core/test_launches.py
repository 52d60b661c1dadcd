"""What a bulk launch's summary says: how many, Slack users as such, typed numbers by country, rooms,
and how long sending takes at the pace."""

from __future__ import annotations

import pytest

from bot.dialout.core.launches import region_of, summarise
from bot.kernel.people import Party, PartyKind


def phone(number: str, user: str | None = None) -> Party:
    return Party(PartyKind.PHONE, number, slack_user_id=user)


def test_the_summary_counts_users_countries_and_rooms_and_times_it_at_the_pace() -> None:
    parties = [
        *(phone(f"+86138{i:08d}") for i in range(3)),
        phone("+447400123456"),
        phone("+12125550123"),
        phone("+14155552671"),
        phone("+8613900000011", user="U0BOB"),  # a Slack user, whatever their number's country
        Party(PartyKind.ROOM, "room-7"),
    ]
    summary = summarise(parties, pace_per_min=4)
    assert summary.parties == 8 and summary.slack_users == 1 and summary.others == 1
    assert summary.countries == (("CN", 3), ("US", 2), ("GB", 1))
    assert summary.estimate_s == pytest.approx(120.0)


def test_an_unpaced_launch_has_no_duration() -> None:
    assert summarise([phone("+8613800138001")], pace_per_min=0).estimate_s is None


def test_only_phone_numbers_have_a_region() -> None:
    assert region_of(phone("+85291234567")) == "HK"
    assert region_of(Party(PartyKind.SIP, "sip:room@example.com")) is None
    assert region_of(phone("not a number")) is None
