"""The emulator's side of installing an app by OAuth: Slack's authorize page and `oauth.v2.access`.

`GET /oauth/v2/authorize` is the page a user approves the install on: the emulator approves at
once for the workspace the browser is signed in to (`signed_in_team`, or the `team` parameter
Slack also accepts) and redirects to the app's redirect URL with a one-time code and the state.
`oauth.v2.access` swaps that code (with the app's client id and secret) for a bot token of that
workspace, with a refresh token and expiry when token rotation is on; and, with
`grant_type=refresh_token`, a refresh token for a fresh bot token. Every token issued is kept in
`tokens`, which the Web API checks each call against and answers in the token's workspace.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

BOT_SCOPES_GRANTED = "commands,chat:write,chat:write.public,users:read,users:read.email,usergroups:read,im:write"


@dataclass
class IssuedToken:
    """A bot token the emulator accepts: whose workspace it acts in, until when (None: for ever)."""

    team_id: str
    expires_at: float | None = None  # wall-clock seconds, as Slack's expires_in counts

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class EmulatedOAuth:
    """One distributed app's OAuth: its credentials, the codes handed out, the tokens issued."""

    tokens: dict[str, IssuedToken]
    client_id: str = ""
    client_secret: str = ""
    redirect_url: str = ""  # the app's configured redirect URL (used when the request names none)
    rotation: bool = False  # token rotation on: tokens expire and come with a refresh token
    expires_in_s: int = 12 * 3600  # Slack's rotating tokens live 12 hours
    signed_in_team: str = ""  # the workspace the installing browser is signed in to
    installer: str = "U0INSTALLER"
    codes: dict[str, str] = field(default_factory=dict)  # code → team, each usable once
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token → team
    team_names: dict[str, str] = field(default_factory=dict)
    wall_clock: Any = time.time  # tests may replace it to age tokens without sleeping

    def configure(
        self,
        client_id: str,
        client_secret: str,
        *,
        redirect_url: str = "",
        rotation: bool = False,
        expires_in_s: int = 12 * 3600,
    ) -> None:
        """Register the app (Slack's "Basic Information" and "OAuth & Permissions" pages)."""
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_url, self.rotation, self.expires_in_s = redirect_url, rotation, expires_in_s

    def revoke_team(self, team_id: str) -> None:
        """What Slack does when a workspace uninstalls the app: its tokens stop working."""
        for token in [t for t, issued in self.tokens.items() if issued.team_id == team_id]:
            del self.tokens[token]
        for refresh in [r for r, team in self.refresh_tokens.items() if team == team_id]:
            del self.refresh_tokens[refresh]

    def expire_soon(self, team_id: str, in_s: float) -> None:
        """Make the team's current tokens expire `in_s` from now (Slack's clock moved on)."""
        for issued in self.tokens.values():
            if issued.team_id == team_id and issued.expires_at is not None:
                issued.expires_at = self.wall_clock() + in_s

    async def authorize(self, request: Request) -> Response:
        """Slack's install page, approved at once: back to the app with a code and its state."""
        query = request.query_params
        if not self.client_id or query.get("client_id") != self.client_id:
            return Response("invalid_client_id", status_code=400)
        team = query.get("team") or self.signed_in_team
        redirect = query.get("redirect_uri") or self.redirect_url
        if not team or not redirect:
            return Response("no workspace signed in or no redirect URL", status_code=400)
        code = secrets.token_hex(8)
        self.codes[code] = team
        return RedirectResponse(f"{redirect}?{urlencode({'code': code, 'state': query.get('state', '')})}", 302)

    def access(self, params: dict[str, Any], authorization: str) -> JSONResponse:
        """`oauth.v2.access`: a code (or a refresh token) and the app's credentials → a bot token."""
        client_id, client_secret = _credentials(params, authorization)
        if not self.client_id or client_id != self.client_id:
            return JSONResponse({"ok": False, "error": "invalid_client_id"})
        if client_secret != self.client_secret:
            return JSONResponse({"ok": False, "error": "bad_client_secret"})
        if params.get("grant_type") == "refresh_token":
            team = self.refresh_tokens.get(str(params.get("refresh_token", "")))
            if team is None:
                return JSONResponse({"ok": False, "error": "invalid_refresh_token"})
            return JSONResponse(self._grant(team, refresh_token=str(params["refresh_token"])))
        team = self.codes.pop(str(params.get("code", "")), None)
        if team is None:
            return JSONResponse({"ok": False, "error": "invalid_code"})
        return JSONResponse(self._grant(team, refresh_token=None))

    def _grant(self, team: str, *, refresh_token: str | None) -> dict[str, Any]:
        prefix = "xoxe.xoxb-" if self.rotation else "xoxb-"
        token = f"{prefix}{team}-{secrets.token_hex(6)}"
        expires_at = self.wall_clock() + self.expires_in_s if self.rotation else None
        self.tokens[token] = IssuedToken(team, expires_at)
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0CONFBOT",
            "authed_user": {"id": self.installer},
            "scope": BOT_SCOPES_GRANTED,
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": "U0BOT",
            "team": {"id": team, "name": self.team_names.get(team, team)},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if self.rotation:
            refresh = refresh_token or f"xoxe-1-{team}-{secrets.token_hex(8)}"
            self.refresh_tokens[refresh] = team
            answer.update(refresh_token=refresh, expires_in=self.expires_in_s)
        return answer


def _credentials(params: dict[str, Any], authorization: str) -> tuple[str, str]:
    """The client id and secret: HTTP Basic (as slack-sdk sends them) or form fields."""
    if authorization.lower().startswith("basic "):
        decoded = base64.b64decode(authorization[6:].strip()).decode()
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return str(params.get("client_id", "")), str(params.get("client_secret", ""))
