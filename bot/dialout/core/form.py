"""The `/dial` form, read by the same rules as typed text.

The form arrives as a `DialForm` (one value per field) and `read_form` turns it into the same
`InviteDraft` a typed command becomes, with the pieces of `command.py` (targets, options, people,
the time reader, the checks), so a form and a typed command are held to the same rules; its
errors say which field they belong to, so Slack can show each under its own box.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.dialout.core.command import (
    _TARGET_ID,
    InviteDraft,
    ParseContext,
    ParseError,
    ParseProblem,
    _check_count,
    _check_field,
    _check_max,
    _check_target,
    _choose_provider,
    _Options,
    _read_rooms,
    _take_pairs,
    _unescape_slack,
    _validate_options,
    read_retry,
    read_schedule,
    read_when,
)
from bot.dialout.core.models import CallAttempt, Invite, Target, TargetKind
from bot.kernel.lexing import (
    QUOTES,
    Parties,
    PartiesProblem,
    parse_duration,
    parties_problem,
    read_parties,
)
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy, normalise
from bot.kernel.recurrence import Recurrence, is_recurring
from bot.kernel.when import When


class FormField(StrEnum):
    """The fields of the /dial form, each of which can carry its own error."""

    PROVIDER = "provider"
    TARGET = "target"
    ROOMS = "rooms"
    BEFORE = "before"
    PEOPLE = "people"
    NUMBERS = "numbers"
    WHEN = "when"
    DATE = "date"
    TIME = "time"
    OPTIONS = "options"
    MAX = "max"
    CHANNEL = "channel"
    RETRY = "retry"


@dataclass(frozen=True)
class DialForm:
    """The /dial form's fields as the user left them; also what a form is prefilled with."""

    provider: str = ""  # a provider name; empty: the default one for `kind`
    kind: TargetKind = TargetKind.CONFERENCE
    target_id: str = ""
    rooms: str = ""  # meetings: room ids or sip:/h323: addresses, one per line or comma-separated
    before: str = ""  # live events: minutes before the start ("15" or "15m")
    people: tuple[str, ...] = ()  # Slack user ids
    numbers: str = ""  # one per line or comma-separated, `Name <number>` allowed
    when: str = ""  # a phrase, read as typed text is; or, instead:
    date: str = ""  # Slack's date picker: "YYYY-MM-DD" in the user's zone
    time: str = ""  # Slack's time picker: "HH:MM" in the user's zone (alone: today)
    options: str = ""  # key=value, one per line or space-separated
    max_duration: str = ""  # "30m", "1h"
    retry: str = ""  # "busy=3x2m noanswer=2" or "off" (retry_policy.py); empty: the workspace default


@dataclass(frozen=True)
class Preview:
    """How the form's time phrase was read while the user typed it; a submit of the same phrase schedules this."""

    phrase: str
    when: When


@dataclass(frozen=True)
class FormErrors(Exception):
    """What is wrong with a submitted form, field by field."""

    errors: Mapping[FormField, ParseError]


_T = TypeVar("_T")
_ITEM_SEPARATORS = re.compile(r"[\n,;，；、]+")
_LABELLED = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<number>[^<>@|]+)>$")


def _form_numbers(text: str, policy: DialingPolicy) -> tuple[Parties, dict[str, str]]:
    """Numbers and mentions of the numbers box, and the names written with numbers (`Amy <138…>`)."""
    labels: dict[str, str] = {}
    plain: list[str] = []
    for item in (i.strip() for i in _ITEM_SEPARATORS.split(text.translate(QUOTES))):
        match = _LABELLED.match(item)
        if match and match["name"]:
            number = normalise(match["number"].strip(), policy)
            if isinstance(number, str):
                labels.setdefault(number, match["name"].strip())
            item = match["number"].strip()
        if item:
            plain.append(item)
    return read_parties(", ".join(plain), policy), labels


