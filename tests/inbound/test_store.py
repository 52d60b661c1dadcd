"""Inbound calls on the real stores: queries, events, route changes, numbers kept fresh, the migration.

Runs on SQLite, and on PostgreSQL when CONFBOT_TEST_DATABASE_URL is set (the CI's second pass).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from bot.inbound.core.answer import AnswerDefaults, InboundQuery, QueryOutcome
from bot.inbound.core.calls import InboundCall, InboundNoticeKind
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.route_book import (
    RouteBook,
    RouteBookRules,
    RouteChangedReply,
    RouteNotAllowedReply,
    RouteNothingReply,
    RoutesReply,
)
from bot.inbound.core.route_command import (
    ListRoutesCommand,
    RemoveRouteCommand,
    RouteError,
    RouteProblem,
    SetRouteCommand,
)
from bot.inbound.core.routes import RecordMode, RouteOptions, RouteRule, RuleAction, RuleTarget
from bot.inbound.core.switchboard import Switchboard, SwitchboardRules
from bot.inbound.store.calls import SqlInboundCalls
from bot.inbound.store.routes import CachedRoutes, SqlRoutes
from bot.kernel import db
from bot.kernel.feature import Asker
from bot.kernel.people import UserProfile
from bot.kernel.phone import DialingPolicy
from bot.kernel.ports import LookupFailed
from bot.kernel.states import CallState, FailReason

ADMIN = UserProfile("U0ADMIN", tz="Asia/Shanghai", is_admin=True)
MEMBER = UserProfile("U0MEMBER", tz="Asia/Shanghai")
ASKER = Asker("U0ADMIN", "T1", "C0OPS")


class RecordingNotifier:
    """The InboundNotifier port, remembering what Slack would be told."""

    def __init__(self) -> None:
        self.changed: list[int] = []
        self.notices: list[tuple[int, InboundNoticeKind, dict[str, Any]]] = []

    async def call_changed(self, call_id: int) -> None:
        self.changed.append(call_id)

    async def call_notice(self, call_id: int, kind: InboundNoticeKind, params: Any) -> None:
        self.notices.append((call_id, kind, dict(params)))

    def kinds(self) -> list[InboundNoticeKind]:
        return [kind for _, kind, _ in self.notices]


class FakeDirectory:
    """The Directory port; `failures` names users whose lookup raises (LookupFailed, or a bug)."""

    def __init__(self, profiles: dict[str, UserProfile]) -> None:
        self.profiles = profiles
        self.failures: dict[str, Exception] = {}
        self.asked: list[str] = []

    async def profile(self, user_id: str) -> UserProfile | None:
        self.asked.append(user_id)
        if user_id in self.failures:
            raise self.failures[user_id]
        return self.profiles.get(user_id)


class FakeGroups:
    """The UserGroups port; with `failure`, every lookup raises it."""

    def __init__(self, members: dict[str, frozenset[str]], failure: Exception | None = None) -> None:
        self._members = members
        self._failure = failure

    async def members(self, group_id: str) -> frozenset[str]:
        if self._failure is not None:
            raise self._failure
        return self._members.get(group_id, frozenset())


@pytest.fixture
def parts(engine, clock) -> dict[str, Any]:
    routes = CachedRoutes(engine)
    calls = SqlInboundCalls(engine)
    notifier = RecordingNotifier()
    ids = iter(f"client-{i}" for i in range(1, 1000))
    board = Switchboard(
        routes,
        calls,
        notifier,
        clock,
        SwitchboardRules(region="CN", defaults=AnswerDefaults(charge_ext="8001", fail_prompt="sorry.wav")),
        client_ids=lambda: next(ids),
    )
    directory = FakeDirectory(
        {
            "U0AMY": UserProfile("U0AMY", phone="+86 139 0000 0001", real_name="amy"),
            "U0NOPHONE": UserProfile("U0NOPHONE"),
        }
    )
    book = RouteBook(routes, directory, FakeGroups({"S0ROUTES": frozenset({"U0MEMBER"})}), clock, RouteBookRules())
    return {
        "routes": routes,
        "calls": calls,
        "notifier": notifier,
        "board": board,
        "book": book,
        "dir": directory,
        "now": clock.now(),
    }


def query(call_id: str = "c1", calling: str = "13812341234", access: str = "4001234567", seq: str | None = None):
    return InboundQuery(f"sid-{call_id}", "VCC", call_id, calling, access, seq)


def event(code: str, seq: str, call_id: str = "c1", **kw: Any) -> InboundEvent:
    return InboundEvent(sid=f"sid-{call_id}", vcc_id="VCC", call_id=call_id, seq=seq, code=code, **kw)


async def add_route(parts: dict[str, Any], text_targets: tuple[RuleTarget, ...], prefix: str = "", **options: Any):
    rule = RouteRule(prefix, RuleAction.FORWARD, text_targets, RouteOptions(**options))
    return await parts["routes"].set_rule(
        "4001234567", "400-123-4567", None, "C0OPS", "T1", rule, "U0ADMIN", parts["now"]
    )


# --- answering queries ----------------------------------------------------------------------


async def test_a_routed_query_is_answered_and_its_call_and_lines_stored(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),), record=RecordMode.ANSWER)
    answer = await parts["board"].answer(query())
    assert (answer["result"], answer["clientId"], answer["recordType"]) == ("0000", "client-1", "2")
    assert answer["userList"][0]["number"] == "13900000001"
    call = await parts["calls"].find_call("VCC", "c1")
    assert call is not None and call.outcome is QueryOutcome.ROUTED and call.channel_id == "C0OPS"
    [line] = await parts["calls"].legs(call.id)
    assert (line.party.address, line.dialled, line.state) == ("+8613900000001", "13900000001", CallState.QUEUED)
    assert parts["notifier"].changed == []  # the thread opens with the first event, not the query


async def test_a_repeated_query_gets_the_same_answer_and_stores_nothing_new(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    first = await parts["board"].answer(query())
    again = await parts["board"].answer(query(seq="7"))
    assert again == {**first, "seq": "7"}
    assert await parts["calls"].count("calls") == 1 and await parts["calls"].count("legs") == 1


async def test_concurrent_repeats_of_a_query_create_one_call(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    answers = await asyncio.gather(*(parts["board"].answer(query()) for _ in range(5)))
    assert len({a["clientId"] for a in answers}) == 1
    assert await parts["calls"].count("calls") == 1


async def test_a_failed_write_fails_every_call_written_with_it_and_a_caller_giving_up_stops_no_write(parts) -> None:
    def call(n: int, calling: str | None = "13812341234") -> InboundCall:
        number: Any = calling  # None breaks the NOT NULL constraint, failing the whole transaction
        return InboundCall(
            "VCC", f"c{n}", f"sid-{n}", f"client-{n}", number, "4001234567", QueryOutcome.ROUTED, None, parts["now"]
        )

    calls = parts["calls"]
    burst = await asyncio.gather(
        *(calls.create_call(c, []) for c in (call(1), call(2, calling=None), call(3))), return_exceptions=True
    )
    assert [type(r) for r in burst] == [IntegrityError] * 3  # one transaction: each caller hears why
    assert await calls.count("calls") == 0
    gives_up = asyncio.create_task(calls.create_call(call(1), []))
    waits = asyncio.create_task(calls.create_call(call(3), []))
    await asyncio.sleep(0)  # both joined the next burst
    gives_up.cancel()  # the platform hung up on one query: the burst is still written, for both
    created, was_new, _ = await waits
    assert (created.platform_call_id, was_new) == ("c3", True)
    assert await calls.find_call("VCC", "c1") is not None and await calls.count("calls") == 2


async def test_a_number_without_a_route_is_refused_and_reported_where_routes_are_managed(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    answer = await parts["board"].answer(query(access="4009999999"))
    assert (answer["result"], answer["callerPrompt"]) == ("1001", "sorry.wav") and "userList" not in answer
    call = await parts["calls"].find_call("VCC", "c1")
    assert call.state is CallState.FAILED and call.channel_id == "C0OPS" and call.opened
    assert parts["notifier"].changed == [call.id]


async def test_a_refused_caller_gets_the_rules_prompt(parts) -> None:
    refuse = RouteRule("170", RuleAction.REFUSE, options=RouteOptions(prompt="不接受此来电"))
    await parts["routes"].set_rule("4001234567", "4001234567", None, "C0OPS", "T1", refuse, "U0ADMIN", parts["now"])
    answer = await parts["board"].answer(query(calling="17000000000"))
    assert answer["result"] == "1002" and answer["callerPrompt"] == "<msg><var>7_不接受此来电</var></msg>"
    assert (await parts["calls"].find_call("VCC", "c1")).outcome is QueryOutcome.REFUSED


# --- events ---------------------------------------------------------------------------------


async def test_events_take_the_line_from_dialling_to_hang_up_and_reply_for_what_matters(parts, clock) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    client_id = (await parts["board"].answer(query()))["clientId"]
    for seq, code in enumerate(["15", "16", "31", "40"], start=1):
        assert await parts["board"].on_event(event(code, str(seq), client_id=client_id))
    clock.advance(seconds=125)
    assert await parts["board"].on_event(event("22", "5"))
    call = await parts["calls"].find_call("VCC", "c1")
    [line] = await parts["calls"].legs(call.id)
    assert (line.state, call.state, call.end_code) == (CallState.COMPLETED, CallState.COMPLETED, "22")
    assert (line.ended_at - line.answered_at).total_seconds() == 125
    assert parts["notifier"].kinds() == [InboundNoticeKind.ANSWERED, InboundNoticeKind.ENDED]
    assert call.id in parts["notifier"].changed


async def test_duplicate_and_late_events_change_nothing(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    await parts["board"].answer(query())
    assert await parts["board"].on_event(event("31", "3"))
    assert not await parts["board"].on_event(event("31", "3"))  # re-delivered
    assert await parts["board"].on_event(event("16", "2"))  # late: stored, changes nothing
    call = await parts["calls"].find_call("VCC", "c1")
    [line] = await parts["calls"].legs(call.id)
    assert line.state is CallState.ANSWERED
    assert parts["notifier"].kinds() == [InboundNoticeKind.ANSWERED]
    assert await parts["calls"].count("events") == 2


async def test_an_unreachable_callee_fails_with_the_reason_and_its_code(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    await parts["board"].answer(query())
    await parts["board"].on_event(event("15", "1"))
    await parts["board"].on_event(event("30", "2", call_result="02", callee_numbers=("13900000001",)))
    await parts["board"].on_event(event("22", "3"))
    call = await parts["calls"].find_call("VCC", "c1")
    [line] = await parts["calls"].legs(call.id)
    assert (line.state, line.reason, line.code) == (CallState.FAILED, FailReason.BUSY, "02")
    assert call.state is CallState.FAILED
    assert parts["notifier"].kinds() == [InboundNoticeKind.FAILED]  # no "ended": the failure said it


async def test_the_caller_hanging_up_while_it_rings_is_told_once(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    await parts["board"].answer(query())
    await parts["board"].on_event(event("16", "1"))
    await parts["board"].on_event(event("22", "2"))
    await parts["board"].on_event(event("44", "3"))
    call = await parts["calls"].find_call("VCC", "c1")
    assert call.state is CallState.CANCELLED
    assert parts["notifier"].notices == [(call.id, InboundNoticeKind.ENDED, {"code": "22"})]


async def test_the_last_minute_warning_is_told_once(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),), max_s=600, warn_s=60)
    await parts["board"].answer(query())
    await parts["board"].on_event(event("43", "1"))
    await parts["board"].on_event(event("43", "2"))
    assert parts["notifier"].kinds() == [InboundNoticeKind.WARNING]


async def test_events_for_an_unknown_call_are_stored_and_applied_when_its_query_arrives(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    assert not await parts["board"].on_event(event("15", "1", call_id="early"))
    assert not await parts["board"].on_event(event("16", "2", call_id="early"))
    assert await parts["calls"].count("events") == 2 and await parts["calls"].count("calls") == 0
    await parts["board"].answer(query(call_id="early"))
    call = await parts["calls"].find_call("VCC", "early")
    [line] = await parts["calls"].legs(call.id)
    assert line.state is CallState.RINGING
    assert [e.code for e in await parts["calls"].events_for(call.id)] == ["15", "16"]


async def test_an_event_joins_its_call_by_client_id_or_call_id(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    await parts["board"].answer(query())
    assert await parts["board"].on_event(event("15", "1", client_id="client-1"))
    assert await parts["board"].on_event(event("16", "2", client_id="someone-elses"))
    call = await parts["calls"].find_call("VCC", "c1")
    assert [e.code for e in await parts["calls"].events_for(call.id)] == ["15", "16"]


# --- routes ---------------------------------------------------------------------------------


async def test_changes_are_recorded_with_who_when_before_and_after(parts, clock) -> None:
    book: RouteBook = parts["book"]
    first = SetRouteCommand("4001234567", "400-123-4567", "", RuleAction.FORWARD, phones=("+8613900000001",))
    reply = await book.handle(first, ASKER, ADMIN, "en")
    assert isinstance(reply, RouteChangedReply) and reply.channel_id == "C0OPS"
    clock.advance(minutes=1)
    second = SetRouteCommand(
        "4001234567", "4001234567", "", RuleAction.FORWARD, mentions=("U0AMY",), channel_id="C0CALLS"
    )
    reply = await book.handle(second, ASKER, ADMIN, "en")
    assert reply.change.before[0].targets == (RuleTarget(number="+8613900000001"),)
    assert reply.change.after[0].targets[0].resolved == "+8613900000001"
    assert reply.channel_id == "C0CALLS"
    clock.advance(minutes=1)
    await book.handle(RemoveRouteCommand("4001234567", "4001234567", ""), ASKER, ADMIN, "en")
    changes = await parts["routes"].changes(10)
    assert [(c.action, c.changed_by, c.caller_prefix) for c in changes] == [
        ("remove", "U0ADMIN", ""),
        ("set", "U0ADMIN", ""),
        ("set", "U0ADMIN", ""),
    ]
    assert changes[1].before[0].targets[0].number == "+8613900000001"
    assert changes[1].after[0].targets[0].slack_user_id == "U0AMY"
    assert changes[1].after[0].targets[0].resolved is None  # history keeps who, not their number then
    assert changes[0].changed_at > changes[1].changed_at > changes[2].changed_at
    assert await parts["routes"].route("4001234567") is None  # its last rule removed the route


async def test_rules_of_a_route_are_kept_side_by_side_and_removed_one_by_one(parts) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    await add_route(parts, (RuleTarget(number="+8613900000002"),), prefix="139")
    route = await parts["routes"].route("4001234567")
    assert sorted(r.caller_prefix for r in route.rules) == ["", "139"]
    change = await parts["routes"].remove_rule("4001234567", "139", "U0ADMIN", parts["now"])
    assert change is not None and change.before[0].caller_prefix == "139"
    assert [r.caller_prefix for r in (await parts["routes"].route("4001234567")).rules] == [""]
    assert await parts["routes"].remove_rule("4001234567", "139", "U0ADMIN", parts["now"]) is None
    removed = await parts["routes"].remove_route("4001234567", "U0ADMIN", parts["now"])
    assert removed is not None and len(removed.before) == 1
    assert await parts["routes"].remove_route("4001234567", "U0ADMIN", parts["now"]) is None


async def test_only_admins_and_the_route_group_may_change_routes(parts, clock) -> None:
    command = SetRouteCommand("4001234567", "4001234567", "", RuleAction.FORWARD, phones=("+8613900000001",))
    member_asker = Asker("U0MEMBER", "T1", "C0OPS")
    refused = await parts["book"].handle(command, member_asker, MEMBER, "en")
    assert isinstance(refused, RouteNotAllowedReply) and refused.group == ""
    assert await parts["routes"].route("4001234567") is None and await parts["routes"].changes(5) == []
    routes, directory = parts["routes"], parts["dir"]
    with_group = RouteBook(
        routes,
        directory,
        FakeGroups({"S0ROUTES": frozenset({"U0MEMBER"})}),
        clock,
        RouteBookRules(admin_group="S0ROUTES"),
    )
    assert isinstance(await with_group.handle(command, member_asker, MEMBER, "en"), RouteChangedReply)
    slack_down = FakeGroups({}, failure=LookupFailed("usergroups.users.list S0ROUTES: ratelimited"))
    unsure = RouteBook(routes, directory, slack_down, clock, RouteBookRules(admin_group="S0ROUTES"))
    assert isinstance(await unsure.handle(command, member_asker, MEMBER, "en"), RouteNotAllowedReply)


async def test_a_bug_reading_the_route_group_is_raised_not_taken_for_a_refusal(parts, clock) -> None:
    command = SetRouteCommand("4001234567", "4001234567", "", RuleAction.FORWARD, phones=("+8613900000001",))
    buggy = FakeGroups({}, failure=TypeError("'NoneType' object is not iterable"))
    book = RouteBook(parts["routes"], parts["dir"], buggy, clock, RouteBookRules(admin_group="S0ROUTES"))
    with pytest.raises(TypeError):
        await book.handle(command, Asker("U0MEMBER", "T1", "C0OPS"), MEMBER, "en")
    assert await parts["routes"].changes(5) == []


async def test_removing_what_does_not_exist_says_so(parts) -> None:
    reply = await parts["book"].handle(RemoveRouteCommand("4001234567", "4001234567", None), ASKER, ADMIN, "en")
    assert isinstance(reply, RouteNothingReply) and reply.caller_prefix is None


async def test_a_mention_without_a_usable_number_changes_nothing(parts) -> None:
    command = SetRouteCommand("4001234567", "4001234567", "", RuleAction.FORWARD, mentions=("U0NOPHONE", "U0GONE"))
    with pytest.raises(RouteError) as caught:
        await parts["book"].handle(command, ASKER, ADMIN, "en")
    assert caught.value.problem is RouteProblem.NO_PHONE
    assert caught.value.params["users"] == [
        {"user_id": "U0NOPHONE", "why": "no_phone"},
        {"user_id": "U0GONE", "why": "unknown_user"},
    ]
    assert await parts["routes"].changes(5) == []


async def test_a_profile_change_is_rung_at_the_next_query_without_asking_slack(parts) -> None:
    await parts["book"].handle(
        SetRouteCommand("4001234567", "4001234567", "", RuleAction.FORWARD, mentions=("U0AMY",)), ASKER, ADMIN, "en"
    )
    asked = len(parts["dir"].asked)
    assert (await parts["board"].answer(query("c1")))["userList"][0]["number"] == "13900000001"
    assert await parts["book"].refresh_user("U0AMY", "+86 139 0000 0077") == 1
    assert await parts["book"].refresh_user("U0AMY", "+86 139 0000 0077") == 0  # nothing new, nothing written
    assert (await parts["board"].answer(query("c2")))["userList"][0]["number"] == "13900000077"
    await parts["book"].refresh_user("U0AMY", None)
    assert (await parts["board"].answer(query("c3")))["result"] == "1004"  # nobody left to ring
    assert len(parts["dir"].asked) == asked  # queries never asked Slack


async def test_the_periodic_refresh_reads_every_mentioned_profile(parts) -> None:
    await parts["book"].handle(
        SetRouteCommand("4001234567", "4001234567", "", RuleAction.FORWARD, mentions=("U0AMY",)), ASKER, ADMIN, "en"
    )
    parts["dir"].profiles["U0AMY"] = UserProfile("U0AMY", phone="13900000055")
    assert await parts["routes"].mentioned_users() == ["U0AMY"]
    assert await parts["book"].refresh_all() == 1
    route = await parts["routes"].route("4001234567")
    assert route.rules[0].targets[0].resolved == "+8613900000055"
    del parts["dir"].profiles["U0AMY"]
    await parts["book"].refresh_all()
    assert (await parts["routes"].route("4001234567")).rules[0].targets[0].resolved is None


async def test_the_periodic_refresh_reads_each_workspaces_mentions_apart(parts) -> None:
    """Each workspace's people are read with its own token: the refresh asks per workspace."""
    await parts["book"].handle(
        SetRouteCommand("4001234567", "4001234567", "", RuleAction.FORWARD, mentions=("U0AMY",)), ASKER, ADMIN, "en"
    )
    other = Asker("U0ADMIN2", "T2", "C0TWO")
    parts["dir"].profiles["U0ZED"] = UserProfile("U0ZED", phone="13900000066")
    await parts["book"].handle(
        SetRouteCommand("4007654321", "4007654321", "", RuleAction.FORWARD, mentions=("U0ZED",)), other, ADMIN, "en"
    )
    assert await parts["routes"].mention_teams() == ["T1", "T2"]
    assert await parts["routes"].mentioned_users("T1") == ["U0AMY"]
    assert await parts["routes"].mentioned_users("T2") == ["U0ZED"]
    parts["dir"].profiles["U0ZED"] = UserProfile("U0ZED", phone="13900000077")
    asked = len(parts["dir"].asked)
    assert await parts["book"].refresh_all("T2") == 1
    assert parts["dir"].asked[asked:] == ["U0ZED"]


