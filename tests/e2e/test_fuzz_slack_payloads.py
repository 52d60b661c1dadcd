"""Fuzzing what reaches `/slack/events`, signed and unsigned, through the real Starlette app and Bolt.

Whatever the shape (every interactive payload type, fields of the wrong type, missing or empty
lists), the answer is never a 500 and nothing is logged with a traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack import ids
from tests.e2e.harness import AMY, CHANNEL, Harness

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
TYPES = ["block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion", "x"]
ACTION_IDS = [ids.CANCEL_INVITE_ACTION, ids.HOME_PAGE_ACTION, "other"]
action = st.fixed_dictionaries(
    {"action_id": st.sampled_from(ACTION_IDS) | json_values},
    optional={
        "type": st.sampled_from(["button", "static_select"]) | json_values,
        "block_id": json_values,
        "value": st.sampled_from(["1", "abc", "9" * 5000, "", "²", "-1"]) | json_values,
        "action_ts": json_values,
    },
)
payload = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(TYPES) | json_values,
        "user": st.fixed_dictionaries({"id": st.sampled_from([AMY, "U0NOBODY"]) | json_values}) | json_values,
        "channel": st.fixed_dictionaries({"id": st.sampled_from([CHANNEL]) | json_values}) | json_values,
        "team": st.fixed_dictionaries({"id": st.just("T0EMULATED") | json_values}) | json_values,
        "actions": st.lists(action, max_size=2) | json_values,
        "view": st.fixed_dictionaries(
            {"callback_id": json_values, "state": json_values, "private_metadata": json_values}
        )
        | json_values,
        "container": json_values,
        "message": json_values,
        "trigger_id": json_values,
        "response_url": json_values,
    },
)
bodies = st.one_of(
    payload.map(lambda p: urlencode({"payload": json.dumps(p)}).encode()),
    json_values.map(lambda p: urlencode({"payload": json.dumps(p)}).encode()),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
)


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, signed=st.booleans())
async def test_no_body_posted_to_slack_events_gets_a_500_or_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture, body: bytes, signed: bool
) -> None:
    assert harness.driver is not None
    caplog.clear()
    if signed:
        response = await harness.driver.post_signed(body)
    else:
        response = await harness.driver.post_signed(body, secret="not-the-signing-secret")
    assert response.status_code < 500
    if not signed:
        assert response.status_code == 401
    assert _tracebacks(caplog) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=payload)
async def test_signed_payload_json_bodies_get_no_500(harness: Harness, body: dict[str, Any]) -> None:
    assert harness.driver is not None
    response = await harness.driver.post_signed(json.dumps(body).encode(), content_type="application/json")
    assert response.status_code < 500
