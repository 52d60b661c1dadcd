"""What a provider package hands the registry: its settings class, how to build it, its error texts.

One `ProviderPlugin` per package, named in one line of `providers.REGISTRY`; nothing is discovered
by scanning folders or importing strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.config import ProviderSettings, Settings
from bot.dialout.core.ports import Provider

S = TypeVar("S", bound=ProviderSettings)

# error code → {"en": …, "zh": …}; shown as `error.<provider>.<code>` (bot/slack/messages.py merges them)
Messages = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class ProviderPlugin(Generic[S]):
    """One registered outbound provider."""

    name: str
    settings: type[S]  # reads its own `<NAME>_…` variables when Settings.providers does not name it
    build: Callable[[S, Settings], Provider]  # its settings and the shared ones (PUBLIC_URL, …)
    messages: Messages

    def settings_of(self, settings: Settings) -> S:
        """This provider's settings: given in `Settings.providers`, else read from the environment."""
        given = settings.providers.get(self.name)
        if given is None:
            # Read once and kept: a setting left empty may be drawn at random (the sandbox's
            # secrets), and the provider and the simulator it talks to must draw the same.
            given = settings.providers.setdefault(self.name, self.settings())
        if not isinstance(given, self.settings):
            raise TypeError(f"Settings.providers[{self.name!r}] must be a {self.settings.__name__}")
        return given

    def from_settings(self, settings: Settings) -> Provider:
        """The provider, built from its settings (an unconfigured one says what it misses)."""
        return self.build(self.settings_of(settings), settings)
