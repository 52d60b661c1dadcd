"""App Home's workspace settings in Slack: the button's listener, the modal built from the settings, its save.

The modal is a pure function of the current settings and the configured providers; each box's
block id is the stored key it sets (bot/dialout/core/settings_form.py), so the errors the core
names come back on their own boxes (`response_action: errors`). The workspace is the one Slack
says the submitter is in, never one the view carries, so a forged view cannot reach another team.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View as SlackView
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.settings_form import (
    ANY_PROVIDER,
    BLOCKED_TYPES_FIELD,
    COUNT_FIELDS,
    SettingsError,
    blocked_of,
    form_values,
)
from bot.dialout.core.settings_requests import SettingsRefused, SettingsRequests, SettingsSetup
from bot.dialout.slack.form_listeners import SPENT_TRIGGER, SubmittedViews, team_of
from bot.kernel.workspace_settings import BLOCKABLE_TYPES, PROVIDER_KINDS
from bot.slack import ids
from bot.slack.messages import t

log = logging.getLogger(__name__)

# Text boxes in the order shown, each with the message key of its hint (None: no hint).
_TEXT_BOXES: tuple[tuple[str, str | None], ...] = (
    ("region", "settings.hint.region"),
    ("allowed_countries", "settings.hint.allowed_countries"),
)
_LIMIT_BOXES: tuple[tuple[str, str | None], ...] = (
    *((key, "settings.hint.count") for key in COUNT_FIELDS),
    ("quiet_hours", "settings.hint.quiet_hours"),
)
_OTHER_BOXES: tuple[tuple[str, str | None], ...] = (
    ("default_tz", "settings.hint.default_tz"),
    ("retry_policy", "settings.hint.retry_policy"),
    ("reminder_minutes", "settings.hint.reminder_minutes"),
    ("pace_per_min", "settings.hint.pace_per_min"),
    ("tencent_operators", "settings.hint.tencent_operators"),
    ("invite_admin_group", "settings.hint.group"),
    ("route_admin_group", "settings.hint.group"),
)
TEXT_KEYS = tuple(key for key, _ in (*_TEXT_BOXES, *_LIMIT_BOXES, *_OTHER_BOXES))


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:2000], "emoji": True}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text[:75]), "value": value}


def _text_box(key: str, hint: str | None, value: str, locale: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": key, "max_length": 2000}
    if value:
        element["initial_value"] = value
    block: dict[str, Any] = {
        "type": "input",
        "block_id": key,
        "optional": True,
        "label": _plain(t(f"settings.label.{key}", locale)),
        "element": element,
    }
    if hint:
        block["hint"] = _plain(t(hint, locale))
    return block


def _provider_box(kind: str, setup: SettingsSetup, chosen: str) -> dict[str, Any]:
    locale = setup.locale
    options = [_option(t("settings.any_provider", locale), ANY_PROVIDER)]
    options += [_option(title or name, name) for name, title in setup.choices.get(kind, ())]
    element: dict[str, Any] = {"type": "static_select", "action_id": f"provider_{kind}", "options": options}
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:  # a default no longer configured shows unchosen, and is kept unless changed
        element["initial_option"] = initial
    return {
        "type": "input",
        "block_id": f"provider_{kind}",
        "optional": True,
        "label": _plain(t(f"settings.label.provider_{kind}", locale)),
        "element": element,
    }


def _blocked_box(setup: SettingsSetup) -> dict[str, Any]:
    locale = setup.locale
    options = [_option(t(f"settings.type.{flag}", locale), flag) for flag in BLOCKABLE_TYPES]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": BLOCKED_TYPES_FIELD, "options": options}
    initial = [o for o in options if o["value"] in blocked_of(setup.settings)]
    if initial:  # Slack refuses an empty initial_options
        element["initial_options"] = initial
    return {
        "type": "input",
        "block_id": BLOCKED_TYPES_FIELD,
        "optional": True,
        "label": _plain(t("settings.label.blocked_types", locale)),
        "element": element,
    }


def build_settings_modal(setup: SettingsSetup) -> dict[str, Any]:
    """The settings modal, prefilled with the workspace's settings now; checked with slack_sdk's View.

    Each box's action id is its block id (the stored key), so a submission reads back box by box.
    """
    locale = setup.locale
    values = form_values(setup.settings)
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": t("settings.intro", locale)}]},
        *(_provider_box(kind, setup, values[f"provider_{kind}"]) for kind in PROVIDER_KINDS),
        *(_text_box(key, hint, values[key], locale) for key, hint in _TEXT_BOXES),
        _blocked_box(setup),
        *(_text_box(key, hint, values[key], locale) for key, hint in (*_LIMIT_BOXES, *_OTHER_BOXES)),
    ]
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": ids.SETTINGS_VIEW,
        "title": _plain(t("settings.title", locale)[:24]),
        "submit": _plain(t("settings.submit", locale)),
        "close": _plain(t("settings.close", locale)),
        "blocks": blocks,
    }
    SlackView(**view).validate_json()  # raises on what Slack would refuse
    return view


def submitted_settings(view: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The boxes' text by key, and the ticked number types, from a view_submission's state.

    An empty text box comes as no value: it is "" (cleared). A select left unchosen is left out, so
    its setting is kept. A box missing from the state altogether (an older modal) is left out too.
    """
    state = (view.get("state") or {}).get("values") or {}

    def element(key: str) -> dict[str, Any]:  # each box's action id is its block id
        return dict((state.get(key) or {}).get(key) or {})

    form: dict[str, str] = {}
    for key in TEXT_KEYS:
        if key in state:
            form[key] = str(element(key).get("value") or "")
    for kind in PROVIDER_KINDS:
        option = element(f"provider_{kind}").get("selected_option")
        if option:
            form[f"provider_{kind}"] = str(option.get("value") or "")
    ticked = element(BLOCKED_TYPES_FIELD).get("selected_options") or []
    return form, [str(o.get("value") or "") for o in ticked]


