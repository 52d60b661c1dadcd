"""Prompts the platform plays (seed 003): recordings, typed variables and TTS text, in its extended form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from xml.sax.saxutils import escape


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
