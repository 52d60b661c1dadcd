"""Tencent Meeting 腾讯会议: call meeting rooms into a meeting (seed 002, `PUT /v1/meeting-rooms/room-call`).

The provider, its seed, auth and quirks: provider.py; its settings: settings.py; its error texts
in English and Chinese: messages.py. PLUGIN is its line in providers.REGISTRY.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import ProviderPlugin
from bot.dialout.providers.tencent_meeting.messages import MESSAGES
from bot.dialout.providers.tencent_meeting.provider import TencentMeetingProvider
from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings

PLUGIN = ProviderPlugin(
    "tencent_meeting", TencentMeetingSettings, lambda own, _shared: TencentMeetingProvider(own), MESSAGES
)

__all__ = ["PLUGIN", "TencentMeetingProvider", "TencentMeetingSettings"]
