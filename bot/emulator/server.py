"""A Slack Web API emulator on loopback: the methods confbot uses, with Slack's own rules.

It keeps channels, messages (with their metadata), threads, ephemeral messages and open views, and
reads messages back (conversations.history/replies: bot/emulator/history.py); checks the bot token;
rejects blocks Slack would reject (parsed with `slack_sdk.models`, plus the 50-block limit
the SDK does not check); answers 429 with Retry-After when a test asks it to; and goes down
(`outage`: every call of some or all methods answers 503) until it is switched back.
Modals follow Slack's rules: `views.open` needs a trigger id the driver was handed with a
command or interaction, usable once and for 3 seconds; `views.update` names a view by id and,
when it passes the view's `hash`, is refused with `hash_conflict` once the view has changed.
Requests may be JSON, form-encoded or query parameters, as the SDK sends them.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.emulator.history import read_page
from bot.emulator.oauth import EmulatedOAuth, IssuedToken

MAX_MESSAGE_BLOCKS = 50
MAX_TEXT = 40000
TRIGGER_TTL_S = 3.0  # "Pass a valid trigger_id within 3 seconds of receiving it"
TEAM_ID = "T0EMU"
BOT_USER_ID = "U0BOT"


class SocketModeEndpoint(Protocol):
    """What `apps.connections.open` needs of Slack's Socket Mode side (bot/emulator/socket_mode.py).

    A protocol rather than an import: socket_mode uses the driver, which uses this module.
    """

    app_token: str

    def open_connection(self) -> dict[str, Any]: ...


@dataclass
class Message:
    """A message in a channel (or a thread reply)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str = BOT_USER_ID
    thread_ts: str | None = None
    broadcast: bool = False  # a thread reply also shown in the channel (reply_broadcast)
    edits: int = 0
    edit_times: list[float] = field(default_factory=list)  # monotonic clock, one per chat.update
    metadata: dict[str, Any] | None = None  # chat.postMessage's `metadata` (event_type, event_payload)


