"""VoipNowSettings: read from the `VOIPNOW_…` variables (and `.env`); listed in .env.example."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from bot.config import ProviderSettings


class VoipNowSettings(ProviderSettings):
    """VoipNow UnifiedAPI conference invites, seed 001."""

    model_config = SettingsConfigDict(env_prefix="VOIPNOW_")  # .env and the rest from ProviderSettings
    prefix: ClassVar[str] = "VOIPNOW_"
    required: ClassVar[tuple[str, ...]] = ("base_url", "client_id", "client_secret", "extension")
    base_url: str = ""  # the customer's own host, e.g. https://voip.example.com
    client_id: str = ""  # the App Key (the app must be "trusted" for client credentials)
    client_secret: SecretStr = SecretStr("")
    user_id: str = "@me"  # owner of the conference extension
    extension: str = ""  # the Conference extension, e.g. 211 or 0003*211
    caller_id: str = ""  # default callerId, "Name <number>"
    international_prefix: str = "+"  # replaces the "+" of E.164 destinations: "+", "00", or "" (bare digits)
    timeout_s: float = 10.0
