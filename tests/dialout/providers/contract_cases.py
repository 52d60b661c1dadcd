"""One ContractCase per registered provider: how to run its fake and configure the provider against it.

test_contract.py runs every case through the same checks; a provider added to `providers.REGISTRY`
fails there until it has a case here. A case knows only what differs between vendors: the fake
(built from the seed, served on loopback), the settings that point the provider at it, a target
and parties the fake accepts, which request places calls, and how a genuine webhook is signed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from starlette.types import ASGIApp

from bot.config import ProviderSettings
from bot.dialout.core.models import Target, TargetKind
from bot.dialout.core.ports import WebhookRequest
from bot.dialout.providers.quanshi.settings import QuanshiSettings
from bot.dialout.providers.sandbox.settings import SandboxSettings
from bot.dialout.providers.tencent_meeting.settings import TencentMeetingSettings
from bot.dialout.providers.voipnow.settings import VoipNowSettings
from bot.dialout.providers.yunhuni.settings import YunhuniSettings
from bot.kernel.people import Party, PartyKind
from bot.sandbox.server import SandboxTelco, sign
from tests.dialout.providers.fakes.quanshi import CALL_CREATE_PATH, FakeQuanshi
from tests.dialout.providers.fakes.tencent_meeting import (
    ROOM_CALL,
    FakeTencentMeeting,
    room_response,
    seal,
    signature_headers,
)
from tests.dialout.providers.fakes.voipnow import FakeVoipNow
from tests.dialout.providers.fakes.yunhuni import FakeYunhuni

ASKER = "U024BE7LH"  # the Slack user who asks; Tencent maps it to an operator


@dataclass
class FakeVendor:
    """A fresh fake of one vendor: the ASGI app to serve, what it saw wrong, how to stop it."""

    app: ASGIApp
    violations: Callable[[], Sequence[str]] = tuple
    aclose: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class ContractCase:
    """What the contract test needs to know about one provider."""

    fake: Callable[[], FakeVendor]
    # The provider's settings pointing at a server at this root URL, with this HTTP timeout.
    settings: Callable[[str, float], ProviderSettings]
    target: Target
    party: Callable[[int], Party]  # the i-th of several distinct parties the fake accepts
    places: Callable[[str], bool]  # whether a request to this path is the one that places calls
    # A webhook request carrying `payload` (the vendor's event bytes), genuinely signed or forged.
    webhook: Callable[[bytes, bool], WebhookRequest] | None = None
    sample_event: Mapping[str, Any] = field(default_factory=dict)  # a genuine event, to be mangled


# --- sandbox -------------------------------------------------------------------------------

SANDBOX_KEY, SANDBOX_SECRET = "contract-key", "contract-secret"


def _sandbox_fake() -> FakeVendor:
    telco = SandboxTelco(SANDBOX_KEY, SANDBOX_SECRET)
    return FakeVendor(telco.app, aclose=telco.aclose)


def _sandbox_settings(url: str, timeout_s: float) -> ProviderSettings:
    return SandboxSettings(
        _env_file=None,  # type: ignore[call-arg]
        enabled=True,
        base_url=url,
        api_key=SecretStr(SANDBOX_KEY),
        webhook_secret=SecretStr(SANDBOX_SECRET),
        timeout_s=timeout_s,
    )


def _sandbox_webhook(payload: bytes, genuine: bool) -> WebhookRequest:
    ts = str(int(time.time()))
    signature = sign(SANDBOX_SECRET if genuine else "forged", ts, payload)
    headers = {"x-sandbox-timestamp": ts, "x-sandbox-signature": signature, "content-type": "application/json"}
    return WebhookRequest("POST", "/webhooks/sandbox", {}, headers, payload)


SANDBOX = ContractCase(
    fake=_sandbox_fake,
    settings=_sandbox_settings,
    target=Target(TargetKind.CONFERENCE, "42"),
    party=lambda i: Party(PartyKind.PHONE, f"+86138001380{i + 1:02d}"),  # last digit 1-9: answers
    places=lambda path: path == "/calls",
    webhook=_sandbox_webhook,
    sample_event={
        "event_id": "sbx_1:2",
        "call_id": "sbx_1",
        "state": "answered",
        "reason": None,
        "to": "+8613800138001",
        "conference": "42",
        "occurred_at": "2026-01-05T08:00:00+00:00",
    },
)

# --- yunhuni -------------------------------------------------------------------------------

YUNHUNI = FakeYunhuni()  # its credentials; each test serves a fresh one
YUNHUNI_HOOK = "hook-contract-5e1"


def _yunhuni_settings(url: str, timeout_s: float) -> ProviderSettings:
    return YunhuniSettings(
        _env_file=None,  # type: ignore[call-arg]
        base_url=YUNHUNI.base_url(url),
        app_id=YUNHUNI.app_id,
        cert_id=YUNHUNI.cert_id,
        secret_key=SecretStr(YUNHUNI.secret),
        webhook_secret=SecretStr(YUNHUNI_HOOK),
        timeout_s=timeout_s,
    )


def _yunhuni_webhook(payload: bytes, genuine: bool) -> WebhookRequest:
    secret = YUNHUNI_HOOK if genuine else "not-the-secret"  # its callbacks are authenticated by the path
    headers = {"content-type": "application/json"}
    return WebhookRequest("POST", f"/webhooks/yunhuni/{secret}", {}, headers, payload, client_ip="127.0.0.1")


YUNHUNI_CASE = ContractCase(
    fake=lambda: FakeVendor(FakeYunhuni().app),
    settings=_yunhuni_settings,
    target=Target(TargetKind.CONFERENCE, "42"),
    party=lambda i: Party(PartyKind.PHONE, f"+86136922066{i + 1:02d}"),
    places=lambda path: "invite_call" in path,
    webhook=_yunhuni_webhook,
    sample_event=FakeYunhuni.event("conf.joined", id="42", call_id="call-1", join_time=1767600000000),
)

# --- voipnow -------------------------------------------------------------------------------


def _voipnow_fake() -> FakeVendor:
    fake = FakeVoipNow()
    return FakeVendor(fake.app, violations=lambda: fake.violations)


def _voipnow_settings(url: str, timeout_s: float) -> ProviderSettings:
    fake = FakeVoipNow()
    return VoipNowSettings(
        _env_file=None,  # type: ignore[call-arg]
        base_url=url,
        client_id=fake.client_id,
        client_secret=SecretStr(fake.client_secret),
        extension="211",  # FakeVoipNow's conference extension, whose scheduled conference 3 exists
        timeout_s=timeout_s,
    )


VOIPNOW = ContractCase(
    fake=_voipnow_fake,
    settings=_voipnow_settings,
    target=Target(TargetKind.CONFERENCE, "3"),
    party=lambda i: Party(PartyKind.PHONE, f"+132357428{i + 1:02d}"),
    places=lambda path: path.endswith("/conferenceInvite"),
)

# --- quanshi -------------------------------------------------------------------------------

QUANSHI_KEY, QUANSHI_SECRET, QUANSHI_ADMIN = "4396b341fa9c2ab84", "contract-secret", 19533553


def _quanshi_fake() -> FakeVendor:
    fake = FakeQuanshi(QUANSHI_KEY, QUANSHI_SECRET, QUANSHI_ADMIN)
    return FakeVendor(fake.app, violations=lambda: fake.problems)


def _quanshi_settings(url: str, timeout_s: float) -> ProviderSettings:
    return QuanshiSettings(
        _env_file=None,  # type: ignore[call-arg]
        base_url=url,
        app_key=QUANSHI_KEY,
        app_secret=SecretStr(QUANSHI_SECRET),
        admin_user_id=str(QUANSHI_ADMIN),
        default_company="contract.example",
        timeout_s=timeout_s,
    )


QUANSHI = ContractCase(
    fake=_quanshi_fake,
    settings=_quanshi_settings,
    target=Target(TargetKind.EVENT, "542818"),
    party=lambda i: Party(PartyKind.PHONE, f"+86138001380{i + 1:02d}", name=f"Guest {i + 1}"),
    places=lambda path: path == CALL_CREATE_PATH,
)

# --- tencent meeting -----------------------------------------------------------------------

TENCENT = FakeTencentMeeting()  # its credentials; each test serves a fresh one
TENCENT_MEETING_ID = "13434000000927028"
TENCENT_TOKEN = "contract-webhook-token"


def _tencent_settings(url: str, timeout_s: float) -> ProviderSettings:
    return TencentMeetingSettings(
        _env_file=None,  # type: ignore[call-arg]
        base_url=url,
        secret_id=TENCENT.secret_id,
        secret_key=SecretStr(TENCENT.secret_key),
        app_id=TENCENT.app_id,
        sdk_id=TENCENT.sdk_id,
        operators=f"{ASKER}=user1",
        webhook_token=SecretStr(TENCENT_TOKEN),
        timeout_s=timeout_s,
    )


def _tencent_webhook(payload: bytes, genuine: bool) -> WebhookRequest:
    data = seal(payload)
    headers = signature_headers(TENCENT_TOKEN if genuine else "forged-token", data)
    return WebhookRequest("POST", "/webhooks/tencent_meeting", {}, headers, json.dumps({"data": data}).encode())


TENCENT_CASE = ContractCase(
    fake=lambda: FakeVendor(FakeTencentMeeting(meetings=(TENCENT_MEETING_ID,)).app),
    settings=_tencent_settings,
    target=Target(TargetKind.MEETING, TENCENT_MEETING_ID),
    party=lambda i: Party(PartyKind.ROOM, f"10000{i + 1}"),
    places=lambda path: path == ROOM_CALL,
    webhook=_tencent_webhook,
    sample_event=room_response(TENCENT_MEETING_ID, "room:100001", "2", operate_ms=1767600000000),
)


CASES: dict[str, ContractCase] = {
    "sandbox": SANDBOX,
    "yunhuni": YUNHUNI_CASE,
    "voipnow": VOIPNOW,
    "quanshi": QUANSHI,
    "tencent_meeting": TENCENT_CASE,
}
