"""manifest.yml is a valid Slack app manifest, and asks for exactly the scopes the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.dialout.slack.form import CALLBACK_ID, MESSAGE_SHORTCUT_ID
from bot.slack.installs import BOT_SCOPES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "slack-manifest.schema.json"

# Web API methods the bot calls → the bot scope each needs (auth.test needs none).
SCOPE_FOR_METHOD: dict[str, tuple[str, ...]] = {
    "chat_postMessage": ("chat:write", "chat:write.public"),  # threads in public channels the bot is not in
    "chat_update": ("chat:write",),
    "chat_postEphemeral": ("chat:write",),
    "users_info": ("users:read",),
    # one scope per conversation type /dial can be typed in
    "conversations_info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "usergroups_users_list": ("usergroups:read",),
    "users_conversations": ("channels:read", "groups:read"),  # App Home: public and private channels a user is in
    "views_open": (),
    "views_update": (),
    "views_publish": (),
    "files_upload_v2": ("files:write",),
    # a post whose worker died: is it in Slack already? (public and private channels the bot posts in)
    "conversations_history": ("channels:history", "groups:history"),
    "conversations_replies": ("channels:history", "groups:history"),
    "conversations_open": ("im:write",),  # reminder DMs  # getUploadURLExternal + completeUploadExternal: a run's CSV
}


def load_manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.skipif(not SCHEMA.exists(), reason="../shared/slack-manifest.schema.json is not beside the project")
def test_manifest_validates_against_slacks_published_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(load_manifest(), schema)


def test_manifest_declares_dial_with_usage_hint_and_events_urls() -> None:
    manifest = load_manifest()
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/dial" and command["usage_hint"]
    assert command["url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")


def test_manifest_declares_the_forms_shortcuts_with_the_callback_ids_the_code_listens_to() -> None:
    manifest = load_manifest()
    shortcuts = {(s["type"], s["callback_id"]): s["name"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {
        ("global", CALLBACK_ID): "Schedule a dial-out",
        ("message", MESSAGE_SHORTCUT_ID): "Dial these people",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py") if "emulator" not in p.parts)
    used = {"commands"}
    for method, scopes in SCOPE_FOR_METHOD.items():
        if re.search(rf"\.{method}\(", source):
            used.update(scopes)
    assert set(load_manifest()["oauth_config"]["scopes"]["bot"]) == used


def test_the_oauth_install_asks_for_the_manifests_scopes_and_listens_for_uninstalls() -> None:
    manifest = load_manifest()
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    assert [url.endswith("/slack/oauth_redirect") for url in manifest["oauth_config"]["redirect_urls"]] == [True]
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
