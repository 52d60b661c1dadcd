"""Fuzzing every provider's webhook reader: a signed body of any shape is a 4xx or a reply the core can store.

The contract test (test_contract.py) mangles one field at a time with a fixed list of bad values;
here hypothesis varies every field of the provider's sample event at once, with values of any JSON
type and depth, and raw bytes besides.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialout.core.ports import ReceivesWebhooks, WebhookRejected
from tests.dialout.providers.contract_cases import CASES
from tests.dialout.providers.test_contract import _answer, _readable, _webhook_names, provider_for

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


def _varied(sample: Any, draw: st.DrawFn) -> Any:
    """`sample` with each leaf and branch kept, or replaced by anything JSON can hold."""
    if draw(st.integers(0, 3)) == 0:
        return draw(json_values)
    if isinstance(sample, dict):
        return {key: _varied(value, draw) for key, value in sample.items()}
    if isinstance(sample, list):
        return [_varied(value, draw) for value in sample]
    return sample


@st.composite
def bodies(draw: st.DrawFn, sample: Any) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=300))
    return json.dumps(_varied(sample, draw)).encode()


@pytest.mark.parametrize("name", _webhook_names())
@settings(max_examples=120, deadline=None)
@given(data=st.data())
async def test_a_signed_webhook_of_any_shape_is_a_4xx_or_a_storable_reply(name: str, data: st.DataObject) -> None:
    case = CASES[name]
    assert case.webhook is not None
    body = data.draw(bodies(dict(case.sample_event)), label="body")
    async with provider_for(name, "http://127.0.0.1:9") as provider:
        assert isinstance(provider, ReceivesWebhooks)
        answer = await _answer(provider, case.webhook(body, True))
    if isinstance(answer, WebhookRejected):
        assert 400 <= answer.status < 500, answer
    else:
        assert answer.status < 500 and all(_readable(e) for e in answer.events), answer
