"""A fake CTI platform (seed 003): it sends number queries and event notifications to confbot.

Unlike the other fakes this one is a client: on a real platform, someone dials an access
number, the platform POSTs `method=query` and then `method=event` notifications. It builds
the requests exactly as the seed documents them, in `application/xml` or `application/json`,
and reads our answers back into fields and userList users so tests can check them one by one.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import httpx

XML = "application/xml"
JSON = "application/json"

# The seed's request fields, in its order.
QUERY_FIELDS = ("sid", "vccId", "callId", "method", "callingNumber", "accessNumber")
EVENT_FIELDS = ("sid", "vccId", "callId", "seq", "method", "chargeExt", "clientId", "code", "callResult", "reason")
# The seed's answer fields, in its order; userList users carry these six.
ANSWER_FIELDS = (
    "sid",
    "vccId",
    "callId",
    "seq",
    "chargeExt",
    "result",
    "clientId",
    "callerPrompt",
    "userList",
    "callData",
    "callBackUrl",
    "maxDuration",
    "recordType",
    "warningDuration",
    "warningPrompt",
    "connType",
    "ringbackMode",
    "ringbackPrompt",
)
REQUIRED_ANSWER_FIELDS = ("sid", "vccId", "callId", "seq", "chargeExt", "result")
USER_FIELDS = ("number", "type", "displayNumber", "answerPrompt", "disconnectPrompt", "failPrompt")


@dataclass
class CtiReply:
    """Our answer as the platform reads it."""

    status: int
    content_type: str
    fields: dict[str, str] = field(default_factory=dict)
    users: list[dict[str, str]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # field names in the order they came
    body: bytes = b""


def build_body(fields: Mapping[str, Any], content_type: str, users: list[dict[str, str]] | None = None) -> bytes:
    """A request body as the platform sends it: `<request>` with one element per field, or a JSON object."""
    if content_type == JSON:
        data: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if users is not None:
            data["userList"] = users
        return json.dumps(data, ensure_ascii=False).encode()
    root = ElementTree.Element("request")
    for name, value in fields.items():
        if value is not None:
            ElementTree.SubElement(root, name).text = str(value)
    if users is not None:
        user_list = ElementTree.SubElement(root, "userList")
        for user in users:
            element = ElementTree.SubElement(user_list, "user")
            for key, value in user.items():
                ElementTree.SubElement(element, key).text = value
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def read_reply(response: httpx.Response) -> CtiReply:
    """Our answer back into fields (strings) and users, whatever its type."""
    content_type = response.headers.get("content-type", "")
    reply = CtiReply(response.status_code, content_type, body=response.content)
    if not response.content:
        return reply
    if "json" in content_type:
        data = response.json()
        for name, value in data.items():
            reply.order.append(name)
            if name == "userList":
                reply.users = [{k: str(v) for k, v in user.items()} for user in value]
            else:
                reply.fields[name] = str(value)
        return reply
    root = ElementTree.fromstring(response.content)  # our own answer: trusted
    for child in root:
        reply.order.append(child.tag)
        if child.tag == "userList":
            reply.users = [{c.tag: c.text or "" for c in user} for user in child]
        else:
            reply.fields[child.tag] = child.text or ""
    return reply


class FakeCtiPlatform:
    """Sends the seed's documented requests to `url` ({PUBLIC_URL}/cti/<secret>) as the platform would."""

    def __init__(self, url: str, vcc_id: str, content_type: str = XML, charge_ext: str = "8001") -> None:
        self.url = url
        self.vcc_id = vcc_id
        self.content_type = content_type
        self.charge_ext = charge_ext
        self._seq = itertools.count(1)
        self._client = httpx.AsyncClient(timeout=10.0, trust_env=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(self, body: bytes, content_type: str | None = None, url: str | None = None) -> httpx.Response:
        return await self._client.post(
            url or self.url, content=body, headers={"content-type": content_type or self.content_type}
        )

    def query_fields(self, call_id: str, calling: str, access: str, **extra: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "sid": f"sid-{call_id}",
            "vccId": self.vcc_id,
            "callId": call_id,
            "method": "query",
            "callingNumber": calling,
            "accessNumber": access,
        }
        fields.update(extra)
        return fields

    async def query(self, call_id: str, calling: str, access: str, **extra: Any) -> CtiReply:
        """Someone dialled `access` from `calling`: ask which B number(s) to call."""
        body = build_body(self.query_fields(call_id, calling, access, **extra), self.content_type)
        return read_reply(await self.post(body))

    def event_fields(
        self,
        call_id: str,
        code: str,
        *,
        seq: str | None = None,
        call_result: str | None = None,
        client_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "sid": f"sid-{call_id}",
            "vccId": self.vcc_id,
            "callId": call_id,
            "seq": seq or str(next(self._seq)),
            "method": "event",
            "chargeExt": self.charge_ext,
            "clientId": client_id,
            "code": code,
            "callResult": call_result,
        }
        fields.update(extra)
        return fields

    async def event(
        self,
        call_id: str,
        code: str,
        *,
        seq: str | None = None,
        call_result: str | None = None,
        client_id: str | None = None,
        callee: str | None = None,
        state: str = "2",
        **extra: Any,
    ) -> CtiReply:
        """An event notification; `callee` adds the documented userList (line, number, type 1, state)."""
        users = None
        if callee is not None:
            users = [{"line": "1", "number": callee, "type": "1", "state": state, "translate": ""}]
        fields = self.event_fields(call_id, code, seq=seq, call_result=call_result, client_id=client_id, **extra)
        return read_reply(await self.post(build_body(fields, self.content_type, users)))
