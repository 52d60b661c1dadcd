"""Reading App Home's settings form: every box checked at once, a box left out keeps its value, and what is
read round-trips through the stored values."""

from __future__ import annotations

from datetime import time

import pytest

from bot.config import Settings
from bot.dialout.core.settings_form import (
    SettingsFormErrors,
    SettingsProblem,
    blocked_of,
    form_values,
    read_settings,
)
from bot.kernel.workspace_settings import QuietHours, settings_values, with_values

CURRENT = Settings(default_region="CN", default_provider="sandbox").workspace_defaults()
CHOICES = {"conference": ("sandbox", "yunhuni"), "meeting": ("tencent_meeting",), "event": ()}


def test_the_prefilled_form_read_back_unchanged_is_the_same_settings() -> None:
    assert CURRENT.default_providers["event"] == "quanshi"  # not configured here: kept, since nobody changed it
    assert read_settings(form_values(CURRENT), blocked_of(CURRENT), CURRENT, CHOICES) == CURRENT


def test_every_box_is_read_into_the_settings() -> None:
    form = {
        "provider_conference": "yunhuni",
        "provider_event": "any",
        "region": "hk",
        "allowed_countries": "cn， HK hk",
        "max_parties": "20",
        "daily_per_user": "",
        "daily_per_workspace": "500",
        "approval_over": "30",
        "quiet_hours": "22:00-7:30",
        "default_tz": "Asia/Hong_Kong",
        "retry_policy": "busy=3x2m",
        "reminder_minutes": "0",
        "pace_per_min": "12.5",
        "tencent_operators": "U0AMY=amy, <@U0LI>=li",
        "invite_admin_group": "S0HELP",
        "route_admin_group": "",
    }
    read = read_settings(form, ["block_premium_rate"], CURRENT, CHOICES)
    assert read.default_providers == {"conference": "yunhuni", "meeting": "tencent_meeting", "event": ""}
    assert (read.policy.region, read.policy.allowed_countries) == ("HK", frozenset({"CN", "HK"}))
    assert read.policy.block_premium_rate and not read.policy.block_uan and not read.policy.block_voicemail
    assert (read.limits.max_parties, read.limits.daily_per_user, read.limits.daily_per_workspace) == (20, 0, 500)
    assert (read.limits.approval_over, read.limits.quiet_hours) == (30, QuietHours(time(22), time(7, 30)))
    assert (read.default_tz, read.retry_policy, read.reminder_minutes, read.pace_per_min) == (
        "Asia/Hong_Kong",
        "busy=3x2m",
        0,
        12.5,
    )
    assert read.tencent_operators == {"U0AMY": "amy", "U0LI": "li"}
    assert (read.invite_admin_group, read.route_admin_group) == ("S0HELP", "")
    assert with_values(CURRENT, settings_values(read)) == read  # what is stored reads back the same


def test_a_box_left_out_keeps_its_current_value() -> None:
    read = read_settings({"reminder_minutes": "5"}, blocked_of(CURRENT), CURRENT, CHOICES)
    assert read.reminder_minutes == 5 and read.default_providers == CURRENT.default_providers


@pytest.mark.parametrize(
    ("box", "text", "problem"),
    [
        ("provider_conference", "tencent_meeting", SettingsProblem.PROVIDER),  # does not serve conferences
        ("provider_event", "voipnow", SettingsProblem.PROVIDER),  # not configured for events
        ("region", "ZZ", SettingsProblem.REGION),
        ("allowed_countries", "CN, XX", SettingsProblem.COUNTRY),
        ("max_parties", "-1", SettingsProblem.COUNT),
        ("approval_over", "1e3", SettingsProblem.COUNT),
        ("daily_per_user", "１２", SettingsProblem.COUNT),  # full-width digits
        ("reminder_minutes", "1441", SettingsProblem.REMINDER),
        ("quiet_hours", "22:00", SettingsProblem.QUIET_HOURS),
        ("default_tz", "../etc/passwd", SettingsProblem.TIME_ZONE),
        ("default_tz", "Mars/Olympus", SettingsProblem.TIME_ZONE),
        ("retry_policy", "busy=forever", SettingsProblem.RETRY),
        ("pace_per_min", "nan", SettingsProblem.PACE),
        ("pace_per_min", "-3", SettingsProblem.PACE),
        ("tencent_operators", "U0AMY amy", SettingsProblem.OPERATORS),
        ("tencent_operators", "amy=U0AMY", SettingsProblem.OPERATORS),
        ("invite_admin_group", "<!subteam^S0X>", SettingsProblem.GROUP),
    ],
)
def test_a_wrong_box_is_refused_with_its_problem(box: str, text: str, problem: SettingsProblem) -> None:
    with pytest.raises(SettingsFormErrors) as refused:
        read_settings({box: text}, blocked_of(CURRENT), CURRENT, CHOICES)
    assert {key: error.problem for key, error in refused.value.errors.items()} == {box: problem}


def test_a_number_type_that_cannot_be_blocked_is_refused() -> None:
    with pytest.raises(SettingsFormErrors) as refused:
        read_settings({}, ["block_everything"], CURRENT, CHOICES)
    assert refused.value.errors["blocked_types"].problem is SettingsProblem.BLOCKED_TYPE
