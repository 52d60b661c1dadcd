"""Slack events: `user_change` keeps the numbers inbound routes ring in step with people's profiles."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.inbound.core.switchboard import RouteBook


def register(app: AsyncApp, book: RouteBook) -> None:
    """Attach the user_change listener."""

    @app.event("user_change")
    async def handle_user_change(event: dict[str, Any]) -> None:
        user = event.get("user") or {}
        if not user.get("id"):
            return
        phone = ((user.get("profile") or {}).get("phone") or "").strip() or None
        gone = bool(user.get("deleted") or user.get("is_bot"))
        await book.refresh_user(user["id"], phone, gone=gone)
