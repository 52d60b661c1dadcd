"""`POST /slack/events`: the signature first, then the payload's shape, then Bolt.

Bolt's Starlette adapter parses the body (`AsyncBoltRequest(...)`, slack_bolt/request/internals.py)
before its own signature middleware runs, and that parsing assumes Slack's shapes: `payload={broken`,
`payload=null`, a JSON list or bytes that are not UTF-8 raise there and became 500s with a traceback,
for anyone who could reach the port. So the signature is checked here first (401, as Bolt answers),
and a signed body Bolt cannot read is a 400 with one log line; only then does Bolt see the request.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.kernel.acks_first import AcksFirst
from bot.kernel.web import read_limited

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (view submissions) are far below this


class SlackEvents:
    """Serves Slack's requests to one Bolt app; what is unsigned or unreadable never reaches Bolt."""

    def __init__(self, app: AsyncApp, signing_secret: str, acks_first: AcksFirst | None = None) -> None:
        self._app = app
        self._verifier = SignatureVerifier(signing_secret)
        self._acks_first = acks_first or AcksFirst()

    async def handle(self, request: Request) -> Response:
        """Serve a Slack request; background work starts no new step until it is answered."""
        with self._acks_first.acking():
            return await self._handle(request)

    async def _handle(self, request: Request) -> Response:
        """Check the signature, then the shape, then let Bolt dispatch."""
        body = await read_limited(request, MAX_BODY_BYTES)
        if body is None:
            return JSONResponse({"error": "request too large"}, status_code=413)
        if not self._signed(body, request):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        readable = readable_request(lambda: to_async_bolt_request(request, body))  # the body parsed once
        if isinstance(readable, str):
            log.warning("signed Slack request refused as unreadable: %s", readable)
            return JSONResponse({"error": "unreadable request"}, status_code=400)
        return to_starlette_response(await self._app.async_dispatch(readable))

    def _signed(self, body: bytes, request: Request) -> bool:
        """Slack's v0 signature, fresh; the SDK's verifier raises on a timestamp that is not a number."""
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not re.fullmatch(r"[0-9]{1,12}", timestamp) or not signature:
            return False
        try:
            body.decode("utf-8")  # the verifier decodes it, and raises on bytes that are not UTF-8
        except UnicodeDecodeError:
            return False
        return self._verifier.is_valid(body, timestamp, signature)


def payload_problem(body: bytes, content_type: str | None) -> str | None:
    """Why Bolt could not read this body as a Slack request, or None when it can."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    readable = readable_request(lambda: AsyncBoltRequest(body=text, headers={"content-type": content_type or ""}))
    return readable if isinstance(readable, str) else None


def readable_request(build: Callable[[], AsyncBoltRequest]) -> AsyncBoltRequest | str:
    """Bolt's request as `build` makes it, or why Bolt cannot serve it (a shape Slack never sends).

    Bolt parses the body as it builds its request (`slack_bolt.request.internals.parse_body`) and
    raises there on some wrong shapes; on others it raises later, where its matchers and context
    builders index the fields with `.get` and `[...]`, so those fields are checked on what it parsed.
    What it raises is listed, not guessed: a new kind of failure stays a bug.
    """
    try:
        request = build()
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, RecursionError | json.JSONDecodeError):
            return f"not JSON: {type(exc).__name__}"
        return f"unexpected shape: {type(exc).__name__}"
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        return f"unexpected shape: {type(exc).__name__}"
    return _fields_problem(request.body) or request


def _fields_problem(parsed: object) -> str | None:
    """What is wrong with the parsed body's fields as Bolt will index them, or None."""
    if not isinstance(parsed, dict):
        return f"a JSON {type(parsed).__name__}, not an object"
    for key, value in parsed.items():
        if key in _OBJECTS and not isinstance(value, dict | None):
            return f"{key} is a {type(value).__name__}, not an object"
        if key in _NEVER_NULL and not isinstance(value, dict):
            return f"{key} is not an object"
        if key in _LISTS_OF_OBJECTS and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            return f"{key} is not a list of objects"
        if key == "actions" and not value:
            return "no actions"  # Bolt's action matchers read actions[0]
        if key in _OBJECTS and isinstance(value, dict) and not isinstance(value.get("id", ""), str):
            return f"{key}.id is not a string"
        if key == "actions" and any(not isinstance(a.get(f, ""), str) for a in value for f in _ACTION_STRINGS):
            return "an action's ids or value are not strings"
        if key in _STRINGS and not isinstance(value, str):
            return f"{key} is a {type(value).__name__}, not a string"
    if parsed.get("type") in _INTERACTIONS and not isinstance((parsed.get("user") or {}).get("id"), str):
        return "an interaction without its user"  # every listener answers someone: Slack always says who
    view = parsed.get("view")
    if view is not None:
        problem = _view_problem(view, parsed.get("type"))
        if problem:
            return problem
    if "event" in parsed and not isinstance(parsed["event"].get("type"), str):
        return "an event without a type"
    return None


# The top-level fields Bolt's matchers and context builders index into (slack_bolt/request/internals.py,
# slack_bolt/listener_matcher/builtins.py), with the type Slack sends them as.
_OBJECTS = frozenset({"user", "channel", "team", "enterprise", "container", "message", "view", "event", "state"})
# Objects Bolt's matchers and its unhandled-request log index without looking (`body["view"]["callback_id"]`
# for view payloads, `body["event"]["type"]`): never null, and named where they are read by name.
_NEVER_NULL = frozenset({"view", "event"})
_INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action"})
_VIEW_TYPES = frozenset({"view_submission", "view_closed", "workflow_step_save"})
_LISTS_OF_OBJECTS = frozenset({"actions", "authorizations"})
_ACTION_STRINGS = ("type", "action_id", "block_id", "value")
_STRINGS = frozenset({"type", "callback_id", "command", "user_id", "channel_id", "team_id", "enterprise_id"})


def _view_problem(view: dict[str, Any], payload_type: object) -> str | None:
    """What is wrong with a payload's view object, as Slack would never send it.

    A closed or submitted view always carries its id and callback_id, and a submitted one its state;
    a view in a block_actions payload may come without state (Slack may send `state` at the top level
    instead), so there only the types of what is present are checked.
    """
    state = view.get("state")
    closing = payload_type in _VIEW_TYPES
    if closing and not all(isinstance(view.get(key), str) for key in ("id", "type", "callback_id")):
        return "a submitted or closed view without its id, type or callback_id"  # Bolt reads view.type then
    submitted = payload_type == "view_submission"
    if (submitted or state is not None) and not (isinstance(state, dict) and isinstance(state.get("values"), dict)):
        return "a view whose state is not an object with values"
    for key in ("id", "type", "hash", "callback_id", "private_metadata"):
        if key in view and not isinstance(view[key], str):
            return f"view.{key} is not a string"
    return None
