"""Provider registry: name → factory building the provider from settings. Explicit and greppable.

Adding a provider is one module in this package and one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.dialout.core.ports import Provider
from bot.dialout.providers import quanshi, sandbox, tencent_meeting, voipnow, yunhuni

ProviderFactory = Callable[[Settings], Provider]

REGISTRY: dict[str, ProviderFactory] = {
    "sandbox": sandbox.from_settings,
    "yunhuni": yunhuni.from_settings,
    "voipnow": voipnow.from_settings,
    "quanshi": quanshi.from_settings,
    "tencent_meeting": tencent_meeting.from_settings,
}


def build_providers(settings: Settings) -> dict[str, Provider]:
    """Every registered provider, built from settings (unconfigured ones say what they miss)."""
    return {name: factory(settings) for name, factory in REGISTRY.items()}
