"""CTI inbound transfer (seed 003) over real HTTP: the fake platform's queries and events, in XML and JSON.

Answers are checked field by field against the seed; bad and hostile requests must get the right
status, name what is wrong, never 500, and store nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.dialout.providers import REGISTRY
from bot.inbound.core.routes import RecordMode, Ringback, RouteOptions, RouteRule, RuleAction, RuleTarget
from bot.inbound.cti.endpoint import CtiEndpoint, Refused
from bot.inbound.cti.protocol import CtiFormat, decode, encode, request_format
from bot.inbound.cti.settings import CtiSettings
from bot.kernel.states import CallState
from tests.e2e.harness import Harness
from tests.inbound.fakes import (
    ANSWER_FIELDS,
    JSON,
    REQUIRED_ANSWER_FIELDS,
    USER_FIELDS,
    XML,
    FakeCtiPlatform,
    build_body,
)

SECRET = "path-secret-0123456789"
VCC = "VCC001"
ACCESS = "4001234567"
FORMATS = [XML, JSON]


def cti_settings(**overrides: Any) -> CtiSettings:
    values: dict[str, Any] = {"path_secret": SecretStr(SECRET), "vcc_id": VCC, "charge_ext": "8001"}
    values.update(overrides)
    return CtiSettings(**values)


@pytest.fixture
async def bot(test_db) -> AsyncIterator[Harness]:
    async with Harness(test_db, cti=cti_settings()) as running:
        options = RouteOptions(
            record=RecordMode.ANSWER,
            max_s=1800,
            warn_s=60,
            ringback=Ringback.TONE,
            prompt="welcome.wav",
            answer_prompt="来自400热线",
            hangup_prompt="bye.wav",
            fail_prompt="busy.wav",
            warn_prompt="last-minute.wav",
            ringback_prompt="music.wav",
        )
        rule = RouteRule("", RuleAction.FORWARD, (RuleTarget(number="+8613900000001"),), options)
        assert running.services.inbound is not None
        await running.services.inbound.route_store.set_rule(
            ACCESS, "400-123-4567", None, "C0OPS", "T0EMU", rule, "U0ADMIN", running.services.clock.now()
        )
        yield running


def platform(bot: Harness, content_type: str = XML, secret: str = SECRET) -> FakeCtiPlatform:
    return FakeCtiPlatform(f"{bot.services.settings.base_url}/cti/{secret}", VCC, content_type)


async def stored(bot: Harness, table: str) -> int:
    assert bot.services.inbound is not None
    return await bot.services.inbound.calls.count(table)


def in_seed_order(names: list[str]) -> bool:
    positions = [ANSWER_FIELDS.index(name) for name in names]
    return positions == sorted(positions)


# --- the documented exchange ----------------------------------------------------------------


@pytest.mark.parametrize("content_type", FORMATS)
async def test_a_query_is_answered_field_by_field_in_the_requests_type(bot: Harness, content_type: str) -> None:
    cti = platform(bot, content_type)
    try:
        reply = await cti.query("call-001", "13812341234", ACCESS)
    finally:
        await cti.aclose()
    assert reply.status == 200 and reply.content_type.startswith(content_type)
    assert set(REQUIRED_ANSWER_FIELDS) <= set(reply.fields) and in_seed_order(reply.order)
    client_id = reply.fields["clientId"]
    assert reply.fields == {
        "sid": "sid-call-001",
        "vccId": VCC,
        "callId": "call-001",
        "seq": "0",
        "chargeExt": "8001",
        "result": "0000",
        "clientId": client_id,
        "callerPrompt": "welcome.wav",
        "maxDuration": "1800",
        "recordType": "2",
        "warningDuration": "60",
        "warningPrompt": "last-minute.wav",
        "connType": "1",
        "ringbackMode": "0",
        "ringbackPrompt": "music.wav",
    }
    assert reply.users == [
        {
            "number": "13900000001",
            "type": "1",
            "displayNumber": "13812341234",
            "answerPrompt": "<msg><var>7_来自400热线</var></msg>",
            "disconnectPrompt": "bye.wav",
            "failPrompt": "busy.wav",
        }
    ]
    assert list(reply.users[0]) == list(USER_FIELDS)
    assert len(client_id) >= 16


async def test_extended_prompts_travel_escaped_as_xml_text(bot: Harness) -> None:
    cti = platform(bot, XML)
    try:
        reply = await cti.query("call-002", "13812341234", ACCESS)
    finally:
        await cti.aclose()
    assert b"<answerPrompt>&lt;msg&gt;&lt;var&gt;7_" in reply.body
    assert reply.users[0]["answerPrompt"] == "<msg><var>7_来自400热线</var></msg>"


@pytest.mark.parametrize("content_type", FORMATS)
async def test_an_unrouted_number_gets_a_failure_result_and_the_fail_prompt(bot: Harness, content_type: str) -> None:
    cti = platform(bot, content_type)
    try:
        reply = await cti.query("call-003", "13812341234", "4009999999", seq="12")
    finally:
        await cti.aclose()
    assert reply.status == 200
    assert reply.fields == {
        "sid": "sid-call-003",
        "vccId": VCC,
        "callId": "call-003",
        "seq": "12",
        "chargeExt": "8001",
        "result": "1001",
        "clientId": reply.fields["clientId"],
        "callerPrompt": "<msg><var>7_您好，您拨打的号码暂时无法接通，请稍后再拨。</var></msg>",
    }
    assert reply.users == []


@pytest.mark.parametrize("content_type", FORMATS)
async def test_every_documented_event_is_acknowledged_with_200_in_the_requests_type(
    bot: Harness, content_type: str
) -> None:
    cti = platform(bot, content_type)
    try:
        client_id = (await cti.query("call-004", "13812341234", ACCESS)).fields["clientId"]
        for code, call_result in [("15", None), ("16", "180"), ("31", None), ("40", None), ("43", None), ("32", "00")]:
            reply = await cti.event(
                "call-004", code, call_result=call_result, client_id=client_id, callee="13900000001"
            )
            assert reply.status == 200 and reply.content_type.startswith(content_type)
            assert reply.fields == {
                "sid": "sid-call-004",
                "vccId": VCC,
                "callId": "call-004",
                "seq": reply.fields["seq"],
                "result": "0000",
            }
        for code in ["22", "30", "42", "44"]:  # after the end: still stored and acknowledged
            assert (await cti.event("call-004", code, call_result="02")).status == 200
    finally:
        await cti.aclose()
    call = await bot.services.inbound.calls.find_call(VCC, "call-004")
    [line] = await bot.services.inbound.calls.legs(call.id)
    assert (line.state, call.state) == (CallState.COMPLETED, CallState.COMPLETED)
    assert await stored(bot, "events") == 10


async def test_the_event_userlist_is_read_in_each_form(bot: Harness) -> None:
    assert bot.services.inbound is not None
    cti = platform(bot, JSON)
    try:
        await cti.query("call-005", "13812341234", ACCESS)
        base = cti.event_fields("call-005", "31", seq="1")
        as_object = {**base, "userList": {"user": {"line": "1", "number": "13900000001", "type": "1", "state": "1"}}}
        response = await cti.post(build_body(as_object, JSON))
        as_xml_text = {**cti.event_fields("call-005", "16", seq="2"), "userList": "<userList><user><number>13900000001"
                       "</number><type>1</type></user></userList>"}  # fmt: skip
        response_xml = await cti.post(build_body(as_xml_text, JSON))
    finally:
        await cti.aclose()
    assert (response.status_code, response_xml.status_code) == (200, 200)
    events = await bot.services.inbound.calls.events_for(
        (await bot.services.inbound.calls.find_call(VCC, "call-005")).id
    )
    assert [e.callee_numbers for e in events] == [("13900000001",), ("13900000001",)]


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", FORMATS)
async def test_a_wrong_path_secret_gets_401_and_stores_nothing(bot: Harness, content_type: str) -> None:
    cti = platform(bot, content_type, secret="guessed")
    try:
        reply = await cti.query("call-006", "13812341234", ACCESS)
        event = await cti.event("call-006", "15")
    finally:
        await cti.aclose()
    assert (reply.status, event.status) == (401, 401)
    assert reply.content_type.startswith(content_type) and reply.fields["field"] == "auth"
    assert await stored(bot, "calls") == 0 and await stored(bot, "events") == 0


async def test_another_enterprise_gets_403_and_stores_nothing(bot: Harness) -> None:
    cti = platform(bot, XML)
    cti.vcc_id = "SOMEONE-ELSE"
    try:
        query = await cti.query("call-007", "13812341234", ACCESS)
        event = await cti.event("call-007", "15")
    finally:
        await cti.aclose()
    assert (query.status, event.status) == (403, 403) and query.fields["field"] == "vccId"
    assert await stored(bot, "calls") == 0 and await stored(bot, "events") == 0


@pytest.mark.parametrize(
    ("allowed", "status"),
    [("10.0.0.0/8, 192.168.1.7", 403), ("127.0.0.1", 200), ("10.0.0.0/8,127.0.0.0/8", 200), ("not-an-ip", 403)],
)
async def test_the_address_allowlist_admits_only_the_platform(test_db, allowed: str, status: int) -> None:
    async with Harness(test_db, cti=cti_settings(allowed_ips=allowed)) as running:
        cti = platform(running, XML)
        try:
            reply = await cti.query("call-008", "13812341234", ACCESS)
        finally:
            await cti.aclose()
        assert reply.status == status
        assert await stored(running, "calls") == (1 if status == 200 else 0)


async def test_callbacks_are_not_served_until_cti_is_configured(test_db) -> None:
    async with Harness(test_db) as running:
        response = await platform(running).post(b"<request/>")
        webhook = await platform(running).post(b"<request/>", url=f"{running.services.settings.base_url}/webhooks/cti")
    assert response.status_code == 404 and webhook.status_code == 404


# --- bad and hostile input ------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<request><sid>&lol3;</sid><vccId>VCC001</vccId><callId>x</callId><method>query</method>
<callingNumber>1</callingNumber><accessNumber>4001234567</accessNumber></request>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<request><sid>&xxe;</sid><vccId>VCC001</vccId><callId>x</callId><method>query</method>
<callingNumber>1</callingNumber><accessNumber>4001234567</accessNumber></request>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE request SYSTEM "http://127.0.0.1:9/evil.dtd">
<request><sid>s</sid><vccId>VCC001</vccId><callId>x</callId><method>query</method>
<callingNumber>1</callingNumber><accessNumber>4001234567</accessNumber></request>"""


