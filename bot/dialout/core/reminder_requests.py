"""Use another number: a person moves their own call of a scheduled run to a number they type.

Pressed in their reminder DM (beside Skip me). The number is read as typed numbers are
(`kernel.phone.normalise`: the workspace's region and dialing policy), so nobody can be dialled
through this outside the policy. Only the person called may change their call, and only while it
waits: the store changes the address in one compare-and-set on the call still queued, unsent,
with the number it was read with, and while its invite is still scheduled (the run claims the invite
before it reads its calls, so a call the run has read is never changed behind its back).

Apart from `requests.py` (at its size limit); the Slack layer words the replies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.dialout.core.audit import AuditAction, AuditEvent, AuditLog, SubjectKind
from bot.dialout.core.models import CallAttempt, Invite, InviteStatus
from bot.dialout.core.ports import InviteStore, Notifier
from bot.kernel.people import PartyKind, UserProfile
from bot.kernel.phone import DialingPolicy, NumberProblem, normalise
from bot.kernel.ports import Clock, Directory, LookupFailed
from bot.kernel.states import CallState
from bot.kernel.workspace_settings import WorkspaceSettingsSource


class NumberChangeStore(Protocol):
    """The one write Use another number needs."""

    async def change_unsent_number(self, attempt_id: int, old: str, new: str, now: datetime) -> bool:
        """Set a call's number to `new` while it is queued, unsent, still `old`, and its invite is
        scheduled; False when any of that no longer holds (nothing changed)."""
        ...


class NumberChangeOutcome(StrEnum):
    """What a person's Use another number achieved (or why it could not)."""

    READY = "ready"  # the call may be changed: the modal opens
    CHANGED = "changed"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"  # someone else's call: only the person called may change it
    ALREADY_DIALLED = "already_dialled"  # the run started (their call was sent, or is being)
    ALREADY_OVER = "already_over"  # the invite was cancelled or missed
    SKIPPED = "skipped"  # their call was withdrawn (Skip me)
    CHANGED_MEANWHILE = "changed_meanwhile"  # the number changed since it was read (another submit, an edit)
    BAD_NUMBER = "bad_number"  # the typed number cannot be dialled (`problem` says why)


@dataclass(frozen=True)
class NumberChangeReply:
    """The answer to opening or submitting Use another number, in the person's language and zone.

    `invite` and `attempt` are read after the change, for the DM to be re-rendered from them.
    """

    locale: str
    tz: str
    region: str  # where a number without + is read (the workspace's)
    invite_id: int
    outcome: NumberChangeOutcome
    problem: NumberProblem | None = None
    invite: Invite | None = None
    attempt: CallAttempt | None = None


