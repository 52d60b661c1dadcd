"""VoipNow UnifiedAPI (4PSA): invite phone numbers into a scheduled conference. Seed 001_eea3cb31c7f4c3c0.txt.

The provider, its seed, auth and quirks: provider.py; its settings: settings.py; its error texts
in English and Chinese: messages.py. PLUGIN is its line in providers.REGISTRY.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import ProviderPlugin
from bot.dialout.providers.voipnow.messages import MESSAGES
from bot.dialout.providers.voipnow.provider import VoipNowProvider
from bot.dialout.providers.voipnow.settings import VoipNowSettings

PLUGIN = ProviderPlugin("voipnow", VoipNowSettings, lambda own, _shared: VoipNowProvider(own), MESSAGES)

__all__ = ["PLUGIN", "VoipNowProvider", "VoipNowSettings"]
