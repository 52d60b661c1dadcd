"""The CTI platform's wire format (呼入转呼, seed 003): number queries and event notifications in XML or JSON.

Contract: seed 003 (../shared/seeds/003_c89925d2b4abb0c9.txt), field by field; codes and reasons:
provider-notes.md §4. The endpoint (cti/endpoint.py) authenticates and bounds a request, this
module reads it into core values and writes our answers back; the decisions (tested in
tests/inbound/test_cti.py):

- Input: `application/xml` or `application/json` (else sniffed from the first byte); we answer in
  the same type. XML is parsed with defusedxml with DTDs forbidden (no entity expansion, no
  external entities). A GBK (or other) encoding named in the XML declaration or the JSON charset
  is honoured; answers are UTF-8. Malformed XML/JSON, a missing or empty required field, a field
  over 256 characters or an unknown `method` → BadRequest naming the field (400).
- Query answer: core/answer.build_answer. `seq` is required in the answer but absent from the
  documented query: echoed when the platform sends one, else "0". Prompts are strings, so in XML
  the extended form `<msg>…</msg>` travels escaped as element text. In JSON `userList` is an array
  of user objects; on input we also accept `{"user": …}` and an XML string.
- Event ack: a small body in the request's type echoing sid, vccId, callId, seq and result 0000
  (the seed asks only for "HTTP的200OK响应"; a platform that ignores bodies loses nothing).
- There is no outbound half: the platform calls us, we never call it. Inbound routing is a
  feature of its own, not a provider.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from bot.inbound.core.answer import InboundQuery
from bot.inbound.core.events import InboundEvent

MAX_FIELD_CHARS = 256
QUERY_FIELDS = ("sid", "vccId", "callId", "method", "callingNumber", "accessNumber")
EVENT_FIELDS = ("sid", "vccId", "callId", "seq", "method", "chargeExt", "code")
MAY_BE_EMPTY = frozenset({"callingNumber", "chargeExt"})  # a withheld caller; a chargeExt we sent empty


class CtiFormat(StrEnum):
    """The two message types the seed allows."""

    XML = "xml"
    JSON = "json"


CONTENT_TYPES = {CtiFormat.XML: "application/xml; charset=utf-8", CtiFormat.JSON: "application/json; charset=utf-8"}


class BadRequest(Exception):
    """Input we cannot read; `field` names what is wrong (400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- the wire format -----------------------------------------------------------------------


def request_format(headers: Mapping[str, str], body: bytes) -> CtiFormat:
    """XML or JSON, from Content-Type, else from the body's first character."""
    content_type = headers.get("content-type", "").lower()
    if "json" in content_type:
        return CtiFormat.JSON
    if "xml" in content_type:
        return CtiFormat.XML
    return CtiFormat.JSON if body.lstrip()[:1] in {b"{", b"["} else CtiFormat.XML


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _users_from_xml(element: ElementTree.Element) -> list[dict[str, str]]:
    return [
        {_local(child.tag): (child.text or "").strip() for child in user}
        for user in element
        if _local(user.tag) == "user"
    ]


_XML_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._\-]+)(["'])""")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._\-]+)", re.I)


def _utf8_xml(body: bytes) -> bytes:
    """XML declared in another encoding (GBK is common in China) re-encoded as UTF-8 for expat,
    which reads only single-byte encodings besides UTF-8/16."""
    declared = _XML_ENCODING.match(body)
    encoding = declared.group(2).decode("ascii") if declared else "utf-8"
    if encoding.lower().replace("_", "-") in {"utf-8", "utf8"}:
        return body
    try:
        # UnicodeError, not only UnicodeDecodeError: punycode and idna raise the bare class, and
        # text decoded from UTF-16/UTF-7 may hold lone surrogates that UTF-8 cannot encode.
        return _XML_ENCODING.sub(rb"\g<1>utf-8\g<3>", body.decode(encoding).encode("utf-8"), count=1)
    except (LookupError, UnicodeError) as exc:
        raise BadRequest("xml", f"cannot read the declared encoding {encoding!r}") from exc


