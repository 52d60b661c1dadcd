"""`/dial` text → a command (help, cancel, an invite draft) or a ParseError saying what is wrong.

Grammar (English and Chinese keywords can be mixed):

    /dial <numbers and @mentions> into conf <id> [options] [when]
    /dial room <id|sip:…|h323:…> [room …] into meeting <id> [options] [when]
    /dial event <id> <numbers and @mentions> [before 15m] [options] [when]
    /dial cancel <invite #>        /dial list        /dial help

Options: `via <provider>`, `max 30m|1h`, `before 15m` (live events), `retry busy=3x2m noanswer=2`
(or `retry off`, `重试 忙=3x2分 无人接=2`: retry_policy.py) and provider options as `key=value`.
Whatever is left after the target and the options is the time phrase
(empty means now). Nothing here talks to Slack: mentions stay user ids until the Slack
layer resolves them with `resolve_parties`.

The `/dial` form is read by the same pieces in `form.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.dialout.core.models import Target, TargetKind, capability_for
from bot.dialout.core.ports import ProviderInfo
from bot.dialout.core.profile_region import profile_policy
from bot.dialout.core.retry_policy import RETRY_KEYS, RetryPolicy, RetrySyntaxError, parse_retry
from bot.kernel.lexing import (
    DURATION,
    MENTION,
    QUOTES,
    Parties,
    PartiesProblem,
    parse_duration,
    parties_problem,
    read_parties,
)
from bot.kernel.people import Party, PartyKind, UserProfile
from bot.kernel.phone import DialingPolicy, looks_like_number, normalise
from bot.kernel.recurrence import Recurrence, is_recurring, parse_recurrence
from bot.kernel.when import When, WhenError, WhenProblem, parse_when

MAX_PARTIES = 500
# Limits on what a user may type, checked when the command is read: whatever is stored ends up in
# Slack blocks (a section's text holds 3,000 characters) and in database columns, and a long text
# costs parsing time. 500 parties written out fit well inside MAX_COMMAND_CHARS.
MAX_COMMAND_CHARS = 12_000
MAX_FIELD_CHARS = 128  # a conference, meeting or event id, a room address, an option value
MAX_INVITE_ID_DIGITS = 12


class ParseProblem(StrEnum):
    """Everything that can be wrong with a command; each has a sentence and an example."""

    NO_PARTIES = "no_parties"
    NO_TARGET = "no_target"
    BAD_TARGET_ID = "bad_target_id"
    UNREADABLE_TIME = "unreadable_time"
    PAST_TIME = "past_time"
    NEEDS_TIME = "needs_time"
    RECURRING = "recurring"
    BAD_ZONE = "bad_zone"
    TOO_FAR = "too_far"
    INVALID_NUMBERS = "invalid_numbers"
    UNKNOWN_WORDS = "unknown_words"
    PLAIN_AT_NAME = "plain_at_name"
    UNKNOWN_PROVIDER = "unknown_provider"
    PROVIDER_NOT_CONFIGURED = "provider_not_configured"
    PROVIDER_CANNOT = "provider_cannot"
    NO_PROVIDER_FOR_KIND = "no_provider_for_kind"
    BAD_OPTION_KEY = "bad_option_key"
    BAD_OPTION_VALUE = "bad_option_value"
    DUPLICATE_OPTION = "duplicate_option"
    BAD_DURATION = "bad_duration"
    DURATION_OUT_OF_RANGE = "duration_out_of_range"
    DURATION_NOT_SUPPORTED = "duration_not_supported"
    PROVIDER_REFUSED = "provider_refused"
    CANNOT_POST_HERE = "cannot_post_here"
    ROOMS_NEED_MEETING = "rooms_need_meeting"
    MEETING_NEEDS_ROOMS = "meeting_needs_rooms"
    TOO_MANY_PARTIES = "too_many_parties"
    NO_PHONE = "no_phone"
    BAD_CANCEL = "bad_cancel"
    BAD_BUTTON = "bad_button"
    COMMAND_TOO_LONG = "command_too_long"
    FIELD_TOO_LONG = "field_too_long"
    NO_WHEN = "no_when"  # a form with neither a time phrase nor a picked date and time
    WHEN_TWICE = "when_twice"  # a form with both
    BAD_REMIND = "bad_remind"
    BAD_RETRY = "bad_retry"
    # The dialing policy's limits (core/limits.py Rule; each sentence names its rule's id)
    POLICY_MAX_PARTIES = "policy_max_parties"
    POLICY_DAILY_USER = "policy_daily_user"
    POLICY_DAILY_WORKSPACE = "policy_daily_workspace"
    POLICY_QUIET_HOURS = "policy_quiet_hours"
    POLICY_APPROVAL = "policy_approval"  # an edit or Add people would take a stored invite past APPROVAL_OVER


@dataclass(frozen=True)
class ParseError(Exception):
    """A command that cannot be carried out, with what the message needs to explain it."""

    problem: ParseProblem
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.problem.value} {dict(self.params)}"


@dataclass(frozen=True)
class HelpCommand:
    """`/dial help` or `/dial` alone."""


@dataclass(frozen=True)
class CancelCommand:
    """`/dial cancel 17`."""

    invite_id: int


@dataclass(frozen=True)
class ListCommand:
    """`/dial list` (我的外呼): my upcoming invites and this channel's recent ones."""


