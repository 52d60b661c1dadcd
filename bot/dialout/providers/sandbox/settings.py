"""SandboxSettings: read from the `SANDBOX_…` variables (and `.env`); listed in .env.example."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from bot.config import ProviderSettings


class SandboxSettings(ProviderSettings):
    """The built-in simulated provider (no account needed)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_")  # .env and the rest from ProviderSettings
    prefix: ClassVar[str] = "SANDBOX_"
    enabled: bool = True  # false in production: no simulated provider, nothing mounted at /sandbox
    base_url: str = ""  # empty: the simulator mounted in confbot's own server at /sandbox
    api_key: SecretStr = SecretStr("sandbox-dev-key")
    webhook_secret: SecretStr = SecretStr("sandbox-dev-webhook-secret")
    speed: float = 1.0  # 1 = realistic pacing (seconds); 20 = twenty times faster

    def missing(self) -> tuple[str, ...]:
        """A disabled sandbox is not offered; the switch is what it misses."""
        return () if self.enabled else ("SANDBOX_ENABLED",)