async def test_the_periodic_refresh_passes_over_a_profile_slack_cannot_read_but_not_a_bug(parts) -> None:
    parts["dir"].profiles["U0BOB"] = UserProfile("U0BOB", phone="+86 139 0000 0002")
    await parts["book"].handle(
        SetRouteCommand("4001234567", "4001234567", "", RuleAction.FORWARD, mentions=("U0AMY", "U0BOB")),
        ASKER,
        ADMIN,
        "en",
    )
    parts["dir"].profiles["U0AMY"] = UserProfile("U0AMY", phone="13900000055")
    parts["dir"].profiles["U0BOB"] = UserProfile("U0BOB", phone="13900000066")
    parts["dir"].failures["U0AMY"] = LookupFailed("users.info U0AMY: ratelimited")
    assert await parts["book"].refresh_all() == 1  # Bob's new number; Amy's old one is kept
    targets = (await parts["routes"].route("4001234567")).rules[0].targets
    assert [t.resolved for t in targets] == ["+8613900000001", "+8613900000066"]
    parts["dir"].failures["U0AMY"] = KeyError("user")
    with pytest.raises(KeyError):
        await parts["book"].refresh_all()


async def test_routes_survive_a_restart(parts, test_db) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    fresh = db.create_engine(test_db.url, schema=test_db.schema)
    try:
        route = await SqlRoutes(fresh).route("4001234567")
    finally:
        await fresh.dispose()
    assert route is not None and route.rules[0].targets[0].number == "+8613900000001"