def _parse_xml(body: bytes) -> ElementTree.Element:
    try:
        return SafeElementTree.fromstring(_utf8_xml(body), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadRequest("xml", f"DTDs and entities are not accepted ({type(exc).__name__})") from exc
    except ElementTree.ParseError as exc:
        raise BadRequest("xml", f"malformed XML ({exc})") from exc


def _users_from_json(value: Any) -> list[dict[str, str]]:
    if isinstance(value, str):
        return _users_from_xml(_parse_xml(value.encode())) if value.strip() else []
    if isinstance(value, Mapping):
        value = value.get("user", [])
        if isinstance(value, Mapping):
            value = [value]
    if not isinstance(value, list) or not all(isinstance(u, Mapping) for u in value):
        raise BadRequest("userList", "must be a list of users")
    return [{str(k): "" if v is None else str(v) for k, v in user.items()} for user in value]


def decode(body: bytes, fmt: CtiFormat, content_type: str = "") -> tuple[dict[str, str], list[dict[str, str]]]:
    """The request's fields (strings) and its userList users."""
    fields: dict[str, str] = {}
    users: list[dict[str, str]] = []
    if fmt is CtiFormat.XML:
        root = _parse_xml(body)
        for child in root:
            name = _local(child.tag)
            if name == "userList":
                users = _users_from_xml(child)
            else:
                fields[name] = (child.text or "").strip()
        return fields, users
    charset = _CHARSET.search(content_type)
    try:
        data = json.loads(body.decode(charset.group(1) if charset else "utf-8"))
    except (LookupError, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("json", f"malformed JSON ({exc})") from exc
    except RecursionError as exc:
        raise BadRequest("json", "JSON nested too deeply") from exc
    if not isinstance(data, dict):
        raise BadRequest("json", "the body must be a JSON object")
    if "method" not in data and len(data) == 1 and isinstance(next(iter(data.values())), dict):
        data = next(iter(data.values()))  # {"request": {...}}
    for name, value in data.items():
        if name == "userList":
            users = _users_from_json(value)
        elif value is None:
            fields[name] = ""
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            fields[name] = str(value).strip()
        else:
            raise BadRequest(name, "must be a string")
    return fields, users


def encode(data: Mapping[str, Any], fmt: CtiFormat, root: str = "response") -> bytes:
    """A reply body: JSON as is; XML with one element per field and userList/user nesting as in the seed."""
    if fmt is CtiFormat.JSON:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    element = ElementTree.Element(root)
    for name, value in data.items():
        child = ElementTree.SubElement(element, name)
        if isinstance(value, list):
            for item in value:
                user = ElementTree.SubElement(child, "user")
                for key, text in item.items():
                    ElementTree.SubElement(user, key).text = str(text)
        else:
            child.text = str(value)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def _required(fields: Mapping[str, str], names: tuple[str, ...]) -> None:
    for name in names:
        if name not in fields:
            raise BadRequest(name, f"missing required field {name}")
        if not fields[name] and name not in MAY_BE_EMPTY:
            raise BadRequest(name, f"required field {name} is empty")
    for name, value in fields.items():
        if len(value) > MAX_FIELD_CHARS:
            raise BadRequest(name, f"{name} is longer than {MAX_FIELD_CHARS} characters")


def read_query(fields: Mapping[str, str]) -> InboundQuery:
    """A `method=query` request as a core value (BadRequest naming a missing field)."""
    _required(fields, QUERY_FIELDS)
    return InboundQuery(
        sid=fields["sid"],
        vcc_id=fields["vccId"],
        call_id=fields["callId"],
        calling_number=fields["callingNumber"],
        access_number=fields["accessNumber"],
        seq=fields.get("seq") or None,
    )


def read_event(fields: Mapping[str, str], users: list[dict[str, str]]) -> InboundEvent:
    """A `method=event` request as a core value; callees are userList users of type 1 (or untyped)."""
    _required(fields, EVENT_FIELDS)
    callees: list[str] = []
    for user in users:
        if user.get("type", "1") != "1":
            continue
        callees += [n for n in (user.get("number", ""), user.get("translate", "")) if n and n not in callees]
    raw: dict[str, Any] = dict(fields)
    if users:
        raw["userList"] = users
    return InboundEvent(
        sid=fields["sid"],
        vcc_id=fields["vccId"],
        call_id=fields["callId"],
        seq=fields["seq"],
        code=fields["code"],
        charge_ext=fields["chargeExt"],
        client_id=fields.get("clientId") or None,
        call_result=fields.get("callResult") or None,
        callee_numbers=tuple(callees),
        raw=raw,
    )