def prefill_from_message(text: str, policy: DialingPolicy) -> DialForm:
    """A form holding the people mentioned in a Slack message and the dialable numbers written in it."""
    found = read_parties(_unescape_slack(text.translate(QUOTES)), policy)
    return DialForm(people=tuple(found.mentions), numbers="\n".join(found.phones))


def _form_target(form: DialForm) -> Target:
    target_id = form.target_id.strip()
    well_formed = (
        re.fullmatch(r"[0-9]+", target_id) if form.kind is TargetKind.EVENT else re.fullmatch(_TARGET_ID, target_id)
    )
    if not well_formed:
        raise ParseError(ParseProblem.BAD_TARGET_ID, {"keyword": form.kind.value, "text": target_id[:40]})
    return Target(form.kind, _check_field(target_id))


def _form_rooms(text: str) -> list[Party]:
    rooms, unknown = _read_rooms(_ITEM_SEPARATORS.sub(" ", text))
    if unknown:
        raise ParseError(ParseProblem.UNKNOWN_WORDS, {"words": unknown})
    if not rooms:
        raise ParseError(ParseProblem.NO_PARTIES, {"kind": "meeting"})
    return rooms


def _form_people(form: DialForm, policy: DialingPolicy) -> tuple[Parties, dict[str, str]]:
    parties, labels = _form_numbers(form.numbers, policy)
    found = parties_problem(parties)
    if found is not None and found[0] is not PartiesProblem.NO_PARTIES:
        raise ParseError(ParseProblem(found[0].value), found[1])
    return parties, labels


def _form_pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    rest = _take_pairs(text.translate(QUOTES), pairs)
    leftover = [w for w in re.split(r"[\s,;]+", rest) if w]
    if leftover:
        raise ParseError(ParseProblem.UNKNOWN_WORDS, {"words": leftover})
    return pairs


def _form_duration(text: str, option: str, unit: str = "") -> int | None:
    """Seconds in a duration box (None when empty); a bare number is read in `unit`."""
    cleaned = text.strip()
    if not cleaned:
        return None
    seconds = parse_duration(cleaned + unit if cleaned.isdigit() else cleaned)
    if seconds is None:
        raise ParseError(ParseProblem.BAD_DURATION, {"text": cleaned, "option": option})
    return seconds


_PICKED_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PICKED_TIME = re.compile(r"[0-9]{2}:[0-9]{2}")


def _form_when(form: DialForm, ctx: ParseContext, preview: Preview | None) -> When:
    """The time the form asks for: the picked date and time, else the phrase; never both (FormErrors)."""
    picked = bool(form.date.strip() or form.time.strip())
    if picked and form.when.strip():
        raise FormErrors({FormField.WHEN: ParseError(ParseProblem.WHEN_TWICE, {"tz": ctx.tz})})
    if picked:
        return _picked_when(form.date.strip(), form.time.strip(), ctx)
    if not form.when.strip():
        raise FormErrors({FormField.WHEN: ParseError(ParseProblem.NO_WHEN, {"tz": ctx.tz})})
    try:
        return _phrase_when(form.when, ctx, preview)
    except ParseError as exc:
        raise FormErrors({FormField.WHEN: exc}) from exc


def _picked_when(day: str, clock: str, ctx: ParseContext) -> When:
    """Slack's pickers read as the phrase `YYYY-MM-DD HH:MM` is (a wall time in the user's zone, which must be
    ahead and within a year), so they follow the typed rules; a time without a date is today's."""
    if day and not _PICKED_DATE.fullmatch(day):  # not what Slack sends: a forged or mangled payload
        raise FormErrors({FormField.DATE: ParseError(ParseProblem.UNREADABLE_TIME, {"phrase": day[:40]})})
    if not clock:
        raise FormErrors({FormField.TIME: ParseError(ParseProblem.NEEDS_TIME, {"phrase": day, "tz": ctx.tz})})
    if not _PICKED_TIME.fullmatch(clock):
        raise FormErrors({FormField.TIME: ParseError(ParseProblem.UNREADABLE_TIME, {"phrase": clock[:40]})})
    try:
        today = ctx.now.astimezone(ZoneInfo(ctx.tz)).date().isoformat()
    except (ZoneInfoNotFoundError, ValueError):
        today = ""  # read_when says the zone is unknown
    try:
        return read_when(f"{day or today} {clock}", ctx)
    except ParseError as exc:
        on_date = exc.problem is ParseProblem.TOO_FAR or (exc.problem is ParseProblem.PAST_TIME and day < today)
        raise FormErrors({FormField.DATE if on_date and day else FormField.TIME: exc}) from exc