@dataclass
class Ephemeral:
    """A message only `user` sees."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class UploadedFile:
    """A file uploaded with files.uploadV2 (getUploadURLExternal, the upload, completeUploadExternal)."""

    id: str
    filename: str
    length: int
    content: bytes | None = None  # None until the upload URL received it
    title: str = ""
    channel: str | None = None  # set once completeUploadExternal shared it
    thread_ts: str | None = None
    initial_comment: str = ""


@dataclass
class Failure:
    """A forced error for the next call(s) of a method."""

    status: int
    error: str
    retry_after: int | None = None
    when: Callable[[dict[str, Any]], bool] | None = None  # only calls whose parameters match


class SlackEmulator:
    """State plus an ASGI app serving `/api/<method>` and `/response/<id>` (response URLs)."""

    def __init__(self, bot_token: str, channels: list[str] | None = None) -> None:
        self.bot_token = bot_token
        # Every token the Web API accepts, and the workspace each acts in; OAuth installs add more.
        self.tokens: dict[str, IssuedToken] = {bot_token: IssuedToken(TEAM_ID)}
        self.oauth = EmulatedOAuth(self.tokens)
        self.caller_team = TEAM_ID  # the workspace of the call being answered (set before each handler)
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[Message]] = defaultdict(list)
        self.ephemerals: list[Ephemeral] = []
        self.responses: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.members: dict[str, set[str]] = defaultdict(set)  # channel id → the users in it
        self.max_page = 1000  # most items a paged method returns at once; tests lower it to see paging
        self.calls: Counter[str] = Counter()
        self.asked_by_team: dict[str, Counter[str]] = defaultdict(Counter)  # team → calls made with its tokens
        self.asked: dict[str, list[dict[str, Any]]] = defaultdict(list)  # method → the parameters of each call
        self.failures: dict[str, list[Failure]] = defaultdict(list)
        self.rejections: list[dict[str, Any]] = []
        self.down: frozenset[str] | None = None  # methods in an outage; empty: every method
        self.held: dict[str, asyncio.Event] = {}  # method → calls wait until it is set (see `hold`)
        self.triggers: dict[str, float] = {}  # trigger id → when it was handed out (monotonic)
        self.used_triggers: set[str] = set()
        self.monotonic = time.monotonic  # tests may replace it to age trigger ids without sleeping
        self._clock = 1_700_000_000
        self._counter = 0
        self._last_ts_us = 0  # message ts are wall-clock microseconds, as Slack's, each later than the last
        self.socket_mode: SocketModeEndpoint | None = None  # set by tests that use Socket Mode
        self.changed = asyncio.Event()
        self.files: dict[str, UploadedFile] = {}  # by file id, shared or not
        self._base_url = ""  # where this emulator is served, learnt from its first request (upload URLs)
        for channel in channels or ["C0DEMO"]:
            self.add_channel(channel)
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._handle, methods=["GET", "POST"]),
                Route("/response/{key}", self._handle_response_url, methods=["POST"]),
                Route("/trigger", self._handle_trigger, methods=["POST"]),
                Route("/oauth/v2/authorize", self.oauth.authorize, methods=["GET"]),
                Route("/upload/{file_id}", self._handle_upload, methods=["POST"]),
            ]
        )

    # --- set-up used by tests and the demo --------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_member: bool = True,
        is_private: bool = False,
        members: tuple[str, ...] = (),
        team_id: str = TEAM_ID,
    ) -> None:
        """A channel, with the users in it (`members`); with is_member=False the bot is not in it.

        The app has `chat:write.public`, so Slack lets it post in a public channel it is not in; a private
        one it is not in is invisible to it (conversations.info and chat.postMessage: channel_not_found).
        """
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not is_private,
            "is_group": is_private,
            "is_private": is_private,
            "is_member": is_member,
            "context_team_id": team_id,
        }
        self.members[channel_id].update(members)

    def _stranger(self, user_id: str) -> bool:
        """Not a user of the calling token's workspace (unknown, or another workspace's)."""
        user = self.users.get(user_id)
        return user is None or user.get("team_id", TEAM_ID) != self.caller_team

    def _stranger_channel(self, channel_id: str) -> bool:
        """Another workspace's channel, as seen with the calling token."""
        return self.channels.get(channel_id, {}).get("context_team_id", TEAM_ID) != self.caller_team

    def _hidden(self, channel_id: str) -> bool:
        """A private channel the bot is not in: Slack answers as if it did not exist."""
        channel = self.channels.get(channel_id)
        if channel is None or self._stranger_channel(channel_id):
            return True  # another workspace's channel does not exist for this token
        return bool(channel.get("is_private")) and not channel.get("is_member", True)

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        phone: str = "",
        tz: str = "Asia/Shanghai",
        locale: str = "en-US",
        is_admin: bool = False,
        title: str = "",
        deleted: bool = False,
        team_id: str = TEAM_ID,
    ) -> None:
        label = name or user_id.lower()
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": label,
            "real_name": label,
            "deleted": deleted,
            "is_bot": False,
            "is_admin": is_admin,
            "tz": tz,
            "tz_offset": 0,
            "locale": locale,
            "profile": {"real_name": label, "display_name": label, "phone": phone, "title": title},
        }

    def add_usergroup(self, group_id: str, users: list[str]) -> None:
        """A user group (S…) and its members, as usergroups.users.list reports them."""
        self.usergroups[group_id] = list(users)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: int | None = 1,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail (429 with Retry-After by default).

        With `when`, only calls whose parameters it accepts fail ("the next thread reply").
        """
        self.failures[method].extend(Failure(status, error, retry_after, when) for _ in range(times))

    def outage(self, *methods: str) -> None:
        """Go down: every call of `methods` (of every method when none are named) answers 503 until `end_outage`."""
        self.down = frozenset(methods)

    def end_outage(self) -> None:
        self.down = None

    def modals(self) -> list[dict[str, Any]]:
        """The modals opened (and updated), oldest first; published home tabs are not modals."""
        return [view for view in self.views.values() if view.get("type") == "modal"]

    def hold(self, method: str) -> asyncio.Event:
        """Make calls of `method` wait until the returned event is set (a slow or stuck Slack)."""
        self.held[method] = asyncio.Event()
        return self.held[method]

    def issue_trigger(self) -> str:
        """A fresh trigger id, as Slack puts in a command or interaction it sends (valid 3 s, once)."""
        self._counter += 1
        trigger_id = f"{self._clock + self._counter}.{self._counter}.{uuid.uuid4().hex}"
        self.triggers[trigger_id] = self.monotonic()
        return trigger_id

    # --- reading state ---------------------------------------------------------------------

    def channel_messages(self, channel: str) -> list[Message]:
        """Top-level messages of a channel, oldest first."""
        return [m for m in self.messages[channel] if m.thread_ts is None]

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """A thread's parent followed by its replies, oldest first."""
        return [m for m in self.messages[channel] if m.ts == thread_ts or m.thread_ts == thread_ts]

    def find(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages[channel] if m.ts == ts), None)

    def ephemerals_for(self, user: str) -> list[Ephemeral]:
        return [e for e in self.ephemerals if e.user == user]

    # --- the API ---------------------------------------------------------------------------

    def _next_ts(self) -> str:
        self._counter += 1
        self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _notify(self) -> None:
        self.changed.set()

    async def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        body = await request.body()
        if body:
            content_type = request.headers.get("content-type", "")
            if "json" in content_type:
                params.update(json.loads(body))
            else:
                params.update(dict(parse_qsl(body.decode())))
        for key in ("blocks", "view", "metadata"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: Request) -> Response:
        method = request.path_params["method"]
        self.calls[method] += 1
        self._base_url = str(request.base_url).rstrip("/")
        if method in self.held:
            await self.held[method].wait()
        if self.down is not None and (not self.down or method in self.down):
            return JSONResponse({"ok": False, "error": "service_unavailable"}, status_code=503)
        params = await self._params(request)
        self.asked[method].append(params)
        failure = self._take_failure(method, params)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return JSONResponse({"ok": False, "error": failure.error}, status_code=failure.status, headers=headers)
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = token or str(params.get("token", ""))
        if method == "apps.connections.open":
            # Socket Mode: only the app-level token may open a connection (bot tokens get not_allowed).
            if self.socket_mode is None or token != self.socket_mode.app_token:
                return JSONResponse({"ok": False, "error": "invalid_auth" if token else "not_authed"})
            return JSONResponse(self.socket_mode.open_connection())
        if method == "oauth.v2.access":
            return self.oauth.access(params, request.headers.get("authorization", ""))
        issued = self.tokens.get(token)
        if issued is None:
            return JSONResponse({"ok": False, "error": "invalid_auth" if token else "not_authed"})
        if issued.expired(self.oauth.wall_clock()):
            return JSONResponse({"ok": False, "error": "token_expired"})
        self.caller_team = issued.team_id  # no await between here and the handler: it answers in this team
        self.asked_by_team[issued.team_id][method] += 1
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return JSONResponse({"ok": False, "error": "unknown_method"})
        result = handler(params)
        return JSONResponse(result)

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        """The first forced failure of `method` that applies to this call, used up."""
        for index, failure in enumerate(self.failures[method]):
            if failure.when is None or failure.when(params):
                return self.failures[method].pop(index)
        return None

    def _check_blocks(self, params: dict[str, Any]) -> str | None:
        blocks = params.get("blocks") or []
        text = params.get("text") or ""
        if not blocks and not text:
            return "no_text"
        if len(text) > MAX_TEXT:
            return "msg_too_long"
        if len(blocks) > MAX_MESSAGE_BLOCKS:
            self.rejections.append({"error": "invalid_blocks", "why": f"{len(blocks)} blocks"})
            return "invalid_blocks"
        for raw in blocks:
            block = Block.parse(raw)
            if block is None:
                self.rejections.append({"error": "invalid_blocks", "why": f"unknown block {raw!r:.80}"})
                return "invalid_blocks"
            try:
                block.to_dict()
            except SlackObjectFormationError as exc:
                self.rejections.append({"error": "invalid_blocks", "why": str(exc)})
                return "invalid_blocks"
        return None

    def _api_auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://emulated.slack.local/",
            "team": "Emulated",
            "user": "confbot",
            "team_id": self.caller_team,
            "user_id": BOT_USER_ID,
            "bot_id": "B0BOT",
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if self._hidden(channel):  # a public channel needs no invitation: chat:write.public
            return {"ok": False, "error": "channel_not_found"}
        problem = self._check_blocks(params)
        if problem:
            return {"ok": False, "error": problem}
        thread_ts = params.get("thread_ts") or None
        if thread_ts and self.find(channel, thread_ts) is None:
            return {"ok": False, "error": "thread_not_found"}
        message = Message(
            channel,
            self._next_ts(),
            params.get("text") or "",
            list(params.get("blocks") or []),
            thread_ts=thread_ts,
            broadcast=bool(thread_ts) and str(params.get("reply_broadcast", "")).lower() in {"true", "1"},
            metadata=params.get("metadata") or None,
        )
        self.messages[channel].append(message)
        self._notify()
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "message": {"text": message.text, "ts": message.ts, "thread_ts": thread_ts},
        }

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        message = self.find(channel, str(params.get("ts", "")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        problem = self._check_blocks(params)
        if problem:
            return {"ok": False, "error": problem}
        message.text = params.get("text") or message.text
        if "blocks" in params:
            message.blocks = list(params.get("blocks") or [])
        message.edits += 1
        message.edit_times.append(time.monotonic())
        self._notify()
        return {"ok": True, "channel": channel, "ts": message.ts, "text": message.text}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel not in self.channels or self._stranger_channel(channel):
            return {"ok": False, "error": "channel_not_found"}
        if not self.channels[channel].get("is_member", True):
            return {"ok": False, "error": "not_in_channel"}
        user = str(params.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        problem = self._check_blocks(params)
        if problem:
            return {"ok": False, "error": problem}
        self.ephemerals.append(Ephemeral(channel, user, params.get("text") or "", list(params.get("blocks") or [])))
        self._notify()
        return {"ok": True, "message_ts": self._next_ts()}

    def shared_files(self, channel: str, thread_ts: str | None = None) -> list[UploadedFile]:
        """Files completeUploadExternal shared in `channel` (in the thread `thread_ts` when given)."""
        return [
            f for f in self.files.values() if f.channel == channel and (thread_ts is None or f.thread_ts == thread_ts)
        ]

    def _api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = str(params.get("filename") or "")
        length = str(params.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        self._counter += 1
        file_id = f"F{self._counter:08d}"
        self.files[file_id] = UploadedFile(file_id, filename, int(length))
        return {"ok": True, "upload_url": f"{self._base_url}/upload/{file_id}", "file_id": file_id}

    async def _handle_upload(self, request: Request) -> Response:
        """The upload URL: takes the file's bytes once (Slack answers 200 "OK - <length>")."""
        found = self.files.get(request.path_params["file_id"])
        if found is None or found.content is not None:
            return Response("invalid upload", status_code=404)
        found.content = await request.body()
        return Response(f"OK - {len(found.content)}")

    def _api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("files")
        wanted = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(wanted, list) or not wanted:
            return {"ok": False, "error": "invalid_arguments"}
        channel = params.get("channel_id") or None
        thread_ts = params.get("thread_ts") or None
        if channel is not None and self._hidden(str(channel)):
            return {"ok": False, "error": "channel_not_found"}
        if thread_ts and (channel is None or self.find(str(channel), str(thread_ts)) is None):
            return {"ok": False, "error": "invalid_thread_ts"}
        shared = []
        for item in wanted:
            found = self.files.get(str(item.get("id", "")))
            if found is None or found.content is None or found.channel is not None:
                return {"ok": False, "error": "file_not_found"}
            shared.append((found, str(item.get("title") or found.filename)))
        for found, title in shared:
            found.title, found.channel, found.thread_ts = title, channel, thread_ts
            found.initial_comment = str(params.get("initial_comment") or "")
        self._notify()
        return {"ok": True, "files": [{"id": f.id, "title": f.title, "name": f.filename} for f, _ in shared]}

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """A direct message with one user (the same channel each time), which the bot may then post in."""
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if len(users) != 1 or self._stranger(users[0]):
            return {"ok": False, "error": "user_not_found" if users else "users_list_not_supplied"}
        channel_id = "D" + users[0].removeprefix("U")
        if channel_id not in self.channels:
            self.add_channel(channel_id, users[0], team_id=self.caller_team)
            self.channels[channel_id].update(is_channel=False, is_im=True, user=users[0])
        return {"ok": True, "channel": {"id": channel_id}}

    def direct_messages(self, user: str) -> list[Message]:
        """What the bot posted in its direct message with `user`."""
        return list(self.messages.get("D" + user.removeprefix("U"), []))

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user", "")))
        if user is None or self._stranger(str(user["id"])):
            return {"ok": False, "error": "user_not_found"}
        found = dict(user)
        if str(params.get("include_locale", "")).lower() not in {"true", "1"}:
            found.pop("locale", None)
        return {"ok": True, "user": found}

    def _api_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(params.get("usergroup", "")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group)}

    def _api_users_conversations(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channels a user is in, paged by cursor; with a bot token, private ones only where the bot is too."""
        user = str(params.get("user") or BOT_USER_ID)
        if user != BOT_USER_ID and user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        types = set(str(params.get("types") or "public_channel").split(","))
        archived_too = str(params.get("exclude_archived", "")).lower() not in {"true", "1"}
        found = [
            channel
            for channel_id, channel in self.channels.items()
            if (user in self.members[channel_id] or (user == BOT_USER_ID and channel.get("is_member")))
            and ("private_channel" if channel.get("is_private") else "public_channel") in types
            and not self._hidden(channel_id)
            and (archived_too or not channel.get("is_archived"))
        ]
        cursor = str(params.get("cursor") or "")
        if cursor and not cursor.startswith("next:"):
            return {"ok": False, "error": "invalid_cursor"}
        start = int(cursor.removeprefix("next:") or 0)
        end = start + min(int(params.get("limit") or 100), self.max_page)
        next_cursor = f"next:{end}" if end < len(found) else ""
        return {"ok": True, "channels": found[start:end], "response_metadata": {"next_cursor": next_cursor}}

    def _read_refusal(self, channel: str) -> str | None:
        """Reading, unlike posting (chat:write.public), needs the bot in the channel."""
        if self._hidden(channel):
            return "channel_not_found"
        return None if self.channels[channel].get("is_member", True) else "not_in_channel"

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """A channel's top-level messages (and replies broadcast to it), newest first."""
        channel = str(params.get("channel", ""))
        refused = self._read_refusal(channel)
        if refused:
            return {"ok": False, "error": refused}
        shown = [m for m in self.messages[channel] if m.thread_ts is None or m.broadcast]
        return read_page(shown, params, self.max_page, newest_first=True)

    def _api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent, then its replies, oldest first."""
        channel = str(params.get("channel", ""))
        refused = self._read_refusal(channel)
        if refused:
            return {"ok": False, "error": refused}
        parent = self.find(channel, str(params.get("ts", "")))
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        return read_page(self.thread(channel, parent.ts), params, self.max_page, newest_first=False)

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel", ""))
        if self._hidden(channel_id):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": self.channels[channel_id]}

    def _check_view(self, params: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        raw = params.get("view")
        if not isinstance(raw, dict):
            return None, "invalid_arguments"
        try:
            View(**raw).to_dict()
        except (SlackObjectFormationError, TypeError) as exc:
            self.rejections.append({"error": "invalid_view", "why": str(exc)})
            return None, "invalid_arguments"
        return raw, None

    def _use_trigger(self, trigger_id: str) -> str | None:
        """Spend a trigger id; Slack's error when it is unknown, spent or older than 3 s."""
        issued = self.triggers.get(trigger_id)
        if issued is None:
            return "invalid_trigger_id"
        if trigger_id in self.used_triggers:
            return "exchanged_trigger_id"
        if self.monotonic() - issued > TRIGGER_TTL_S:
            return "expired_trigger_id"
        self.used_triggers.add(trigger_id)
        return None

    def _stored_view(self, view_id: str, view: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        """The view as Slack returns it: an id, a fresh hash, the app's fields and an empty state."""
        stored = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": "A0CONFBOT",
            "team_id": TEAM_ID,
            "bot_id": "B0BOT",
            **view,
            "id": view_id,
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        }
        if previous is not None:
            stored["state"] = previous.get("state", {"values": {}})
        return stored

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger_problem = self._use_trigger(str(params.get("trigger_id", "")))
        if trigger_problem:
            return {"ok": False, "error": trigger_problem}
        view, problem = self._check_view(params)
        if problem or view is None:
            return {"ok": False, "error": problem}
        view_id = f"V{len(self.views) + 1:08d}"
        self.views[view_id] = self._stored_view(view_id, view, None)
        self._notify()
        return {"ok": True, "view": self.views[view_id]}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view, problem = self._check_view(params)
        view_id = str(params.get("view_id", ""))
        if problem or view is None:
            return {"ok": False, "error": problem}
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        given_hash = params.get("hash")
        if given_hash and given_hash != self.views[view_id].get("hash"):
            return {"ok": False, "error": "hash_conflict"}
        self.views[view_id] = self._stored_view(view_id, view, self.views[view_id])
        self._notify()
        return {"ok": True, "view": self.views[view_id]}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view, problem = self._check_view(params)
        if problem or view is None:
            return {"ok": False, "error": problem}
        if self._stranger(str(params.get("user_id", ""))):
            return {"ok": False, "error": "user_not_found"}
        key = f"home:{params.get('user_id')}"
        self.views[key] = view
        self._notify()
        return {"ok": True, "view": {**view, "id": key}}

    async def _handle_trigger(self, _request: Request) -> Response:
        """Not a Slack API: the driver's way to get a trigger id for the payload it is about to send."""
        return JSONResponse({"trigger_id": self.issue_trigger()})

    async def _handle_response_url(self, request: Request) -> Response:
        payload = json.loads(await request.body() or b"{}")
        self.responses.append({"key": request.path_params["key"], "at": time.time(), **payload})
        self._notify()
        return Response("ok")
