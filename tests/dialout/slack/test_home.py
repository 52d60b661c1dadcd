"""App Home built from state: my dial-outs paged within Slack's limits, the settings only for admins."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from slack_sdk.models.views import View as SlackView

from bot.dialout.core.answers import HomeReply
from bot.dialout.core.listing import HomePage, InviteListing, ListedInvite
from bot.dialout.core.models import InviteStatus
from bot.dialout.slack.home import MAX_HOME_BLOCKS, ProviderFact, WorkspaceFacts, build_home
from bot.slack import ids
from tests.dialout.slack.test_blocks import attempts, invite, view

FACTS = WorkspaceFacts(
    providers=(ProviderFact("sandbox", "Sandbox", ()), ProviderFact("voipnow", "VoipNow", ("VOIPNOW_BASE_URL",))),
    default_providers={"conference": "sandbox", "meeting": "", "event": ""},
    region="CN",
    allowed_countries=("CN", "HK"),
    route_admin_group="S0ROUTES",
)


def page(upcoming: int = 2, recent: int = 2, number: int = 0, more: bool = False) -> HomePage:
    def listed(n: int, status: InviteStatus) -> tuple[ListedInvite, ...]:
        return tuple(ListedInvite(replace(invite(status), id=i + 1), tuple(attempts())) for i in range(n))

    return HomePage(
        InviteListing(listed(upcoming, InviteStatus.SCHEDULED), listed(recent, InviteStatus.DONE)), number, more, False
    )


def text_of(home: dict) -> str:
    return json.dumps(home, ensure_ascii=False)


def test_a_member_sees_their_invites_with_cancel_and_no_settings() -> None:
    home = build_home(HomeReply("en", page(), is_admin=False, provider_titles={"sandbox": "Sandbox"}), view(), FACTS)
    text = text_of(home)
    assert home["type"] == "home" and "Upcoming" in text and "Recent" in text
    assert sum(1 for b in home["blocks"] if b.get("accessory", {}).get("action_id") == ids.CANCEL_INVITE_ACTION) == 2
    assert "Workspace settings" not in text and "VOIPNOW_BASE_URL" not in text


def test_an_admin_also_sees_the_workspace_settings_read_only_and_no_secret() -> None:
    home = build_home(HomeReply("en", page(), is_admin=True), view(), FACTS)
    text = text_of(home)
    assert "Workspace settings (admins)" in text
    assert "Providers ready: Sandbox" in text and "VoipNow (VOIPNOW_BASE_URL)" in text
    assert "CN, HK" in text and "<!subteam^S0ROUTES>" in text and "conference calls: sandbox" in text
    assert not any(b["type"] == "input" for b in home["blocks"])  # nothing to change here


def test_the_admin_view_names_the_refused_number_types_and_who_may_use_any_invites_buttons(monkeypatch) -> None:
    from bot.config import Settings
    from bot.dialout.feature import workspace_facts

    monkeypatch.setenv("BLOCK_VOICEMAIL", "false")
    monkeypatch.setenv("INVITE_ADMIN_GROUP", "S0OPS")
    facts = workspace_facts(Settings(), {})
    text = text_of(build_home(HomeReply("en", page(), is_admin=True), view(), facts))
    assert "Number types refused" in text and "premium rate" in text and "satellite" in text
    assert "voicemail" not in text  # switched off
    assert "<!subteam^S0OPS>" in text


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_full_page_stays_within_slacks_limits_and_offers_the_next_one(locale: str) -> None:
    reply = HomeReply(locale, page(upcoming=10, recent=10, number=1, more=True), is_admin=True)
    home = build_home(reply, view(locale), FACTS)
    assert len(home["blocks"]) <= MAX_HOME_BLOCKS
    SlackView(type="home", blocks=home["blocks"]).validate_json()
    [pager] = [b for b in home["blocks"] if b.get("block_id") == "home_pager"]
    assert [e["value"] for e in pager["elements"]] == ["0", "2"]  # newer, older
    assert len({e["action_id"] for e in pager["elements"]}) == 2  # ids unique within the view


def test_the_home_speaks_chinese_to_a_chinese_user() -> None:
    text = text_of(build_home(HomeReply("zh", page(0, 0), is_admin=True), view("zh"), FACTS))
    assert "你的外呼" in text and "工作区设置（管理员）" in text and "你没有待执行的外呼" in text