def _phrase_when(phrase: str, ctx: ParseContext, preview: Preview | None) -> When:
    """The phrase read now, or the instant its preview showed when the phrase is unchanged."""
    if preview is None or preview.phrase.strip() != phrase.strip():
        return read_when(phrase, ctx)
    if preview.when.is_now:
        return When(ctx.now, is_now=True)
    if preview.when.at <= ctx.now:
        raise ParseError(ParseProblem.PAST_TIME, {"phrase": phrase, "tz": ctx.tz, "at": preview.when.at.isoformat()})
    return preview.when


def _form_schedule(form: DialForm, ctx: ParseContext, preview: Preview | None) -> tuple[When, Recurrence | None]:
    """A repeating phrase is read afresh (its next occurrences follow from now); a one-off keeps its preview."""
    if not (form.date.strip() or form.time.strip()) and is_recurring(form.when):
        try:
            return read_schedule(form.when, ctx)
        except ParseError as exc:
            raise FormErrors({FormField.WHEN: exc}) from exc
    return _form_when(form, ctx, preview), None


def read_form(form: DialForm, ctx: ParseContext, preview: Preview | None = None) -> InviteDraft:
    """Read a submitted /dial form by the rules of a typed command; FormErrors names every field that is wrong."""
    errors: dict[FormField, ParseError] = {}

    def check(where: FormField, read: Callable[[], _T]) -> _T | None:
        try:
            return read()
        except ParseError as exc:
            errors.setdefault(where, exc)
            return None

    info = check(FormField.PROVIDER, lambda: _choose_provider(form.provider or None, form.kind, ctx))
    target = check(FormField.TARGET, lambda: _form_target(form))
    parties, rooms = Parties(), []
    labels: dict[str, str] = {}
    if form.kind is TargetKind.MEETING:
        rooms = check(FormField.ROOMS, lambda: _form_rooms(form.rooms)) or []
    else:
        parties, labels = check(FormField.NUMBERS, lambda: _form_people(form, ctx.policy)) or (Parties(), {})
        parties.mentions = list(dict.fromkeys([*form.people, *parties.mentions]))
        if not parties.phones and not parties.mentions and FormField.NUMBERS not in errors:
            errors[FormField.PEOPLE] = ParseError(ParseProblem.NO_PARTIES, {"kind": "phone"})
    count_field = FormField.ROOMS if form.kind is TargetKind.MEETING else FormField.PEOPLE
    check(count_field, lambda: _check_count(len(parties.phones) + len(parties.mentions) + len(rooms)))
    pairs = check(FormField.OPTIONS, lambda: _form_pairs(form.options))
    before = None
    if form.kind is TargetKind.EVENT:
        before_s = check(FormField.BEFORE, lambda: _form_duration(form.before, "before", "m"))
        before = str(before_s // 60) if before_s is not None else None
    max_s = check(FormField.MAX, lambda: _form_duration(form.max_duration, "max"))
    valid_options: dict[str, str] = {}
    if info is not None:
        check(FormField.MAX, lambda: _check_max(max_s, info))
        if target is not None:
            check(FormField.TARGET, lambda: _check_target(target, info))
        if pairs is not None and FormField.BEFORE not in errors:
            try:
                valid_options = _validate_options(_Options(before=before, pairs=pairs), info)
            except ParseError as exc:
                where = FormField.BEFORE if exc.params.get("key") == "before" and before else FormField.OPTIONS
                errors.setdefault(where, exc)
    retry = check(FormField.RETRY, lambda: read_retry(form.retry) if form.retry.strip() else None)
    schedule = None
    try:
        schedule = _form_schedule(form, ctx, preview)
    except FormErrors as exc:
        for where, error in exc.errors.items():
            errors.setdefault(where, error)
    if errors or info is None or target is None or schedule is None:
        raise FormErrors(errors)
    when, recurrence = schedule
    return InviteDraft(
        target=target,
        provider=info.name,
        when=when,
        phones=tuple(parties.phones),
        mentions=tuple(parties.mentions),
        rooms=tuple(rooms),
        max_duration_s=max_s,
        options=valid_options,
        labels=labels,
        recurrence=recurrence,
        retry=retry,
    )


@dataclass(frozen=True)
class PeopleDraft:
    """The people an Add people modal asks for: numbers read under the dialing policy, mentions unresolved."""

    phones: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def as_draft(self, target: Target, provider: str, when: When) -> InviteDraft:
        """As a draft of the invite they join, so `resolve_parties` turns mentions into numbers alike."""
        return InviteDraft(target, provider, when, self.phones, self.mentions, labels=self.labels)


def read_people(form: DialForm, policy: DialingPolicy) -> PeopleDraft:
    """The people and numbers fields by the form's own rules (numbers box, picker, at most MAX_PARTIES)."""
    try:
        parties, labels = _form_people(form, policy)
    except ParseError as exc:
        raise FormErrors({FormField.NUMBERS: exc}) from exc
    mentions = list(dict.fromkeys([*form.people, *parties.mentions]))
    if not parties.phones and not mentions:
        raise FormErrors({FormField.PEOPLE: ParseError(ParseProblem.NO_PARTIES, {"kind": "phone"})})
    try:
        _check_count(len(parties.phones) + len(mentions))
    except ParseError as exc:
        raise FormErrors({FormField.PEOPLE: exc}) from exc
    return PeopleDraft(tuple(dict.fromkeys(parties.phones)), tuple(mentions), labels)


def _compact(seconds: int) -> str:
    """A duration as the form's boxes read it back: 90s, 30m, 6h."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def _room_text(party: Party) -> str:
    scheme = {PartyKind.SIP: "sip:", PartyKind.H323: "h323:"}.get(party.kind, "")
    return f"{scheme}{party.address}"


def form_of_invite(invite: Invite, attempts: Sequence[CallAttempt], tz: str) -> DialForm:
    """The form an Edit opens: the invite's values as a user would have typed them (time in `tz`).

    People picked by name come back in the picker; other numbers go in the numbers box, with their
    label when they had one, so a submit that changes nothing keeps every party as it was.
    """
    from_picker = [a.party.slack_user_id for a in attempts if a.party.slack_user_id]
    numbers = [
        f"{a.party.name} <{a.party.address}>" if a.party.name else a.party.address
        for a in attempts
        if a.party.kind is PartyKind.PHONE and not a.party.slack_user_id
    ]
    rooms = [_room_text(a.party) for a in attempts if a.party.kind is not PartyKind.PHONE]
    options = dict(invite.options)
    before = options.pop("before", "") if invite.target.kind is TargetKind.EVENT else ""
    local = invite.due_at.astimezone(ZoneInfo(tz))
    return DialForm(
        provider=invite.provider,
        kind=invite.target.kind,
        target_id=invite.target.id,
        rooms="\n".join(rooms),
        before=str(before),
        people=tuple(dict.fromkeys(from_picker)),
        numbers="\n".join(numbers),
        when=f"{local:%Y-%m-%d %H:%M}",
        options="\n".join(f"{k}={v}" for k, v in sorted(options.items())),
        max_duration=_compact(invite.max_duration_s) if invite.max_duration_s else "",
    )
