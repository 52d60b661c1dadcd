"""The outbound providers, one line each: name → its package's PLUGIN. Explicit and greppable.

Adding a provider is its package (provider, settings, messages), one line here, its fake and its
tests (docs/providers/README.md says exactly what goes where). The contract test
(tests/dialout/providers/test_contract.py) fails until the new provider has an entry there too.
"""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.dialout.core.ports import Provider
from bot.dialout.providers import quanshi, sandbox, tencent_meeting, voipnow, yunhuni
from bot.dialout.providers.plugin import ProviderPlugin

REGISTRY: dict[str, ProviderPlugin[Any]] = {
    "sandbox": sandbox.PLUGIN,
    "yunhuni": yunhuni.PLUGIN,
    "voipnow": voipnow.PLUGIN,
    "quanshi": quanshi.PLUGIN,
    "tencent_meeting": tencent_meeting.PLUGIN,
}


def build_providers(settings: Settings) -> dict[str, Provider]:
    """Every registered provider, built from settings (unconfigured ones say what they miss)."""
    return {name: plugin.from_settings(settings) for name, plugin in REGISTRY.items()}
