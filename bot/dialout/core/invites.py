"""Invite use cases: schedule, fire at the due time, dial at most once, cancel, recover, and the
thread parent's buttons (Dial now, Redial failed, Hang up all, Edit, Add people), allowed by one
rule (`may_act`).

The rules that keep people from being dialled twice or forgotten live here:
- an invite is claimed (scheduled → dialing) in one atomic update before any provider call;
- each call is claimed for sending once; a call that may have reached the provider is
  recorded as unknown and reconciled, never re-sent;
- at start-up the rows decide: future invites get a job, those due within the grace period
  are dialled late (and say so), older ones are marked missed in their thread.

What the buttons may do and what came of it are in `outcomes.py`, watching open calls in
`call_watch.py`; what stays here (about 600 lines) is every path that claims an invite or a call,
kept in one file so each can be read against the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from bot.dialout.core.audit import edit_summary
from bot.dialout.core.call_watch import CallWatch, follow_up
from bot.dialout.core.command import MAX_PARTIES
from bot.dialout.core.dial_gate import DialGate, policy_problem
from bot.dialout.core.limits import DailyQuota, DailyUse, needs_approval
from bot.dialout.core.listing import HomePage, InviteListing, home_page, list_invites
from bot.dialout.core.models import (
    CallAttempt,
    Invite,
    InviteChange,
    InviteStatus,
    invite_version,
    party_outcomes,
    redial_candidates,
    same_party,
)
from bot.dialout.core.outcomes import (
    Actor,
    AddPeopleOutcome,
    CancelOutcome,
    DialNowOutcome,
    Edited,
    Editing,
    EditOutcome,
    HangUpOutcome,
    PeopleAdded,
    Redial,
    RedialOutcome,
    dial_now_stale,
    edit_stale,
    may_act,
    same_workspace,
)
from bot.dialout.core.pacing import Pacer
from bot.dialout.core.ports import (
    CallSpec,
    CancelsCalls,
    DialRequest,
    InviteStore,
    Notice,
    NoticeKind,
    Notifier,
    PlaceResult,
    Placing,
    Provider,
    ProviderError,
    Scheduler,
)
from bot.dialout.core.retry_policy import RetryPolicy, parse_retry
from bot.dialout.core.retrying import RetryQueue
from bot.dialout.core.status import StatusService
from bot.kernel import failpoints
from bot.kernel.logs import log_context
from bot.kernel.people import Party
from bot.kernel.phone import DialingPolicy
from bot.kernel.ports import Clock
from bot.kernel.states import CallState, FailReason
from bot.kernel.workspace_settings import FixedWorkspaceSettings, WorkspaceSettings, WorkspaceSettingsSource

log = logging.getLogger(__name__)

_Outcome = TypeVar("_Outcome", bound=StrEnum)

LATE_NOTICE_AFTER_S = 30  # a run this late is announced as late in its thread
EARLY_WAKE_S = 1  # a job that wakes more than this before its invite's (edited) time sleeps again


@dataclass(frozen=True)
class DialingRules:
    """Tunable limits for firing invites."""

    grace_s: int = 600  # a run missed by at most this much is dialled late, not skipped
    concurrency: int = 8  # calls in flight at once per invite
    stuck_send_s: int = 120  # a send claimed longer ago than this, with no answer, is unknown
    unknown_give_up_s: int = 600  # an unknown call with no news after this is failed(unknown)
    policy: DialingPolicy = field(default_factory=DialingPolicy)  # as it is now, not when the invite was made
    retry: RetryPolicy = field(default_factory=RetryPolicy)  # what an invite made without its own policy gets


class InviteService:
    """Schedules invites and dials them when they come due."""

    def __init__(
        self,
        store: InviteStore,
        scheduler: Scheduler,
        notifier: Notifier,
        providers: Mapping[str, Provider],
        status: StatusService,
        clock: Clock,
        callback_url: Callable[[str], str],
        rules: DialingRules | None = None,
        pacer: Pacer | None = None,
        *,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`workspace_settings`: each team's policy, limits and retries, asked when needed (None: `rules`'
        policy and retries for every team, and no limits)."""
        self._workspace_settings = workspace_settings
        self._store = store
        self._scheduler = scheduler
        self._notifier = notifier
        self._providers = providers
        self._status = status
        self._clock = clock
        self._callback_url = callback_url
        self._rules = rules or DialingRules()
        self._settings_or_rules = workspace_settings or FixedWorkspaceSettings(
            WorkspaceSettings(policy=self._rules.policy)
        )
        self._gate = DialGate(store, notifier, clock, self._settings_or_rules)
        self._pacer = pacer or Pacer({})  # one per process, shared by every invite (core/pacing.py)
        self._sending: set[int] = set()  # invites whose queued calls a loop here is sending (`_dial`)
        self._draining = False  # stopping: no new send starts (`drain`)
        self._sends_in_flight = 0
        self._no_sends = asyncio.Event()
        self._no_sends.set()
        self._calls = CallWatch(store, providers, status, notifier, clock, self._rules.unknown_give_up_s)
        self._retries = RetryQueue(store, notifier, clock)

    @property
    def default_retry(self) -> RetryPolicy:
        """The workspace's retry policy (RETRY_POLICY), for invites made without one of their own."""
        return self._rules.retry

    async def default_retry_for(self, team_id: str) -> RetryPolicy:
        """The team's retry policy now (its admins may change it), for invites made without one of their own."""
        if self._workspace_settings is None:
            return self._rules.retry
        return parse_retry((await self._workspace_settings.for_team(team_id)).retry_policy)

    async def accounts_for(self, team_id: str) -> Mapping[str, str]:
        """The team's Slack user → provider account mapping (Tencent Meeting's operators; empty: none)."""
        if self._workspace_settings is None:
            return {}
        return (await self._workspace_settings.for_team(team_id)).tencent_operators

    async def policy_for(self, team_id: str) -> DialingPolicy:
        """The team's dialing policy now."""
        if self._workspace_settings is None:
            return self._rules.policy
        return (await self._workspace_settings.for_team(team_id)).policy

    # --- scheduling ----------------------------------------------------------------------

    async def schedule(self, invite: Invite, parties: Sequence[Party]) -> Invite:
        """Store the invite (the row is the schedule) and give it a job at its due time.

        An invite asked for by a command already carried out (same `request_key`: the command's
        process died after storing it) is returned as it is: one command, one invite, one dial.
        """
        if invite.request_key is not None:
            made = await self._store.invite_for_request(invite.request_key)
            if made is not None:
                return made
        if invite.retry is None:
            invite = replace(invite, retry=await self.default_retry_for(invite.team_id))
        limits = (await self._settings_or_rules.for_team(invite.team_id)).limits
        if needs_approval(limits, len(parties)):
            invite = replace(invite, status=InviteStatus.AWAITING_APPROVAL)
        saved = await self._store.add_invite(invite, parties)
        assert saved.id is not None
        await self._notifier.invite_created(saved.id)
        if saved.status is InviteStatus.SCHEDULED:  # one awaiting approval gets its job when approved
            self._scheduler.schedule_fire(saved.id, saved.due_at)
        return saved

    async def rebuild(self) -> None:
        """Start-up and periodic reconcile: decide every scheduled invite from its row."""
        now = self._clock.now()
        await self._recover_interrupted_sends(now)
        for invite in await self._store.invites_with_status(InviteStatus.SCHEDULED):
            assert invite.id is not None
            if invite.due_at > now:
                self._scheduler.schedule_fire(invite.id, invite.due_at)
            else:
                await self.fire(invite.id)
        for invite in await self._store.invites_with_status(InviteStatus.DIALING):
            assert invite.id is not None
            await self._dial(invite)

    async def revisit(self, invite_id: int) -> None:
        """Decide one invite from its row, as `rebuild` does for all: another replica wrote or changed it.

        A scheduled invite gets its job (at once when already due); any other loses it.
        """
        invite = await self._store.get_invite(invite_id)
        if invite is None or invite.status is not InviteStatus.SCHEDULED:
            self._scheduler.unschedule(invite_id)
            return
        self._scheduler.schedule_fire(invite_id, invite.due_at)

    async def fire(self, invite_id: int) -> None:
        """The due time has come: claim the invite once, then dial (or mark it missed)."""
        now = self._clock.now()
        invite = await self._store.get_invite(invite_id)
        if invite is None or invite.status is not InviteStatus.SCHEDULED:
            return
        if invite.due_at > now + timedelta(seconds=EARLY_WAKE_S):
            # Edited to a later time after this job was set (by another process, or the job
            # outlived its replacement): wait for the new time instead.
            self._scheduler.schedule_fire(invite_id, invite.due_at)
            return
        late_s = max(0, int((now - invite.due_at).total_seconds()))
        if late_s > self._rules.grace_s:
            await self._miss(invite, late_s)
            return
        late_by = late_s if late_s > LATE_NOTICE_AFTER_S else None
        # Only at the time read: an edit that moved it since then has set a job for the new time.
        claimed = await self._store.claim_due_invite(invite_id, now, late_by, due_at=invite.due_at)
        if claimed is None:
            return
        if claimed.late_by_s:
            await self._notifier.notice(invite_id, Notice(NoticeKind.LATE, {"late_by_s": claimed.late_by_s}))
        await self._notifier.invite_changed(invite_id)
        await self._dial(claimed)

    async def _miss(self, invite: Invite, late_s: int) -> None:
        assert invite.id is not None
        if not await self._store.set_invite_status(invite.id, InviteStatus.MISSED, expected=InviteStatus.SCHEDULED):
            return
        await self._fail(await self._store.attempts(invite.id), FailReason.MISSED)
        await self._notifier.notice(invite.id, Notice(NoticeKind.MISSED, {"late_by_s": late_s}))
        await self._notifier.invite_changed(invite.id)

    # --- dialing -------------------------------------------------------------------------

    async def _dial(self, invite: Invite) -> None:
        """Send the invite's queued calls, in one loop per invite in this process.

        A paced bulk invite takes minutes; the 30 s reconcile, Add people and Resume call this again
        meanwhile. A second loop would only take pace turns from the first for calls it already
        claims, so they leave it to the running one, which reads the queue again after each pass
        (calls added since included) until a pass sends nothing: paused, or none left.
        """
        assert invite.id is not None
        if invite.id in self._sending:
            return
        self._sending.add(invite.id)
        try:
            stalled = False
            while waiting := await self._queued(invite):
                with log_context(provider=invite.provider):
                    await self._dial_with(invite, waiting)
                if {a.id for a in waiting} - {a.id for a in await self._queued(invite)}:
                    stalled = False
                elif stalled or not await self._unpaused(invite):  # once more if resumed mid-pass
                    break
                else:
                    stalled = True
        finally:
            self._sending.discard(invite.id)
        await self._status.settle(invite.id)

    async def _queued(self, invite: Invite) -> list[CallAttempt]:
        """Its unsent calls to send now: first calls, and retries that are due and still wanted."""
        assert invite.id is not None
        known = await self._store.attempts(invite.id)
        waiting = [a for a in known if a.state is CallState.QUEUED and a.sent_at is None]
        return await self._retries.ready(invite, waiting, known)

    async def _dial_with(self, invite: Invite, attempts: list[CallAttempt]) -> None:
        provider = self._providers.get(invite.provider)
        if provider is None:
            await self._fail_all(
                invite,
                attempts,
                ProviderError("not_configured", f"provider {invite.provider} is no longer configured"),
            )
            return
        if provider.info.placing is Placing.WHOLE_INVITE:
            await self._send(invite, provider, attempts)
        else:
            gate = asyncio.Semaphore(self._rules.concurrency)

            async def one(attempt: CallAttempt) -> None:
                async with gate:
                    with log_context(call_id=attempt.id):
                        await self._send(invite, provider, [attempt])

            await asyncio.gather(*(one(a) for a in attempts))

    async def _turn(self, invite: Invite) -> bool:
        """Wait for the provider's and workspace's pace, then whether sending may go on (not paused).

        Paused (core/pausing.py): the calls not sent stay queued in the row, and Resume sends them.
        """
        if not await self._unpaused(invite):  # a paused invite's calls take no turn from the others
            return False
        waited = await self._pacer.turn(invite.provider, invite.team_id)
        return not waited or await self._unpaused(invite)  # paused while it waited?

    async def _unpaused(self, invite: Invite) -> bool:
        fresh = await self._store.get_invite(invite.id or 0)
        return fresh is not None and fresh.paused_at is None

    async def _send(self, invite: Invite, provider: Provider, attempts: Sequence[CallAttempt]) -> None:
        assert invite.id is not None
        if not await self._turn(invite):  # every request waits for its pace; none while paused
            return
        if self._draining:
            return  # stopping: the calls stay queued for the next process
        self._sends_in_flight += 1
        self._no_sends.clear()
        try:
            await self._claim_and_place(invite, provider, attempts)
        finally:
            self._sends_in_flight -= 1
            if not self._sends_in_flight:
                self._no_sends.set()

    async def drain(self, grace_s: float = 5.0) -> None:
        """Start no more sends and give those under way `grace_s` to record the provider's answer.

        A send cut off between its claim and recording the answer leaves calls the next process can
        only call "outcome unknown" (it must not send them again); a graceful stop should leave none.
        """
        self._draining = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_s):
                await self._no_sends.wait()

    async def _claim_and_place(self, invite: Invite, provider: Provider, attempts: Sequence[CallAttempt]) -> None:
        assert invite.id is not None
        claimed = await self._gate.admit(invite, attempts)
        if not claimed:
            return
        failpoints.reached(failpoints.DIAL_AFTER_CLAIM)
        request = DialRequest(
            invite_id=invite.id,
            target=invite.target,
            calls=tuple(CallSpec(a.id, a.party) for a in claimed if a.id is not None),
            requested_by=invite.created_by,
            max_duration_s=invite.max_duration_s,
            options=invite.options,
            callback_url=self._callback_url(provider.info.name),
            accounts=await self.accounts_for(invite.team_id),
        )
        # Providers report every failure they foresee as a ProviderError (transport errors and
        # unreadable answers included, providers/http.py). Anything else is a bug: it propagates to
        # the job that fired, which logs its traceback; the calls stay claimed, so a later watch round
        # finds them stuck (`_recover_interrupted_sends`): sent again where the provider places
        # idempotently, else unknown and never re-sent.
        try:
            results = await provider.place(request)
        except ProviderError as exc:
            if exc.maybe_sent:
                log.warning(
                    "invite %s: %s may have been sent (%s); marking unknown",
                    invite.id,
                    provider.info.name,
                    exc,
                )
                results = [
                    PlaceResult(a.id or 0, CallState.UNKNOWN, code=exc.code, detail=exc.message) for a in claimed
                ]
            else:
                results = [
                    PlaceResult(a.id or 0, CallState.FAILED, reason=exc.reason, code=exc.code, detail=exc.message)
                    for a in claimed
                ]
        failpoints.reached(failpoints.DIAL_AFTER_PLACE)
        answered = {r.attempt_id for r in results}
        for attempt in claimed:
            if attempt.id not in answered:
                results.append(PlaceResult(attempt.id or 0, CallState.UNKNOWN, code="no_result"))
        failed = False
        for result in results:
            record = await self._store.record_placed(invite, result, self._clock.now())
            if record is None:
                continue
            failed = failed or record.state is CallState.FAILED
            if record.state is CallState.FAILED:
                await self._retries.after_failure(record)
            if result.provider_call_id:
                await self._status.apply_orphans(provider.info.name, result.provider_call_id, result.attempt_id)
        await self._notifier.calls_changed(invite.id)
        if failed:
            await self._notifier.calls_failed(invite.id)

    async def _fail_all(self, invite: Invite, attempts: Sequence[CallAttempt], error: ProviderError) -> None:
        assert invite.id is not None
        await self._fail(attempts, error.reason, error.code, error.message)
        await self._notifier.calls_failed(invite.id)
        await self._notifier.calls_changed(invite.id)
        await self._status.settle(invite.id)

    async def _fail(
        self, attempts: Sequence[CallAttempt], reason: FailReason, code: str | None = None, detail: str | None = None
    ) -> None:
        """Fail each attempt with `reason`, from the state it was read in (one that moved since keeps its news)."""
        now = self._clock.now()
        for attempt in attempts:
            assert attempt.id is not None
            await self._store.transition(
                attempt.id, attempt.state, CallState.FAILED, reason=reason, code=code, detail=detail, at=now
            )

    async def _recover_interrupted_sends(self, now: datetime) -> None:
        """Calls claimed for sending with no answer recorded (a process died mid-request).

        Where the provider places idempotently the call is sent again under the same attempt, so it is
        placed exactly once whether or not the first request arrived; elsewhere nobody can tell, and
        calling a person twice is worse than not knowing: the call is unknown. `stuck_send_s` is far
        longer than any provider's request timeout, so the dead process's request has landed or never will.
        """
        claimed_before = now - timedelta(seconds=self._rules.stuck_send_s)
        stuck: dict[int, list[CallAttempt]] = {}
        for attempt in await self._store.stuck_sends(claimed_before):
            stuck.setdefault(attempt.invite_id, []).append(attempt)
        for invite_id, attempts in stuck.items():
            invite = await self._store.get_invite(invite_id)
            provider = self._providers.get(invite.provider) if invite is not None else None
            if invite is None or provider is None or not provider.info.places_idempotently:
                for attempt in attempts:
                    await self._mark_unknown(attempt)
                continue
            released = [await self._store.release_stuck_send(a.id or 0, claimed_before, now) for a in attempts]
            if any(released) and invite.status is InviteStatus.DIALING:
                await self._dial(invite)

    async def _mark_unknown(self, attempt: CallAttempt) -> None:
        assert attempt.id is not None
        if await self._store.transition(
            attempt.id,
            CallState.QUEUED,
            CallState.UNKNOWN,
            reason=None,
            code="interrupted",
            detail=None,
            at=self._clock.now(),
        ):
            await self._notifier.calls_changed(attempt.invite_id)

    # --- watching open calls (call_watch.py) ----------------------------------------------

    async def watch(self) -> None:
        """Mark unanswered sends of dead processes unknown; poll, reconcile, give up silent calls; place due retries.

        Stuck sends every round rather than only at a rebuild: a replica that took over from one
        killed mid-send learns those calls' fate `stuck_send_s` later, not a reconcile period after that.
        """
        await self._recover_interrupted_sends(self._clock.now())
        await self._calls.watch()
        for invite_id in await self._store.due_retries(self._clock.now()):
            invite = await self._store.get_invite(invite_id)
            if invite is not None and invite.status is InviteStatus.DIALING:
                await self._dial(invite)

    # --- cancelling ----------------------------------------------------------------------

    async def listing(self, user_id: str, channel_id: str, team_id: str | None = None) -> InviteListing:
        """What `/dial list` shows `user_id` in `channel_id`."""
        return await list_invites(self._store, user_id, channel_id, team_id=team_id)

    async def home(
        self, user_id: str, page: int, channel_ids: Sequence[str] = (), team_id: str | None = None
    ) -> HomePage:
        """Page `page` of `user_id`'s App Home, with the upcoming invites of the channels they are in."""
        return await home_page(self._store, user_id, page, channel_ids, team_id)

    async def creator_of(self, invite_id: int) -> str | None:
        """Who created the invite (named to someone refused), None when there is no such invite."""
        invite = await self._store.get_invite(invite_id)
        return invite.created_by if invite else None

    async def cancel(self, invite_id: int, actor: Actor) -> CancelOutcome:
        """Withdraw a scheduled invite (or one awaiting approval), or hang up the calls of one that is dialling."""
        invite = await self._pressed(invite_id, actor, CancelOutcome)
        if not isinstance(invite, Invite):
            return invite
        if invite.status in {InviteStatus.SCHEDULED, InviteStatus.AWAITING_APPROVAL}:
            if not await self._store.set_invite_status(invite_id, InviteStatus.CANCELLED, expected=invite.status):
                return await self.cancel(invite_id, actor)
            self._scheduler.unschedule(invite_id)
            for attempt in await self._store.attempts(invite_id):
                assert attempt.id is not None
                await self._store.cancel_unsent(attempt.id, self._clock.now())
            await self._notifier.notice(invite_id, Notice(NoticeKind.CANCELLED, {"by": actor.user_id}))
            await self._notifier.invite_changed(invite_id)
            return CancelOutcome.CANCELLED
        if invite.status is not InviteStatus.DIALING:
            return CancelOutcome.ALREADY_OVER
        await self._notifier.notice(invite_id, Notice(NoticeKind.CANCELLED, {"by": actor.user_id}))
        await self._store.stop_retries(invite_id, self._clock.now())  # before withdrawing the queued calls
        await self._end_open_calls(invite)
        return CancelOutcome.HANGING_UP

    async def _end_open_calls(self, invite: Invite) -> None:
        """Withdraw calls not yet sent and hang up the others (where the provider can)."""
        assert invite.id is not None
        provider = self._providers.get(invite.provider)
        for attempt in await self._store.attempts(invite.id):
            if attempt.state.is_final:
                continue
            await self._cancel_attempt(provider, attempt)
        await self._status.settle(invite.id)

    # --- the thread parent's buttons ------------------------------------------------------
    #
    # Each decides from the rows as they are now (a stale button finds the invite moved on and says
    # so) and acts through the same claims as the scheduler, so two presses at once act once.

    async def _pressed(self, invite_id: int, actor: Actor, outcomes: type[_Outcome]) -> Invite | _Outcome:
        """The invite a button or `/dial cancel` names, or why nothing happens: not found, or not this
        person's to act on (every outcome enum spells these two the same)."""
        invite = await self._store.get_invite(invite_id)
        if invite is None or not same_workspace(invite, actor):
            return outcomes("not_found")
        if not may_act(invite, actor):
            return outcomes("not_allowed")
        return invite

    def can_hang_up(self, provider: str) -> bool:
        """Whether `provider` can end calls it placed (Hang up all is offered only then)."""
        return isinstance(self._providers.get(provider), CancelsCalls)

    async def hang_up(self, invite_id: int, actor: Actor) -> HangUpOutcome:
        """Hang up every open call of a dialling invite (Hang up all), as cancelling it while dialling does."""
        invite = await self._pressed(invite_id, actor, HangUpOutcome)
        if not isinstance(invite, Invite):
            return invite
        if invite.status is not InviteStatus.DIALING:
            return HangUpOutcome.NOT_DIALLING
        if not self.can_hang_up(invite.provider):
            return HangUpOutcome.CANNOT
        await self._notifier.notice(invite_id, Notice(NoticeKind.HUNG_UP, {"by": actor.user_id}))
        await self._store.stop_retries(invite_id, self._clock.now())  # before withdrawing the queued calls
        await self._end_open_calls(invite)
        return HangUpOutcome.HANGING_UP

    async def daily_use(self, quota: DailyQuota) -> DailyUse:
        """Calls placed today under `quota` (for a request read now: how many it has left)."""
        return await self._store.daily_use(quota)

    async def dial_overdue(self, invite_id: int) -> None:
        """Dial a scheduled invite whose time has passed, however late (approved after its time)."""
        claimed = await self._store.claim_due_invite(invite_id, self._clock.now(), None)
        if claimed is None:
            return
        self._scheduler.unschedule(invite_id)
        await self._notifier.invite_changed(invite_id)
        await self._dial(claimed)

    async def dial_now(self, invite_id: int, actor: Actor) -> DialNowOutcome:
        """Fire a scheduled invite before its time, through the scheduler's own claim (so it is dialled once)."""
        invite = await self._pressed(invite_id, actor, DialNowOutcome)
        if not isinstance(invite, Invite):
            return invite
        if invite.status is not InviteStatus.SCHEDULED:
            return dial_now_stale(invite.status)
        claimed = await self._store.claim_due_invite(invite_id, self._clock.now(), None, fired_by=actor.user_id)
        if claimed is None:
            fresh = await self._store.get_invite(invite_id)
            return dial_now_stale(fresh.status if fresh else InviteStatus.CANCELLED)
        self._scheduler.unschedule(invite_id)
        await self._notifier.invite_changed(invite_id)
        await self._dial(claimed)
        return DialNowOutcome.DIALLING

    async def roster(self, invite_id: int) -> tuple[Invite, list[CallAttempt]] | None:
        """An invite and every call of it, for the whole roster (what the thread shows anyone in it)."""
        invite = await self._store.get_invite(invite_id)
        if invite is None:
            return None
        return invite, list(await self._store.attempts(invite_id))

    async def confirm_redial(self, invite_id: int, actor: Actor, policy: DialingPolicy) -> Redial | RedialOutcome:
        """Who Redial failed would call again (shown for confirmation), or why it would call nobody."""
        invite = await self._pressed(invite_id, actor, RedialOutcome)
        if not isinstance(invite, Invite):
            return invite
        if invite.status is not InviteStatus.DONE:
            return RedialOutcome.NOT_FINISHED
        attempts = await self._store.attempts(invite_id)
        candidates = redial_candidates(attempts)
        plan = Redial(
            invite,
            tuple(a for a in candidates if _allowed(a.party, policy)),
            tuple(a for a in candidates if not _allowed(a.party, policy)),
            known=len(attempts),
        )
        if not plan.calls:
            return RedialOutcome.BLOCKED if plan.refused else RedialOutcome.NOTHING_TO_REDIAL
        return plan

    async def redial_failed(self, invite_id: int, actor: Actor, policy: DialingPolicy) -> RedialOutcome:
        """Place a new call for each party whose call failed, once, within the dialing policy.

        Everything is decided again from the rows (who may, the state, who failed, the policy), not
        from what the confirmation showed; the store's claim then lets one of several presses win.
        """
        plan = await self.confirm_redial(invite_id, actor, policy)
        if isinstance(plan, RedialOutcome):
            return plan
        ids = [a.id or 0 for a in plan.calls]
        added = await self._store.claim_redial(invite_id, ids, plan.known, self._clock.now())
        if added is None:
            return RedialOutcome.NOT_FINISHED
        await self._notifier.notice(invite_id, Notice(NoticeKind.REDIAL, {"by": actor.user_id, "n": len(added)}))
        await self._notifier.invite_changed(invite_id)
        claimed = await self._store.get_invite(invite_id)
        assert claimed is not None
        await self._dial(claimed)
        return RedialOutcome.REDIALLING

    async def editing(self, invite_id: int, actor: Actor) -> Editing | EditOutcome:
        """The invite an Edit form opens on (with its version), or why it can't be edited."""
        invite = await self._pressed(invite_id, actor, EditOutcome)
        if not isinstance(invite, Invite):
            return invite
        if invite.status is not InviteStatus.SCHEDULED:
            return edit_stale(invite.status)
        attempts = tuple(await self._store.attempts(invite_id))
        return Editing(invite, attempts, invite_version(invite, attempts))

    async def edit(self, invite_id: int, actor: Actor, version: str, change: InviteChange) -> Edited:
        """Change a scheduled invite in place, only if nobody dialled or changed it since `version` was read.

        Permission and state are decided again from the rows; the store applies the whole edit
        in one compare-and-set, so a dial, a cancel or another edit meanwhile leaves it untouched.
        """
        invite = await self._pressed(invite_id, actor, EditOutcome)
        if not isinstance(invite, Invite):
            return Edited(invite)
        if invite.status is not InviteStatus.SCHEDULED:
            return Edited(edit_stale(invite.status))
        changes = await self._store.edit_invite(invite_id, version, change, self._clock.now())
        if changes is None:
            fresh = await self._store.get_invite(invite_id)
            if fresh is None or fresh.status is not InviteStatus.SCHEDULED:
                return Edited(edit_stale(fresh.status if fresh else InviteStatus.CANCELLED))
            return Edited(EditOutcome.CHANGED)
        moved = change.due_at != invite.due_at
        if moved:
            self._scheduler.schedule_fire(invite_id, change.due_at)  # replaces the job by its id
        others = (
            change.provider != invite.provider
            or change.target != invite.target
            or change.max_duration_s != invite.max_duration_s
            or dict(change.options) != dict(invite.options)
        )
        params = {
            "by": actor.user_id,
            "name": actor.name or actor.user_id,
            "at": change.due_at.isoformat() if moved else None,
            "added": len(changes.added),
            "removed": len(changes.removed),
            "other": others,
            # For the audit trail (core/audit.py); the thread's sentence reads only the keys above.
            "before": edit_summary(invite.due_at, invite.provider, invite.target, invite.max_duration_s),
            "after": edit_summary(change.due_at, change.provider, change.target, change.max_duration_s),
        }
        if moved or others or changes.added or changes.removed:  # a form saved unchanged tells the thread nothing
            await self._notifier.notice(invite_id, Notice(NoticeKind.EDITED, params))
            await self._notifier.invite_changed(invite_id)
        return Edited(EditOutcome.EDITED, moved, changes)

    async def get(self, invite_id: int) -> Invite | None:
        """The invite as stored now."""
        return await self._store.get_invite(invite_id)

    async def may_add_people(self, invite_id: int, actor: Actor) -> AddPeopleOutcome:
        """Whether Add people may open its modal: ADDED when it may, else why not (checked again on submit)."""
        invite = await self._pressed(invite_id, actor, AddPeopleOutcome)
        if not isinstance(invite, Invite):
            return invite
        if invite.status not in {InviteStatus.SCHEDULED, InviteStatus.DIALING}:
            return AddPeopleOutcome.ALREADY_OVER
        return AddPeopleOutcome.ADDED

    async def add_people(self, invite_id: int, actor: Actor, parties: Sequence[Party]) -> PeopleAdded:
        """Add calls to a scheduled or dialling invite; nobody it already calls is added twice.

        A scheduled invite's new calls wait for its time; a dialling invite's are placed by
        `place_added` through the same per-call claim as its first calls, so each is dialled once
        however often either runs.
        """
        invite = await self._pressed(invite_id, actor, AddPeopleOutcome)
        if not isinstance(invite, Invite):
            return PeopleAdded(invite)
        known = await self._store.attempts(invite_id)
        new = [p for p in parties if not any(same_party(a.party, p) for a in known)]
        if len(party_outcomes(known)) + len(new) > MAX_PARTIES:
            return PeopleAdded(AddPeopleOutcome.TOO_MANY)
        allowed = (InviteStatus.SCHEDULED, InviteStatus.DIALING)
        changes = await self._store.add_attempts(invite_id, parties, allowed, self._clock.now())
        if changes is None:
            return PeopleAdded(AddPeopleOutcome.ALREADY_OVER)
        if not changes.added:
            return PeopleAdded(AddPeopleOutcome.ALREADY_IN, changes)
        params = {"by": actor.user_id, "name": actor.name or actor.user_id, "n": len(changes.added)}
        await self._notifier.notice(invite_id, Notice(NoticeKind.PEOPLE_ADDED, params))
        await self._notifier.invite_changed(invite_id)  # the parent counts people too
        return PeopleAdded(AddPeopleOutcome.ADDED, changes)

    async def place_added(self, invite_id: int) -> None:
        """Place the calls Add people queued on a dialling invite (a scheduled one's wait for its time).

        Separate from `add_people` so Slack's form gets its answer before any provider is asked; if
        the process dies in between, `rebuild` dials the dialling invite's queued calls at start-up.
        """
        invite = await self._store.get_invite(invite_id)
        if invite is None:
            return
        if invite.status is InviteStatus.DONE:
            # Its last call ended between the add and now (settle counted before the new calls were
            # in): reopen it, or the people just added would never be called.
            waiting = [
                a for a in await self._store.attempts(invite_id) if a.state is CallState.QUEUED and not a.sent_at
            ]
            if not waiting or not await self._store.set_invite_status(
                invite_id, InviteStatus.DIALING, expected=InviteStatus.DONE
            ):
                return
            await self._notifier.invite_changed(invite_id)
            invite = await self._store.get_invite(invite_id)
        if invite is not None and invite.status is InviteStatus.DIALING:
            await self._dial(invite)

    async def _cancel_attempt(self, provider: Provider | None, attempt: CallAttempt) -> None:
        assert attempt.id is not None
        if attempt.state is CallState.QUEUED and attempt.sent_at is None:
            if await self._store.cancel_unsent(attempt.id, self._clock.now()):
                await self._notifier.calls_changed(attempt.invite_id)
            return
        if isinstance(provider, CancelsCalls):
            await follow_up(self._store, self._status, provider.info.name, provider.cancel, attempt, "cancel")


def _allowed(party: Party, policy: DialingPolicy) -> bool:
    """Whether the dialing policy (as it is now) still lets us call this party."""
    return policy_problem(party, policy) is None
