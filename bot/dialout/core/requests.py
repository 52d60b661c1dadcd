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
from dataclasses import asdict, dataclass, field
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
from bot.dialout.core.models import Invite, InviteChange, TargetKind
from bot.dialout.core.outcomes import (
    Actor,
    AddPeopleOutcome,
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
    ) -> None:
        """`bulk` serves Pause/Resume dialling; `launches` holds bulk launches for Confirm (None: never)."""
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

    async def _asker_profile(self, user_id: str) -> UserProfile:
        profile = await self._directory.profile(user_id)
        return profile or UserProfile(user_id, tz=self._rules.default_tz, locale=self._rules.default_locale)

    def _locale(self, profile: UserProfile) -> str:
        return self._locale_of(profile.locale, self._rules.default_locale)

    async def quick_locale(self, user_id: str, within_s: float = 1.0) -> str:
        """The user's language for an answer that cannot wait (an ack): theirs, or the default if slow.

        Their profile is usually cached; when Slack must be asked and is slow, the answer goes out in
        the workspace's language rather than after Slack's 3 s.
        """
        try:
            return self._locale(await asyncio.wait_for(self._asker_profile(user_id), within_s))
        except (TimeoutError, LookupFailed):
            return self._rules.default_locale

    async def _actor(self, user_id: str, profile: UserProfile) -> Actor:
        """The presser as the core's one permission rule sees them (admin, or in the admin group)."""
        name, team = profile.real_name, profile.team_id
        if profile.is_admin:
            return Actor(user_id, privileged=True, name=name, team_id=team)
        group = self._rules.admin_group
        if not group:
            return Actor(user_id, name=name, team_id=team)
        try:
            return Actor(user_id, privileged=user_id in await self._groups.members(group), name=name, team_id=team)
        except LookupFailed as exc:  # unsure who is in the group: only the creator may act; try again later
            log.warning("could not read the members of user group %s (%s)", group, exc)
            return Actor(user_id, name=name, team_id=team)

    async def presser(self, user_id: str) -> Presser:
        """Who is asking, as the permission rule sees them, in their language and zone (series controls)."""
        profile = await self._asker_profile(user_id)
        return Presser(await self._actor(user_id, profile), self._locale(profile), profile.tz)

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
        return WhoMay(creator or "", self._rules.admin_group, name)

    def _context(
        self, profile: UserProfile, providers: Mapping[str, ProviderInfo], now: datetime | None = None
    ) -> ParseContext:
        return ParseContext(
            now=now or self._clock.now(),
            tz=profile.tz,
            policy=self._rules.policy,
            providers=providers,
            default_provider=self._rules.default_provider,
        )

    async def handle_text(
        self, text: str, asker: Asker, *, received_at: datetime | None = None, request_key: str | None = None
    ) -> Reply:
        """Read and carry out one `/dial` command.

        `received_at` is when Slack sent it: "in 10 minutes" counts from then even when a crash
        delayed carrying it out. `request_key` names the acknowledged command, so carrying it out
        twice makes one invite.
        """
        profile = await self._asker_profile(asker.user_id)
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        providers = self._providers()
        context = self._context(profile, providers, received_at)
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
            actor = await self._actor(asker.user_id, profile)
            outcome = await self._invites.cancel(command.invite_id, actor)
            return CancelReply(locale, command.invite_id, outcome, await self._who_may(command.invite_id, outcome))
        if isinstance(command, ListCommand):
            titles = {name: info.title for name, info in providers.items()}
            listing = await self._invites.listing(asker.user_id, asker.channel_id, asker.team_id or None)
            return ListReply(locale, listing, titles)
        try:
            return await self._store(command, asker, profile, text, providers, request_key)
        except ParseError as exc:
            return ErrorReply(locale, exc)

    async def form_setup(self, user_id: str) -> FormSetup:
        """The user's language and zone, and the providers the form may offer them."""
        profile = await self._asker_profile(user_id)
        choices = provider_choices(self._providers(), self._rules.default_provider)
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
        profile = await self._asker_profile(asker.user_id)
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        providers = self._providers()
        try:
            draft = await _read_off_loop(read_form, form, self._context(profile, providers), preview)
        except FormErrors as exc:
            return FormErrorReply(locale, exc.errors)
        try:
            return await self._store(draft, asker, profile, json.dumps(asdict(form), ensure_ascii=False), providers)
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
        outcome = await self._invites.cancel(invite_id, await self._actor(user_id, profile))
        return CancelReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def unreadable_button(self, value: str, user_id: str) -> ErrorReply:
        """A button whose value names no invite (a forged or mangled payload): say so, do nothing."""
        profile = await self._asker_profile(user_id)
        return ErrorReply(self._locale(profile), ParseError(ParseProblem.BAD_BUTTON, {"text": value[:40]}))

    async def dial_now(self, invite_id: int, user_id: str) -> ButtonReply:
        """The Dial now button: fire a scheduled invite early."""
        profile = await self._asker_profile(user_id)
        outcome = await self._invites.dial_now(invite_id, await self._actor(user_id, profile))
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def postpone(self, invite_id: int, user_id: str) -> ButtonReply:
        """The reminder's Postpone button: the run moves 10 minutes later."""
        assert self._reminders is not None, "reminders are wired in build_dialout"
        profile = await self._asker_profile(user_id)
        outcome = await self._reminders.postpone(invite_id, await self._actor(user_id, profile))
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
        outcome = await self._invites.hang_up(invite_id, await self._actor(user_id, profile))
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def confirm_redial(self, invite_id: int, user_id: str) -> RedialConfirmation | ButtonReply:
        """The Redial failed button: who would be called again, or why nobody would be."""
        profile = await self._asker_profile(user_id)
        locale = self._locale(profile)
        actor = await self._actor(user_id, profile)
        plan = await self._invites.confirm_redial(invite_id, actor, self._rules.policy)
        if isinstance(plan, RedialOutcome):
            return ButtonReply(locale, invite_id, plan, await self._who_may(invite_id, plan))
        info = self._providers().get(plan.invite.provider)
        return RedialConfirmation(locale, plan, info.title if info else plan.invite.provider)

    async def redial(self, invite_id: int, user_id: str) -> ButtonReply:
        """Redial failed, confirmed: place the new calls (permission and state are checked again)."""
        profile = await self._asker_profile(user_id)
        actor = await self._actor(user_id, profile)
        outcome = await self._invites.redial_failed(invite_id, actor, self._rules.policy)
        return ButtonReply(self._locale(profile), invite_id, outcome, await self._who_may(invite_id, outcome))

    async def open_edit(self, invite_id: int, user_id: str) -> EditSetup | ButtonReply:
        """The Edit button: the form prefilled with the invite as it is, or why it can't be edited."""
        profile = await self._asker_profile(user_id)
        locale = self._locale(profile)
        editing = await self._invites.editing(invite_id, await self._actor(user_id, profile))
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
        profile = await self._asker_profile(asker.user_id)
        locale = self._locale(profile)
        providers = self._providers()
        try:
            draft = read_form(form, self._context(profile, providers), preview)
            if draft.recurrence is not None:  # one invite can't become a series: start one with /dial
                raise FormErrors({FormField.WHEN: ParseError(ParseProblem.RECURRING, {"phrase": form.when[:200]})})
            parties = await self._parties(draft, asker, profile, providers)
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
        edited = await self._invites.edit(invite_id, await self._actor(asker.user_id, profile), version, change)
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
        outcome = await self._invites.may_add_people(invite_id, await self._actor(user_id, profile))
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
        try:
            people = read_people(form, self._rules.policy)
            draft = people.as_draft(invite.target, invite.provider, When(self._clock.now(), is_now=True))
            parties = await self._resolve(draft, profile)
        except FormErrors as exc:
            return FormErrorReply(locale, exc.errors)
        except ParseError as exc:
            return FormErrorReply(locale, {_FIELD_OF.get(exc.problem, FormField.NUMBERS): exc})
        actor = await self._actor(asker.user_id, profile)
        added = await self._invites.add_people(invite_id, actor, parties)
        who_may = await self._who_may(invite_id, added.outcome)
        return AddPeopleReply(locale, invite_id, added.outcome, who_may, added.changes)

    async def place_added(self, invite_id: int) -> None:
        """After Add people was answered: place the new calls now if the invite is being dialled."""
        await self._invites.place_added(invite_id)

    async def _resolve(self, draft: InviteDraft, profile: UserProfile) -> list[Party]:
        """The draft's parties, mentions turned into numbers from Slack profiles (ParseError: someone has none)."""
        profiles = dict(
            zip(
                draft.mentions,
                await asyncio.gather(*(self._directory.profile(u) for u in draft.mentions)),
                strict=True,
            )
        )
        return resolve_parties(draft, profiles, self._rules.policy)

    async def _parties(
        self, draft: InviteDraft, asker: Asker, profile: UserProfile, providers: Mapping[str, ProviderInfo]
    ) -> list[Party]:
        """Resolve the draft's people, check where it reports and what the provider says (ParseError if not)."""
        parties = await self._resolve(draft, profile)
        if not await self._directory.can_post(asker.channel_id):
            raise ParseError(ParseProblem.CANNOT_POST_HERE, {})
        info = providers.get(draft.provider)
        refused = info.precheck(asker.user_id, draft.target, parties) if info and info.precheck else None
        if refused:
            raise ParseError(ParseProblem.PROVIDER_REFUSED, {"provider": draft.provider, "code": refused})
        return parties

    async def _store(
        self,
        draft: InviteDraft,
        asker: Asker,
        profile: UserProfile,
        text: str,
        providers: Mapping[str, ProviderInfo],
        request_key: str | None = None,
    ) -> ScheduledReply | SeriesReply | LaunchHeld:
        """Resolve the draft's people, check where it reports and what the provider says, then store it.

        Raises ParseError (nothing stored) for what only Slack or the provider can tell.
        """
        locale = self._locale_of(profile.locale, self._rules.default_locale)
        parties = await self._parties(draft, asker, profile, providers)
        info = providers.get(draft.provider)
        title = info.title if info else draft.provider
        now = self._clock.now()
        if draft.recurrence is not None and self._series is not None:
            reminder = remind_minutes(draft.remind_minutes, draft.remind_dm, self._rules.reminder_minutes)
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
            remind_minutes=remind_minutes(draft.remind_minutes, draft.remind_dm, self._rules.reminder_minutes),
            remind_dm=draft.remind_dm,
            retry=draft.retry,
        )
        if self._launches and self._launches.needs_confirmation(parties):
            launch_id, summary = await self._launches.hold(invite, parties)
            return LaunchHeld(locale, launch_id, invite, summary, self._launches.confirm_over)
        saved = await self._invites.schedule(invite, parties)
        profiles = {u: await self._directory.profile(u) for u in draft.mentions}  # cached by the directory
        assumed = assumed_regions(draft.mentions, profiles, self._rules.policy)
        return ScheduledReply(locale, saved, len(parties), title, assumed)

    async def pause_dialling(self, invite_id: int, user_id: str, *, resume: bool = False) -> ButtonReply:
        """Pause dialling (or Resume dialling, `resume`) on a thread parent."""
        assert self._bulk is not None
        profile = await self._asker_profile(user_id)
        actor = await self._actor(user_id, profile)
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
