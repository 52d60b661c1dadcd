"""The /dial form: a modal drawn from its values, read back from Slack's view state, and its field errors.

Pure functions of plain values; `form_listeners.py` opens, updates and answers with what they build.
The provider select and the time box dispatch actions: choosing a provider redraws the target fields
for its kind, typing a time redraws the line under it that says how it is read. What must survive
between those requests (where the thread goes, the instant a phrase was read as) rides in the view's
`private_metadata`. `build_form` takes a `DialForm`, so any button that wants the form prefilled
(edit an invite, add people) draws it the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.views import View as SlackView

from bot.dialout.core.answers import FormSetup, PreviewReply, ProviderChoice
from bot.dialout.core.command import ParseError, ParseProblem, read_invite_id
from bot.dialout.core.form import DialForm, FormField, Preview
from bot.dialout.core.models import TargetKind
from bot.dialout.slack.replies import build_parse_error
from bot.kernel.when import When
from bot.slack.lines import format_local
from bot.slack.messages import CATALOGUE, t

CALLBACK_ID = "dial_form"  # the modal's callback id, and the global shortcut's ("Schedule a dial-out")
EDIT_CALLBACK_ID = "dial_form_edit"  # the same form opened by Edit on a thread parent: its submit changes the invite
ADD_PEOPLE_CALLBACK_ID = "invite_add_people"  # the small modal of Add people
MESSAGE_SHORTCUT_ID = "dial_people"  # the message shortcut ("Dial these people")
PREVIEW_BLOCK = "dial_form_when_preview"
MAX_TEXT_INPUT = 3000  # Slack's most for a plain_text_input


def block_id(where: FormField) -> str:
    """The input block of a field."""
    return f"dial_form_{where.value}"


def action_id(where: FormField) -> str:
    """The element inside a field's block."""
    return f"dial_form_{where.value}_input"


PROVIDER_ACTION = action_id(FormField.PROVIDER)
WHEN_ACTION = action_id(FormField.WHEN)
DATE_ACTION = action_id(FormField.DATE)
TIME_ACTION = action_id(FormField.TIME)


@dataclass(frozen=True)
class FormMetadata:
    """What the modal carries from one request to the next: where it reports, and the time last previewed."""

    channel_id: str = ""  # where it was opened from; empty for the global shortcut (a channel field instead)
    preview: Preview | None = None
    invite_id: int | None = None  # the invite an Edit form changes
    version: str = ""  # the invite's version when the Edit form opened (the submit must still find it)

    def encode(self) -> str:
        """As `private_metadata` (well under Slack's 3000 characters)."""
        data: dict[str, Any] = {"c": self.channel_id}
        if self.invite_id is not None:
            data["i"], data["v"] = self.invite_id, self.version
        if self.preview is not None:
            data["p"] = self.preview.phrase[: MAX_TEXT_INPUT // 3]
            data["at"] = self.preview.when.at.isoformat()
            data["now"] = self.preview.when.is_now
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def decode(cls, raw: str) -> FormMetadata:
        """Back from `private_metadata`; anything unreadable reads as no metadata rather than failing the form."""
        try:
            data = json.loads(raw or "{}")
            preview = None
            if "at" in data:
                when = When(datetime.fromisoformat(data["at"]), bool(data.get("now")))
                preview = Preview(str(data.get("p", "")), when)
            invite_id = int(data["i"]) if "i" in data else None
            return cls(str(data.get("c", "")), preview, invite_id, str(data.get("v", "")))
        except (ValueError, TypeError, AttributeError):
            return cls()


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _choice_value(choice: ProviderChoice) -> str:
    return f"{choice.name}:{choice.kind.value}"


def chosen(values: DialForm, choices: tuple[ProviderChoice, ...]) -> ProviderChoice | None:
    """The choice the form shows as selected: its provider and kind, else the first of its kind, else the default."""
    exact = [c for c in choices if c.name == values.provider and c.kind is values.kind]
    same_kind = [c for c in choices if c.kind is values.kind and not values.provider]
    return next(iter([*exact, *same_kind, *choices]), None)


def _option(choice: ProviderChoice, choices: tuple[ProviderChoice, ...], locale: str) -> dict[str, Any]:
    several_kinds = sum(1 for c in choices if c.name == choice.name) > 1
    label = choice.title
    if several_kinds:
        label = t("form.provider_kind", locale, title=choice.title, kind=t(f"form.kind.{choice.kind.value}", locale))
    return {"text": _plain(label[:75]), "value": _choice_value(choice)}


def _text_input(
    where: FormField,
    label: str,
    value: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    hint: str = "",
    placeholder: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id(where),
        "multiline": multiline,
        "max_length": MAX_TEXT_INPUT,
    }
    if value:
        element["initial_value"] = value[:MAX_TEXT_INPUT]
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id(where),
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint[:2000])
    return block


