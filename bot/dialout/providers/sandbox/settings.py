"""SandboxSettings: read from the `SANDBOX_…` variables (and `.env`); listed in .env.example."""

from __future__ import annotations

import secrets
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from bot.config import ProviderSettings


class SandboxSettings(ProviderSettings):
    """The built-in simulated provider (no account needed)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_")  # .env and the rest from ProviderSettings
    prefix: ClassVar[str] = "SANDBOX_"
    enabled: bool = False  # on for `confbot demo` and tests; on in serve only with SANDBOX_ENABLED=true
    base_url: str = ""  # empty: the simulator mounted in confbot's own server at /sandbox
    # Empty (the default): a random secret per start, so a sandbox left on is never open to a known key.
    api_key: SecretStr = Field(default=SecretStr(""), validate_default=True)
    webhook_secret: SecretStr = Field(default=SecretStr(""), validate_default=True)
    speed: float = 1.0  # 1 = realistic pacing (seconds); 20 = twenty times faster
    timeout_s: float = 5.0  # for the simulator's API, as every provider's

    @field_validator("api_key", "webhook_secret")
    @classmethod
    def _random_when_unset(cls, value: SecretStr) -> SecretStr:
        return value if value.get_secret_value() else SecretStr(secrets.token_urlsafe(32))

    def missing(self) -> tuple[str, ...]:
        """A disabled sandbox is not offered; the switch is what it misses."""
        return () if self.enabled else ("SANDBOX_ENABLED",)