HOSTILE_AND_MALFORMED = [
    (BILLION_LAUGHS, XML, "xml"),
    (EXTERNAL_ENTITY, XML, "xml"),
    (EXTERNAL_DTD, XML, "xml"),
    (b"<request><sid>s</sid>", XML, "xml"),
    (b"not xml at all", XML, "xml"),
    (b'{"sid": "s", ', JSON, "json"),
    (b"[1, 2]", JSON, "json"),
    (b"\xff\xfe{}", JSON, "json"),
    (b'{"sid": {"nested": 1}, "method": "query"}', JSON, "sid"),
    (b'{"method": "hangup", "vccId": "VCC001"}', JSON, "method"),
    (b'{"vccId": "VCC001"}', JSON, "method"),
    (b'{"method": "query"}', JSON, "vccId"),
    (b'{"method": "event", "vccId": "VCC001", "userList": 5}', JSON, "userList"),
    (b"[" * 30000, JSON, "json"),  # nesting deep enough to exhaust Python's recursion limit
    (b'<?xml version="1.0" encoding="no-such-codec"?><request/>', XML, "xml"),
]


async def test_malformed_and_hostile_bodies_get_400_naming_what_is_wrong(bot: Harness) -> None:
    cti = platform(bot)
    try:
        for body, content_type, field in HOSTILE_AND_MALFORMED:
            response = await cti.post(body, content_type)
            assert response.status_code == 400, body
            assert response.headers["content-type"].startswith(content_type), body
            if content_type == JSON:
                assert response.json()["field"] == field, body
            else:
                assert f"<field>{field}</field>".encode() in response.content, body
    finally:
        await cti.aclose()
    assert await stored(bot, "calls") == 0 and await stored(bot, "events") == 0