@dataclass(frozen=True)
class InviteDraft:
    """A valid dial request whose mentions are not yet resolved to numbers."""

    target: Target
    provider: str
    when: When
    phones: tuple[str, ...] = ()  # E.164, de-duplicated, in the order given
    mentions: tuple[str, ...] = ()  # Slack user ids, de-duplicated
    rooms: tuple[Party, ...] = ()
    max_duration_s: int | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)  # E.164 → the name written with it (the form)
    recurrence: Recurrence | None = None  # a repeating time: a series, whose first occurrence is `when`
    remind_minutes: int | None = None  # `remind 15m` (0: `remind off`); None: the workspace default
    remind_dm: bool = False  # `remind dm` (私信提醒): each mentioned person is reminded by direct message
    retry: RetryPolicy | None = None  # None: the workspace default (RETRY_POLICY)

    def as_json(self) -> dict[str, Any]:
        """The draft as `confbot parse --json` prints it."""
        parties: list[dict[str, str]] = [{"kind": "phone", "e164": p} for p in self.phones]
        parties += [{"kind": "slack_user", "user_id": u} for u in self.mentions]
        parties += [{"kind": r.kind.value, "address": r.address} for r in self.rooms]
        return {
            "parties": parties,
            "target": {"kind": self.target.kind.value, "id": self.target.id},
            "provider": self.provider,
            "at": self.when.at.isoformat(),
            "now": self.when.is_now,
            "options": {"max_duration_s": self.max_duration_s, **dict(self.options)},
            **({"rule": self.recurrence.ical()} if self.recurrence else {}),
            "retry": self.retry.spec() if self.retry is not None else None,
        }


Command = HelpCommand | CancelCommand | ListCommand | InviteDraft


@dataclass(frozen=True)
class ParseContext:
    """What reading a command depends on besides its text."""

    now: datetime
    tz: str
    policy: DialingPolicy
    providers: Mapping[str, ProviderInfo]
    default_provider: Mapping[TargetKind, str]


# --- lexical pieces ----------------------------------------------------------------------

_SLACK_LINK = re.compile(r"<(?:mailto:|tel:|https?://)?([^>|]+)(?:\|([^>]*))?>")

_TARGET_ID = r"[A-Za-z0-9][A-Za-z0-9_\-*#.]*"
_CONF_TARGET = re.compile(
    r"(?:(?:\binto|\bto|\bin|\bjoin|呼入|拨入|加入|进入|接入|入|到)\s*(?:the\s+)?)?"
    r"(?P<kw>\bconf(?:erence)?\b|\bmeeting\b|\bmtg\b|电话会议|视频会议|会议(?!室))"
    rf"\s*(?:#|号|id|ID|no\.?)?\s*[:：]?\s*(?P<id>{_TARGET_ID})?"
)
_EVENT_HEAD = re.compile(r"^(?:event|live|直播|活动)\s*(?:#|id)?\s*[:：]?\s*(?P<id>\S+)?\s*(?P<rest>.*)$", re.S)
_ROOM_WORD = re.compile(r"(?:\brooms?\b|会议室)\s*[:：]?\s*", re.I)
_ROOM_ADDRESS = re.compile(r"^(?:(?P<scheme>sip|h323|h\.323)\s*:\s*)?(?P<addr>\S+)$", re.I)

