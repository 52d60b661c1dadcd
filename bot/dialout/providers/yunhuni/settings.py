"""YunhuniSettings: read from the `YUNHUNI_…` variables (and `.env`); listed in .env.example."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from bot.config import ProviderSettings


class YunhuniSettings(ProviderSettings):
    """Yunhuni (云呼你) conference invites, seed 000."""

    model_config = SettingsConfigDict(env_prefix="YUNHUNI_")  # .env and the rest from ProviderSettings
    prefix: ClassVar[str] = "YUNHUNI_"
    required: ClassVar[tuple[str, ...]] = ("base_url", "app_id", "cert_id", "secret_key", "webhook_secret")
    base_url: str = ""  # e.g. https://api.yunhuni.com/v1/account/<account id>/
    app_id: str = ""
    cert_id: str = ""
    secret_key: SecretStr = SecretStr("")
    path_style: Literal["seed", "released"] = "seed"  # seed: /conf/{id}/invite_call; released: /conf/invite_call/{id}
    caller_number: str = ""  # `from`: a rented number; empty lets the platform choose
    webhook_secret: SecretStr = SecretStr("")  # path secret in the callback URL (callbacks are unsigned)
    webhook_allowed_ips: str = ""  # optional comma-separated allowlist of callback source IPs
    timeout_s: float = 10.0