async def test_concurrent_first_queries_all_see_the_routes(parts, engine) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    cold = CachedRoutes(engine)
    found = await asyncio.gather(*(cold.route("4001234567") for _ in range(20)))
    assert all(route is not None for route in found)
    assert await cold.last_change_channel() == "C0OPS"


async def test_the_route_cache_follows_changes_here_at_once_and_elsewhere_after_a_poll(parts, engine) -> None:
    cache: CachedRoutes = parts["routes"]
    assert await cache.route("4001234567") is None
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    assert (await cache.route("4001234567")).rules[0].targets[0].number == "+8613900000001"  # changed here
    other_replica = SqlRoutes(engine)
    rule = RouteRule("", RuleAction.FORWARD, (RuleTarget(number="+8613900000002"),))
    await other_replica.set_rule("4001234567", "4001234567", None, "C0OPS", "T1", rule, "U0ADMIN", parts["now"])
    assert (await cache.route("4001234567")).rules[0].targets[0].number == "+8613900000001"  # not polled yet
    assert await cache.poll()
    assert (await cache.route("4001234567")).rules[0].targets[0].number == "+8613900000002"
    assert not await cache.poll()  # reloaded: nothing new
    await other_replica.remove_route("4001234567", "U0ADMIN", parts["now"])
    await cache.poll()
    assert await cache.route("4001234567") is None