_VIA = re.compile(r"(?:\b(?:via|using|through|with)\s+|(?:通过|使用|经由|用)\s*)(?P<p>[A-Za-z][A-Za-z0-9_\-]*)")
_BAD_DURATION = r"\d+(?:\.\d+)?(?:\s*[^\s\d]+)?|\S+"
_MAX = re.compile(rf"(?:\bmax(?:imum)?\b|最长|最多|时长|限时)\s*[:：=]?\s*(?P<d>{DURATION}|半小时|{_BAD_DURATION})")
_BEFORE = re.compile(rf"(?:\bbefore\b|提前)\s*[:：=]?\s*(?P<d>{DURATION}|半小时|{_BAD_DURATION})")
# `remind 15m`, `remind me 1h before`, `remind off`; 提前15分钟提醒, 提醒15分钟, 不提醒. Taken before
# `before`/提前 (a provider option) so that 提前…提醒 is read as the reminder.
_REMIND = re.compile(
    rf"\bremind(?:\s+me)?\s*[:：=]?\s*(?P<d>{DURATION}|off|none|no|{_BAD_DURATION})(?:\s+before\b)?"
    rf"|提前\s*(?P<zd>{DURATION}|半小时|{_BAD_DURATION}?)\s*提醒"
    rf"|提醒\s*[:：]?\s*(?P<zd2>{DURATION}|半小时)"
    r"|(?P<off>不(?:要|用)?提醒)",
    re.I,
)
_REMIND_DM = re.compile(r"\bremind\s+(?:by\s+)?dms?\b|私信提醒", re.I)
MAX_REMIND_S = 24 * 3600
_RETRY_ITEM = rf"(?:{'|'.join(re.escape(k) for k in RETRY_KEYS)})\s*[=:：]\s*[^\s,，;；]+"
_RETRY = re.compile(
    r"(?:(?P<never>不重试|\bno\s+retr(?:y|ies)\b)|(?:\bretry\b|\bretries\b|重试)\s*[:：]?\s*"
    rf"(?P<spec>(?:off|none|never|关闭|关|不)(?![\w=])|{_RETRY_ITEM}(?:[\s,，;；]+{_RETRY_ITEM})*)?)",
    re.I,
)
_KEY_VALUE = re.compile(r"(?P<k>[A-Za-z][A-Za-z0-9_\-]*)=(?P<v>\"[^\"]*\"|'[^']*'|\S+)")
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$")
_HELP_WORDS = {"", "help", "?", "-h", "--help", "帮助", "幫助", "说明", "用法"}
_CANCEL = re.compile(r"^(?:cancel|取消)\s*#?\s*(?P<id>\S+)?\s*$")
_LIST_WORDS = {"list", "ls", "mine", "upcoming", "列表", "我的外呼", "我的", "外呼列表"}