class ReminderRequests:
    """Serves Use another number in a person's reminder DM: who may, which number, whether still in time."""

    def __init__(
        self,
        invites: InviteStore,
        store: NumberChangeStore,
        notifier: Notifier,
        directory: Directory,
        clock: Clock,
        policy: DialingPolicy,
        locale_of: Callable[[str | None, str], str],
        default_locale: str,
        default_tz: str,
        audit: AuditLog | None = None,
        *,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`audit`: where a changed number is recorded (the notifier only hears that the roster changed);
        `workspace_settings`: the invite's team's policy reads the number (None: `policy` for every team)."""
        self._workspace_settings = workspace_settings
        self._audit = audit
        self._invites = invites
        self._store = store
        self._notifier = notifier
        self._directory = directory
        self._clock = clock
        self._policy = policy
        self._locale_of = locale_of
        self._default_locale = default_locale
        self._default_tz = default_tz

    async def _profile(self, user_id: str) -> UserProfile:
        try:
            profile = await self._directory.profile(user_id)
        except LookupFailed:  # answer anyway, in the workspace's language
            profile = None
        return profile or UserProfile(user_id, tz=self._default_tz, locale=self._default_locale)

    async def _policy_for(self, invite_id: int) -> DialingPolicy:
        """The dialing policy of the invite's team now."""
        if self._workspace_settings is None:
            return self._policy
        invite = await self._invites.get_invite(invite_id)
        return (await self._workspace_settings.for_team(invite.team_id)).policy if invite else self._policy

    async def open_another_number(self, invite_id: int, attempt_id: int, user_id: str) -> NumberChangeReply:
        """Whether the presser may change this call now (READY: open the modal)."""
        profile = await self._profile(user_id)
        outcome, attempt = await self._check(invite_id, attempt_id, user_id)
        region = (await self._policy_for(invite_id)).region
        return self._reply(profile, invite_id, outcome or NumberChangeOutcome.READY, attempt=attempt, region=region)

    async def use_another_number(self, invite_id: int, attempt_id: int, user_id: str, text: str) -> NumberChangeReply:
        """Move the presser's own waiting call to the number `text`, or say why not (nothing changed)."""
        profile = await self._profile(user_id)
        outcome, attempt = await self._check(invite_id, attempt_id, user_id)
        if outcome is not None or attempt is None or attempt.id is None:
            return self._reply(profile, invite_id, outcome or NumberChangeOutcome.NOT_FOUND)
        policy = await self._policy_for(invite_id)
        number = normalise(text, policy)
        if isinstance(number, NumberProblem):
            return self._reply(profile, invite_id, NumberChangeOutcome.BAD_NUMBER, problem=number, region=policy.region)
        if not await self._store.change_unsent_number(attempt.id, attempt.party.address, number, self._clock.now()):
            return self._reply(profile, invite_id, await self._why_not(invite_id, attempt.id))
        fresh_invite = await self._invites.get_invite(invite_id)
        if number != attempt.party.address:
            await self._notifier.calls_changed(invite_id)  # the roster shows the new number
            if self._audit is not None and fresh_invite is not None:
                details = {"invite_id": invite_id, "before": attempt.party.address, "after": number}
                await self._audit.record(
                    AuditEvent(
                        fresh_invite.team_id,
                        self._clock.now(),
                        user_id,
                        AuditAction.NUMBER_CHANGED,
                        SubjectKind.CALL,
                        str(attempt.id),
                        details,
                    )
                )
        fresh = await self._invites.get_attempt(attempt.id)
        return self._reply(profile, invite_id, NumberChangeOutcome.CHANGED, invite=fresh_invite, attempt=fresh)

    async def _check(
        self, invite_id: int, attempt_id: int, user_id: str
    ) -> tuple[NumberChangeOutcome | None, CallAttempt | None]:
        """None when the call is the presser's own phone call and still waits for a scheduled run."""
        invite = await self._invites.get_invite(invite_id)
        attempt = await self._invites.get_attempt(attempt_id)
        if invite is None or attempt is None or attempt.invite_id != invite_id:
            return NumberChangeOutcome.NOT_FOUND, None
        if attempt.party.slack_user_id != user_id or attempt.party.kind is not PartyKind.PHONE:
            return NumberChangeOutcome.NOT_YOURS, None
        if invite.status is not InviteStatus.SCHEDULED or attempt.state is not CallState.QUEUED or attempt.sent_at:
            return await self._why_not(invite_id, attempt_id), None
        return None, attempt

    async def _why_not(self, invite_id: int, attempt_id: int) -> NumberChangeOutcome:
        """Why a call can no longer be changed, from the rows as they are now."""
        invite = await self._invites.get_invite(invite_id)
        attempt = await self._invites.get_attempt(attempt_id)
        if invite is None or attempt is None:
            return NumberChangeOutcome.NOT_FOUND
        if invite.status in {InviteStatus.CANCELLED, InviteStatus.MISSED}:
            return NumberChangeOutcome.ALREADY_OVER
        if invite.status is not InviteStatus.SCHEDULED or attempt.sent_at is not None:
            return NumberChangeOutcome.ALREADY_DIALLED
        if attempt.state is not CallState.QUEUED:
            return NumberChangeOutcome.SKIPPED
        return NumberChangeOutcome.CHANGED_MEANWHILE  # its number changed between the read and the write

    def _reply(
        self,
        profile: UserProfile,
        invite_id: int,
        outcome: NumberChangeOutcome,
        *,
        problem: NumberProblem | None = None,
        invite: Invite | None = None,
        attempt: CallAttempt | None = None,
        region: str | None = None,
    ) -> NumberChangeReply:
        locale = self._locale_of(profile.locale, self._default_locale)
        region = region or self._policy.region
        return NumberChangeReply(locale, profile.tz, region, invite_id, outcome, problem, invite, attempt)
