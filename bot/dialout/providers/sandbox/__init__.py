"""Sandbox: confbot's built-in simulated provider (bot/sandbox/server.py), reached over HTTP.

The provider, its seed, auth and quirks: provider.py; its settings: settings.py; its error texts
in English and Chinese: messages.py. PLUGIN is its line in providers.REGISTRY.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import ProviderPlugin
from bot.dialout.providers.sandbox.messages import MESSAGES
from bot.dialout.providers.sandbox.provider import SandboxProvider, build
from bot.dialout.providers.sandbox.settings import SandboxSettings

PLUGIN = ProviderPlugin("sandbox", SandboxSettings, build, MESSAGES)

__all__ = ["PLUGIN", "SandboxProvider", "SandboxSettings"]
