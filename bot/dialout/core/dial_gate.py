"""What may be sent to a provider now: the dialing policy of this moment, checked at each call's claim.

The policy was checked when the command was read, but settings change (ALLOWED_COUNTRIES set after
the invite was scheduled, a type blocked since, a lower daily limit), and retries, redials,
recurrences and late runs come later still: what is dialled obeys the policy of the moment it is
dialled. Every path that sends a call passes `DialGate.admit`; a call it refuses is failed with
reason `policy` and the rule's code (a NumberProblemKind, or a `limits.Rule`), never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.dialout.core.limits import Claim, Rule, daily_quota, in_quiet_hours
from bot.dialout.core.models import CallAttempt, Invite
from bot.dialout.core.ports import InviteStore, Notifier
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy, NumberProblem, normalise
from bot.kernel.ports import Clock
from bot.kernel.states import CallState, FailReason
from bot.kernel.workspace_settings import WorkspaceSettings, WorkspaceSettingsSource

log = logging.getLogger(__name__)


def policy_problem(party: Party, policy: DialingPolicy) -> NumberProblem | None:
    """Why the policy refuses to dial `party` now, or None (only phone numbers are the policy's business)."""
    if party.kind is not PartyKind.PHONE:
        return None
    number = normalise(party.address, policy)
    return number if isinstance(number, NumberProblem) else None


class DialGate:
    """Refuses what the policy forbids now and claims the rest for sending, each call once."""

    def __init__(
        self,
        store: InviteStore,
        notifier: Notifier,
        clock: Clock,
        workspace_settings: WorkspaceSettingsSource,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._clock = clock
        self._workspace_settings = workspace_settings

    async def admit(self, invite: Invite, attempts: Sequence[CallAttempt]) -> list[CallAttempt]:
        """The calls claimed for sending now; the others are someone else's or failed(policy)."""
        assert invite.id is not None
        workspace = await self._workspace_settings.for_team(invite.team_id)
        refused: list[tuple[CallAttempt, str]] = []
        allowed: list[CallAttempt] = []
        for attempt in attempts:
            code = self._refusal(attempt.party, workspace)
            if code is None:
                allowed.append(attempt)
            else:
                refused.append((attempt, code))
        claimed, over = await self._claim(invite, allowed, workspace)
        refused += over
        for attempt, code in refused:
            assert attempt.id is not None
            log.info("invite %s: call %s not dialled, outside the dialing policy (%s)", invite.id, attempt.id, code)
            await self._store.transition(
                attempt.id,
                attempt.state,
                CallState.FAILED,
                reason=FailReason.POLICY,
                code=code,
                detail=None,
                at=self._clock.now(),
            )
        if refused:
            await self._notifier.calls_failed(invite.id)
            await self._notifier.calls_changed(invite.id)
        return claimed

    def _refusal(self, party: Party, workspace: WorkspaceSettings) -> str | None:
        """The rule that forbids dialling `party` at this moment, or None."""
        problem = policy_problem(party, workspace.policy)
        if problem is not None:
            return problem.kind.value
        if in_quiet_hours(party, self._clock.now(), workspace.limits.quiet_hours, workspace.default_tz):
            return Rule.QUIET_HOURS.value
        return None

    async def _claim(
        self, invite: Invite, attempts: Sequence[CallAttempt], workspace: WorkspaceSettings
    ) -> tuple[list[CallAttempt], list[tuple[CallAttempt, str]]]:
        """Claim each call once; under daily limits the claim also counts the day's calls (the
        authoritative check), and a call over a limit comes back with the rule it would break."""
        now = self._clock.now()
        quota = daily_quota(workspace.limits, invite.team_id, invite.created_by, now, workspace.default_tz)
        claimed: list[CallAttempt] = []
        over: list[tuple[CallAttempt, str]] = []
        for attempt in attempts:
            assert attempt.id is not None
            if not quota.limited:
                if await self._store.claim_attempt_for_sending(attempt.id, now):
                    claimed.append(attempt)
                continue
            claim = await self._store.claim_attempt_within(attempt.id, now, quota)
            if claim is Claim.CLAIMED:
                claimed.append(attempt)
            elif claim is not Claim.TAKEN:
                over.append((attempt, claim.value))
        return claimed, over
