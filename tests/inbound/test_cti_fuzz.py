"""Fuzzing the CTI platform's wire formats: any body, XML or JSON, in any declared encoding, is read or BadRequest."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.inbound.cti.protocol import BadRequest, CtiFormat, decode, read_event, read_query, request_format

FIELDS = ["sid", "vccId", "callId", "seq", "method", "chargeExt", "code", "callingNumber", "accessNumber", "userList"]
ENCODINGS = ["utf-8", "gbk", "punycode", "idna", "utf-16", "utf-7", "hex", "rot13", "zlib", "nope", "latin-1", "cp500"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner),
    max_leaves=10,
)
xml_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20) | st.from_regex(
    r"[A-Za-z0-9 +\-]{0,12}", fullmatch=True
)


@st.composite
def xml_bodies(draw: st.DrawFn) -> bytes:
    encoding = draw(st.sampled_from(ENCODINGS))
    children = draw(st.lists(st.tuples(st.sampled_from(FIELDS), xml_texts), max_size=8))
    inner = "".join(f"<{name}>{text}</{name}>" for name, text in children)
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if draw(st.booleans()) else ""
    body = f"{declaration}<request>{inner}</request>".encode("utf-8", "surrogatepass")
    return draw(st.sampled_from([body, body[: draw(st.integers(0, len(body)))], body + draw(st.binary(max_size=8))]))


bodies = st.one_of(
    xml_bodies(),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(FIELDS), json_values).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)
content_types = st.sampled_from(["", "application/xml", "application/json", "text/xml; charset=gbk"]) | st.sampled_from(
    ENCODINGS
).map(lambda e: f"application/json; charset={e}")


@settings(max_examples=200, deadline=None)
@given(body=bodies, content_type=content_types)
def test_any_cti_body_is_read_or_refused_as_a_bad_request(body: bytes, content_type: str) -> None:
    fmt = request_format({"content-type": content_type}, body)
    try:
        fields, users = decode(body, fmt, content_type)
        if fields.get("method") == "query":
            read_query(fields)
        else:
            read_event(fields, users)
    except BadRequest:
        pass


@pytest.mark.parametrize("encoding", ["punycode", "idna", "utf-16", "utf-7", "utf-32"])
@pytest.mark.parametrize("sid", ["a-b", "\u00ff\u20ac"])
def test_xml_in_a_declared_encoding_is_read_or_a_bad_request_never_a_unicode_error(encoding: str, sid: str) -> None:
    body = f'<?xml version="1.0" encoding="{encoding}"?><request><sid>{sid}</sid></request>'.encode()
    try:
        fields, _ = decode(body, CtiFormat.XML)
    except BadRequest as exc:
        assert exc.field == "xml"
    else:
        assert fields == {"sid": sid}
