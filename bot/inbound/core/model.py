"""Inbound call transfer (呼入转呼, seed 003): routes, caller rules, prompts, the CTI code mapping, the answer.

Someone dials one of our access numbers; the CTI platform asks us (`method=query`) which B
number(s) to call, then reports the call with events (`method=event`, codes 15–44 with a
`callResult` reason). Everything here is plain values and pure functions: which rule a
caller matches, what we answer, what an event means for each callee's line, how prompts
are written in the platform's extended form. The adapter (providers/cti.py) turns these
into XML or JSON; the use cases (core/switchboard.py) store and report them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any
from xml.sax.saxutils import escape

import phonenumbers
from phonenumbers import NumberParseException

from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import dial_string
from bot.kernel.states import FINAL_STATES, CallState, FailReason, advance

MAX_TARGETS = 10  # callees per rule: userList is rung by the platform, keep it human-sized

# --- numbers -------------------------------------------------------------------------------


def _home_code(region: str) -> str:
    return str(phonenumbers.country_code_for_region(region.upper()))


def number_key(text: str, region: str = "CN") -> str:
    """The digits that identify a number however it is written, in the platform's national form.

    '+86 400-123-4567' and '4001234567' give '4001234567'; '+86 10 5851 2042' and '010-58512042'
    give '01058512042' (with the trunk 0, as a CTI platform sends national numbers); numbers
    of other countries become '00' + country code + number.
    """
    raw = re.sub(r"[^\d+]", "", text.strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if not raw.startswith("+"):
        return re.sub(r"\D", "", raw)
    try:
        number = phonenumbers.parse(raw, None)
    except NumberParseException:
        return "00" + raw[1:]
    if str(number.country_code) == _home_code(region):
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return re.sub(r"\D", "", national)
    return "00" + raw[1:]


def prefix_key(text: str, region: str = "CN") -> str:
    """A caller prefix in the form caller numbers arrive in: '+86139' → '139', '+1' → '001'."""
    raw = re.sub(r"[^\d+]", "", text.strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        home = _home_code(region)
        return raw[1 + len(home) :] if raw[1:].startswith(home) else "00" + raw[1:]
    return raw


def dialable(e164: str, region: str = "CN") -> str:
    """How the platform must dial an E.164 number: national digits at home, international prefix abroad.

    The platform dials what we send as is (its callResult 18, "外地手机号前未加0", shows it does no
    number rewriting), so a home landline keeps its trunk 0: '+861058512042' → '01058512042'.
    """
    return dial_string(e164, region)


# --- prompts -------------------------------------------------------------------------------


class VarType(IntEnum):
    """The seed's `vartype` of a variable prompt part: how the platform speaks the value."""

    INTEGER = 1  # 整数
    DIGITS = 2  # 数字, read digit by digit
    TIME_HHMM = 3  # HHMM格式的时间
    DATE_YYYYMMDD = 4  # YYYYMMDD格式的日期
    PRICE_YYYYYJF = 5  # YYYYYJF格式的价格: 5 digits yuan, 1 jiao, 1 fen
    TIME_HHHHMMMSS = 6  # HHHHMMMSS格式的时间, 9 digits as the seed writes it
    TTS = 7  # TTS合成的语音


@dataclass(frozen=True)
class PromptFile:
    """A fixed recording on the platform (`<file>1.wav</file>`)."""

    name: str


@dataclass(frozen=True)
class PromptVar:
    """A variable part (`<var>vartype_value</var>`)."""

    type: VarType
    value: str


PromptPart = PromptFile | PromptVar


class PromptError(ValueError):
    """A prompt that cannot be built; `part` is the offending piece and the message says why."""

    def __init__(self, part: str, why: str) -> None:
        super().__init__(why)
        self.part = part
        self.why = why


_AUDIO_FILE = re.compile(r"^[\w\-./]+\.(?:wav|mp3|vox|pcm|alaw|ulaw|gsm|amr|au|ogg)$", re.I)
_TYPED_VAR = re.compile(r"^([1-7])_(.*)$", re.S)
_MSG_PART = re.compile(r"<file>(.*?)</file>|<var>(.*?)</var>", re.S)
MAX_TTS_CHARS = 500


