from datetime import time

import pytest

from bot.config import Settings
from bot.kernel.workspace_settings import (
    FixedWorkspaceSettings,
    QuietHours,
    QuietHoursSyntaxError,
    parse_quiet_hours,
)


def test_quiet_hours_across_midnight_hold_late_evening_and_early_morning_only() -> None:
    quiet = parse_quiet_hours("21:00-8:00")
    assert quiet == QuietHours(time(21), time(8))
    assert quiet.contains(time(21)) and quiet.contains(time(23, 59)) and quiet.contains(time(7, 59))
    assert not quiet.contains(time(8)) and not quiet.contains(time(12)) and not quiet.contains(time(20, 59))
    assert quiet.written() == "21:00-08:00"


def test_quiet_hours_within_a_day_hold_only_between_their_times() -> None:
    quiet = parse_quiet_hours("12:30-13:30")
    assert quiet is not None
    assert quiet.contains(time(12, 30)) and not quiet.contains(time(13, 30)) and not quiet.contains(time(9))


@pytest.mark.parametrize("text", ["", "off", " OFF "])
def test_empty_or_off_quiet_hours_mean_never_quiet(text: str) -> None:
    assert parse_quiet_hours(text) is None


@pytest.mark.parametrize("text", ["21-8", "21:00", "25:00-08:00", "21:00-21:00", "9pm-8am", "21:00-08:00-09:00"])
def test_unreadable_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(QuietHoursSyntaxError):
        parse_quiet_hours(text)


def test_a_setting_of_unreadable_quiet_hours_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="quiet_hours"):
        Settings(quiet_hours="nightly", _env_file=None)  # type: ignore[call-arg]


async def test_every_workspace_gets_the_environments_settings_until_its_admins_save_their_own() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        allowed_countries="CN,HK",
        max_parties_per_invite=300,
        quiet_hours="22:00-07:00",
        approval_over=100,
        retry_policy="busy=2",
    )
    source = FixedWorkspaceSettings(settings.workspace_defaults())
    for team in ("T1", "T2"):
        got = await source.for_team(team)
        assert got.policy.allowed_countries == frozenset({"CN", "HK"})
        assert got.limits.max_parties == 300 and got.limits.approval_over == 100
        assert got.limits.quiet_hours == QuietHours(time(22), time(7))
        assert got.retry_policy == "busy=2" and got.default_providers["meeting"] == "tencent_meeting"
