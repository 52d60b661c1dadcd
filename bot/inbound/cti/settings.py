"""The CTI platform's settings (`CTI_…`): how it reaches us and how we answer it (seed 003)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CtiSettings(BaseSettings):
    """The CTI platform's inbound transfer (呼入转呼) callbacks, seed 003.

    Inbound routing is a feature, not a provider: these settings belong to it, and `Settings.cti`
    holds them so one environment (or `.env`) configures everything.
    """

    model_config = SettingsConfigDict(env_prefix="CTI_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    path_secret: SecretStr = SecretStr("")  # the platform calls {PUBLIC_URL}/cti/<path_secret>
    allowed_ips: str = ""  # optional comma-separated allowlist of the platform's addresses
    vcc_id: str = ""  # our enterprise id; requests for another vccId are refused
    charge_ext: str = ""  # chargeExt returned in answers
    route_admin_group: str = ""  # Slack user group id allowed to change routes (besides admins)
    max_body_bytes: int = 65536
    # What refused callers hear: a recording, TTS text, or parts joined by + ('' leaves it to the platform).
    fail_prompt: str = "您好，您拨打的号码暂时无法接通，请稍后再拨。"
    # Channel for calls to numbers without a route ('' = the channel routes were last changed in).
    report_channel: str = ""

    def missing(self) -> tuple[str, ...]:
        """The variables that must still be set before the platform is answered and routes can change."""
        required = (("CTI_PATH_SECRET", self.path_secret.get_secret_value()), ("CTI_VCC_ID", self.vcc_id))
        return tuple(name for name, value in required if not value)

    @property
    def configured(self) -> bool:
        """Whether the platform's callbacks are served (`/cti/<secret>` answers 404 until then)."""
        return not self.missing()
