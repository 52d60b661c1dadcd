"""What a view carries back comes from the client: a form state or metadata of another shape reads as empty."""

from __future__ import annotations

import pytest

from bot.dialout.slack.confirmations import read_redial_metadata, redial_metadata
from bot.dialout.slack.form import FormField, action_id, block_id, read_state


def test_form_fields_of_another_shape_read_as_empty() -> None:
    values = {
        block_id(FormField.TARGET): [1],
        block_id(FormField.WHEN): {action_id(FormField.WHEN): "not an object"},
        block_id(FormField.PROVIDER): {action_id(FormField.PROVIDER): {"selected_option": ["sandbox"]}},
        block_id(FormField.PEOPLE): {action_id(FormField.PEOPLE): {"selected_users": "U0AMY"}},
        block_id(FormField.NUMBERS): {action_id(FormField.NUMBERS): {"value": "13800138001"}},
    }
    form, channel = read_state(values)  # type: ignore[arg-type]
    assert (form.target_id, form.when, form.provider, form.people, channel) == ("", "", "", (), "")
    assert form.numbers == "13800138001"


@pytest.mark.parametrize("metadata", ["", "{", "[]", '{"invite": "1", "channel": "C1"}', '{"invite": 1}', "null"])
def test_redial_metadata_we_did_not_write_reads_as_none(metadata: str) -> None:
    assert read_redial_metadata(metadata) is None


def test_redial_metadata_we_wrote_reads_back() -> None:
    assert read_redial_metadata(redial_metadata(17, "C1")) == (17, "C1")
