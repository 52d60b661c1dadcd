"""Quanshi (全时) 云直播: add people to a live event's auto-outbound call list. Seed 004.

The provider, its seed, auth and quirks: provider.py; its settings: settings.py; its error texts
in English and Chinese: messages.py. PLUGIN is its line in providers.REGISTRY.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import ProviderPlugin
from bot.dialout.providers.quanshi.messages import MESSAGES
from bot.dialout.providers.quanshi.provider import QuanshiProvider
from bot.dialout.providers.quanshi.settings import QuanshiSettings

PLUGIN = ProviderPlugin("quanshi", QuanshiSettings, lambda own, _shared: QuanshiProvider(own), MESSAGES)

__all__ = ["PLUGIN", "QuanshiProvider", "QuanshiSettings"]
