"""QuanshiSettings: read from the `QUANSHI_…` variables (and `.env`); listed in .env.example."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from bot.config import ProviderSettings


class QuanshiSettings(ProviderSettings):
    """Quanshi (全时) live-event call lists, seed 004."""

    model_config = SettingsConfigDict(env_prefix="QUANSHI_")  # .env and the rest from ProviderSettings
    prefix: ClassVar[str] = "QUANSHI_"
    required: ClassVar[tuple[str, ...]] = ("base_url", "app_key", "app_secret", "admin_user_id")
    base_url: str = "https://events-openapi.quanshi.com"
    app_key: str = ""
    app_secret: SecretStr = SecretStr("")
    admin_user_id: str = ""  # the admin userId the API token is created for
    default_company: str = ""  # `company` when the Slack profile has none
    timeout_s: float = 10.0
