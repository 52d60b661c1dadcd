"""Settings: the only reader of the environment (and of an optional `.env` file).

Each outbound provider has its own settings class in its package
(bot/dialout/providers/<name>/settings.py, a `ProviderSettings`), read from variables prefixed
with its name (`YUNHUNI_…`, `VOIPNOW_…`); a provider whose required settings are empty is not
offered, and says which variables are missing. Secrets are `SecretStr`, so they never print.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.dialout.core.retry_policy import parse_retry
from bot.inbound.cti.settings import CtiSettings
from bot.kernel.logs import LogFormat
from bot.kernel.phone import DialingPolicy
from bot.kernel.workspace_settings import DialLimits, WorkspaceSettings, parse_quiet_hours

_ENV = {"env_file": ".env", "env_file_encoding": "utf-8", "extra": "ignore"}


def environment_with(more: Mapping[str, str]) -> dict[str, str]:
    """This process's environment plus `more`: what a child process it starts is configured by (the worker
    of a split `confbot serve`). Here because this module is the one that reads the environment."""
    return {**os.environ, **more}


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


class Settings(BaseSettings):
    """Everything confbot reads from its environment."""

    model_config = SettingsConfigDict(**_ENV)  # type: ignore[typeddict-item]

    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = SecretStr("")  # set to use Socket Mode instead of HTTP
    slack_api_url: str = "https://slack.com/api/"
    # OAuth installation (many workspaces) when both are set; else the one SLACK_BOT_TOKEN's workspace.
    slack_client_id: str = ""
    slack_client_secret: SecretStr = SecretStr("")
    # Where Slack sends installers back (empty: the redirect URL in the app's settings).
    slack_redirect_uri: str = ""
    # A rotating token (token rotation on) is refreshed when it expires within this many minutes.
    slack_token_rotation_minutes: int = Field(default=120, ge=1, le=12 * 60)

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
    # The other toll-fraud destinations, each blocked unless switched off (bot/kernel/phone.py DialingPolicy).
    block_shared_cost: bool = True
    block_personal_numbers: bool = True
    block_uan: bool = True
    block_voicemail: bool = True
    block_international_networks: bool = True
    mask_numbers: bool = True
    # Call details and numbers older than this are masked in stored rows (calls, audit trail) by the leader.
    audit_retention_days: int = Field(default=180, ge=1)
    missed_grace_minutes: float = 10.0
    # Each occurrence of a repeating invite is posted (its own invite and thread) this long before its time.
    series_lead_minutes: int = Field(default=10, ge=1, le=24 * 60)
    # A failures reply in an invite's thread waits until no new failure came for this long (or the invite ends).
    failure_reply_quiet_s: float = Field(default=20.0, ge=0)
    dial_concurrency: int = 8
    # A call claimed for sending with no answer recorded this long after (its process died mid-send)
    # is "unknown", never sent again; an unknown call with no news this long after is failed(unknown).
    stuck_send_s: int = Field(default=120, ge=1)
    unknown_give_up_s: int = Field(default=600, ge=1)
    failpoints: str = ""  # tests only: points where the process SIGKILLs itself (bot/kernel/failpoints.py)
    # Dial requests per minute to each provider (bot/dialout/core/pacing.py; 0: unlimited), after a burst
    # of 10. Defaults from the providers' documented limits, with room to spare:
    # Tencent Meeting documents 300 requests/min per self-built app (error 190310,
    # https://cloud.tencent.com/document/product/1095/105276); 240 leaves room for the status queries
    # and meeting calls the same app makes. Yunhuni, VoipNow and Quanshi document none
    # (docs/providers): 60/min, one call a second, is what a small trunk or account plan carries
    # without tripping an undocumented limit. The sandbox is our own simulator: unlimited, so the
    # demo and the benchmarks measure confbot, not a pace (set it to watch pacing in the demo).
    pace_tencent_meeting_per_min: float = Field(default=240.0, ge=0)
    pace_yunhuni_per_min: float = Field(default=60.0, ge=0)
    pace_voipnow_per_min: float = Field(default=60.0, ge=0)
    pace_quanshi_per_min: float = Field(default=60.0, ge=0)
    pace_sandbox_per_min: float = Field(default=0.0, ge=0)
    # Dial requests per minute for one workspace over every provider (0: unlimited, each provider's
    # pace alone applies): a cap on how fast one team calls out, e.g. to fit its own trunk.
    workspace_pace_per_min: float = Field(default=0.0, ge=0)
    # A /dial or form with more parties than this shows a summary to confirm first (0: never asks).
    bulk_confirm_over: int = Field(default=50, ge=0)
    # The dialing policy's limits (bot/kernel/workspace_settings.py DialLimits; 0: no limit). A workspace's
    # admins may change each in App Home; these are a new workspace's values.
    max_parties_per_invite: int = Field(default=0, ge=0)
    daily_dial_limit_per_user: int = Field(default=0, ge=0)
    daily_dial_limit_per_workspace: int = Field(default=0, ge=0)
    # Nobody is dialled between these local times ("21:00-08:00"; empty: never quiet), in the callee's
    # region's zone where it can be told, else the workspace's DEFAULT_TZ.
    quiet_hours: str = ""
    # An invite with more parties than this waits for an admin's approval before anyone is dialled (0: never).
    approval_over: int = Field(default=0, ge=0)
    summary_to_channel: bool = False  # each invite's final summary is also shown in its channel
    # An invite's reminder (a reply in its thread for the creator) comes this many minutes before its run,
    # unless the command says `remind 15m` / `remind off`; 0 turns reminders off by default.
    reminder_minutes: int = Field(default=10, ge=0, le=24 * 60)
    # Retries per outcome for invites that set none (`retry …` in /dial, the form's Retries box), written
    # the same way: "busy=3x2m noanswer=2 error=3x30s", or "off" (the default: nobody is called again unasked).
    retry_policy: str = "off"
    # Acknowledged Slack commands (bot/kernel/inbox.py): carried out this many at a time (well under the
    # database pool's 15), held at most this many per process before "busy, try again", and taken over
    # by another process this long after theirs stopped renewing them.
    command_concurrency: int = Field(default=4, ge=1, le=12)
    command_backlog: int = Field(default=500, ge=1)
    command_lease_s: float = Field(default=30.0, gt=0)
    # While Slack requests wait for their answer, commands are not started (bot/kernel/acks_first.py);
    # under a flood of requests each still starts after at most this many seconds.
    acks_first_max_wait_s: float = Field(default=1.0, ge=0)
    # `confbot serve` answers Slack and webhooks in one process and carries the work out (commands, outbox,
    # call events, scheduler) in a second one it starts and supervises (bot/kernel/worker_process.py),
    # so the work never delays an ack; false: everything in one process.
    serve_worker_process: bool = False
    # How often the worker process looks for commands, events and posts the front stored, besides the
    # wake-ups the front sends it (seconds).
    worker_poll_s: float = Field(default=0.2, gt=0, le=30)
    # The worker process's niceness (added to the front's): on a busy machine the CPU goes to the acks first.
    worker_nice: int = Field(default=10, ge=0, le=19)
    invite_admin_group: str = ""  # Slack user group (S…) whose members may press any invite's buttons
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"  # confbot's own and uvicorn's
    # json: one object per line (time, level, logger, message, invite_id, call_id, provider, team);
    # text: for people. Empty: json in `confbot serve`, text in `confbot demo` (bot/kernel/logs.py).
    log_format: LogFormat | None = None

    # Provider settings given in code (tests, the demo), by provider name; a provider not named here
    # reads its own settings class from its env prefix (providers.REGISTRY: ProviderPlugin.settings_of).
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    cti: CtiSettings = Field(default_factory=CtiSettings)  # inbound routing (a feature, not a provider)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator("retry_policy")
    @classmethod
    def _readable_retry_policy(cls, value: str) -> str:
        parse_retry(value)  # RetrySyntaxError is a ValueError: the setting is refused at start, naming the part
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _readable_quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)  # refused at start when not HH:MM-HH:MM
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def oauth_mode(self) -> bool:
        """Installed by OAuth into many workspaces (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set)."""
        return bool(self.slack_client_id and self.slack_client_secret.get_secret_value())

    @property
    def slack_authorize_url(self) -> str:
        """Slack's install page, beside the Web API (`…/api/` → `…/oauth/v2/authorize`): the emulator's in tests."""
        base = self.slack_api_url.removesuffix("/").removesuffix("/api")
        return f"{base}/oauth/v2/authorize"

    @property
    def base_url(self) -> str:
        """Where providers reach our webhooks."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def provider_paces(self, names: Iterable[str]) -> dict[str, float]:
        """Each named provider's pace in requests per minute, from its PACE_<NAME>_PER_MIN (0 where unset)."""
        return {name: float(getattr(self, f"pace_{name}_per_min", 0.0)) for name in names}

    @property
    def allowed_country_set(self) -> frozenset[str] | None:
        """The dialing policy's allowed regions, or None for all."""
        codes = {c.strip().upper() for c in self.allowed_countries.split(",") if c.strip()}
        return frozenset(codes) or None

    def dialing_policy(self) -> DialingPolicy:
        """The dialing policy's number rules from settings."""
        return DialingPolicy(
            region=self.default_region.upper(),
            allowed_countries=self.allowed_country_set,
            block_premium_rate=self.block_premium_rate,
            block_shared_cost=self.block_shared_cost,
            block_personal_numbers=self.block_personal_numbers,
            block_uan=self.block_uan,
            block_voicemail=self.block_voicemail,
            block_international_networks=self.block_international_networks,
        )

    def workspace_defaults(self) -> WorkspaceSettings:
        """A workspace's settings before its admins change any: the environment's."""
        return WorkspaceSettings(
            policy=self.dialing_policy(),
            limits=DialLimits(
                max_parties=self.max_parties_per_invite,
                daily_per_user=self.daily_dial_limit_per_user,
                daily_per_workspace=self.daily_dial_limit_per_workspace,
                quiet_hours=parse_quiet_hours(self.quiet_hours),
                approval_over=self.approval_over,
            ),
            default_providers={
                "conference": self.default_provider,
                "meeting": self.default_meeting_provider,
                "event": self.default_event_provider,
            },
            default_tz=self.default_tz,
            retry_policy=self.retry_policy,
            reminder_minutes=self.reminder_minutes,
            pace_per_min=self.workspace_pace_per_min,
            invite_admin_group=self.invite_admin_group,
            route_admin_group=self.cti.route_admin_group,
        )
