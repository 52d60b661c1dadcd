"""Carrying out what a `/dial` asks: read it in the asker's zone, resolve people, schedule.

Typed text and the /dial form take the same road: read by `core.command` under the same rules,
then resolved, checked and stored by the same `_store`. Returns a reply as data; the Slack layer
turns it into words in the asker's language. Nothing is stored unless every part of the request
is valid. One class for everything a person asks of dial-out (typed, the form, each button), so
the asker's profile, permission and language are worked out in one way; it is past 500 lines for
that reason, each method a few lines that hand over to the core.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from bot.dialout.core.answers import (
    AddPeopleReply,
    AddPeopleSetup,
    ButtonReply,
    CancelReply,
    EditReply,
    EditSetup,
    ErrorReply,
    FormErrorReply,
    FormSetup,
    HelpReply,
    HomeReply,
    ListReply,
    PreviewReply,
    RedialConfirmation,
    Reply,
    RosterReply,
    ScheduledReply,
    WhoMay,
    provider_choices,
)
from bot.dialout.core.approvals import Approvals
from bot.dialout.core.command import (
    CancelCommand,
    HelpCommand,
    InviteDraft,
    ListCommand,
    ParseContext,
    ParseError,
    ParseProblem,
    parse_command,
    read_schedule,
    resolve_parties,
)
from bot.dialout.core.form import (
    DialForm,
    FormErrors,
    FormField,
    Preview,
    form_of_invite,
    prefill_from_message,
    read_form,
    read_people,
)
from bot.dialout.core.invites import InviteService
from bot.dialout.core.launches import BulkLaunches, LaunchHeld, LaunchReply
from bot.dialout.core.limits import (
    Rule,
    callee_zone,
    daily_quota,
    daily_refusal,
    needs_approval,
    over_max_parties,
    quiet_parties,
)
from bot.dialout.core.models import Invite, InviteChange, TargetKind
from bot.dialout.core.outcomes import (
    Actor,
    AddPeopleOutcome,
    ApprovalOutcome,
    EditOutcome,
    RedialOutcome,
)
from bot.dialout.core.pausing import BulkDialling
from bot.dialout.core.ports import ProviderInfo
from bot.dialout.core.profile_region import assumed_regions
from bot.dialout.core.reminders import ReminderService, remind_minutes
from bot.dialout.core.series import SeriesService
from bot.dialout.core.series_requests import UPCOMING_SHOWN, Presser, SeriesReply, series_of_draft
from bot.kernel.feature import Asker
from bot.kernel.people import Party, UserProfile
from bot.kernel.phone import DialingPolicy
from bot.kernel.ports import Clock, Directory, LookupFailed, UserGroups
from bot.kernel.when import When
from bot.kernel.workspace_settings import FixedWorkspaceSettings, WorkspaceSettings, WorkspaceSettingsSource

log = logging.getLogger(__name__)

# Commands, forms and previews are read off the loop (a 12,000-character command is CPU work), one at a
# time: reading is CPU-bound, so a second reader would only contend for the GIL, and the executor's
# other threads stay free for what they are for (DNS lookups, aiosqlite's calls).
_READING = threading.Lock()
_T = TypeVar("_T")


async def _read_off_loop(read: Callable[..., _T], *args: Any) -> _T:
    """`read(*args)` in a worker thread, alone: reading is CPU work, and the loop serves everyone."""

    def alone() -> _T:
        with _READING:
            return read(*args)

    return await asyncio.to_thread(alone)


# Problems found after reading (they need Slack's answers), and the form field each belongs to.
_FIELD_OF = {
    ParseProblem.NO_PHONE: FormField.PEOPLE,
    ParseProblem.CANNOT_POST_HERE: FormField.CHANNEL,
    ParseProblem.PROVIDER_REFUSED: FormField.PROVIDER,
    ParseProblem.POLICY_MAX_PARTIES: FormField.PEOPLE,
    ParseProblem.POLICY_APPROVAL: FormField.PEOPLE,
    ParseProblem.POLICY_QUIET_HOURS: FormField.WHEN,
    ParseProblem.POLICY_DAILY_USER: FormField.WHEN,
    ParseProblem.POLICY_DAILY_WORKSPACE: FormField.WHEN,
}
_DAILY_PROBLEMS = {
    Rule.DAILY_USER: ParseProblem.POLICY_DAILY_USER,
    Rule.DAILY_WORKSPACE: ParseProblem.POLICY_DAILY_WORKSPACE,
}


@dataclass(frozen=True)
class RequestRules:
    """Workspace settings that shape how requests are read."""

    policy: DialingPolicy = field(default_factory=DialingPolicy)
    default_provider: Mapping[TargetKind, str] = field(default_factory=dict)
    default_locale: str = "en"
    default_tz: str = "UTC"
    admin_group: str = ""  # Slack user group whose members may act on anyone's invite, besides admins
    reminder_minutes: int = 10  # an invite's reminder comes this long before its run unless it says (0: none)


class DialRequests:
    """Serves `/dial` text, the /dial form and the buttons on an invite's thread parent."""

    def __init__(
        self,
        invites: InviteService,
        directory: Directory,
        providers: Callable[[], Mapping[str, ProviderInfo]],
        clock: Clock,
        rules: RequestRules,
        locale_of: Callable[[str | None, str], str],
        groups: UserGroups,
        series: SeriesService | None = None,  # None: a repeating time is refused (parse.recurring)
        reminders: ReminderService | None = None,
        *,
        bulk: BulkDialling | None = None,
        launches: BulkLaunches | None = None,
        approvals: Approvals | None = None,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`bulk` serves Pause/Resume dialling; `launches` holds bulk launches for Confirm (None: never);
        `approvals` serves Approve/Decline.

        `workspace_settings` give a request's team its own rules (policy, default providers and zone,
        reminder, admin group, dialing limits) at the moment it is read; None: `rules` for every team,
        and no limits.
        """
        self._approvals = approvals
        self._workspace_settings = workspace_settings
        self._settings_or_rules = workspace_settings or FixedWorkspaceSettings(WorkspaceSettings(policy=rules.policy))
        self._bulk = bulk
        self._launches = launches
        self._invites = invites
        self._series = series
        self._reminders = reminders
        self._directory = directory
        self._groups = groups
        self._providers = providers
        self._clock = clock
        self._rules = rules
        self._locale_of = locale_of

    async def _rules_for(self, team_id: str) -> RequestRules:
        """The rules of `team_id` now: its admins may have changed them since the last request."""
        if self._workspace_settings is None:
            return self._rules
        ws = await self._workspace_settings.for_team(team_id)
        kinds = {kind.value: kind for kind in TargetKind}
        return replace(
            self._rules,
            policy=ws.policy,
            default_provider={kinds[k]: name for k, name in ws.default_providers.items() if k in kinds},
            default_tz=ws.default_tz,
            admin_group=ws.invite_admin_group,
            reminder_minutes=ws.reminder_minutes,
        )

    async def _asker_profile(self, user_id: str, rules: RequestRules | None = None) -> UserProfile:
        rules = rules or self._rules
        profile = await self._directory.profile(user_id)
        return profile or UserProfile(user_id, tz=rules.default_tz, locale=rules.default_locale)

    def _locale(self, profile: UserProfile) -> str:
        return self._locale_of(profile.locale, self._rules.default_locale)

    async def quick_locale(self, user_id: str, within_s: float = 1.0) -> str:
        """The user's language for an answer that cannot wait (an ack): theirs, or the default if slow.

        Their profile is usually cached; when Slack must be asked and is slow, the answer goes out in
        the workspace's language rather than after Slack's 3 s.
        """
        try:
            async with asyncio.timeout(within_s):  # a timer, not a task: a cached profile costs nothing more
                profile = await self._asker_profile(user_id)
            return self._locale(profile)
        except (TimeoutError, LookupFailed):
            return self._rules.default_locale

    async def _actor(self, user_id: str, profile: UserProfile, rules: RequestRules | None = None) -> Actor:
        """The presser as the core's one permission rule sees them (admin, or in the admin group)."""
        name, team = profile.real_name, profile.team_id
        if profile.is_admin:
            return Actor(user_id, privileged=True, name=name, team_id=team)
        group = (rules or self._rules).admin_group
        if not group:
            return Actor(user_id, name=name, team_id=team)
        try:
            return Actor(user_id, privileged=user_id in await self._groups.members(group), name=name, team_id=team)
        except LookupFailed as exc:  # unsure who is in the group: only the creator may act; try again later
            log.warning("could not read the members of user group %s (%s)", group, exc)
            return Actor(user_id, name=name, team_id=team)

    async def _invite_rules(self, invite_id: int) -> RequestRules:
        """The rules of the team an invite belongs to (a button names only the invite)."""
        if self._workspace_settings is None:
            return self._rules
        invite = await self._invites.get(invite_id)
        return await self._rules_for(invite.team_id) if invite is not None else self._rules

    async def _invite_actor(self, invite_id: int, user_id: str, profile: UserProfile) -> Actor:
        """The presser of a button on an invite, with its team's admin group."""
        return await self._actor(user_id, profile, await self._invite_rules(invite_id))

    async def presser(self, user_id: str) -> Presser:
        """Who is asking, as the permission rule sees them, in their language and zone (series controls)."""
        profile = await self._asker_profile(user_id)
        return Presser(await self._actor(user_id, profile), self._locale(profile), profile.tz)

    async def team_presser(self, user_id: str, team_id: str) -> tuple[Presser, str]:
        """`presser` with the admin group of workspace `team_id`, and that group (a series' controls)."""
        rules = await self._rules_for(team_id)
        profile = await self._asker_profile(user_id, rules)
        actor = await self._actor(user_id, profile, rules)
        return Presser(actor, self._locale(profile), profile.tz), rules.admin_group

    async def _who_may(self, invite_id: int, outcome: StrEnum) -> WhoMay | None:
        """Who may act on the invite, when `outcome` is a refusal (every outcome enum spells it not_allowed)."""
        if outcome.value != "not_allowed":
            return None
        creator = await self._invites.creator_of(invite_id)
        try:
            profile = await self._directory.profile(creator) if creator else None
        except LookupFailed:  # the refusal still stands; it names them by id
            profile = None
        name = (profile.real_name or "") if profile else ""
        return WhoMay(creator or "", (await self._invite_rules(invite_id)).admin_group, name)

    def _context(
        self,
        profile: UserProfile,
        providers: Mapping[str, ProviderInfo],
        now: datetime | None = None,
        rules: RequestRules | None = None,
    ) -> ParseContext:
        rules = rules or self._rules
        return ParseContext(
            now=now or self._clock.now(),
            tz=profile.tz,
            policy=rules.policy,
            providers=providers,
            default_provider=rules.default_provider,
        )

    async def handle_text(
        self, text: str, asker: Asker, *, received_at: datetime | None = None, request_key: str | None = None
    ) -> Reply:
        """Read and carry out one `/dial` command.

        `received_at` is when Slack sent it: "in 10 minutes" counts from then even when a crash
        delayed carrying it out. `request_key` names the acknowledged command, so carrying it out
        twice makes one invite.
        """
        rules = await self._rules_for(asker.team_id)
        profile = await self._asker_profile(asker.user_id, rules)
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        providers = self._providers()
        context = self._context(profile, providers, received_at, rules)
        try:
            command = await _read_off_loop(parse_command, text, context)
        except ParseError as exc:
            return ErrorReply(locale, exc)
        if isinstance(command, HelpCommand):
            usable = tuple(
                f"{name} ({', '.join(sorted(info.options))})" if info.options else name
                for name, info in sorted(providers.items())
                if not info.missing_settings
            )
            return HelpReply(locale, profile.tz, usable)
        if isinstance(command, CancelCommand):
            actor = await self._actor(asker.user_id, profile, rules)
            outcome = await self._invites.cancel(command.invite_id, actor)
            return CancelReply(locale, command.invite_id, outcome, await self._who_may(command.invite_id, outcome))
        if isinstance(command, ListCommand):
            titles = {name: info.title for name, info in providers.items()}
            listing = await self._invites.listing(asker.user_id, asker.channel_id, asker.team_id or None)
            return ListReply(locale, listing, titles)
        try:
            return await self._store(command, asker, profile, text, providers, request_key, rules)
        except ParseError as exc:
            return ErrorReply(locale, exc)

    async def form_setup(self, user_id: str, team_id: str | None = None) -> FormSetup:
        """The user's language and zone, and the providers the form may offer them (`team_id`'s defaults first)."""
        rules = await self._rules_for(team_id) if team_id else self._rules
        profile = await self._asker_profile(user_id, rules)
        choices = provider_choices(self._providers(), rules.default_provider)
        return FormSetup(self._locale_of(profile.locale, self._rules.default_locale), profile.tz, choices)

    def prefill_from_message(self, text: str) -> DialForm:
        """The form for "Dial these people" on a message: its mentions and the numbers in it this workspace dials."""
        return prefill_from_message(text, self._rules.policy)

    async def preview(self, phrase: str, user_id: str) -> PreviewReply:
        """How `phrase` reads for this user now: what the form shows under its time box."""
        profile = await self._asker_profile(user_id)
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        try:
            when, _ = await _read_off_loop(read_schedule, phrase, self._context(profile, self._providers()))
        except ParseError as exc:
            return PreviewReply(locale, profile.tz, phrase, error=exc)
        return PreviewReply(locale, profile.tz, phrase, Preview(phrase, when))

    async def submit_form(
        self, form: DialForm, asker: Asker, preview: Preview | None = None
    ) -> ScheduledReply | SeriesReply | LaunchHeld | FormErrorReply:
        """Read a submitted form like typed text and schedule it; a time previewed for the same phrase is kept."""
        rules = await self._rules_for(asker.team_id)
        profile = await self._asker_profile(asker.user_id, rules)
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        providers = self._providers()
        try:
            draft = await _read_off_loop(read_form, form, self._context(profile, providers, None, rules), preview)
        except FormErrors as exc:
            return FormErrorReply(locale, exc.errors)
        try:
            written = json.dumps(asdict(form), ensure_ascii=False)
            return await self._store(draft, asker, profile, written, providers, None, rules)
        except ParseError as exc:
            return FormErrorReply(locale, {_FIELD_OF.get(exc.problem, FormField.PROVIDER): exc})

    async def home(self, user_id: str, page: int = 0, channel_ids: Sequence[str] | None = ()) -> HomeReply:
        """A user's App Home, page `page`: their invites and the upcoming ones of `channel_ids`, the channels
        they are in (None: those could not be read, so the home says so and shows their own)."""
        profile = await self._asker_profile(user_id)
        titles = {name: info.title for name, info in self._providers().items()}
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        found = await self._invites.home(user_id, page, channel_ids or (), profile.team_id)
        return HomeReply(locale, found, profile.is_admin, titles, channels_unlisted=channel_ids is None)

    async def roster(self, invite_id: int, user_id: str) -> RosterReply | None:
        """The View all button under a long roster: every call, in the presser's language (None: no such invite)."""
        found = await self._invites.roster(invite_id)
        if found is None:
            return None
        profile = await self._asker_profile(user_id)
        invite, attempts = found
        info = self._providers().get(invite.provider)
        return RosterReply(self._locale(profile), invite, attempts, info.title if info else invite.provider)

    async def cancel(self, invite_id: int, user_id: str) -> CancelReply:
        """The cancel button on a thread parent."""
        profile = await self._asker_profile(user_id)
        outcome = await self._invites.cancel(invite_id, await self._invite_actor(invite_id, user_id, profile))
        return CancelReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def unreadable_button(self, value: str, user_id: str) -> ErrorReply:
        """A button whose value names no invite (a forged or mangled payload): say so, do nothing."""
        profile = await self._asker_profile(user_id)
        return ErrorReply(self._locale(profile), ParseError(ParseProblem.BAD_BUTTON, {"text": value[:40]}))

    async def dial_now(self, invite_id: int, user_id: str) -> ButtonReply:
        """The Dial now button: fire a scheduled invite early."""
        profile = await self._asker_profile(user_id)
        outcome = await self._invites.dial_now(invite_id, await self._invite_actor(invite_id, user_id, profile))
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def postpone(self, invite_id: int, user_id: str) -> ButtonReply:
        """The reminder's Postpone button: the run moves 10 minutes later."""
        assert self._reminders is not None, "reminders are wired in build_dialout"
        profile = await self._asker_profile(user_id)
        outcome = await self._reminders.postpone(invite_id, await self._invite_actor(invite_id, user_id, profile))
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def skip_me(self, invite_id: int, attempt_id: int, user_id: str) -> ButtonReply:
        """Skip me in a reminder DM: only the presser's own call is withdrawn."""
        assert self._reminders is not None, "reminders are wired in build_dialout"
        profile = await self._asker_profile(user_id)
        outcome = await self._reminders.skip_me(invite_id, attempt_id, user_id)
        return ButtonReply(self._locale(profile), invite_id, outcome)

    async def hang_up(self, invite_id: int, user_id: str) -> ButtonReply:
        """The Hang up all button: end every open call of a dialling invite."""
        profile = await self._asker_profile(user_id)
        outcome = await self._invites.hang_up(invite_id, await self._invite_actor(invite_id, user_id, profile))
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def confirm_redial(self, invite_id: int, user_id: str) -> RedialConfirmation | ButtonReply:
        """The Redial failed button: who would be called again, or why nobody would be."""
        profile = await self._asker_profile(user_id)
        locale = self._locale(profile)
        rules = await self._invite_rules(invite_id)
        actor = await self._actor(user_id, profile, rules)
        plan = await self._invites.confirm_redial(invite_id, actor, rules.policy)
        if isinstance(plan, RedialOutcome):
            return ButtonReply(locale, invite_id, plan, await self._who_may(invite_id, plan))
        info = self._providers().get(plan.invite.provider)
        return RedialConfirmation(locale, plan, info.title if info else plan.invite.provider)

    async def redial(self, invite_id: int, user_id: str) -> ButtonReply:
        """Redial failed, confirmed: place the new calls (permission and state are checked again)."""
        profile = await self._asker_profile(user_id)
        rules = await self._invite_rules(invite_id)
        actor = await self._actor(user_id, profile, rules)
        outcome = await self._invites.redial_failed(invite_id, actor, rules.policy)
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def open_edit(self, invite_id: int, user_id: str) -> EditSetup | ButtonReply:
        """The Edit button: the form prefilled with the invite as it is, or why it can't be edited."""
        profile = await self._asker_profile(user_id)
        locale = self._locale(profile)
        editing = await self._invites.editing(invite_id, await self._invite_actor(invite_id, user_id, profile))
        if isinstance(editing, EditOutcome):
            return ButtonReply(locale, invite_id, editing, await self._who_may(invite_id, editing))
        invite = editing.invite
        setup = FormSetup(locale, profile.tz, provider_choices(self._providers(), self._rules.default_provider))
        values = form_of_invite(invite, editing.attempts, profile.tz)
        # The phrase shown stands for the exact instant stored: an untouched time box keeps it.
        preview = Preview(values.when, When(invite.due_at))
        return EditSetup(setup, invite_id, invite.channel_id, editing.version, values, preview)

    async def submit_edit(
        self, invite_id: int, version: str, form: DialForm, asker: Asker, preview: Preview | None = None
    ) -> EditReply | FormErrorReply:
        """Read a submitted Edit form like a new one, then change the invite if nobody did meanwhile."""
        rules = await self._invite_rules(invite_id)
        profile = await self._asker_profile(asker.user_id, rules)
        locale = self._locale(profile)
        providers = self._providers()
        try:
            draft = read_form(form, self._context(profile, providers, None, rules), preview)
            if draft.recurrence is not None:  # one invite can't become a series: start one with /dial
                raise FormErrors({FormField.WHEN: ParseError(ParseProblem.RECURRING, {"phrase": form.when[:200]})})
            parties = await self._parties(draft, asker, profile, providers, rules)
            invite = await self._invites.get(invite_id)
            owner = Asker(invite.created_by, invite.team_id, asker.channel_id) if invite else asker
            await self._within_limits(owner, draft.when.at, parties, stored=True)  # counted for whoever made it
        except FormErrors as exc:
            return FormErrorReply(locale, exc.errors)
        except ParseError as exc:
            return FormErrorReply(locale, {_FIELD_OF.get(exc.problem, FormField.PROVIDER): exc})
        change = InviteChange(
            provider=draft.provider,
            target=draft.target,
            due_at=draft.when.at.astimezone(self._clock.now().tzinfo),
            parties=tuple(parties),
            max_duration_s=draft.max_duration_s,
            options=dict(draft.options),
        )
        edited = await self._invites.edit(invite_id, await self._actor(asker.user_id, profile, rules), version, change)
        return EditReply(
            locale,
            invite_id,
            edited.outcome,
            await self._who_may(invite_id, edited.outcome),
            change.due_at if edited.moved else None,
            profile.tz,
            edited.changes,
        )

    async def open_add_people(self, invite_id: int, user_id: str) -> AddPeopleSetup | ButtonReply:
        """The Add people button: the small modal, or why nobody can be added."""
        profile = await self._asker_profile(user_id)
        locale = self._locale(profile)
        outcome = await self._invites.may_add_people(invite_id, await self._invite_actor(invite_id, user_id, profile))
        if outcome is not AddPeopleOutcome.ADDED:
            return ButtonReply(locale, invite_id, outcome, await self._who_may(invite_id, outcome))
        return AddPeopleSetup(locale, invite_id)

    async def submit_add_people(self, invite_id: int, form: DialForm, asker: Asker) -> AddPeopleReply | FormErrorReply:
        """Read the people and numbers like the form's, resolve them, and add whoever is new."""
        profile = await self._asker_profile(asker.user_id)
        locale = self._locale(profile)
        invite = await self._invites.get(invite_id)
        if invite is None:
            return AddPeopleReply(locale, invite_id, AddPeopleOutcome.NOT_FOUND)
        rules = await self._rules_for(invite.team_id)
        try:
            people = read_people(form, rules.policy)
            draft = people.as_draft(invite.target, invite.provider, When(self._clock.now(), is_now=True))
            parties = await self._resolve(draft, profile, rules)
            await self._added_within_limits(invite, asker, parties)
        except FormErrors as exc:
            return FormErrorReply(locale, exc.errors)
        except ParseError as exc:
            return FormErrorReply(locale, {_FIELD_OF.get(exc.problem, FormField.NUMBERS): exc})
        actor = await self._actor(asker.user_id, profile, rules)
        added = await self._invites.add_people(invite_id, actor, parties)
        who_may = await self._who_may(invite_id, added.outcome)
        return AddPeopleReply(locale, invite_id, added.outcome, who_may, added.changes)

    async def _added_within_limits(self, invite: Invite, asker: Asker, parties: Sequence[Party]) -> None:
        """Add people read under the same limits: the invite's calls with the new ones, at its time.

        The invite's creator and workspace are the ones counted (the calls are placed for them).
        """
        found = await self._invites.roster(invite.id or 0)
        known = {(a.party.kind, a.party.address) for a in found[1]} if found else set()
        new = [p for p in parties if (p.kind, p.address) not in known]
        owner = Asker(invite.created_by, invite.team_id, asker.channel_id)
        at = max(invite.due_at, self._clock.now())
        await self._within_limits(owner, at, new, total=len(known) + len(new), stored=True)

    async def place_added(self, invite_id: int) -> None:
        """After Add people was answered: place the new calls now if the invite is being dialled."""
        await self._invites.place_added(invite_id)

    async def _resolve(
        self, draft: InviteDraft, profile: UserProfile, rules: RequestRules | None = None
    ) -> list[Party]:
        """The draft's parties, mentions turned into numbers from Slack profiles (ParseError: someone has none)."""
        profiles = dict(
            zip(
                draft.mentions,
                await asyncio.gather(*(self._directory.profile(u) for u in draft.mentions)),
                strict=True,
            )
        )
        return resolve_parties(draft, profiles, (rules or self._rules).policy)

    async def _parties(
        self,
        draft: InviteDraft,
        asker: Asker,
        profile: UserProfile,
        providers: Mapping[str, ProviderInfo],
        rules: RequestRules | None = None,
    ) -> list[Party]:
        """Resolve the draft's people, check where it reports and what the provider says (ParseError if not)."""
        parties = await self._resolve(draft, profile, rules)
        if not await self._directory.can_post(asker.channel_id):
            raise ParseError(ParseProblem.CANNOT_POST_HERE, {})
        info = providers.get(draft.provider)
        accounts = await self._invites.accounts_for(asker.team_id)
        refused = info.precheck(asker.user_id, draft.target, parties, accounts) if info and info.precheck else None
        if refused:
            raise ParseError(ParseProblem.PROVIDER_REFUSED, {"provider": draft.provider, "code": refused})
        return parties

    async def _within_limits(
        self,
        asker: Asker,
        at: datetime | None,
        parties: Sequence[Party],
        *,
        total: int | None = None,
        stored: bool = False,
    ) -> None:
        """Refuse (ParseError naming the rule) what the workspace's dialing limits forbid for `parties` at `at`.

        The same rules hold again when each call is placed (core/dial_gate.py); refusing here says
        why before anything is stored. `total`: the invite's parties with these (Add people), for
        the limit per invite; by default these are all of them. `at` None: no one time to check.
        `stored`: an invite already scheduled (Edit, Add people), which cannot go back to wait for an
        approval it never needed: growing it past APPROVAL_OVER is refused (a new invite waits instead).
        """
        workspace = await self._settings_or_rules.for_team(asker.team_id)
        limits = workspace.limits
        count = len(parties) if total is None else total
        if over_max_parties(limits, count):
            raise ParseError(ParseProblem.POLICY_MAX_PARTIES, {"count": count, "max": limits.max_parties})
        if stored and needs_approval(limits, count):
            raise ParseError(ParseProblem.POLICY_APPROVAL, {"count": count, "max": limits.approval_over})
        if at is None:
            return
        quiet = quiet_parties(parties, at, limits.quiet_hours, workspace.default_tz)
        if quiet and limits.quiet_hours is not None:
            zone = callee_zone(quiet[0], workspace.default_tz)
            params = {"hours": limits.quiet_hours.written(), "n": len(quiet), "zone": zone}
            raise ParseError(ParseProblem.POLICY_QUIET_HOURS, params)
        now = self._clock.now()
        quota = daily_quota(limits, asker.team_id, asker.user_id, now, workspace.default_tz)
        if not quota.limited or not quota.day_start <= at < quota.day_end:
            return  # a later day's allowance is counted on that day, when its calls are placed
        refused = daily_refusal(quota, await self._invites.daily_use(quota), len(parties))
        if refused is not None:
            rule, left = refused
            limit = quota.per_user if rule is Rule.DAILY_USER else quota.per_workspace
            raise ParseError(_DAILY_PROBLEMS[rule], {"count": len(parties), "left": left, "limit": limit})

    async def _store(
        self,
        draft: InviteDraft,
        asker: Asker,
        profile: UserProfile,
        text: str,
        providers: Mapping[str, ProviderInfo],
        request_key: str | None = None,
        rules: RequestRules | None = None,
    ) -> ScheduledReply | SeriesReply | LaunchHeld:
        """Resolve the draft's people, check where it reports and what the provider says, then store it.

        Raises ParseError (nothing stored) for what only Slack or the provider can tell.
        """
        rules = rules or self._rules
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        parties = await self._parties(draft, asker, profile, providers, rules)
        info = providers.get(draft.provider)
        title = info.title if info else draft.provider
        now = self._clock.now()
        # A series' runs are checked against the day and the hours when each is dialled (core/dial_gate.py).
        await self._within_limits(asker, draft.when.at if draft.recurrence is None else None, parties)
        if draft.recurrence is not None and self._series is not None:
            reminder = remind_minutes(draft.remind_minutes, draft.remind_dm, rules.reminder_minutes)
            asked = series_of_draft(draft, asker, locale, parties, text, request_key, reminder)
            series = await self._series.start(asked)
            upcoming = tuple(series.upcoming(now, UPCOMING_SHOWN))
            return SeriesReply(locale, profile.tz, series, len(parties), title, upcoming, self._series.lead_min)
        if draft.recurrence is not None:
            raise ParseError(ParseProblem.RECURRING, {"phrase": text[:200]})
        invite = Invite(
            team_id=asker.team_id,
            channel_id=asker.channel_id,
            created_by=asker.user_id,
            provider=draft.provider,
            target=draft.target,
            due_at=draft.when.at.astimezone(now.tzinfo),
            tz=profile.tz,
            locale=locale,
            max_duration_s=draft.max_duration_s,
            options=dict(draft.options),
            created_at=now,
            source_text=text,
            request_key=request_key,
            remind_minutes=remind_minutes(draft.remind_minutes, draft.remind_dm, rules.reminder_minutes),
            remind_dm=draft.remind_dm,
            retry=draft.retry,
        )
        if self._launches and self._launches.needs_confirmation(parties):
            launch_id, summary = await self._launches.hold(invite, parties)
            return LaunchHeld(locale, launch_id, invite, summary, self._launches.confirm_over)
        saved = await self._invites.schedule(invite, parties)
        profiles = {u: await self._directory.profile(u) for u in draft.mentions}  # cached by the directory
        assumed = assumed_regions(draft.mentions, profiles, rules.policy)
        return ScheduledReply(locale, saved, len(parties), title, assumed)

    async def approve(self, invite_id: int, user_id: str) -> ButtonReply:
        """Approve on an invite awaiting approval (workspace admins and the invite admin group only)."""
        return await self._decide(invite_id, user_id, approve=True)

    async def decline(self, invite_id: int, user_id: str) -> ButtonReply:
        """Decline on an invite awaiting approval: it is cancelled."""
        return await self._decide(invite_id, user_id, approve=False)

    async def _decide(self, invite_id: int, user_id: str, *, approve: bool) -> ButtonReply:
        assert self._approvals is not None, "approvals are wired in build_dialout"
        profile = await self._asker_profile(user_id)
        rules = await self._invite_rules(invite_id)  # the invite's workspace names its admin group
        actor = await self._actor(user_id, profile, rules)
        outcome = await (self._approvals.approve if approve else self._approvals.decline)(invite_id, actor)
        # Refused: named who may decide (admins, the group); the creator is not among them here.
        who_may = WhoMay("", rules.admin_group) if outcome is ApprovalOutcome.ADMINS_ONLY else None
        return ButtonReply(self._locale(profile), invite_id, outcome, who_may)

    async def pause_dialling(self, invite_id: int, user_id: str, *, resume: bool = False) -> ButtonReply:
        """Pause dialling (or Resume dialling, `resume`) on a thread parent."""
        assert self._bulk is not None
        profile = await self._asker_profile(user_id)
        actor = await self._invite_actor(invite_id, user_id, profile)
        outcome = await (self._bulk.resume if resume else self._bulk.pause)(invite_id, actor)
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def settle_launch(self, launch_id: int, user_id: str, *, confirm: bool) -> ScheduledReply | LaunchReply:
        """Confirm (schedule exactly what was summarised, once) or Cancel a held bulk launch."""
        assert self._launches is not None
        profile = await self._asker_profile(user_id)
        actor = await self._actor(user_id, profile)
        if not confirm:
            return LaunchReply(self._locale(profile), await self._launches.cancel(launch_id, actor))
        done = await self._launches.confirm(launch_id, actor)
        if done.invite is None:
            return LaunchReply(self._locale(profile), done.outcome)
        info = self._providers().get(done.invite.provider)
        return ScheduledReply(self._locale(profile), done.invite, done.count, info.title if info else "")
