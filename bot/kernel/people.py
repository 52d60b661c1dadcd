"""Who is called and who asks: parties (phones, meeting rooms) and Slack users' profiles.

Shared by dial-out and inbound routing; plain values only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PartyKind(StrEnum):
    """What a party's address is: a phone number or a meeting-room endpoint."""

    PHONE = "phone"
    ROOM = "room"  # a provider's meeting-room id
    SIP = "sip"  # an MRA address, SIP URI or IP
    H323 = "h323"  # an MRA address, IP or E.164 alias


@dataclass(frozen=True)
class Party:
    """One callee. A Slack mention becomes a phone party carrying the user's id and name."""

    kind: PartyKind
    address: str  # E.164 for phones, room id or dial string otherwise
    slack_user_id: str | None = None
    name: str | None = None
    company: str | None = None


@dataclass(frozen=True)
class UserProfile:
    """What confbot needs to know about a Slack user (read from their profile)."""

    user_id: str
    tz: str = "UTC"
    locale: str = "en"
    phone: str | None = None
    real_name: str | None = None
    title: str | None = None
    is_admin: bool = False
    deleted: bool = False
    is_bot: bool = False
    team_id: str | None = None  # their workspace (users.info), None when Slack did not say
