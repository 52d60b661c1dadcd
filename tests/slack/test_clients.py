"""Each workspace's Slack client from the installation store (OAuth mode), on the migrated database."""

from __future__ import annotations

import time

import pytest
from prometheus_client import CollectorRegistry, Counter
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from bot.slack.clients import InstalledClients, NotInstalled


def clients_on(store: AsyncSQLAlchemyInstallationStore) -> InstalledClients:
    calls = Counter("calls", "Slack calls", ["method", "outcome"], registry=CollectorRegistry())
    return InstalledClients(
        store,
        client_id="1.2",
        client_secret="secret",
        base_url="http://127.0.0.1:9/api/",
        calls=calls,
        rotate_minutes_before=120,
    )


def bot(team: str, token: str, enterprise: str | None = None) -> Bot:
    return Bot(
        app_id="A0CONFBOT",
        enterprise_id=enterprise,
        team_id=team,
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="chat:write",
        installed_at=time.time(),
    )


async def test_a_workspace_gets_its_own_token_and_one_of_an_enterprise_grid_org_too(engine) -> None:
    store = AsyncSQLAlchemyInstallationStore(client_id="1.2", engine=engine)
    await store.async_save_bot(bot("T1", "xoxb-one"))
    await store.async_save_bot(bot("T2", "xoxb-two", enterprise="E1"))  # a Grid org's workspace
    clients = clients_on(store)
    assert (await clients.for_team("T1")).token == "xoxb-one"
    assert (await clients.for_team("T2")).token == "xoxb-two"


async def test_a_workspace_that_never_installed_or_uninstalled_has_no_client(engine) -> None:
    store = AsyncSQLAlchemyInstallationStore(client_id="1.2", engine=engine)
    await store.async_save_bot(bot("T1", "xoxb-one"))
    clients = clients_on(store)
    with pytest.raises(NotInstalled):
        await clients.for_team("T9")
    await store.async_delete_all(enterprise_id=None, team_id="T1")
    with pytest.raises(NotInstalled):
        await clients.for_team("T1")
    with pytest.raises(NotInstalled):
        await clients.for_team(None)