def _check_var(kind: VarType, value: str) -> str:
    """The value, if the platform can speak it as `kind`; PromptError otherwise."""
    checks: dict[VarType, tuple[str, str]] = {
        VarType.INTEGER: (r"-?\d{1,12}", "an integer"),
        VarType.DIGITS: (r"\d{1,32}", "digits"),
        VarType.TIME_HHMM: (r"(?:[01]\d|2[0-3])[0-5]\d", "a time as HHMM"),
        VarType.DATE_YYYYMMDD: (r"\d{8}", "a date as YYYYMMDD"),
        VarType.PRICE_YYYYYJF: (r"\d{7}", "a price as YYYYYJF (7 digits)"),
        VarType.TIME_HHHHMMMSS: (r"\d{7}[0-5]\d", "a duration as HHHHMMMSS (9 digits)"),
    }
    if kind is VarType.TTS:
        if not value.strip():
            raise PromptError(f"{kind.value}_", "TTS text is empty")
        if len(value) > MAX_TTS_CHARS:
            raise PromptError(value[:20] + "…", f"TTS text is longer than {MAX_TTS_CHARS} characters")
        return value.strip()
    pattern, what = checks[kind]
    if not re.fullmatch(pattern, value):
        raise PromptError(f"{kind.value}_{value}", f"vartype {kind.value} needs {what}")
    if kind is VarType.DATE_YYYYMMDD:
        try:
            datetime.strptime(value, "%Y%m%d")
        except ValueError as exc:
            raise PromptError(f"{kind.value}_{value}", "not a real date") from exc
    return value


def _part(piece: str) -> PromptPart:
    piece = piece.strip()
    if not piece:
        raise PromptError(piece, "an empty part between two +")
    if _AUDIO_FILE.match(piece):
        return PromptFile(piece)
    typed = _TYPED_VAR.match(piece)
    if typed:
        kind = VarType(int(typed.group(1)))
        return PromptVar(kind, _check_var(kind, typed.group(2)))
    return PromptVar(VarType.TTS, _check_var(VarType.TTS, piece))


def parse_prompt(text: str) -> tuple[PromptPart, ...]:
    """Prompt text as users write it → parts.

    `welcome.wav` is a recording; `2_5` is a typed variable (vartype_value, as in the seed);
    anything else is TTS text; parts are joined with `+`: `queue.wav+2_5+您好`. The extended
    form itself (`<msg><file>…</file><var>7_…</var></msg>`) is accepted too.
    """
    text = text.strip()
    if not text:
        return ()
    if text.startswith("<msg>"):
        if not text.endswith("</msg>"):
            raise PromptError(text[:20], "an extended prompt must end with </msg>")
        inner = text[len("<msg>") : -len("</msg>")]
        parts: list[PromptPart] = []
        position = 0
        for match in _MSG_PART.finditer(inner):
            if inner[position : match.start()].strip():
                raise PromptError(inner[position : match.start()], "only <file> and <var> may appear in <msg>")
            position = match.end()
            if match.group(1) is not None:
                parts.append(PromptFile(_unescape(match.group(1)).strip()))
            else:
                typed = _TYPED_VAR.match(_unescape(match.group(2)))
                if not typed:
                    raise PromptError(match.group(2), "a <var> must be vartype_value, vartype 1–7")
                kind = VarType(int(typed.group(1)))
                parts.append(PromptVar(kind, _check_var(kind, typed.group(2))))
        if inner[position:].strip() or not parts:
            raise PromptError(inner[position:] or text, "only <file> and <var> may appear in <msg>")
        return tuple(parts)
    return tuple(_part(piece) for piece in re.split(r"[+＋]", text))


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def build_prompt(parts: Sequence[PromptPart]) -> str:
    """Parts → the platform's prompt string: a lone recording is its file name, anything else
    the extended form `<msg><file>1.wav</file><var>7_你好</var></msg>` with the text escaped."""
    if not parts:
        return ""
    if len(parts) == 1 and isinstance(parts[0], PromptFile):
        return parts[0].name
    pieces = []
    for part in parts:
        if isinstance(part, PromptFile):
            pieces.append(f"<file>{escape(part.name)}</file>")
        else:
            pieces.append(f"<var>{part.type.value}_{escape(part.value)}</var>")
    return "<msg>" + "".join(pieces) + "</msg>"