def _compact(seconds: int) -> str:
    """A duration as `max` accepts it: 90s, 1m, 6h."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def build_preview_line(
    values: DialForm, metadata: FormMetadata, preview: PreviewReply | None, tz: str, locale: str
) -> str:
    """The line under the time box: how the phrase reads in the user's zone, why it can't be used, or a prompt."""
    if preview is not None and preview.error is not None:
        return t("form.when_error", locale, error=build_parse_error(preview.error, locale).replace("`", ""))
    read = preview.preview if preview is not None else metadata.preview
    if read is None or read.phrase.strip() != values.when.strip() or not values.when.strip():
        return t("form.when_waiting", locale, tz=tz)
    if read.when.is_now:
        return t("form.when_now", locale)
    return t("form.when_at", locale, at=format_local(read.when.at, tz, locale), tz=tz)


def _people_blocks(values: DialForm, locale: str) -> list[dict[str, Any]]:
    people: dict[str, Any] = {"type": "multi_users_select", "action_id": action_id(FormField.PEOPLE)}
    if values.people:
        people["initial_users"] = list(values.people)
    return [
        {
            "type": "input",
            "block_id": block_id(FormField.PEOPLE),
            "label": _plain(t("form.people", locale)),
            "element": people,
            "optional": True,
            "hint": _plain(t("form.people_hint", locale)),
        },
        _text_input(
            FormField.NUMBERS,
            t("form.numbers", locale),
            values.numbers,
            optional=True,
            multiline=True,
            hint=t("form.numbers_hint", locale),
        ),
    ]


def _target_blocks(values: DialForm, kind: TargetKind, locale: str) -> list[dict[str, Any]]:
    blocks = [_text_input(FormField.TARGET, t(f"form.target.{kind.value}", locale), values.target_id)]
    if kind is TargetKind.MEETING:
        rooms = t("form.rooms", locale)
        blocks.append(
            _text_input(FormField.ROOMS, rooms, values.rooms, multiline=True, hint=t("form.rooms_hint", locale))
        )
        return blocks
    blocks.extend(_people_blocks(values, locale))
    if kind is TargetKind.EVENT:
        before = t("form.before", locale)
        blocks.append(
            _text_input(FormField.BEFORE, before, values.before, optional=True, hint=t("form.before_hint", locale))
        )
    return blocks


def _when_blocks(
    values: DialForm, metadata: FormMetadata, preview: PreviewReply | None, setup: FormSetup
) -> list[dict[str, Any]]:
    locale = setup.locale
    # Optional: a picked date and time stand instead (the core refuses neither and both).
    when = _text_input(
        FormField.WHEN,
        t("form.when", locale),
        values.when,
        optional=True,
        placeholder=t("form.when_placeholder", locale),
    )
    when["dispatch_action"] = True
    when["element"]["dispatch_action_config"] = {"trigger_actions_on": ["on_enter_pressed", "on_character_entered"]}
    line = build_preview_line(values, metadata, preview, setup.tz, locale)
    date: dict[str, Any] = {"type": "datepicker", "action_id": DATE_ACTION}
    if values.date:
        date["initial_date"] = values.date
    clock: dict[str, Any] = {"type": "timepicker", "action_id": TIME_ACTION}
    if values.time:
        clock["initial_time"] = values.time
    return [
        when,
        # Plain text: the line quotes what the user typed, which must not become markup or a mention.
        {"type": "context", "block_id": PREVIEW_BLOCK, "elements": [_plain(line)]},
        _picker(FormField.DATE, t("form.date", locale), date, t("form.date_hint", locale, tz=setup.tz)),
        _picker(FormField.TIME, t("form.time", locale), clock, t("form.time_hint", locale, tz=setup.tz)),
    ]


def _picker(where: FormField, label: str, element: dict[str, Any], hint: str) -> dict[str, Any]:
    """An optional input block holding one of Slack's pickers (its value is local: the user's zone)."""
    return {
        "type": "input",
        "block_id": block_id(where),
        "label": _plain(label),
        "element": element,
        "optional": True,
        "hint": _plain(hint[:2000]),
    }


def _channel_block(locale: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id(FormField.CHANNEL),
        "label": _plain(t("form.channel", locale)),
        "element": {
            "type": "conversations_select",
            "action_id": action_id(FormField.CHANNEL),
            "default_to_current_conversation": True,
        },
        "hint": _plain(t("form.channel_hint", locale)),
    }


def _provider_blocks(values: DialForm, choice: ProviderChoice, locale: str) -> list[dict[str, Any]]:
    blocks = []
    if choice.options:
        keys = "; ".join(t("form.option_key", locale, key=key, hint=hint) for key, hint in choice.options)
        hint = t("form.options_hint", locale, provider=choice.title, keys=keys)
        blocks.append(
            _text_input(
                FormField.OPTIONS, t("form.options", locale), values.options, optional=True, multiline=True, hint=hint
            )
        )
    allowed = choice.max_duration
    if allowed is not None:
        hint = t("form.max_hint", locale, provider=choice.title, low=_compact(allowed.low), high=_compact(allowed.high))
        blocks.append(_text_input(FormField.MAX, t("form.max", locale), values.max_duration, optional=True, hint=hint))
    return blocks


def build_form(
    values: DialForm, setup: FormSetup, metadata: FormMetadata, preview: PreviewReply | None = None
) -> dict[str, Any]:
    """The modal for `values`, in the user's language; checked with slack_sdk's View (Slack's limits).

    With an invite id in `metadata` it is that invite's Edit form (its own callback id, title and
    Save button), drawn from the same fields. `setup.choices` must not be empty: with no provider
    configured there is no form to show.
    """
    locale = setup.locale
    choice = chosen(values, setup.choices)
    if choice is None:
        raise ValueError("the form needs at least one configured provider")
    provider = {
        "type": "input",
        "block_id": block_id(FormField.PROVIDER),
        "label": _plain(t("form.provider", locale)),
        "dispatch_action": True,
        "element": {
            "type": "static_select",
            "action_id": PROVIDER_ACTION,
            "options": [_option(c, setup.choices, locale) for c in setup.choices][:100],
            "initial_option": _option(choice, setup.choices, locale),
        },
    }
    blocks = [
        provider,
        *_target_blocks(values, choice.kind, locale),
        *_when_blocks(values, metadata, preview, setup),
        *([] if metadata.channel_id else [_channel_block(locale)]),
        *_provider_blocks(values, choice, locale),
    ]
    editing = metadata.invite_id is not None
    # Set when an invite is made (an Edit keeps them); not for live events, whose calls are handed over.
    if not editing and choice.kind is not TargetKind.EVENT:
        hint = t("form.retry_hint", locale)
        blocks.append(_text_input(FormField.RETRY, t("form.retry", locale), values.retry, optional=True, hint=hint))
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": EDIT_CALLBACK_ID if editing else CALLBACK_ID,
        "title": _plain(t("edit.title", locale, id=metadata.invite_id) if editing else t("form.title", locale)),
        "submit": _plain(t("edit.submit", locale) if editing else t("form.submit", locale)),
        "close": _plain(t("form.close", locale)),
        "private_metadata": metadata.encode(),
        "blocks": blocks,
    }
    SlackView(**view).validate_json()  # raises on what Slack would refuse
    return view


def add_people_metadata(invite_id: int, channel_id: str) -> str:
    """The Add people modal's private_metadata: which invite, and where to answer the presser."""
    return json.dumps({"invite": invite_id, "channel": channel_id})


