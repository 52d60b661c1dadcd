"""App Home: upcoming dial-outs (mine and my channels'), my recent ones with outcomes, paged; for admins, settings.

Published on `app_home_opened` and when its Newer/Older buttons are clicked, rebuilt each time from
the store by pure functions, within Slack's 100-block limit for a view. The settings part shows
admins the workspace's settings (the environment's, overridden by what its admins saved); the
Workspace settings button, for admins and the invite admin group, opens them for change
(settings_view.py). The channels the user is in come from Slack (`users.conversations`, cached
briefly); when Slack will not say, the home still shows the user's own invites and a line saying the
channels' could not be listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.models.views import View as SlackView
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.answers import HomeReply
from bot.dialout.core.models import Invite
from bot.dialout.core.requests import DialRequests
from bot.dialout.core.series_requests import SeriesRequests
from bot.dialout.core.settings_requests import SettingsRequests
from bot.dialout.slack.form_listeners import team_of
from bot.dialout.slack.listing import build_invite_lines
from bot.dialout.slack.series_view import build_series_list
from bot.dialout.slack.thread import View
from bot.kernel.phone import NumberProblemKind
from bot.kernel.ports import Clock
from bot.kernel.workspace_settings import WorkspaceSettings
from bot.slack import ids
from bot.slack.memberships import ChannelMemberships
from bot.slack.messages import t

MAX_HOME_BLOCKS = 100


@dataclass(frozen=True)
class ProviderFact:
    """One registered provider as an admin sees it."""

    name: str
    title: str
    missing: tuple[str, ...]  # settings still needed; empty = ready


@dataclass(frozen=True)
class WorkspaceFacts:
    """The workspace settings shown read-only to admins (from the environment, never a secret)."""

    providers: tuple[ProviderFact, ...]
    default_providers: Mapping[str, str]  # target kind → provider name ('' = the configured one that can)
    region: str
    allowed_countries: tuple[str, ...] = ()  # empty: every country
    block_premium_rate: bool = True
    route_admin_group: str = ""
    missed_grace_minutes: float = 10.0
    blocked_types: tuple[str, ...] = ()  # the dialing policy's refused number types (NumberProblemKind values)
    invite_admin_group: str = ""  # may use any invite's buttons besides its creator and admins
    extra: Mapping[str, str] = field(default_factory=dict)


def build_home(
    reply: HomeReply,
    view: View,
    facts: WorkspaceFacts,
    series_lines: Sequence[str] = (),
    *,
    manages_settings: bool = False,
) -> dict[str, Any]:
    """The home tab view for `reply`'s user, their repeating series first (`series_lines`, as `/dial list`
    words them); checked with slack_sdk's View. `manages_settings`: the Workspace settings button shows."""
    locale = view.locale
    blocks: list[dict[str, Any]] = [
        _header(t("home.title", locale)),
        _context(t("home.hint", locale)),
        *([_context(t("home.channels_unlisted", locale))] if reply.channels_unlisted else []),
        *([_section("\n".join(series_lines))] if series_lines else []),
        *build_invite_lines(reply.page.listing, view, reply.provider_titles, ("home.upcoming", "home.recent")),
    ]
    pager = _pager(reply, locale)
    if pager:
        blocks.append(pager)
    if reply.is_admin:
        blocks.extend(_settings(facts, locale))
    if manages_settings:
        blocks.append(_manage_button(locale))
    home: dict[str, Any] = {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
    SlackView(type="home", blocks=home["blocks"]).validate_json()  # raises on what Slack would refuse
    return home


def _pager(reply: HomeReply, locale: str) -> dict[str, Any] | None:
    page = reply.page
    buttons = []
    if page.page > 0:
        buttons.append(_button(t("home.newer", locale), page.page - 1))
    if page.more_upcoming or page.more_recent:
        buttons.append(_button(t("home.older", locale), page.page + 1))
    if not buttons:
        return None
    return {"type": "actions", "block_id": "home_pager", "elements": buttons}


def _button(text: str, page: int) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": f"{ids.HOME_PAGE_ACTION}:{page}",
        "text": {"type": "plain_text", "text": text},
        "value": str(page),
    }