def render_prompt(text: str) -> str:
    """A prompt as users wrote it, in the platform's form ('' for none)."""
    return build_prompt(parse_prompt(text))


# --- routes --------------------------------------------------------------------------------


class RuleAction(StrEnum):
    """What a rule does with a matching caller."""

    FORWARD = "forward"
    REFUSE = "refuse"


class RecordMode(StrEnum):
    """`record=`: the seed's recordType 0 (off), 1 (at once), 2 (once the callee answers)."""

    OFF = "off"
    NOW = "now"
    ANSWER = "answer"


class ConnMode(StrEnum):
    """`mode=`: the seed's connType 0 (conference) or 1 (bridge)."""

    CONFERENCE = "conference"
    BRIDGE = "bridge"


class Ringback(StrEnum):
    """`ringback=`: the seed's ringbackMode 0 (our tone/prompt) or 1 (pass the callee's ringing through)."""

    TONE = "tone"
    PASS = "pass"


RECORD_TYPE = {RecordMode.OFF: "0", RecordMode.NOW: "1", RecordMode.ANSWER: "2"}
CONN_TYPE = {ConnMode.CONFERENCE: "0", ConnMode.BRIDGE: "1"}
RINGBACK_MODE = {Ringback.TONE: "0", Ringback.PASS: "1"}
PROMPT_OPTIONS = ("prompt", "answer_prompt", "hangup_prompt", "fail_prompt", "warn_prompt", "ringback_prompt")