def _unescape_slack(text: str) -> str:
    """Slack wraps things that look like links (room1@10.1.2.3, tel:…) in <…|…>; keep the text."""

    def keep(match: re.Match[str]) -> str:
        if match.group(0).startswith("<@"):
            return match.group(0)
        return match.group(2) or match.group(1)

    return _SLACK_LINK.sub(keep, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- rooms -------------------------------------------------------------------------------


def _read_rooms(text: str) -> tuple[list[Party], list[str]]:
    """Meeting-room ids and MRA addresses (sip:…, h323:…) after the word `room`."""
    rooms: list[Party] = []
    unknown: list[str] = []
    body = _ROOM_WORD.sub(" ", text)
    for token in (t for t in re.split(r"[\s,;；]+", body) if t):
        match = _ROOM_ADDRESS.match(token)
        if not match:
            unknown.append(token)
            continue
        scheme = (match["scheme"] or "").lower()
        address = _check_field(match["addr"])
        kind = {"sip": PartyKind.SIP, "h323": PartyKind.H323, "h.323": PartyKind.H323}.get(scheme, PartyKind.ROOM)
        party = Party(kind, address)
        if party not in rooms:
            rooms.append(party)
    return rooms, unknown


# --- options -----------------------------------------------------------------------------


@dataclass
class _Options:
    provider: str | None = None
    max_duration_s: int | None = None
    before: str | None = None
    remind_minutes: int | None = None
    remind_dm: bool = False
    pairs: dict[str, str] = field(default_factory=dict)
    retry: RetryPolicy | None = None


def _take_options(text: str) -> tuple[_Options, str]:
    """Strip options from `text`; what remains is the time phrase."""
    found = _Options()

    def via(match: re.Match[str]) -> str:
        found.provider = match["p"].lower().replace("-", "_")
        return " "

    def max_(match: re.Match[str]) -> str:
        seconds = parse_duration(match["d"])
        if seconds is None:
            raise ParseError(ParseProblem.BAD_DURATION, {"text": match["d"], "option": "max"})
        found.max_duration_s = seconds
        return " "

    def before(match: re.Match[str]) -> str:
        seconds = parse_duration(match["d"])
        if seconds is None:
            raise ParseError(ParseProblem.BAD_DURATION, {"text": match["d"], "option": "before"})
        found.before = str(seconds // 60)
        return " "

    def remind(match: re.Match[str]) -> str:
        written = match["d"] or match["zd"] or match["zd2"] or ""
        if match["off"] or written.lower() in {"off", "none", "no"}:
            found.remind_minutes = 0
            return " "
        seconds = parse_duration(written) if written else None
        if seconds is None or not 60 <= seconds <= MAX_REMIND_S:
            raise ParseError(ParseProblem.BAD_REMIND, {"text": match.group(0).strip()[:40]})
        found.remind_minutes = seconds // 60
        return " "

    def remind_dm(_match: re.Match[str]) -> str:
        found.remind_dm = True
        return " "

    text = _take_retry(text, found)  # first: its `busy=3x2m` would read as provider options
    text = _take_pairs(text, found.pairs)
    text = _REMIND_DM.sub(remind_dm, text)
    text = _REMIND.sub(remind, text)
    text = _VIA.sub(via, text)
    text = _MAX.sub(max_, text)
    text = _BEFORE.sub(before, text)
    return found, re.sub(r"\s+", " ", text).strip()


def read_retry(text: str) -> RetryPolicy:
    """A written retry policy (the form's box, or what follows `retry`), or ParseError(BAD_RETRY) naming the part."""
    try:
        return parse_retry(text)
    except RetrySyntaxError as exc:
        raise ParseError(ParseProblem.BAD_RETRY, {"text": exc.text[:60], "why": exc.problem.value}) from exc


def _take_retry(text: str, found: _Options) -> str:
    """Move `retry …` out of `text` into `found.retry`; the rest of the text."""
    match = _RETRY.search(text)
    if match is None:
        return text
    if found.retry is not None or _RETRY.search(text, match.end()):
        raise ParseError(ParseProblem.DUPLICATE_OPTION, {"key": "retry"})
    if match["never"]:
        found.retry = RetryPolicy()
    elif match["spec"]:
        found.retry = read_retry(match["spec"])
    else:
        following = text[match.end() :].split(maxsplit=1)
        read_retry(following[0] if following else "")  # raises, naming what it could not read
        raise ParseError(ParseProblem.BAD_RETRY, {"text": following[0][:60], "why": "bad_item"})
    return text[: match.start()] + " " + text[match.end() :]


def _take_pairs(text: str, pairs: dict[str, str]) -> str:
    """Move the `key=value` options of `text` into `pairs`; the rest of the text."""

    def pair(match: re.Match[str]) -> str:
        key = match["k"].lower().replace("-", "_")
        value = match["v"]
        if value[:1] in {'"', "'"}:
            value = value[1:-1]
        if key in pairs:
            raise ParseError(ParseProblem.DUPLICATE_OPTION, {"key": key})
        pairs[_check_field(key)] = _check_field(value)
        return " "

    return _KEY_VALUE.sub(pair, text)


def _validate_options(options: _Options, info: ProviderInfo) -> dict[str, str]:
    pairs = dict(options.pairs)
    if options.before is not None:
        if "before" in pairs:
            raise ParseError(ParseProblem.DUPLICATE_OPTION, {"key": "before"})
        pairs["before"] = options.before
    valid: dict[str, str] = {}
    for key, value in pairs.items():
        spec = info.options.get(key)
        if spec is None:
            raise ParseError(
                ParseProblem.BAD_OPTION_KEY,
                {"key": key, "provider": info.name, "valid": sorted(info.options)},
            )
        try:
            valid[key] = spec.normalise(value)
        except ValueError as exc:
            raise ParseError(
                ParseProblem.BAD_OPTION_VALUE,
                {"key": key, "value": value, "provider": info.name, "hint": spec.hint, "why": str(exc)},
            ) from exc
    return valid


def _choose_provider(name: str | None, kind: TargetKind, ctx: ParseContext) -> ProviderInfo:
    needed = capability_for(kind)
    able = sorted(p.name for p in ctx.providers.values() if needed in p.capabilities and not p.missing_settings)
    if name is None:
        name = ctx.default_provider.get(kind)
        if name is None or name not in ctx.providers:
            if not able:
                raise ParseError(ParseProblem.NO_PROVIDER_FOR_KIND, {"kind": kind.value})
            name = able[0]
    info = ctx.providers.get(name)
    if info is None:
        raise ParseError(ParseProblem.UNKNOWN_PROVIDER, {"provider": name, "known": sorted(ctx.providers)})
    if needed not in info.capabilities:
        raise ParseError(ParseProblem.PROVIDER_CANNOT, {"provider": name, "kind": kind.value, "able": able})
    if info.missing_settings:
        raise ParseError(
            ParseProblem.PROVIDER_NOT_CONFIGURED, {"provider": name, "missing": list(info.missing_settings)}
        )
    return info


def read_when(phrase: str, ctx: ParseContext) -> When:
    """`phrase` read in the asker's zone at `ctx.now`, or the ParseError explaining why it can't be used."""
    try:
        return parse_when(phrase, ctx.now, ctx.tz)
    except WhenError as exc:
        raise _parse_error(exc, phrase, ctx) from exc


def read_schedule(phrase: str, ctx: ParseContext) -> tuple[When, Recurrence | None]:
    """A one-off time, or a repeating one ("every weekday at 9:30") with its first occurrence as the time."""
    if not is_recurring(phrase):
        return read_when(phrase, ctx), None
    try:
        recurrence = parse_recurrence(phrase, ctx.now, ctx.tz)
    except WhenError as exc:
        raise _parse_error(exc, phrase, ctx) from exc
    first = recurrence.occurrences(ctx.now, 1)
    if not first:  # an end before its first occurrence is refused by the reader; kept as a guard
        raise ParseError(ParseProblem.PAST_TIME, {"phrase": phrase[:200], "tz": ctx.tz})
    return When(first[0]), recurrence


def _parse_error(exc: WhenError, phrase: str, ctx: ParseContext) -> ParseError:
    """The ParseError (with what its sentence needs) for a time the reader refused."""
    problem = {
        WhenProblem.UNREADABLE: ParseProblem.UNREADABLE_TIME,
        WhenProblem.PAST: ParseProblem.PAST_TIME,
        WhenProblem.NEEDS_TIME: ParseProblem.NEEDS_TIME,
        WhenProblem.RECURRING: ParseProblem.RECURRING,
        WhenProblem.BAD_ZONE: ParseProblem.BAD_ZONE,
        WhenProblem.TOO_FAR: ParseProblem.TOO_FAR,
    }[exc.problem]
    params: dict[str, Any] = {"phrase": phrase[:200], "tz": ctx.tz}
    if exc.at is not None:
        params["at"] = exc.at.isoformat()
    return ParseError(problem, params)


# --- the command -------------------------------------------------------------------------


def read_invite_id(text: str) -> int | None:
    """An invite number as written (`17`, `#17`), or None: ASCII digits only, few enough for any id column."""
    bare = text.strip().lstrip("#")
    if not re.fullmatch(rf"[0-9]{{1,{MAX_INVITE_ID_DIGITS}}}", bare):
        return None
    return int(bare)


def _check_field(text: str) -> str:
    """`text` when it fits in one field, else ParseError(FIELD_TOO_LONG) quoting its start."""
    if len(text) > MAX_FIELD_CHARS:
        raise ParseError(ParseProblem.FIELD_TOO_LONG, {"text": text[:40] + "…", "max": MAX_FIELD_CHARS})
    return text


def parse_command(text: str, ctx: ParseContext) -> Command:
    """Read `/dial` text; raises ParseError with everything the user needs to fix it.

    Words other features own (`/dial route …`) never get here: the /dial listener offers the
    text to their subcommands first.
    """
    if len(text) > MAX_COMMAND_CHARS:
        raise ParseError(ParseProblem.COMMAND_TOO_LONG, {"length": len(text), "max": MAX_COMMAND_CHARS})
    cleaned = _unescape_slack(text.translate(QUOTES)).strip()
    lowered = cleaned.lower()
    if lowered in _HELP_WORDS:
        return HelpCommand()
    if lowered in _LIST_WORDS:
        return ListCommand()
    cancel = _CANCEL.match(lowered)
    if cancel:
        invite_id = read_invite_id(cancel["id"] or "")
        if invite_id is None:
            raise ParseError(ParseProblem.BAD_CANCEL, {"text": (cancel["id"] or "")[:40]})
        return CancelCommand(invite_id)
    event = _EVENT_HEAD.match(cleaned)
    if event and re.match(r"^(?:event|live|直播|活动)", lowered):
        return _parse_event(event["id"] or "", event["rest"], ctx)
    return _parse_dial(cleaned, ctx)


def _parse_dial(text: str, ctx: ParseContext) -> InviteDraft:
    target_match = _CONF_TARGET.search(text)
    if target_match is None:
        raise ParseError(ParseProblem.NO_TARGET, {})
    if not target_match["id"]:
        raise ParseError(ParseProblem.BAD_TARGET_ID, {"keyword": target_match["kw"]})
    head = text[: target_match.start()]
    tail = text[target_match.end() :]
    options, phrase = _take_options(tail)
    keyword = target_match["kw"].lower()

    room_mode = bool(_ROOM_WORD.search(head))
    if room_mode:
        rooms, unknown = _read_rooms(head)
        if unknown:
            raise ParseError(ParseProblem.UNKNOWN_WORDS, {"words": unknown})
        if not rooms:
            raise ParseError(ParseProblem.NO_PARTIES, {"kind": "meeting"})
        if keyword in {"conf", "conference", "电话会议"}:
            raise ParseError(ParseProblem.ROOMS_NEED_MEETING, {"id": target_match["id"]})
        target = Target(TargetKind.MEETING, _check_field(target_match["id"]))
        parties = Parties()
    else:
        parties = read_parties(head, ctx.policy)
        _check_parties(parties)
        if keyword in {"meeting", "mtg", "视频会议"}:
            raise ParseError(ParseProblem.MEETING_NEEDS_ROOMS, {"id": target_match["id"]})
        target = Target(TargetKind.CONFERENCE, _check_field(target_match["id"]))
        rooms = []
    info = _choose_provider(options.provider, target.kind, ctx)
    return _finish(target, info, parties, rooms, options, phrase, ctx)


def _parse_event(event_id: str, rest: str, ctx: ParseContext) -> InviteDraft:
    if not re.fullmatch(r"[0-9]+", event_id):
        raise ParseError(ParseProblem.BAD_TARGET_ID, {"keyword": "event", "text": event_id[:40]})
    _check_field(event_id)
    # Parties come first; the first word that is neither a number nor a mention ends them.
    tokens = re.split(r"(\s+|,|，|、)", rest)
    cut = len(tokens)
    for index, token in enumerate(tokens):
        bare = token.strip(" ,，、")
        if not bare:
            continue
        if MENTION.fullmatch(bare) or (looks_like_number(bare) and not _DATE_LIKE.match(bare)):
            continue
        cut = index
        break
    parties = read_parties("".join(tokens[:cut]), ctx.policy)
    _check_parties(parties)
    options, phrase = _take_options("".join(tokens[cut:]))
    target = Target(TargetKind.EVENT, event_id)
    info = _choose_provider(options.provider, target.kind, ctx)
    return _finish(target, info, parties, [], options, phrase, ctx)


def _check_parties(parties: Parties) -> None:
    found = parties_problem(parties)
    if found is not None:
        problem, params = found
        if problem is PartiesProblem.NO_PARTIES:
            params = {"kind": "phone"}
        raise ParseError(ParseProblem(problem.value), params)


def _finish(
    target: Target,
    info: ProviderInfo,
    parties: Parties,
    rooms: Sequence[Party],
    options: _Options,
    phrase: str,
    ctx: ParseContext,
) -> InviteDraft:
    _check_count(len(parties.phones) + len(parties.mentions) + len(rooms))
    _check_max(options.max_duration_s, info)
    _check_target(target, info)
    valid_options = _validate_options(options, info)
    when, recurrence = read_schedule(phrase, ctx)
    return InviteDraft(
        target=target,
        provider=info.name,
        when=when,
        phones=tuple(parties.phones),
        mentions=tuple(parties.mentions),
        rooms=tuple(rooms),
        max_duration_s=options.max_duration_s,
        options=valid_options,
        recurrence=recurrence,
        remind_minutes=options.remind_minutes,
        remind_dm=options.remind_dm,
        retry=options.retry,
    )


def _check_count(count: int) -> None:
    if count > MAX_PARTIES:
        raise ParseError(ParseProblem.TOO_MANY_PARTIES, {"count": count, "max": MAX_PARTIES})


def _check_max(max_duration_s: int | None, info: ProviderInfo) -> None:
    allowed = info.timing.max_duration
    if max_duration_s is not None and allowed is None:
        raise ParseError(ParseProblem.DURATION_NOT_SUPPORTED, {"provider": info.name})
    if max_duration_s is not None and allowed is not None and max_duration_s not in allowed:
        raise ParseError(
            ParseProblem.DURATION_OUT_OF_RANGE,
            {"seconds": max_duration_s, "low": allowed.low, "high": allowed.high, "provider": info.name},
        )


def _check_target(target: Target, info: ProviderInfo) -> None:
    rule = info.target_rule
    if rule is not None and not rule.accepts(target.id):
        raise ParseError(ParseProblem.PROVIDER_REFUSED, {"provider": info.name, "code": rule.code})


def resolve_parties(
    draft: InviteDraft, profiles: Mapping[str, UserProfile | None], policy: DialingPolicy
) -> list[Party]:
    """The draft's parties with mentions turned into numbers from Slack profiles.

    Raises ParseError(NO_PHONE) naming everyone without a usable number, so nobody is
    silently left out of a call they were asked into. Duplicates (a number given twice, or
    given and also someone's profile number) are dialled once.
    """
    parties: list[Party] = []
    seen: set[str] = set()
    missing: list[dict[str, str]] = []
    resolved: dict[str, Party] = {}
    for user_id in draft.mentions:
        profile = profiles.get(user_id)
        name = (profile.real_name if profile else None) or user_id
        if profile is None or profile.deleted or profile.is_bot or not profile.phone:
            missing.append({"user_id": user_id, "why": "no_phone" if profile else "unknown_user", "name": name})
            continue
        number = normalise(profile.phone, profile_policy(profile, policy))  # their zone's region first
        if not isinstance(number, str):
            missing.append({"user_id": user_id, "why": number.kind.value, "text": profile.phone, "name": name})
            continue
        resolved[user_id] = Party(PartyKind.PHONE, number, slack_user_id=user_id, name=profile.real_name)
    if missing:
        raise ParseError(ParseProblem.NO_PHONE, {"users": missing})
    mention_numbers = {p.address: p for p in resolved.values()}
    for e164 in draft.phones:
        if e164 in seen:
            continue
        seen.add(e164)
        parties.append(mention_numbers.get(e164, Party(PartyKind.PHONE, e164, name=draft.labels.get(e164))))
    for party in resolved.values():
        if party.address not in seen:
            seen.add(party.address)
            parties.append(party)
    parties.extend(draft.rooms)
    return parties
