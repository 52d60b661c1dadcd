"""Settings: the only reader of the environment (and of an optional `.env` file).

Each provider has its own group, read from variables prefixed with its name
(`YUNHUNI_…`, `VOIPNOW_…`); a provider whose required settings are empty is not offered,
and says which variables are missing. Secrets are `SecretStr`, so they never print.
"""

from __future__ import annotations

import secrets
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.inbound.cti.settings import CtiSettings

_ENV = {"env_file": ".env", "env_file_encoding": "utf-8", "extra": "ignore"}


class ProviderSettings(BaseSettings):
    """Common shape of a provider's settings: which of them must be set to use it."""

    model_config = SettingsConfigDict(**_ENV)  # type: ignore[typeddict-item]
    required: ClassVar[tuple[str, ...]] = ()
    prefix: ClassVar[str] = ""

    def missing(self) -> tuple[str, ...]:
        """Environment variable names of required settings that are empty."""
        absent = []
        for name in self.required:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if not value:
                absent.append(f"{self.prefix}{name.upper()}")
        return tuple(absent)


class SandboxSettings(ProviderSettings):
    """The built-in simulated provider (no account needed)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_", **_ENV)  # type: ignore[typeddict-item]
    prefix: ClassVar[str] = "SANDBOX_"
    enabled: bool = False  # on for `confbot demo` and tests; on in serve only with SANDBOX_ENABLED=true
    base_url: str = ""  # empty: the simulator mounted in confbot's own server at /sandbox
    # Empty (the default): a random secret per start, so a sandbox left on is never open to a known key.
    api_key: SecretStr = Field(default=SecretStr(""), validate_default=True)
    webhook_secret: SecretStr = Field(default=SecretStr(""), validate_default=True)
    speed: float = 1.0  # 1 = realistic pacing (seconds); 20 = twenty times faster

    @field_validator("api_key", "webhook_secret")
    @classmethod
    def _random_when_unset(cls, value: SecretStr) -> SecretStr:
        return value if value.get_secret_value() else SecretStr(secrets.token_urlsafe(32))

    def missing(self) -> tuple[str, ...]:
        """A disabled sandbox is not offered; the switch is what it misses."""
        return () if self.enabled else ("SANDBOX_ENABLED",)


class YunhuniSettings(ProviderSettings):
    """Yunhuni (云呼你) conference invites, seed 000."""

    model_config = SettingsConfigDict(env_prefix="YUNHUNI_", **_ENV)  # type: ignore[typeddict-item]
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


class VoipNowSettings(ProviderSettings):
    """VoipNow UnifiedAPI conference invites, seed 001."""

    model_config = SettingsConfigDict(env_prefix="VOIPNOW_", **_ENV)  # type: ignore[typeddict-item]
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


class TencentMeetingSettings(ProviderSettings):
    """Tencent Meeting (腾讯会议) room calls, seed 002."""

    model_config = SettingsConfigDict(env_prefix="TENCENT_MEETING_", **_ENV)  # type: ignore[typeddict-item]
    prefix: ClassVar[str] = "TENCENT_MEETING_"
    required: ClassVar[tuple[str, ...]] = ("base_url", "secret_id", "secret_key", "app_id")
    base_url: str = "https://api.meeting.qq.com"
    secret_id: str = ""
    secret_key: SecretStr = SecretStr("")
    app_id: str = ""  # enterprise id (AppId header)
    sdk_id: str = ""  # app id (SdkId header), when assigned
    operators: str = ""  # Slack user → Tencent userid: "U024BE7LH=user1,U0G9QF9C6=user2"
    webhook_token: SecretStr = SecretStr("")
    encoding_aes_key: SecretStr = SecretStr("")
    instance_id: int = 1  # device type sent with cancel-room-call and room-call-info
    poll_every_s: float = 5.0  # room-call-info per open call; Tencent allows 300 requests/min per app
    meeting_id_as_number: bool = False  # send meeting_id as a JSON number (released doc, Go SDK) not a string
    timeout_s: float = 10.0


class QuanshiSettings(ProviderSettings):
    """Quanshi (全时) live-event call lists, seed 004."""

    model_config = SettingsConfigDict(env_prefix="QUANSHI_", **_ENV)  # type: ignore[typeddict-item]
    prefix: ClassVar[str] = "QUANSHI_"
    required: ClassVar[tuple[str, ...]] = ("base_url", "app_key", "app_secret", "admin_user_id")
    base_url: str = "https://events-openapi.quanshi.com"
    app_key: str = ""
    app_secret: SecretStr = SecretStr("")
    admin_user_id: str = ""  # the admin userId the API token is created for
    default_company: str = ""  # `company` when the Slack profile has none
    timeout_s: float = 10.0


class Settings(BaseSettings):
    """Everything confbot reads from its environment."""

    model_config = SettingsConfigDict(**_ENV)  # type: ignore[typeddict-item]

    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = SecretStr("")  # set to use Socket Mode instead of HTTP
    slack_api_url: str = "https://slack.com/api/"

    database_url: str = "sqlite:///./var/confbot.db"
    public_url: str = ""  # empty: http://<host>:<port> of `confbot serve`
    host: str = "127.0.0.1"
    port: int = 3000

    default_region: str = "CN"
    default_locale: str = "en"  # language of channel messages; users get their own
    default_tz: str = "UTC"  # for users whose Slack profile has no zone
    default_provider: str = ""  # conferences; empty: the configured provider that can (first by name)
    default_meeting_provider: str = "tencent_meeting"
    default_event_provider: str = "quanshi"

    allowed_countries: str = ""  # comma-separated ISO regions (CN,HK); empty allows all
    block_premium_rate: bool = True
    mask_numbers: bool = True
    missed_grace_minutes: float = 10.0
    dial_concurrency: int = 8
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"  # confbot's own and uvicorn's

    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    yunhuni: YunhuniSettings = Field(default_factory=YunhuniSettings)
    voipnow: VoipNowSettings = Field(default_factory=VoipNowSettings)
    tencent_meeting: TencentMeetingSettings = Field(default_factory=TencentMeetingSettings)
    quanshi: QuanshiSettings = Field(default_factory=QuanshiSettings)
    cti: CtiSettings = Field(default_factory=CtiSettings)  # inbound routing (a feature, not a provider)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def base_url(self) -> str:
        """Where providers reach our webhooks."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def allowed_country_set(self) -> frozenset[str] | None:
        """The dialing policy's allowed regions, or None for all."""
        codes = {c.strip().upper() for c in self.allowed_countries.split(",") if c.strip()}
        return frozenset(codes) or None
