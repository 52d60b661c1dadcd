"""The simulator mounted in confbot's own server at `/sandbox`, as one more feature of the composition root.

It is there only when the sandbox is switched on (`SANDBOX_ENABLED=true`, which `confbot demo`
does) and no other simulator is named (`SANDBOX_BASE_URL` empty).
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt.async_app import AsyncApp
from starlette.routing import BaseRoute, Mount

from bot.config import Settings
from bot.dialout.providers.sandbox import PLUGIN as SANDBOX
from bot.sandbox.server import SandboxTelco


class SandboxFeature:
    """Serves the simulator's API; no Slack listeners, nothing to start."""

    def __init__(self, telco: SandboxTelco) -> None:
        self.telco = telco

    def routes(self) -> list[BaseRoute]:
        return [Mount("/sandbox", app=self.telco.app)]

    def register(self, app: AsyncApp) -> None:
        """The simulator has no Slack side."""

    async def start(self, *, work: bool = True) -> None:
        """Calls are played by tasks the simulator starts per request."""

    async def stop(self) -> None:
        await self.telco.aclose()


def build_sandbox(settings: Settings, chaos: frozenset[str] = frozenset()) -> Sequence[SandboxFeature]:
    """The embedded simulator when it is on and not elsewhere: one feature, or none."""
    sandbox = SANDBOX.settings_of(settings)
    if not sandbox.enabled or sandbox.base_url:
        return ()
    telco = SandboxTelco(
        sandbox.api_key.get_secret_value(),
        sandbox.webhook_secret.get_secret_value(),
        speed=sandbox.speed,
        chaos=chaos,
        callback_prefix=f"{settings.base_url}/webhooks/",
    )
    return (SandboxFeature(telco),)