def build_errors(refused: SettingsRefused) -> dict[str, str]:
    """Each refused box's sentence in the submitter's language, by block id (Slack shows it under the box)."""
    return {key: _error_text(error, refused.locale) for key, error in refused.errors.items()}


def _error_text(error: SettingsError, locale: str) -> str:
    return t(f"settings.error.{error.problem.value}", locale, **error.params)


def register(
    app: AsyncApp, *, requests: SettingsRequests, republish: Callable[[AsyncWebClient, str, str], Awaitable[None]]
) -> None:
    """The Workspace settings button and its modal's save; `republish(client, user, team)` refreshes App Home."""
    submitted = SubmittedViews()

    @app.action(ids.SETTINGS_OPEN_ACTION)
    async def handle_settings_open(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user_id = body["user"]["id"]
        setup = await requests.open(team_of(body), user_id)
        if setup is None:
            log.warning("workspace settings not opened: %s may not manage them", user_id)
            return
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=build_settings_modal(setup))
        except SlackApiError as exc:
            if (exc.response.get("error") if exc.response is not None else None) not in SPENT_TRIGGER:
                raise
            await client.chat_postMessage(channel=user_id, text=t("settings.expired", setup.locale))

    @app.view(ids.SETTINGS_VIEW)
    async def handle_settings_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        if not submitted.claim(view["id"]):
            await ack()  # the same modal is being (or was) saved
            return
        user_id, team_id = body["user"]["id"], team_of(body)
        form, blocked = submitted_settings(view)
        try:
            reply = await requests.submit(team_id, user_id, form, blocked)
        except BaseException:
            submitted.release(view["id"])
            raise
        if isinstance(reply, SettingsRefused):
            submitted.release(view["id"])
            await ack(response_action="errors", errors=build_errors(reply))
            return
        await ack()
        await republish(client, user_id, team_id)