async def test_the_route_cache_serves_queries_without_touching_the_database(parts, engine) -> None:
    await add_route(parts, (RuleTarget(number="+8613900000001"),))
    await parts["routes"].route("4001234567")
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    sa_event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        assert await parts["routes"].route("4001234567") is not None
        assert await parts["routes"].last_change_channel() == "C0OPS"
    finally:
        sa_event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert statements == []


def test_policy_defaults_read_numbers_in_china() -> None:
    assert RouteBookRules().policy == DialingPolicy("CN")


# --- the migration --------------------------------------------------------------------------


INBOUND_TABLES = {
    "inbound_routes",
    "inbound_rules",
    "inbound_targets",
    "inbound_route_changes",
    "inbound_calls",
    "inbound_legs",
    "inbound_events",
}


async def test_migration_0002_adds_the_inbound_tables_and_goes_back_cleanly(engine) -> None:
    async def tables() -> set[str]:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))

    assert await tables() >= INBOUND_TABLES
    await db.downgrade(engine, "0001")
    assert not INBOUND_TABLES & await tables() and "invites" in await tables()
    await db.upgrade(engine)
    assert await tables() >= INBOUND_TABLES


async def test_another_workspace_neither_sees_nor_changes_nor_removes_a_route(parts) -> None:
    book = parts["book"]

    def forward_to(phone: str) -> SetRouteCommand:
        return SetRouteCommand("4001234567", "400 123 4567", "", RuleAction.FORWARD, phones=(phone,))

    await book.handle(forward_to("+8613900000001"), ASKER, ADMIN, "en")
    other = Asker("U0ADMIN2", "T2", "C0TWO")
    listed = await book.handle(ListRoutesCommand(), other, ADMIN, "en")
    assert isinstance(listed, RoutesReply) and listed.routes == () and listed.changes == ()
    taken = await book.handle(forward_to("+8613900000002"), other, ADMIN, "en")
    assert isinstance(taken, RouteNothingReply) and taken.caller_prefix is None
    removed = await book.handle(RemoveRouteCommand("4001234567", "400 123 4567"), other, ADMIN, "en")
    assert isinstance(removed, RouteNothingReply)
    route = await parts["routes"].route("4001234567")
    assert route is not None and route.team_id == "T1" and route.rules[0].targets[0].number == "+8613900000001"
    ours = await book.handle(ListRoutesCommand(), ASKER, ADMIN, "en")
    assert isinstance(ours, RoutesReply) and [r.access_key for r in ours.routes] == ["4001234567"]
    # Each workspace's history is its own, a removed route's changes included.
    theirs = SetRouteCommand("4007654321", "400 765 4321", "", RuleAction.FORWARD, phones=("+8613900000002",))
    await book.handle(theirs, other, ADMIN, "en")
    await book.handle(RemoveRouteCommand("4007654321", "400 765 4321"), other, ADMIN, "en")
    listed = await book.handle(ListRoutesCommand(), other, ADMIN, "en")
    assert isinstance(listed, RoutesReply) and listed.routes == ()
    assert [(c.access_key, c.action) for c in listed.changes] == [("4007654321", "remove_route"), ("4007654321", "set")]
    ours = await book.handle(ListRoutesCommand(), ASKER, ADMIN, "en")
    assert isinstance(ours, RoutesReply) and [c.access_key for c in ours.changes] == ["4001234567"]