@dataclass(frozen=True)
class RouteOptions:
    """How the platform handles a forwarded call; prompts are kept as users wrote them."""

    record: RecordMode = RecordMode.OFF
    max_s: int | None = None  # None: the platform's own maximum (maxDuration 0)
    warn_s: int | None = None  # warn this long before max_s (code 43 reports it)
    mode: ConnMode = ConnMode.BRIDGE
    ringback: Ringback = Ringback.TONE
    display: str = "caller"  # displayNumber: caller | access | a number
    prompt: str = ""  # callerPrompt (or, on a refusing rule, what the caller hears)
    answer_prompt: str = ""
    hangup_prompt: str = ""
    fail_prompt: str = ""
    warn_prompt: str = ""
    ringback_prompt: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Only what differs from the defaults, in `key=value` terms users know."""
        default = RouteOptions()
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value != getattr(default, name):
                out[name] = value.value if isinstance(value, StrEnum) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RouteOptions:
        """The inverse of `as_dict` (unknown keys are ignored: old rows stay readable)."""
        values: dict[str, Any] = {}
        kinds = {"record": RecordMode, "mode": ConnMode, "ringback": Ringback}
        for name in cls.__dataclass_fields__:
            if name in data and data[name] is not None:
                values[name] = kinds[name](data[name]) if name in kinds else data[name]
        return cls(**values)


@dataclass(frozen=True)
class RuleTarget:
    """A callee: a typed number, or a Slack user whose profile number is resolved in the background."""

    number: str | None = None  # E.164, when typed
    slack_user_id: str | None = None
    name: str | None = None
    resolved: str | None = None  # E.164 from the user's profile, refreshed on user_change and periodically

    @property
    def current(self) -> str | None:
        """The number to ring now (None: a mention whose profile has no usable number)."""
        return self.number or self.resolved


@dataclass(frozen=True)
class RouteRule:
    """Callers of an access number starting with `caller_prefix` ('' = everyone else) → an action."""

    caller_prefix: str
    action: RuleAction
    targets: tuple[RuleTarget, ...] = ()
    options: RouteOptions = field(default_factory=RouteOptions)
    id: int | None = None


@dataclass(frozen=True)
class Route:
    """An access number, its caller rules and the channel its calls are reported in."""

    access_key: str
    access_display: str
    channel_id: str
    rules: tuple[RouteRule, ...] = ()
    id: int | None = None

    def rule(self, caller_prefix: str) -> RouteRule | None:
        """The rule for exactly this prefix, if any."""
        return next((r for r in self.rules if r.caller_prefix == caller_prefix), None)


def match_rule(rules: Iterable[RouteRule], caller_key: str) -> RouteRule | None:
    """The most specific rule for a caller: the longest matching prefix, else the fallback ('')."""
    best: RouteRule | None = None
    for rule in rules:
        if caller_key.startswith(rule.caller_prefix) and (
            best is None or len(rule.caller_prefix) > len(best.caller_prefix)
        ):
            best = rule
    return best


def rule_to_json(rule: RouteRule) -> dict[str, Any]:
    """A rule as stored in the change history."""
    return {
        "prefix": rule.caller_prefix,
        "action": rule.action.value,
        "targets": [{"number": t.number, "user": t.slack_user_id, "name": t.name} for t in rule.targets],
        "options": rule.options.as_dict(),
    }


def rule_from_json(data: Mapping[str, Any]) -> RouteRule:
    """The inverse of `rule_to_json`."""
    return RouteRule(
        caller_prefix=str(data.get("prefix", "")),
        action=RuleAction(data.get("action", RuleAction.FORWARD.value)),
        targets=tuple(
            RuleTarget(number=t.get("number"), slack_user_id=t.get("user"), name=t.get("name"))
            for t in data.get("targets", [])
        ),
        options=RouteOptions.from_dict(data.get("options", {})),
    )


@dataclass(frozen=True)
class RouteChange:
    """One recorded change: who, when, which route and rule, what it was before and after."""

    access_key: str
    access_display: str
    caller_prefix: str | None  # None: the whole route
    action: str  # set | remove | remove_route
    changed_by: str
    changed_at: datetime
    channel_id: str | None
    before: tuple[RouteRule, ...] = ()
    after: tuple[RouteRule, ...] = ()
    id: int | None = None


# --- the query and our answer --------------------------------------------------------------


class QueryOutcome(StrEnum):
    """How we answered a number query; everything but ROUTED is a failure `result`."""

    ROUTED = "routed"
    NO_ROUTE = "no_route"  # nobody set up this access number
    REFUSED = "refused"  # a rule refuses this caller
    NO_RULE = "no_rule"  # rules exist, none matches and there is no fallback
    NO_NUMBER = "no_number"  # the rule's people have no usable number right now


# `result` is "4位数字编码, 0000 success, others failure"; the failure codes are ours.
RESULT_CODES = {
    QueryOutcome.ROUTED: "0000",
    QueryOutcome.NO_ROUTE: "1001",
    QueryOutcome.REFUSED: "1002",
    QueryOutcome.NO_RULE: "1003",
    QueryOutcome.NO_NUMBER: "1004",
}


@dataclass(frozen=True)
class InboundQuery:
    """A number query (`method=query`) as the platform sent it."""

    sid: str
    vcc_id: str
    call_id: str
    calling_number: str
    access_number: str
    seq: str | None = None  # the seed documents none in the query, yet wants it echoed


@dataclass(frozen=True)
class Callee:
    """A B number we tell the platform to ring, and who it belongs to."""

    e164: str
    dialled: str  # the form sent to the platform
    slack_user_id: str | None = None
    name: str | None = None

    def party(self) -> Party:
        return Party(PartyKind.PHONE, self.e164, slack_user_id=self.slack_user_id, name=self.name)


@dataclass(frozen=True)
class Decision:
    """What a query gets: the outcome, the rule that decided it and the callees to ring."""

    outcome: QueryOutcome
    route: Route | None = None
    rule: RouteRule | None = None
    callees: tuple[Callee, ...] = ()
    missing: tuple[str, ...] = ()  # Slack users of the rule without a usable number

    @property
    def result(self) -> str:
        return RESULT_CODES[self.outcome]


def decide(route: Route | None, calling_number: str, region: str) -> Decision:
    """Which rule applies to this caller, and whom to ring."""
    if route is None:
        return Decision(QueryOutcome.NO_ROUTE)
    rule = match_rule(route.rules, number_key(calling_number, region))
    if rule is None:
        return Decision(QueryOutcome.NO_RULE, route)
    if rule.action is RuleAction.REFUSE:
        return Decision(QueryOutcome.REFUSED, route, rule)
    callees: list[Callee] = []
    missing: list[str] = []
    seen: set[str] = set()
    for target in rule.targets:
        number = target.current
        if number is None:
            missing.append(target.slack_user_id or "?")
            continue
        if number in seen:
            continue
        seen.add(number)
        callees.append(Callee(number, dialable(number, region), target.slack_user_id, target.name))
    if not callees:
        return Decision(QueryOutcome.NO_NUMBER, route, rule, missing=tuple(missing))
    return Decision(QueryOutcome.ROUTED, route, rule, tuple(callees), tuple(missing))


@dataclass(frozen=True)
class AnswerDefaults:
    """Workspace settings the answer needs."""

    charge_ext: str = ""
    fail_prompt: str = ""  # what refused callers hear, as users write prompts


def build_answer(query: InboundQuery, decision: Decision, client_id: str, defaults: AnswerDefaults) -> dict[str, Any]:
    """The query answer as plain data, every field in the seed's order.

    Required fields always; on success every field that applies (empty prompts are left out,
    numeric modes are always given); on failure the fail prompt as `callerPrompt`. `seq`
    echoes the query's when it has one, else "0" (the seed documents no `seq` in the query).
    The userList users always carry all six documented fields, as the seed's sample shows.
    """
    answer: dict[str, Any] = {
        "sid": query.sid,
        "vccId": query.vcc_id,
        "callId": query.call_id,
        "seq": query.seq if query.seq else "0",
        "chargeExt": defaults.charge_ext,
        "result": decision.result,
        "clientId": client_id,
    }
    options = decision.rule.options if decision.rule else RouteOptions()
    if decision.outcome is not QueryOutcome.ROUTED:
        own = options.prompt if decision.outcome is QueryOutcome.REFUSED else ""
        prompt = render_prompt(own or defaults.fail_prompt)
        if prompt:
            answer["callerPrompt"] = prompt
        return answer
    if options.prompt:
        answer["callerPrompt"] = render_prompt(options.prompt)
    display = _display_number(options.display, query)
    answer["userList"] = [
        {
            "number": callee.dialled,
            "type": "1",
            "displayNumber": display,
            "answerPrompt": render_prompt(options.answer_prompt),
            "disconnectPrompt": render_prompt(options.hangup_prompt),
            "failPrompt": render_prompt(options.fail_prompt),
        }
        for callee in decision.callees
    ]
    max_s = options.max_s or 0
    warn_s = min(options.warn_s or 0, max_s) if max_s else 0  # never above maxDuration
    answer["maxDuration"] = str(max_s)
    answer["recordType"] = RECORD_TYPE[options.record]
    answer["warningDuration"] = str(warn_s)
    if warn_s and options.warn_prompt:
        answer["warningPrompt"] = render_prompt(options.warn_prompt)
    answer["connType"] = CONN_TYPE[options.mode]
    answer["ringbackMode"] = RINGBACK_MODE[options.ringback]
    if options.ringback is Ringback.TONE and options.ringback_prompt:
        answer["ringbackPrompt"] = render_prompt(options.ringback_prompt)
    return answer


def _display_number(display: str, query: InboundQuery) -> str:
    if display == "caller":
        return query.calling_number
    if display == "access":
        return query.access_number
    return display


def with_seq(answer: Mapping[str, Any], seq: str | None) -> dict[str, Any]:
    """A stored answer re-sent for a repeated query, with this request's `seq` echoed."""
    again = dict(answer)
    again["seq"] = seq if seq else "0"
    return again


