"""Yunhuni (云呼你, later 壹耘/oneyun): invite phone numbers into a running conference.

The provider, its seed, auth and quirks: provider.py; its settings: settings.py; its error texts
in English and Chinese: messages.py. PLUGIN is its line in providers.REGISTRY.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import ProviderPlugin
from bot.dialout.providers.yunhuni.messages import MESSAGES
from bot.dialout.providers.yunhuni.provider import YunhuniProvider
from bot.dialout.providers.yunhuni.settings import YunhuniSettings

PLUGIN = ProviderPlugin("yunhuni", YunhuniSettings, lambda own, _shared: YunhuniProvider(own), MESSAGES)

__all__ = ["PLUGIN", "YunhuniProvider", "YunhuniSettings"]
