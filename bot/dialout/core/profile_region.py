"""Which region a mentioned person's profile number is read in: their Slack time zone's country,
else the workspace's (DEFAULT_REGION).

A profile number written without a country code ("212 555 0100") is read as a national number;
read in the workspace's region, a New York colleague's number in a CN workspace would be wrong or
refused. Slack gives each user's IANA zone, and the tz database says which country a zone is in:
`zone.tab` (one country per zone) from the `tzdata` package confbot already depends on, rather
than a table of our own. A zone it does not list (UTC, a link such as US/Eastern) says nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from importlib.resources import files

from bot.kernel.people import UserProfile
from bot.kernel.phone import DialingPolicy, normalise


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone → ISO 3166 country, from tzdata's zone.tab (comment lines start with #)."""
    table = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    countries: dict[str, str] = {}
    for line in table.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            countries[fields[2]] = fields[0]
    return countries


def region_of_zone(tz: str) -> str | None:
    """The country of an IANA zone ('America/New_York' → 'US'), None for a zone of no one country."""
    return _zone_countries().get(tz)


def profile_policy(profile: UserProfile, policy: DialingPolicy) -> DialingPolicy:
    """The dialing policy to read this person's profile number with: their zone's region, else the workspace's.

    Only the reading region changes; what may be dialled (countries, blocked types) stays the workspace's.
    """
    region = region_of_zone(profile.tz)
    return policy if region is None or region == policy.region else replace(policy, region=region)


def assumed_regions(
    mentions: Sequence[str], profiles: Mapping[str, UserProfile | None], policy: DialingPolicy
) -> dict[str, str]:
    """Mentioned people whose profile number was read in a region other than the workspace's, and that
    region: only where it changed the number (one written with its country code reads the same anywhere)."""
    assumed: dict[str, str] = {}
    for user_id in mentions:
        profile = profiles.get(user_id)
        if profile is None or not profile.phone:
            continue
        own = profile_policy(profile, policy)
        if own.region != policy.region and normalise(profile.phone, own) != normalise(profile.phone, policy):
            assumed[user_id] = own.region
    return assumed