# --- events --------------------------------------------------------------------------------

EVENT_CODES: dict[str, str] = {
    "15": "开始呼叫被叫 (started calling the callee)",
    "16": "被叫振铃 (callee ringing)",
    "22": "主叫挂机通话结束 (caller hung up, call over)",
    "30": "被叫不可达 (callee unreachable)",
    "31": "被叫摘机 (callee picked up)",
    "32": "被叫挂机通话结束 (callee hung up, call over)",
    "40": "通话开始 (conversation started)",
    "42": "通话到时结束 (maximum duration reached, call over)",
    "43": "通话最后一分钟提醒 (last-minute warning)",
    "44": "一方挂机通话结束 (one side hung up, call over)",
}

# callResult → our reason (provider-notes §4); 00 and 180 are not failures, and 13/113/18 are
# ours to decide: a forwarded call that failed is unreachable; a number needing a 0 was invalid.
CALL_RESULTS: dict[str, FailReason | None] = {
    "00": None,
    "01": FailReason.NETWORK,
    "02": FailReason.BUSY,
    "03": FailReason.UNREACHABLE,
    "04": FailReason.NO_ANSWER,
    "05": FailReason.UNREACHABLE,
    "06": FailReason.INVALID_NUMBER,
    "11": FailReason.BARRED,
    "12": FailReason.BARRED,
    "13": FailReason.UNREACHABLE,
    "18": FailReason.INVALID_NUMBER,
    "20": FailReason.BARRED,
    "21": FailReason.BARRED,
    "22": FailReason.BARRED,
    "23": FailReason.BUSY,
    "24": FailReason.REJECTED,
    "101": FailReason.NETWORK,
    "102": FailReason.BUSY,
    "103": FailReason.UNREACHABLE,
    "104": FailReason.NO_ANSWER,
    "108": FailReason.NETWORK,
    "109": FailReason.NETWORK,
    "110": FailReason.INVALID_NUMBER,
    "113": FailReason.UNREACHABLE,
    "180": None,
}
RINGING_RESULT = "180"
END_CODES = frozenset({"22", "32", "42", "44"})


