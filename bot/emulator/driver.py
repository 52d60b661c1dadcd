"""Sends requests to the bot exactly as Slack does: form-encoded, signed, timestamped.

Slash commands carry the documented fields; interactions (shortcuts, message actions, clicks
inside messages and modals, modal submissions) carry one `payload=` field of JSON. Trigger ids
come from the emulator, so `views.open` is held to Slack's 3-second, single-use rule. The
signature is `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret, in
X-Slack-Signature beside X-Slack-Request-Timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.emulator.server import TEAM_ID, Message


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature for `body` sent at `timestamp`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slash_command_fields(
    text: str,
    user_id: str,
    channel_id: str,
    command: str,
    response_url: str,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, str]:
    """The fields of a slash command as Slack sends them (over HTTP form-encoded, or in a Socket Mode envelope).

    Without `trigger_id` the command carries one the emulator never issued (views.open refuses it).
    """
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "emulated",
        "channel_id": channel_id,
        "channel_name": channel_id.lower(),
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0CONFBOT",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
    }


def _input_elements(view: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(block_id, element) of every input block of a view, in order."""
    return [(b.get("block_id", ""), b["element"]) for b in view.get("blocks", []) if b.get("type") == "input"]


def _element_state(element: Mapping[str, Any], given: Any, current_channel: str | None) -> dict[str, Any]:
    """One element's entry in `view.state.values`, as Slack sends it: what the user gave, else its initial value."""
    kind = element["type"]
    if kind == "plain_text_input":
        value = given if given is not None else element.get("initial_value")
        return {"type": kind, "value": value or None}
    if kind == "static_select":
        wanted = given if given is not None else (element.get("initial_option") or {}).get("value")
        options = [o for group in element.get("option_groups", []) for o in group["options"]]
        chosen = next((o for o in [*element.get("options", []), *options] if o["value"] == wanted), None)
        return {"type": kind, "selected_option": chosen}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(given if given is not None else element.get("initial_users", []))}
    if kind == "conversations_select":
        default = current_channel if element.get("default_to_current_conversation") else None
        chosen = given if given is not None else element.get("initial_conversation", default)
        return {"type": kind, "selected_conversation": chosen}
    if kind == "checkboxes":
        ticked = given if given is not None else [o["value"] for o in element.get("initial_options", [])]
        return {"type": kind, "selected_options": [o for o in element.get("options", []) if o["value"] in ticked]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": given if given is not None else element.get("initial_date")}
    if kind == "timepicker":
        return {"type": kind, "selected_time": given if given is not None else element.get("initial_time")}
    raise ValueError(f"the driver does not model {kind} inputs yet")


def view_state(
    view: Mapping[str, Any], inputs: Mapping[str, Any], current_channel: str | None = None
) -> dict[str, Any]:
    """`view.state` as Slack sends it: every input of the view, by block id then action id.

    `inputs` maps action ids to what the user typed or picked (a string, or a list of user ids);
    inputs not named keep their initial value. `current_channel` is where the user is, for
    conversation selects that default to it.
    """
    values: dict[str, dict[str, Any]] = {}
    for block_id, element in _input_elements(view):
        action_id = element.get("action_id", "")
        values[block_id] = {action_id: _element_state(element, inputs.get(action_id), current_channel)}
    return {"values": values}


class SlackDriver:
    """Plays Slack's side of slash commands and button clicks against a running bot."""

    def __init__(
        self, bot_url: str, signing_secret: str, emulator_url: str, timeout_s: float = 10.0, team_id: str = TEAM_ID
    ) -> None:
        """`team_id`: the workspace whose users this driver plays (one driver per workspace)."""
        self.team_id = team_id
        self.bot_url = bot_url.rstrip("/")
        self.signing_secret = signing_secret
        self.emulator_url = emulator_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout_s, trust_env=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post_signed(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> httpx.Response:
        """POST a body to /slack/events with a (possibly deliberately wrong) signature."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": slack_signature(secret or self.signing_secret, ts, body),
        }
        return await self._client.post(f"{self.bot_url}/slack/events", content=body, headers=headers)

    async def event(self, event: dict[str, Any], *, team_id: str | None = None) -> httpx.Response:
        """Send a signed Events API `event_callback` (e.g. user_change) as Slack does."""
        body = json.dumps(
            {
                "token": "deprecated-verification-token",
                "team_id": team_id or self.team_id,
                "api_app_id": "A0CONFBOT",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
            }
        ).encode()
        return await self.post_signed(body, content_type="application/json")

    def slash_body(
        self, text: str, *, user_id: str, channel_id: str, command: str = "/dial", trigger_id: str | None = None
    ) -> bytes:
        """The form body Slack sends for a slash command."""
        response_url = f"{self.emulator_url}/response/{uuid.uuid4().hex}"
        fields = slash_command_fields(text, user_id, channel_id, command, response_url, trigger_id, self.team_id)
        return urlencode(fields).encode()

    async def trigger_id(self) -> str:
        """A trigger id from the emulator, as Slack hands one out with each command or interaction."""
        response = await self._client.post(f"{self.emulator_url}/trigger")
        return str(response.json()["trigger_id"])

    async def slash(
        self, text: str, *, user_id: str, channel_id: str, command: str = "/dial", trigger_id: str | None = None
    ) -> httpx.Response:
        """Send a signed slash command (with a fresh trigger id unless one is given)."""
        trigger = trigger_id or await self.trigger_id()
        body = self.slash_body(text, user_id=user_id, channel_id=channel_id, command=command, trigger_id=trigger)
        return await self.post_signed(body)

    def _user(self, user_id: str) -> dict[str, str]:
        return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": self.team_id}

    def _interaction(self, kind: str, user_id: str, trigger_id: str) -> dict[str, Any]:
        """The fields every interaction payload carries."""
        return {
            "type": kind,
            "token": "deprecated-verification-token",
            "user": self._user(user_id),
            "team": {"id": self.team_id, "domain": "emulated"},
            "api_app_id": "A0CONFBOT",
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": trigger_id,
        }

    async def shortcut(self, callback_id: str, *, user_id: str, trigger_id: str | None = None) -> httpx.Response:
        """Send a global shortcut (type `shortcut`) as Slack does when it is picked from the shortcuts menu."""
        payload = self._interaction("shortcut", user_id, trigger_id or await self.trigger_id())
        payload.update(callback_id=callback_id, action_ts=f"{time.time():.6f}")
        return await self.interact(payload)

    async def message_action(
        self, callback_id: str, message: Message, *, user_id: str, trigger_id: str | None = None
    ) -> httpx.Response:
        """Send a message shortcut (type `message_action`) run on `message`."""
        payload = self._interaction("message_action", user_id, trigger_id or await self.trigger_id())
        payload.update(
            callback_id=callback_id,
            action_ts=f"{time.time():.6f}",
            message_ts=message.ts,
            channel={"id": message.channel, "name": message.channel.lower()},
            message={
                "type": "message",
                "user": message.user,
                "ts": message.ts,
                "text": message.text,
                **({"blocks": message.blocks} if message.blocks else {}),
            },
            response_url=f"{self.emulator_url}/response/{uuid.uuid4().hex}",
        )
        return await self.interact(payload)

    def _view_as_sent(self, view: Mapping[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        return {**view, "state": state}

    async def view_action(
        self,
        view: Mapping[str, Any],
        action_id: str,
        *,
        user_id: str,
        inputs: Mapping[str, Any],
        current_channel: str | None = None,
    ) -> httpx.Response:
        """A `block_actions` from inside a modal: the user changed the input `action_id` (its new value in `inputs`).

        Sent for inputs with `dispatch_action` (a select changed, characters typed or Enter pressed),
        with the whole view and its state as Slack sends them.
        """
        state = view_state(view, inputs, current_channel)
        for block_id, element in _input_elements(view):
            if element.get("action_id") == action_id:
                action = {
                    "type": element["type"],
                    "block_id": block_id,
                    "action_id": action_id,
                    "action_ts": f"{time.time():.6f}",
                    **{k: v for k, v in state["values"][block_id][action_id].items() if k != "type"},
                }
                break
        else:
            raise LookupError(f"no input {action_id!r} in view {view.get('id')}")
        payload = self._interaction("block_actions", user_id, await self.trigger_id())
        payload.update(
            container={"type": "view", "view_id": view["id"]},
            view=self._view_as_sent(view, state),
            actions=[action],
        )
        return await self.interact(payload)

    async def click_in_view(self, view: Mapping[str, Any], action_id: str, *, user_id: str) -> httpx.Response:
        """Click the button `action_id` inside a modal: a `block_actions` carrying the whole view, as Slack sends it."""
        for block in view.get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    action = {
                        "type": "button",
                        "block_id": block.get("block_id", ""),
                        "action_id": action_id,
                        "value": element.get("value", ""),
                        "action_ts": f"{time.time():.6f}",
                    }
                    payload = self._interaction("block_actions", user_id, await self.trigger_id())
                    payload.update(
                        container={"type": "view", "view_id": view["id"]},
                        view=self._view_as_sent(view, view_state(view, {})),
                        actions=[action],
                    )
                    return await self.interact(payload)
        raise LookupError(f"no button {action_id!r} in view {view.get('id')}")

    async def submit(
        self,
        view: Mapping[str, Any],
        *,
        user_id: str,
        inputs: Mapping[str, Any],
        current_channel: str | None = None,
    ) -> httpx.Response:
        """A `view_submission`: the user pressed the modal's submit button with `inputs` filled in."""
        payload = self._interaction("view_submission", user_id, await self.trigger_id())
        payload.update(view=self._view_as_sent(view, view_state(view, inputs, current_channel)), response_urls=[])
        return await self.interact(payload)

    @staticmethod
    def response_action(response: httpx.Response) -> dict[str, Any] | None:
        """The `response_action` the bot answered a view submission with (None: an empty 200, the modal closes)."""
        if response.status_code != 200:
            raise AssertionError(f"Slack would show an error: HTTP {response.status_code} {response.text!r}")
        if not response.content.strip():
            return None
        answer = json.loads(response.content)
        return answer if isinstance(answer, dict) and answer.get("response_action") else None

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        """Send a signed interaction payload (block_actions, view_submission, …)."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post_signed(body)

    async def click(self, message: Message, action_id: str, *, user_id: str) -> httpx.Response:
        """Click the button `action_id` on `message`, as a block_actions payload."""
        for block in message.blocks:
            for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
                if element.get("action_id") == action_id:
                    action = {
                        "type": element["type"],
                        "action_id": action_id,
                        "block_id": block.get("block_id", ""),
                        "value": element.get("value", ""),
                        "action_ts": f"{time.time():.6f}",
                    }
                    return await self.interact(
                        {
                            "type": "block_actions",
                            "user": {"id": user_id, "team_id": self.team_id},
                            "team": {"id": self.team_id, "domain": "emulated"},
                            "api_app_id": "A0CONFBOT",
                            "container": {
                                "type": "message",
                                "message_ts": message.ts,
                                "channel_id": message.channel,
                            },
                            "channel": {"id": message.channel, "name": message.channel.lower()},
                            "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
                            "trigger_id": await self.trigger_id(),
                            "response_url": f"{self.emulator_url}/response/{uuid.uuid4().hex}",
                            "actions": [action],
                        }
                    )
        raise LookupError(f"no {action_id!r} button on message {message.ts}")