QUERY_REQUIRED = ["sid", "vccId", "callId", "method", "callingNumber", "accessNumber"]
EVENT_REQUIRED = ["sid", "vccId", "callId", "seq", "method", "chargeExt", "code"]


@pytest.mark.parametrize("content_type", FORMATS)
async def test_a_missing_required_field_gets_400_naming_it(bot: Harness, content_type: str) -> None:
    cti = platform(bot, content_type)
    cases = [("query", f) for f in QUERY_REQUIRED] + [("event", f) for f in EVENT_REQUIRED]
    try:
        for method, field in cases:
            if method == "query":
                fields = cti.query_fields("call-009", "13812341234", ACCESS)
            else:
                fields = cti.event_fields("call-009", "15")
            del fields[field]
            response = await cti.post(build_body(fields, content_type))
            assert response.status_code == 400, (method, field)
            assert field in response.text and "missing" in response.text, (method, field)
    finally:
        await cti.aclose()
    assert await stored(bot, "calls") == 0 and await stored(bot, "events") == 0


@pytest.mark.parametrize(("field", "value"), [("callId", ""), ("accessNumber", "  "), ("sid", "x" * 300)])
async def test_empty_and_oversized_fields_get_400(bot: Harness, field: str, value: str) -> None:
    cti = platform(bot, JSON)
    try:
        fields = cti.query_fields("call-010", "13812341234", ACCESS)
        fields[field] = value
        response = await cti.post(build_body(fields, JSON))
        withheld = await cti.query("call-011", "", "4009999999")  # an empty callingNumber is a withheld caller
    finally:
        await cti.aclose()
    assert response.status_code == 400 and response.json()["field"] == field
    assert withheld.status == 200 and withheld.fields["result"] == "1001"