def _settings(facts: WorkspaceFacts, locale: str) -> list[dict[str, Any]]:
    ready = [p.title for p in facts.providers if not p.missing]
    not_ready = [f"{p.title} ({', '.join(p.missing)})" for p in facts.providers if p.missing]
    defaults = ", ".join(
        f"{t(f'kind.{kind}', locale)}: {name or t('home.any_provider', locale)}"
        for kind, name in facts.default_providers.items()
    )
    lines = [
        t("home.settings.providers", locale, ready=", ".join(ready) or "—"),
        t("home.settings.not_ready", locale, providers="; ".join(not_ready) or "—"),
        t("home.settings.defaults", locale, defaults=defaults),
        t("home.settings.region", locale, region=facts.region),
        t(
            "home.settings.countries",
            locale,
            countries=", ".join(facts.allowed_countries) or t("home.settings.every_country", locale),
        ),
        t(
            "home.settings.blocked_types",
            locale,
            types=", ".join(t(f"numtype.{kind}", locale) for kind in facts.blocked_types) or "—",
        ),
        t("home.settings.grace", locale, minutes=f"{facts.missed_grace_minutes:g}"),
        t(
            "home.settings.route_admins",
            locale,
            group=f"<!subteam^{facts.route_admin_group}>" if facts.route_admin_group else "—",
        ),
        t(
            "home.settings.invite_admins",
            locale,
            group=f"<!subteam^{facts.invite_admin_group}>" if facts.invite_admin_group else "—",
        ),
    ]
    return [
        {"type": "divider"},
        _header(t("home.settings.title", locale)),
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(f"• {line}" for line in lines)}},
        _context(t("home.settings.where", locale)),
        {
            "type": "actions",
            "block_id": "home_audit",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.AUDIT_EXPORT_ACTION,
                    "text": {"type": "plain_text", "text": t("home.audit_export", locale)},
                }
            ],
        },
    ]


def _manage_button(locale: str) -> dict[str, Any]:
    button = {
        "type": "button",
        "action_id": ids.SETTINGS_OPEN_ACTION,
        "text": {"type": "plain_text", "text": t("home.settings.manage", locale)},
    }
    return {"type": "actions", "block_id": "home_settings", "elements": [button]}


def facts_of(facts: WorkspaceFacts, settings: WorkspaceSettings) -> WorkspaceFacts:
    """The deployment's facts with one workspace's own settings in place of the environment's."""
    policy = settings.policy
    blocked = {kind.value for kind in policy.blocked_types().values()}
    if policy.block_international_networks:
        blocked.add(NumberProblemKind.INTERNATIONAL_NETWORK.value)
    return replace(
        facts,
        default_providers=dict(settings.default_providers),
        region=policy.region,
        allowed_countries=tuple(sorted(policy.allowed_countries or ())),
        block_premium_rate=policy.block_premium_rate,
        route_admin_group=settings.route_admin_group,
        blocked_types=tuple(sorted(blocked)),
        invite_admin_group=settings.invite_admin_group,
    )


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


@dataclass(frozen=True)
class HomePublisher:
    """Publishes a user's App Home, rebuilt from the store: when opened, per page, and when their invite changes."""

    requests: DialRequests
    clock: Clock
    mask_numbers: bool
    facts: WorkspaceFacts
    memberships: ChannelMemberships = field(default_factory=ChannelMemberships)
    series: SeriesRequests | None = None  # None: no repeating invites to list
    settings: SettingsRequests | None = None  # None: no Workspace settings button (settings from the environment)

    async def publish(self, client: AsyncWebClient, user_id: str, page: int = 0, team_id: str = "") -> None:
        channels = await self.memberships.channels_of(client, user_id)
        reply = await self.requests.home(user_id, page, channels)
        view = View(locale=reply.locale, mask_numbers=self.mask_numbers, now=self.clock.now())
        lines: list[str] = []
        if self.series is not None and page == 0:  # the user's own live series, on the first page
            lines = build_series_list(await self.series.listing(user_id, "", self.clock.now()))
        facts, manages = self.facts, False
        if self.settings is not None and team_id:
            facts = facts_of(self.facts, await self.settings.settings_of(team_id))
            manages = await self.settings.may_manage(team_id, user_id)
        home = build_home(reply, view, facts, lines, manages_settings=manages)
        await client.views_publish(user_id=user_id, view=home)

    async def refresh_for(self, client: AsyncWebClient, invite: Invite) -> None:
        """An invite changed: its creator's home shows it as it is now (the first page, where it is listed)."""
        await self.publish(client, invite.created_by, team_id=invite.team_id)


def register(app: AsyncApp, *, publisher: HomePublisher) -> None:
    """Publish the home tab when it is opened, and again for each page asked for."""
    publish = publisher.publish

    @app.event("app_home_opened")
    async def handle_home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home":
            await publish(client, event["user"], 0, str(body.get("team_id") or ""))

    @app.action(_PAGE_ACTION)
    async def handle_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        page = page_of(str(body["actions"][0].get("value") or ""))
        await publish(client, body["user"]["id"], page, team_of(body))


def page_of(value: str) -> int:
    """The page a Newer/Older button asks for; its value comes back from the client, so anything but a
    small page number (`abc`, thirty 9s that would overflow the query's LIMIT) is the first page."""
    return int(value) if re.fullmatch(r"[0-9]{1,4}", value) else 0


_PAGE_ACTION = re.compile(rf"^{ids.HOME_PAGE_ACTION}:\d+$")  # one action id per page: ids are unique per view
