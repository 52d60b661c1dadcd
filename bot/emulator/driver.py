"""Sends requests to the bot exactly as Slack does: form-encoded, signed, timestamped.

Slash commands carry the documented fields; interactions carry one `payload=` field of
JSON. The signature is `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the
signing secret, in X-Slack-Signature beside X-Slack-Request-Timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.emulator.server import TEAM_ID, Message


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature for `body` sent at `timestamp`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slash_command_fields(text: str, user_id: str, channel_id: str, command: str, response_url: str) -> dict[str, str]:
    """The fields of a slash command as Slack sends them (over HTTP form-encoded, or in a Socket Mode envelope)."""
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
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
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
    }


class SlackDriver:
    """Plays Slack's side of slash commands and button clicks against a running bot."""

    def __init__(self, bot_url: str, signing_secret: str, emulator_url: str, timeout_s: float = 10.0) -> None:
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

    async def event(self, event: dict[str, Any], *, team_id: str = TEAM_ID) -> httpx.Response:
        """Send a signed Events API `event_callback` (e.g. user_change) as Slack does."""
        body = json.dumps(
            {
                "token": "deprecated-verification-token",
                "team_id": team_id,
                "api_app_id": "A0CONFBOT",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
            }
        ).encode()
        return await self.post_signed(body, content_type="application/json")

    def slash_body(self, text: str, *, user_id: str, channel_id: str, command: str = "/dial") -> bytes:
        """The form body Slack sends for a slash command."""
        response_url = f"{self.emulator_url}/response/{uuid.uuid4().hex}"
        return urlencode(slash_command_fields(text, user_id, channel_id, command, response_url)).encode()

    async def slash(self, text: str, *, user_id: str, channel_id: str, command: str = "/dial") -> httpx.Response:
        """Send a signed slash command."""
        return await self.post_signed(self.slash_body(text, user_id=user_id, channel_id=channel_id, command=command))

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
                            "user": {"id": user_id, "team_id": TEAM_ID},
                            "team": {"id": TEAM_ID, "domain": "emulated"},
                            "api_app_id": "A0CONFBOT",
                            "container": {
                                "type": "message",
                                "message_ts": message.ts,
                                "channel_id": message.channel,
                            },
                            "channel": {"id": message.channel, "name": message.channel.lower()},
                            "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
                            "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex}",
                            "response_url": f"{self.emulator_url}/response/{uuid.uuid4().hex}",
                            "actions": [action],
                        }
                    )
        raise LookupError(f"no {action_id!r} button on message {message.ts}")