def normalise_result(code: str | None) -> str | None:
    """'2', '02' and '20:' (the seed's own typography) → '02', '02', '20'; None or '' → None."""
    if code is None:
        return None
    cleaned = code.strip().rstrip(":：").strip()
    if not cleaned:
        return None
    return cleaned.zfill(2) if cleaned.isdigit() else cleaned


def result_reason(call_result: str | None) -> FailReason | None:
    """The failure a callResult names; None for none, 00, 180, and codes the seed does not list."""
    code = normalise_result(call_result)
    return CALL_RESULTS.get(code) if code else None


class EventScope(StrEnum):
    """What an event code is about."""

    LEG = "leg"  # one callee's line (15, 16, 30, 31)
    ANSWER = "answer"  # the conversation started (40)
    END = "end"  # the call is over (22, 32, 42, 44)
    WARNING = "warning"  # the last minute began (43): a reply, no state change
    NONE = "none"  # a code the seed does not document: stored, nothing else


@dataclass(frozen=True)
class EventMeaning:
    """An event code (and callResult) read in our terms."""

    scope: EventScope
    state: CallState | None = None
    reason: FailReason | None = None


def map_event(code: str, call_result: str | None = None) -> EventMeaning:
    """The meaning of event `code` with `callResult` (provider-notes §4).

    15 → dialing; 16, or callResult 180 on a call-progress event → ringing; 31 → answered;
    30 → failed with the callResult's reason (unknown without one); 40 → answered;
    22/32/42/44 → the end (what it means per callee is `end_state`); 43 → the warning.
    """
    code = code.strip()
    ringing = normalise_result(call_result) == RINGING_RESULT
    if code == "15":
        return EventMeaning(EventScope.LEG, CallState.RINGING if ringing else CallState.DIALING)
    if code == "16":
        return EventMeaning(EventScope.LEG, CallState.RINGING)
    if code == "31":
        return EventMeaning(EventScope.LEG, CallState.ANSWERED)
    if code == "30":
        return EventMeaning(EventScope.LEG, CallState.FAILED, result_reason(call_result) or FailReason.UNKNOWN)
    if code == "40":
        return EventMeaning(EventScope.ANSWER, CallState.ANSWERED)
    if code in END_CODES:
        return EventMeaning(EventScope.END, reason=FailReason.MAX_DURATION if code == "42" else None)
    if code == "43":
        return EventMeaning(EventScope.WARNING)
    if ringing:
        return EventMeaning(EventScope.LEG, CallState.RINGING)
    return EventMeaning(EventScope.NONE)


def end_state(code: str, call_result: str | None, answered: bool) -> tuple[CallState, FailReason | None]:
    """What an end event means for one callee's line.

    Answered: completed (42 keeps max_duration as why it ended). Not answered: the callResult's
    failure when it names one; else 32 (the callee hung up while being rung) is a rejection,
    and 22/44 mean the caller gave up: cancelled.
    """
    if answered:
        return CallState.COMPLETED, FailReason.MAX_DURATION if code == "42" else None
    reason = result_reason(call_result)
    if reason is not None:
        return CallState.FAILED, reason
    if code == "32":
        return CallState.FAILED, FailReason.REJECTED
    if code == "42":
        return CallState.FAILED, FailReason.MAX_DURATION
    return CallState.CANCELLED, None


