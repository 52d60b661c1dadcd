"""Quanshi contract tests against the seed-004 fake: the request field by field, the per-person answer,
the token, and every way the one batch request can fail (never re-sent when it may have arrived)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.dialout.core.command import ParseContext, ParseError, ParseProblem, parse_command
from bot.dialout.core.models import Capability, Target, TargetKind
from bot.dialout.core.ports import (
    CallSpec,
    CancelsCalls,
    DialRequest,
    Placing,
    PollsCalls,
    ProviderError,
    ReceivesWebhooks,
    StatusSource,
)
from bot.dialout.providers import REGISTRY
from bot.dialout.providers.quanshi.provider import QuanshiProvider, build_entry, checksum, normalise_before
from bot.dialout.providers.quanshi.settings import QuanshiSettings
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy
from bot.kernel.states import CallState, FailReason
from bot.loopback import LoopbackServer
from bot.slack.messages import CATALOGUE
from tests.dialout.providers.fakes.quanshi import FakeQuanshi, Misbehaviour

APP_KEY = "4396b341fa9c2ab84"
APP_SECRET = "abc123secret"
ADMIN = 19533553
EVENT = Target(TargetKind.EVENT, "542818")


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fake() -> AsyncIterator[FakeQuanshi]:
    quanshi = FakeQuanshi(APP_KEY, APP_SECRET, ADMIN, slow_s=1.0)
    server = LoopbackServer(quanshi.app)
    await server.start()
    quanshi.url = server.url
    yield quanshi
    await server.stop()


def settings(url: str, **changes: Any) -> QuanshiSettings:
    values: dict[str, Any] = {
        "base_url": url,
        "app_key": APP_KEY,
        "app_secret": SecretStr(APP_SECRET),
        "admin_user_id": str(ADMIN),
        "default_company": "quanshi.com",
        "timeout_s": 0.4,
    }
    values.update(changes)
    return QuanshiSettings(_env_file=None, **values)


@pytest.fixture
async def provider(fake: FakeQuanshi) -> AsyncIterator[QuanshiProvider]:
    quanshi = QuanshiProvider(settings(fake.url), clock=Ticker())
    yield quanshi
    await quanshi.aclose()


def phone(number: str, name: str | None = None, user: str | None = None) -> Party:
    return Party(PartyKind.PHONE, number, slack_user_id=user, name=name)


def dial(*parties: Party, before: str | None = None, target: Target = EVENT) -> DialRequest:
    return DialRequest(
        invite_id=7,
        target=target,
        calls=tuple(CallSpec(100 + i, p) for i, p in enumerate(parties)),
        requested_by="U0AMY",
        options={"before": before} if before is not None else {},
        callback_url="http://127.0.0.1:9/webhooks/quanshi",
    )


def entry(name: str, cc: str, mobile: str = "", area: str = "", local: str = "", company: str = "quanshi.com") -> dict:
    return {"name": name, "company": company, "countryCode": cc, "mobile": mobile, "areaCode": area, "phone": local}


# --- auth -------------------------------------------------------------------------------


def test_checksum_is_lowercase_hex_sha1_of_secret_nonce_and_curtime() -> None:
    # Computed independently: printf '%s' 'abc123secret5711631638341017999' | sha1sum
    assert checksum("abc123secret", "571163", "1638341017999") == "0f469a52672082ae6a258ed42e867d8462e47cef"


async def test_every_request_is_signed_and_the_token_comes_from_the_admin_user(
    fake: FakeQuanshi, provider: QuanshiProvider
) -> None:
    await provider.place(dial(phone("+8613800138000")))
    assert fake.problems == []
    [token_request] = fake.token_requests()
    assert token_request.body == {"userId": ADMIN}
    for got in fake.received:
        nonce, cur_time = got.headers["nonce"], got.headers["curtime"]
        assert got.headers["appkey"] == APP_KEY and len(nonce) <= 128 and cur_time.isdigit()
        assert got.headers["checksum"] == hashlib.sha1(f"{APP_SECRET}{nonce}{cur_time}".encode()).hexdigest()
    assert fake.calls()[0].body["token"] in fake.tokens


async def test_a_wrong_app_secret_is_refused_before_any_list_is_sent(fake: FakeQuanshi) -> None:
    wrong = QuanshiProvider(settings(fake.url, app_secret=SecretStr("not-the-secret")))
    with pytest.raises(ProviderError) as caught:
        await wrong.place(dial(phone("+8613800138000")))
    await wrong.aclose()
    assert (caught.value.code, caught.value.reason, caught.value.maybe_sent) == ("token_failed", FailReason.AUTH, False)
    assert "CheckSum mismatch" in caught.value.message and fake.calls() == []


async def test_the_token_is_reused_until_shortly_before_it_expires(fake: FakeQuanshi) -> None:
    clock = Ticker()
    quanshi = QuanshiProvider(settings(fake.url), clock=clock)
    await quanshi.place(dial(phone("+8613800138000")))
    clock.now += 86400 - 301
    await quanshi.place(dial(phone("+8613800138001")))
    assert len(fake.token_requests()) == 1
    clock.now += 2  # inside the last five minutes of the 86400 s lifetime
    await quanshi.place(dial(phone("+8613800138002")))
    await quanshi.aclose()
    assert len(fake.token_requests()) == 2
    assert fake.calls()[2].body["token"] != fake.calls()[0].body["token"]


@pytest.mark.parametrize(
    ("code", "msg"),
    [(401, "Invalid token, please create a new one"), (200401, "token已过期"), (500, "令牌无效")],
)
async def test_a_refused_token_is_renewed_and_the_list_sent_once_more(
    fake: FakeQuanshi, provider: QuanshiProvider, code: int, msg: str
) -> None:
    fake.misbehave("code", code, msg)
    [result] = await provider.place(dial(phone("+8613800138000")))
    assert result.state is CallState.QUEUED
    assert len(fake.token_requests()) == 2 and len(fake.calls()) == 2
    assert fake.calls()[0].body["token"] != fake.calls()[1].body["token"]


async def test_an_expired_token_is_noticed_from_quanshis_answer(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    await provider.place(dial(phone("+8613800138000")))
    fake.expire_tokens()
    [result] = await provider.place(dial(phone("+8613800138001")))
    assert result.state is CallState.QUEUED and len(fake.token_requests()) == 2


async def test_a_token_refused_twice_fails_the_batch_as_auth_without_a_third_try(
    fake: FakeQuanshi, provider: QuanshiProvider
) -> None:
    fake.misbehave("code", 401, "token is invalid", times=2)
    with pytest.raises(ProviderError) as caught:
        await provider.place(dial(phone("+8613800138000")))
    assert (caught.value.code, caught.value.reason, caught.value.maybe_sent) == (
        "token_rejected",
        FailReason.AUTH,
        False,
    )
    assert "token is invalid" in caught.value.message and len(fake.calls()) == 2


@pytest.mark.parametrize(
    ("kind", "code", "msg", "expected_reason"),
    [
        ("code", 404, "user does not exist", FailReason.AUTH),
        ("http_500", 0, "", FailReason.PROVIDER_ERROR),
        ("not_json", 0, "", FailReason.PROVIDER_ERROR),
        ("slow", 0, "", FailReason.TIMEOUT),
        ("reset", 0, "", FailReason.NETWORK),
    ],
)
async def test_a_failed_token_request_never_makes_the_list_unknown(
    fake: FakeQuanshi, provider: QuanshiProvider, kind: str, code: int, msg: str, expected_reason: FailReason
) -> None:
    """Only the token request was in flight, so the calls certainly were not added: failed, not unknown."""
    fake.token_script.append(Misbehaviour(kind, code, msg))
    with pytest.raises(ProviderError) as caught:
        await provider.place(dial(phone("+8613800138000")))
    assert (caught.value.code, caught.value.maybe_sent, caught.value.reason) == ("token_failed", False, expected_reason)
    assert fake.calls() == []


# --- the request ------------------------------------------------------------------------


async def test_the_call_list_is_sent_in_the_seeds_formats(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    await provider.place(
        dial(
            phone("+8613800138000", name="Amy Wang", user="U0AMY"),
            phone("+861058512042"),  # Beijing landline
            phone("+862981234567", name="  "),  # Xi'an landline, blank real name
            phone("+85291234567", name="陈兰兰"),
            phone("+14155552671", name="Bob"),
            before="15",
        )
    )
    assert fake.problems == []
    [call] = fake.calls()
    assert call.headers["content-type"] == "application/json" and call.headers["accept"] == "application/json"
    assert call.body == {
        "token": call.body["token"],
        "eventId": 542818,
        "beforeMinutes": 15,
        "callList": [
            entry("Amy Wang", "86", mobile="13800138000"),
            entry("+86 10 5851 2042", "86", area="10", local="58512042"),
            entry("+86 29 8123 4567", "86", area="29", local="81234567"),
            entry("陈兰兰", "852", mobile="91234567"),
            entry("Bob", "1", mobile="4155552671"),
        ],
    }


async def test_before_defaults_to_thirty_minutes(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    await provider.place(dial(phone("+8613800138000")))
    assert fake.calls()[0].body["beforeMinutes"] == 30


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+85221234567", entry("+852 2123 4567", "852", local="21234567")),  # Hong Kong fixed line
        ("+6562255577", entry("+65 6225 5577", "65", local="62255577")),  # Singapore fixed line
        ("+442071838750", entry("+44 20 7183 8750", "44", local="2071838750")),  # London: no mainland area code
        ("+861058512042", entry("+86 10 5851 2042", "86", area="10", local="58512042")),  # Beijing landline
        ("+8613800138000", entry("+86 138 0013 8000", "86", mobile="13800138000")),
        ("+85291234567", entry("+852 9123 4567", "852", mobile="91234567")),  # Hong Kong mobile
    ],
)
def test_a_landline_goes_in_phone_with_an_area_code_only_in_mainland_china(number: str, expected: dict) -> None:
    """Seed 004: mobile or landline (phone); areaCode only for mainland China, without its leading 0."""
    assert build_entry(phone(number), "quanshi.com") == expected


async def test_landlines_in_and_outside_mainland_china_are_accepted_as_the_seed_wants(
    fake: FakeQuanshi, provider: QuanshiProvider
) -> None:
    numbers = ("+85221234567", "+861058512042", "+8613800138000")
    results = await provider.place(dial(*(phone(n) for n in numbers)))
    assert [r.state for r in results] == [CallState.QUEUED] * 3 and fake.problems == []
    [call] = fake.calls()
    assert [(e["mobile"], e["areaCode"], e["phone"]) for e in call.body["callList"]] == [
        ("", "", "21234567"),
        ("", "10", "58512042"),
        ("13800138000", "", ""),
    ]


def test_a_company_on_the_party_wins_over_the_default() -> None:
    party = Party(PartyKind.PHONE, "+8613800138000", name="Li", company="Example Ltd")
    assert build_entry(party, "quanshi.com")["company"] == "Example Ltd"
    assert build_entry(phone("+8613800138000"), "")["company"] == ""


async def test_a_non_numeric_event_id_is_refused_before_sending(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        await provider.place(dial(phone("+8613800138000"), target=Target(TargetKind.EVENT, "abc")))
    assert caught.value.code == "bad_event_id" and not caught.value.maybe_sent and fake.received == []


async def test_a_room_is_failed_and_the_people_are_still_sent(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    room, person = await provider.place(dial(Party(PartyKind.ROOM, "10086"), phone("+8613800138000")))
    assert (room.state, room.reason, room.code) == (CallState.FAILED, FailReason.INVALID_NUMBER, "not_a_phone")
    assert person.state is CallState.QUEUED and len(fake.calls()[0].body["callList"]) == 1


# --- the answer -------------------------------------------------------------------------


async def test_success_data_is_queued_with_quanshis_id_and_fail_data_failed(
    fake: FakeQuanshi, provider: QuanshiProvider
) -> None:
    fake.rejected.add(("86", "13800138009"))
    ok, landline, bad = await provider.place(
        dial(phone("+8613800138000", name="Amy"), phone("+861058512042"), phone("+8613800138009", name="Zed"))
    )
    [answer] = fake.answers
    ids = {e["mobile"] or e["phone"]: e["id"] for e in answer["success_data"] + answer["fail_data"]}
    assert (ok.state, ok.provider_call_id) == (CallState.QUEUED, ids["13800138000"])
    assert (landline.state, landline.provider_call_id) == (CallState.QUEUED, ids["58512042"])
    assert (bad.state, bad.reason, bad.code) == (CallState.FAILED, FailReason.PROVIDER_REJECTED, "entry_rejected")
    assert bad.provider_call_id == ids["13800138009"] and "'Zed' is in fail_data" in (bad.detail or "")
    for result in (ok, landline, bad):
        assert result.context["total_count"] == "3" and result.context["success_count"] == "2"
        assert result.context["fail_count"] == "1" and result.context["before_minutes"] == "30"
        assert result.context["request_id"].startswith("10.255.0.106_")
        assert "total 3, success 2, fail 1; requestId 10.255.0.106_" in (result.detail or "")


def _reversed_and_reformatted(data: dict[str, Any]) -> dict[str, Any]:
    for item in data["success_data"] + data["fail_data"]:
        if item["mobile"]:
            item["mobile"] = f"{item['mobile'][:3]} {item['mobile'][3:7]} {item['mobile'][7:]}"
        item["countryCode"] = "+" + item["countryCode"]
        item["areaCode"] = "0" + item["areaCode"] if item["areaCode"] else ""
    data["success_data"].reverse()
    return data


async def test_answers_are_matched_by_number_not_by_position(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    fake.rewrite = _reversed_and_reformatted
    fake.rejected.add(("86", "13800138001"))
    results = await provider.place(
        dial(phone("+8613800138000"), phone("+8613800138001"), phone("+861058512042"), phone("+85291234567"))
    )
    states = [r.state for r in results]
    assert states == [CallState.QUEUED, CallState.FAILED, CallState.QUEUED, CallState.QUEUED]
    ids = {e["mobile"].replace(" ", "") or e["phone"]: e["id"] for e in fake.answers[0]["success_data"]}
    assert [r.provider_call_id for r in results if r.state is CallState.QUEUED] == [
        ids["13800138000"],
        ids["58512042"],
        ids["91234567"],
    ]


def _split_duplicates(data: dict[str, Any]) -> dict[str, Any]:
    """Quanshi accepts one of two entries with the same number, lists the other as failed, adds a stray."""
    second = next(e for e in data["success_data"] if e["name"] == "Second")
    data["success_data"].remove(second)
    data["fail_data"].append(second)
    data["success_data"].insert(0, {**data["success_data"][0], "id": "stray", "name": "Someone else"})
    return data


async def test_duplicate_numbers_pair_off_one_by_one_preferring_the_same_name(
    fake: FakeQuanshi, provider: QuanshiProvider
) -> None:
    fake.rewrite = _split_duplicates
    first, second = await provider.place(
        dial(phone("+8613800138000", name="First"), phone("+8613800138000", name="Second"))
    )
    assert first.state is CallState.QUEUED and first.provider_call_id != "stray"
    assert second.state is CallState.FAILED and second.code == "entry_rejected"


def _drop_landline(data: dict[str, Any]) -> dict[str, Any]:
    data["success_data"] = [e for e in data["success_data"] if not e["phone"]]
    return data


async def test_an_entry_in_neither_list_is_unknown_not_failed(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    fake.rewrite = _drop_landline
    mobile, landline = await provider.place(dial(phone("+8613800138000"), phone("+861058512042")))
    assert mobile.state is CallState.QUEUED
    assert (landline.state, landline.code) == (CallState.UNKNOWN, "not_in_answer")


def _without_ids(data: dict[str, Any]) -> dict[str, Any]:
    for item in data["success_data"]:
        item.pop("id")
    return data


async def test_an_accepted_entry_without_an_id_is_still_queued(fake: FakeQuanshi, provider: QuanshiProvider) -> None:
    fake.rewrite = _without_ids
    [result] = await provider.place(dial(phone("+8613800138000")))
    assert result.state is CallState.QUEUED and result.provider_call_id == "event-542818-attempt-100"


# --- whole-request failures -------------------------------------------------------------

REFUSED: list[tuple[str, str, int, str, str, FailReason, bool]] = [
    # (test id, misbehaviour, code/status, msg, our code, reason, maybe_sent)
    (
        "unknown event (code 404)",
        "code",
        404,
        "The event does not exist",
        "api_404",
        FailReason.PROVIDER_REJECTED,
        False,
    ),
    ("other code", "code", 10001, "参数错误", "api_10001", FailReason.PROVIDER_REJECTED, False),
    ("HTTP 403", "http", 403, "AppKey is disabled", "auth_failed", FailReason.AUTH, False),
    ("HTTP 429", "http", 429, "Too many requests", "rate_limited", FailReason.RATE_LIMITED, False),
    ("HTTP 400", "http", 400, "bad request", "api_400", FailReason.PROVIDER_REJECTED, False),
    ("HTTP 500", "http_500", 0, "", "http_500", FailReason.PROVIDER_ERROR, True),
    ("not JSON", "not_json", 0, "", "bad_response", FailReason.PROVIDER_ERROR, True),
    ("malformed JSON", "malformed", 0, "", "bad_response", FailReason.PROVIDER_ERROR, True),
    ("code 200 without lists", "no_data", 0, "", "bad_response", FailReason.PROVIDER_ERROR, True),
    ("read timeout", "slow", 0, "", "timeout", FailReason.TIMEOUT, True),
    ("reset after sending", "reset", 0, "", "connection_lost", FailReason.NETWORK, True),
]


@pytest.mark.parametrize(
    ("kind", "status", "msg", "code", "reason", "maybe_sent"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
async def test_a_whole_batch_failure_is_one_error_and_is_never_resent(
    fake: FakeQuanshi,
    provider: QuanshiProvider,
    kind: str,
    status: int,
    msg: str,
    code: str,
    reason: FailReason,
    maybe_sent: bool,
) -> None:
    fake.misbehave(kind, status, msg)
    with pytest.raises(ProviderError) as caught:
        await provider.place(dial(phone("+8613800138000"), phone("+8613800138001")))
    assert (caught.value.code, caught.value.reason, caught.value.maybe_sent) == (code, reason, maybe_sent)
    if msg:
        assert caught.value.message.startswith(msg) and "requestId 10.255.0.106_" in caught.value.message
    assert len(fake.calls()) == 1 and fake.problems == []


async def test_after_a_timeout_the_next_invite_is_still_sent_normally(
    fake: FakeQuanshi, provider: QuanshiProvider
) -> None:
    fake.misbehave("slow")
    with pytest.raises(ProviderError):
        await provider.place(dial(phone("+8613800138000")))
    [result] = await provider.place(dial(phone("+8613800138001")))
    assert result.state is CallState.QUEUED and len(fake.calls()) == 2


@pytest.mark.parametrize(
    "code", ["entry_rejected", "token_failed", "token_rejected", "auth_failed", "rate_limited", "bad_response"]
)
def test_our_error_codes_are_explained_in_both_languages(code: str) -> None:
    texts = CATALOGUE[f"error.quanshi.{code}"]
    assert texts["en"] and texts["zh"]


# --- what Quanshi does not offer, and what it declares ----------------------------------


def test_it_offers_no_webhooks_polls_or_cancels(provider: QuanshiProvider) -> None:
    assert not isinstance(provider, PollsCalls | CancelsCalls | ReceivesWebhooks)


def test_it_is_a_registered_batch_event_provider_without_status() -> None:
    quanshi = REGISTRY["quanshi"].from_settings(
        Settings(_env_file=None, providers={"quanshi": settings("http://127.0.0.1:9")})
    )
    info = quanshi.info
    assert info.capabilities == frozenset({Capability.EVENT}) and info.placing is Placing.WHOLE_INVITE
    assert info.status is StatusSource.NONE and info.hands_over and info.timing.max_duration is None
    assert info.missing_settings == () and set(info.options) == {"before"}


def test_unconfigured_it_names_the_missing_variables() -> None:
    missing = QuanshiProvider(QuanshiSettings(_env_file=None)).info.missing_settings
    assert missing == ("QUANSHI_APP_KEY", "QUANSHI_APP_SECRET", "QUANSHI_ADMIN_USER_ID")


@pytest.mark.parametrize(
    ("text", "minutes"), [("15", "15"), ("0", "0"), ("60", "60"), ("15m", "15"), ("20 min", "20"), ("5分钟", "5")]
)
def test_before_accepts_whole_minutes_up_to_sixty(text: str, minutes: str) -> None:
    assert normalise_before(text) == minutes


@pytest.mark.parametrize("text", ["61", "90m", "-5", "1.5", "soon", ""])
def test_before_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        normalise_before(text)


def _context(provider: QuanshiProvider) -> ParseContext:
    return ParseContext(
        now=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        tz="Asia/Shanghai",
        policy=DialingPolicy("CN"),
        providers={"quanshi": provider.info},
        default_provider={TargetKind.EVENT: "quanshi"},
    )


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("event 542818 13800138000 before 15m via quanshi now", lambda d: d.options == {"before": "15"}),
        ("直播 542818 13800138000 提前15分钟 明天下午3点", lambda d: d.options == {"before": "15"}),
        ("event 542818 13800138000 before=45 now", lambda d: d.options == {"before": "45"}),
        ("event 542818 13800138000 now", lambda d: d.options == {}),
    ],
)
def test_users_write_before_in_english_or_chinese(
    provider: QuanshiProvider, text: str, check: Callable[[Any], bool]
) -> None:
    draft = parse_command(text, _context(provider))
    assert check(draft)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("event 542818 13800138000 before 90m now", ParseProblem.BAD_OPTION_VALUE),
        ("event 542818 13800138000 voice=listen now", ParseProblem.BAD_OPTION_KEY),
        ("event 542818 13800138000 max 30m now", ParseProblem.DURATION_NOT_SUPPORTED),
    ],
)
def test_what_quanshi_cannot_do_is_refused_before_scheduling(
    provider: QuanshiProvider, text: str, problem: ParseProblem
) -> None:
    with pytest.raises(ParseError) as caught:
        parse_command(text, _context(provider))
    assert caught.value.problem is problem