async def test_bodies_over_the_limit_get_413_with_or_without_a_length(test_db) -> None:
    async with Harness(test_db, cti=cti_settings(max_body_bytes=2048)) as running:
        cti = platform(running, XML)
        padding = "x" * 4000
        try:
            declared = await cti.post(build_body(cti.query_fields("big", "1", ACCESS, callData=padding), XML))

            async def chunks() -> AsyncIterator[bytes]:
                for _ in range(5):
                    yield b"<request>" + padding.encode()

            async with httpx.AsyncClient(trust_env=False) as client:
                streamed = await client.post(cti.url, content=chunks(), headers={"content-type": XML})
        finally:
            await cti.aclose()
        assert (declared.status_code, streamed.status_code) == (413, 413)
        assert await stored(running, "calls") == 0


async def test_only_post_is_served(bot: Harness) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(f"{bot.services.settings.base_url}/cti/{SECRET}")
    assert response.status_code == 405


# --- the codec and the settings -------------------------------------------------------------


def test_the_format_comes_from_the_content_type_else_the_first_byte() -> None:
    assert request_format({"content-type": "application/json;charset=UTF-8"}, b"<x/>") is CtiFormat.JSON
    assert request_format({"content-type": "text/xml"}, b"{}") is CtiFormat.XML
    assert request_format({}, b'  {"a": 1}') is CtiFormat.JSON
    assert request_format({}, b"<request/>") is CtiFormat.XML


def test_xml_and_json_decode_to_the_same_fields() -> None:
    fields = {"sid": "s", "vccId": "V", "callId": "c", "method": "event", "seq": "3", "code": "16"}
    users = [{"line": "1", "number": "139", "type": "1", "state": "3", "translate": ""}]
    assert decode(build_body(fields, XML, users), CtiFormat.XML) == (fields, users)
    assert decode(build_body(fields, JSON, users), CtiFormat.JSON) == (fields, users)
    assert decode(b'{"request": {"method": "query", "seq": 5}}', CtiFormat.JSON) == (
        {"method": "query", "seq": "5"},
        [],
    )
    namespaced = b'<r xmlns="urn:x"><sid>s</sid><method>query</method></r>'
    assert decode(namespaced, CtiFormat.XML)[0] == {"sid": "s", "method": "query"}


def test_answers_encode_userlist_as_the_seed_nests_it() -> None:
    data = {"sid": "s", "userList": [{"number": "139", "type": "1", "answerPrompt": ""}], "result": "0000"}
    assert encode(data, CtiFormat.XML) == (
        b"<?xml version='1.0' encoding='utf-8'?>\n<response><sid>s</sid><userList><user><number>139</number>"
        b"<type>1</type><answerPrompt /></user></userList><result>0000</result></response>"
    )
    assert encode(data, CtiFormat.JSON).decode() == (
        '{"sid": "s", "userList": [{"number": "139", "type": "1", "answerPrompt": ""}], "result": "0000"}'
    )


def test_inbound_routing_is_a_feature_not_a_provider_and_says_what_it_misses() -> None:
    assert "cti" not in REGISTRY
    unconfigured = Settings(_env_file=None).cti
    assert unconfigured.missing() == ("CTI_PATH_SECRET", "CTI_VCC_ID") and not unconfigured.configured
    assert cti_settings().missing() == () and cti_settings().configured


def test_the_path_secret_is_compared_whole() -> None:
    endpoint = CtiEndpoint(cti_settings(), None)  # type: ignore[arg-type]  # authentication needs no switchboard
    endpoint.authenticate(SECRET, "127.0.0.1")
    for guess in ["", SECRET[:-1], SECRET + "x", SECRET.upper()]:
        with pytest.raises(Refused) as caught:
            endpoint.authenticate(guess, "127.0.0.1")
        assert caught.value.status == 401
    with pytest.raises(Refused):
        CtiEndpoint(CtiSettings(vcc_id=VCC), None).authenticate("", "127.0.0.1")  # type: ignore[arg-type]


def test_gbk_is_read_from_the_xml_declaration_or_the_json_charset() -> None:
    xml = '<?xml version="1.0" encoding="GBK"?><request><sid>会话一</sid><method>query</method></request>'
    assert decode(xml.encode("gbk"), CtiFormat.XML) == ({"sid": "会话一", "method": "query"}, [])
    body = '{"sid": "会话一", "method": "event"}'.encode("gbk")
    assert decode(body, CtiFormat.JSON, "application/json; charset=GBK")[0] == {"sid": "会话一", "method": "event"}


async def test_a_gbk_query_is_answered(bot: Harness) -> None:
    fields = {
        "sid": "会话-gbk",
        "vccId": VCC,
        "callId": "call-gbk",
        "method": "query",
        "callingNumber": "13812341234",
        "accessNumber": ACCESS,
    }
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    cti = platform(bot, XML)
    try:
        response = await cti.post(f'<?xml version="1.0" encoding="GBK"?><request>{body}</request>'.encode("gbk"))
    finally:
        await cti.aclose()
    assert response.status_code == 200 and "<sid>会话-gbk</sid>" in response.content.decode("utf-8")
