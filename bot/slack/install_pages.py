"""The pages an installer's browser lands on after Slack (OAuth mode), in their language.

Bolt's own pages are English only; these say the same in the browser's first language
(Accept-Language, English otherwise), as every other sentence confbot shows.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.response import BoltResponse

from bot.slack.messages import locale_of, t


def browser_locale(headers: Mapping[str, Sequence[str] | str]) -> str:
    """The catalogue language of the browser's first Accept-Language choice ("en" when none fits)."""
    value = headers.get("accept-language") or ""
    first = value[0] if not isinstance(value, str) and value else value
    return locale_of(str(first).split(",")[0].split(";")[0].strip() or None, "en")


def page(locale: str, sentence: str, status: int) -> BoltResponse:
    """A small HTML page saying one sentence (escaped)."""
    body = (
        f'<!DOCTYPE html><html lang="{locale}"><head><meta charset="utf-8">'
        f"<title>{html.escape(t('install.title', locale))}</title></head>"
        f"<body><p>{html.escape(sentence)}</p></body></html>"
    )
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


async def installed(args: AsyncSuccessArgs) -> BoltResponse:
    locale = browser_locale(args.request.headers)
    installation = args.installation
    team = installation.team_name or installation.team_id or installation.enterprise_name or ""
    return page(locale, t("install.done", locale, team=team), 200)


async def not_installed(args: AsyncFailureArgs) -> BoltResponse:
    locale = browser_locale(args.request.headers)
    sentence = t("install.failed", locale, reason=args.reason, link=args.settings.install_path)
    return page(locale, sentence, args.suggested_status_code)


CALLBACKS = AsyncCallbackOptions(success=installed, failure=not_installed)