@dataclass(frozen=True)
class InboundEvent:
    """An event notification (`method=event`) as the platform sent it."""

    sid: str
    vcc_id: str
    call_id: str
    seq: str
    code: str
    charge_ext: str = ""
    client_id: str | None = None
    call_result: str | None = None
    callee_numbers: tuple[str, ...] = ()  # number/translate of userList users with type 1
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        """Identical re-deliveries share it. `seq` alone is not trusted (the seed leaves its scope open)."""
        numbers = ",".join(sorted(self.callee_numbers))
        return f"{self.call_id}|{self.seq}|{self.code}|{normalise_result(self.call_result) or ''}|{numbers}"


@dataclass
class InboundLeg:
    """One callee's line in an inbound call: the roster line rendered from it."""

    call_id: int
    position: int
    party: Party
    dialled: str
    state: CallState = CallState.QUEUED
    reason: FailReason | None = None
    code: str | None = None  # the callResult that explains a failure
    id: int | None = None
    updated_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass
class InboundCall:
    """A call to one of our access numbers: what we answered and where it is reported."""

    vcc_id: str
    platform_call_id: str
    sid: str
    client_id: str
    calling_number: str
    access_number: str
    outcome: QueryOutcome
    channel_id: str | None
    created_at: datetime
    route_id: int | None = None
    rule_prefix: str | None = None
    state: CallState = CallState.QUEUED
    answer: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None
    thread_ts: str | None = None
    opened: bool = False
    warned: bool = False
    end_code: str | None = None
    ended_at: datetime | None = None

    @property
    def max_s(self) -> int:
        """The maximum duration we answered (0: the platform's own)."""
        value = str(self.answer.get("maxDuration", "0"))
        return int(value) if value.isdigit() else 0


@dataclass(frozen=True)
class LegChange:
    """Move one line from `expected` to `new` (compare-and-set in the store)."""

    leg_id: int
    expected: CallState
    new: CallState
    reason: FailReason | None = None
    code: str | None = None


def _keys(numbers: Iterable[str], region: str) -> set[str]:
    return {number_key(n, region) for n in numbers if n}


def _matching_leg(legs: Sequence[InboundLeg], numbers: Sequence[str], region: str) -> InboundLeg | None:
    wanted = _keys(numbers, region)
    if not wanted:
        return None
    for leg in legs:
        if {number_key(leg.dialled, region), number_key(leg.party.address, region)} & wanted:
            return leg
    return None


_PROGRESS = {CallState.DIALING: 1, CallState.RINGING: 2, CallState.ANSWERED: 3}


def _leg_for(legs: Sequence[InboundLeg], meaning: EventMeaning) -> InboundLeg | None:
    """The line an event without a recognisable number is about.

    One line: that one. Several (the platform rings them in turn or together): a new call
    attempt (dialing) is the first line not yet started; anything else is about the line
    furthest along that is still open.
    """
    if len(legs) == 1:
        return legs[0]
    open_legs = [leg for leg in legs if not leg.state.is_final]
    if not open_legs:
        return None
    if meaning.state is CallState.DIALING:
        waiting = [leg for leg in open_legs if leg.state is CallState.QUEUED]
        return waiting[0] if waiting else None
    started = [leg for leg in open_legs if leg.state in _PROGRESS]
    if started:
        return max(started, key=lambda leg: (_PROGRESS[leg.state], -leg.position))
    return open_legs[0]


