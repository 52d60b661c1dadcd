"""TencentMeetingSettings: read from the `TENCENT_MEETING_…` variables (and `.env`); listed in .env.example."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from bot.config import ProviderSettings


class TencentMeetingSettings(ProviderSettings):
    """Tencent Meeting (腾讯会议) room calls, seed 002."""

    model_config = SettingsConfigDict(env_prefix="TENCENT_MEETING_")  # .env and the rest from ProviderSettings
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