def read_add_people_metadata(metadata: str) -> tuple[int, str] | None:
    """(invite id, channel id) from a submitted Add people modal; None for metadata the bot did not write."""
    try:
        values = json.loads(metadata)
        invite_id = read_invite_id(str(values["invite"]))
        return (invite_id, str(values["channel"])) if invite_id is not None else None
    except (ValueError, TypeError, KeyError):
        return None


def build_add_people_modal(invite_id: int, channel_id: str, locale: str) -> dict[str, Any]:
    """The small modal of Add people: the form's own people picker and numbers box (read by the same rules)."""
    intro = {"type": "section", "text": {"type": "plain_text", "text": t("add_people.intro", locale, id=invite_id)}}
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": ADD_PEOPLE_CALLBACK_ID,
        "private_metadata": add_people_metadata(invite_id, channel_id),
        "title": _plain(t("add_people.title", locale)),
        "submit": _plain(t("add_people.submit", locale)),
        "close": _plain(t("add_people.close", locale)),
        "blocks": [intro, *_people_blocks(DialForm(), locale)],
    }
    SlackView(**view).validate_json()
    return view


def read_state(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> tuple[DialForm, str]:
    """The form's fields from `view.state.values` as Slack sends them, and the channel picked ('' if none)."""

    def mapping(value: object) -> Mapping[str, Any]:
        return value if isinstance(value, Mapping) else {}  # a field of another shape reads as empty

    def entry(where: FormField) -> Mapping[str, Any]:
        return mapping(mapping(values.get(block_id(where))).get(action_id(where)))

    def text(where: FormField) -> str:
        return str(entry(where).get("value") or "")

    selected = mapping(entry(FormField.PROVIDER).get("selected_option")).get("value") or ""
    users = entry(FormField.PEOPLE).get("selected_users")
    provider, _, kind = str(selected).partition(":")
    form = DialForm(
        provider=provider,
        kind=TargetKind(kind) if kind in {k.value for k in TargetKind} else TargetKind.CONFERENCE,
        target_id=text(FormField.TARGET),
        rooms=text(FormField.ROOMS),
        before=text(FormField.BEFORE),
        people=tuple(u for u in users if isinstance(u, str)) if isinstance(users, list) else (),
        numbers=text(FormField.NUMBERS),
        when=text(FormField.WHEN),
        date=str(entry(FormField.DATE).get("selected_date") or ""),
        time=str(entry(FormField.TIME).get("selected_time") or ""),
        options=text(FormField.OPTIONS),
        max_duration=text(FormField.MAX),
        retry=text(FormField.RETRY),
    )
    return form, str(entry(FormField.CHANNEL).get("selected_conversation") or "")


def _error_text(where: FormField | None, error: ParseError, locale: str) -> str:
    """The sentence under a field; `where` None (the field is not shown) words it as for typed text."""
    params = dict(error.params)
    problem = error.problem.value
    if error.problem is ParseProblem.BAD_TARGET_ID and params.get("keyword") == TargetKind.EVENT.value:
        problem = "bad_event_id"
    key = f"form.error.{where.value}.{problem}" if where is not None else ""
    if key not in CATALOGUE:
        # Slack shows field errors as plain text: code marks would show as backticks.
        return build_parse_error(error, locale).replace("`", "")
    words = ", ".join(str(w) for w in params.get("words", ()))
    names = ", ".join(str(u.get("name") or u.get("user_id")) for u in params.get("users", ()))
    return t(key, locale, words=words, names=names, tz=params.get("tz", ""))


def build_errors(errors: Mapping[FormField, ParseError], view: Mapping[str, Any], locale: str) -> dict[str, str]:
    """`response_action: errors` for a submitted view: each error under its field's block.

    An error about a field the view does not show (the channel of a form opened in a channel) goes
    under the first field, worded as for typed text (which does not ask to pick another), so it is
    never lost.
    """
    shown = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    answer: dict[str, str] = {}
    for where, error in errors.items():
        is_shown = block_id(where) in shown
        target = block_id(where) if is_shown else str(shown[0] if shown else block_id(FormField.PROVIDER))
        text = _error_text(where if is_shown else None, error, locale)
        answer[target] = f"{answer[target]} {text}" if target in answer else text
    return answer