def plan_event(
    legs: Sequence[InboundLeg],
    code: str,
    call_result: str | None,
    callee_numbers: Sequence[str] = (),
    region: str = "CN",
) -> list[LegChange]:
    """The forward-only line changes an event causes (nothing for duplicates and late events)."""
    meaning = map_event(code, call_result)
    matched = _matching_leg(legs, callee_numbers, region)
    changes: list[LegChange] = []

    def move(leg: InboundLeg, state: CallState, reason: FailReason | None, result: str | None) -> None:
        assert leg.id is not None
        new = advance(leg.state, state)
        if new is None:
            return
        if new is CallState.COMPLETED and state is CallState.FAILED:
            reason, result = None, None  # a failure reported after an answer is just the end
        changes.append(LegChange(leg.id, leg.state, new, reason, result))

    if meaning.scope in {EventScope.LEG, EventScope.ANSWER}:
        assert meaning.state is not None
        leg = matched or _leg_for(legs, meaning)
        if leg is not None:
            failed = meaning.state is CallState.FAILED
            move(leg, meaning.state, meaning.reason, normalise_result(call_result) if failed else None)
    elif meaning.scope is EventScope.END:
        open_legs = [leg for leg in legs if not leg.state.is_final]
        subject = matched or (open_legs[0] if len(open_legs) == 1 else None)
        for leg in open_legs:
            answered = leg.state is CallState.ANSWERED
            result = call_result if leg is subject else None
            state, reason = end_state(code, result, answered)
            move(leg, state, reason, normalise_result(result) if state is CallState.FAILED else None)
    return changes


def call_state(leg_states: Sequence[CallState]) -> CallState:
    """The call as a whole, from its lines: answered once anyone answers, final once all are."""
    if not leg_states:
        return CallState.FAILED
    if all(s in FINAL_STATES for s in leg_states):
        for final in (CallState.COMPLETED, CallState.FAILED):
            if final in leg_states:
                return final
        return CallState.CANCELLED
    for state in (CallState.ANSWERED, CallState.COMPLETED):
        if state in leg_states:
            return CallState.ANSWERED
    for state in (CallState.RINGING, CallState.DIALING):
        if state in leg_states:
            return state
    return CallState.QUEUED


@dataclass(frozen=True)
class Effects:
    """Everything one event does to a call, decided from the call as it stands (pure)."""

    changes: tuple[LegChange, ...] = ()
    new_state: CallState | None = None  # the call as a whole moves here
    open_thread: bool = False  # the first event of a call opens its thread
    warn: bool = False  # the last-minute warning, once


def effects(call: InboundCall, legs: Sequence[InboundLeg], event: InboundEvent, region: str = "CN") -> Effects:
    """What `event` does to `call` and its lines: line moves, the call's move, the thread, the warning."""
    changes = plan_event(legs, event.code, event.call_result, event.callee_numbers, region)
    moved = {change.leg_id: change.new for change in changes}
    after = [moved.get(leg.id or -1, leg.state) for leg in legs]
    new_state = advance(call.state, call_state(after)) if changes else None
    return Effects(
        changes=tuple(changes),
        new_state=new_state,
        open_thread=not call.opened,
        warn=map_event(event.code, event.call_result).scope is EventScope.WARNING and not call.warned,
    )


@dataclass
class Applied:
    """What storing and applying events did, as the store reports it (notices are derived from it)."""

    new: bool = False  # False: a re-delivery; nothing was stored or changed
    call_id: int | None = None  # None: no call known for it yet (kept as an orphan)
    opened: bool = False  # this event opened the call's thread
    changes: list[LegChange] = field(default_factory=list)  # the line moves that were made
    moves: list[tuple[CallState, str]] = field(default_factory=list)  # the call's moves, with the event code
    warned: bool = False


class InboundNoticeKind(StrEnum):
    """Thread replies about an inbound call; each has sentences in the message catalogue."""

    ANSWERED = "answered"  # params: leg_id
    FAILED = "failed"  # params: leg_id
    ENDED = "ended"  # the call is over (duration when someone answered)
    WARNING = "warning"  # code 43: the last minute began


def talk_time(legs: Sequence[InboundLeg]) -> float | None:
    """Seconds from the first answer to the end of the last line, when someone answered."""
    answered = [leg.answered_at for leg in legs if leg.answered_at]
    ended = [leg.ended_at for leg in legs if leg.ended_at and leg.answered_at]
    if not answered or not ended:
        return None
    return max(0.0, (max(ended) - min(answered)).total_seconds())


def without_resolution(rule: RouteRule) -> RouteRule:
    """The rule as history keeps it (resolved profile numbers change without anyone changing the rule)."""
    return replace(rule, id=None, targets=tuple(replace(t, resolved=None) for t in rule.targets))
