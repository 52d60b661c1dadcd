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

from bot.dialout.slack import form
from bot.slack import ids
from tests.e2e.harness import AMY, CHANNEL, Harness

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
TYPES = ["block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion", "x"]
ACTION_IDS = [
    ids.CANCEL_INVITE_ACTION,
    ids.DIAL_NOW_ACTION,
    ids.HANG_UP_ACTION,
    ids.REDIAL_FAILED_ACTION,
    ids.EDIT_ACTION,
    ids.ADD_PEOPLE_ACTION,
    f"{ids.HOME_PAGE_ACTION}:1",
    ids.ROSTER_VIEW_ALL_ACTION,
    f"{ids.ROSTER_PAGE_ACTION}:1",
    ids.SERIES_SKIP_ACTION,
    ids.SERIES_PAUSE_ACTION,
    ids.SERIES_RESUME_ACTION,
    ids.SERIES_END_ACTION,
    form.PROVIDER_ACTION,
    form.WHEN_ACTION,
    "other",
]
# The form's state as Slack sends it ({block_id: {action_id: {value…}}}), with any field of any shape.
form_state = st.dictionaries(
    st.sampled_from([form.block_id(f) for f in form.FormField]),
    st.dictionaries(st.sampled_from([form.action_id(f) for f in form.FormField]), json_values, max_size=2)
    | json_values,
    max_size=4,
)
CALLBACK_IDS = [
    form.CALLBACK_ID,
    form.MESSAGE_SHORTCUT_ID,
    form.EDIT_CALLBACK_ID,
    form.ADD_PEOPLE_CALLBACK_ID,
    ids.REDIAL_VIEW,
    "other",
]
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
            {
                "id": st.just("V1") | json_values,
                "callback_id": st.sampled_from(CALLBACK_IDS) | json_values,
                "state": st.fixed_dictionaries(
                    {"values": form_state | st.dictionaries(st.text(max_size=8), json_values)}
                )
                | json_values,
                "private_metadata": st.sampled_from(['{"invite": 1, "channel": "C0OPS"}', "{", "", '{"c": 5}'])
                | json_values,
                "hash": st.just("h1") | json_values,
            }
        )
        | json_values,
        "callback_id": st.sampled_from(CALLBACK_IDS) | json_values,
        "container": json_values,
        "message": json_values,
        "trigger_id": json_values,
        "response_url": json_values,
    },
)
# Submissions of the views the bot opens, with the shape Slack gives them and anything inside.
submissions = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["view_submission", "view_closed"]),
        "user": st.fixed_dictionaries({"id": st.just(AMY)}),
        "team": st.fixed_dictionaries({"id": st.just("T0EMULATED")}),
        "view": st.fixed_dictionaries(
            {
                "id": st.text(min_size=1, max_size=6),
                "type": st.just("modal"),
                "callback_id": st.sampled_from(CALLBACK_IDS),
                "hash": st.just("h1"),
                "private_metadata": st.sampled_from(['{"invite": 1, "channel": "C0OPS"}', "{", "", '{"c": 5}'])
                | st.text(max_size=20),
                "state": st.fixed_dictionaries({"values": form_state}),
            }
        ),
    }
)
bodies = st.one_of(
    submissions.map(lambda p: urlencode({"payload": json.dumps(p)}).encode()),
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
