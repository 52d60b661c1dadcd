"""The bot's Slack Web API client, counting each call by method and outcome for `/metrics`.

Rate limits (429) are the figure an operator watches: the outbox paces itself by them, and a
steady stream means the workspace is busier than one message per second per thread allows.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse


class CountedWebClient(AsyncWebClient):
    """An AsyncWebClient that adds one to `calls{method, outcome}` per API call."""

    def __init__(self, calls: Counter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._calls = calls

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        try:
            response = await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            limited = exc.response is not None and exc.response.status_code == 429
            self._calls.labels(api_method, "ratelimited" if limited else "error").inc()
            raise
        self._calls.labels(api_method, "ok").inc()
        return response
