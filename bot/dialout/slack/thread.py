"""Pure builders for an invite's thread: the parent message, the roster and the replies.

Each takes the invite's current state from the store and returns (fallback text, blocks);
nothing here remembers the previous message, so duplicate or out-of-order events can
never leave a wrong line behind: the next render simply shows the truth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.dialout.core.models import (
    CallAttempt,
    Invite,
    InviteStatus,
    TargetKind,
    everyone_reached,
    party_outcomes,
    redial_candidates,
)
from bot.dialout.core.pacing import BURST
from bot.dialout.core.series import series_of_occurrence
from bot.dialout.slack.progress import describe_pacing, is_unsent
from bot.dialout.slack.retry_view import describe_retries_used, describe_waiting_retry
from bot.kernel.states import CallState, FailReason
from bot.slack import ids
from bot.slack.lines import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    STATE_ICONS,
    describe_person,
    explain_code,
    format_local,
    no_markup,
    reason_words,
    slack_date,
)
from bot.slack.messages import CATALOGUE, t

ROSTER_TEXT_BUDGET = 12000  # keep the whole roster message far below Slack's size limits
_ICONS = STATE_ICONS
_HANDED_OVER_ICON = ":inbox_tray:"
_STATE_ORDER = list(CallState)


@dataclass(frozen=True)
class View:
    """How to render: language, number masking, the instant 'now', provider facts."""

    locale: str
    mask_numbers: bool
    now: datetime
    handed_over: bool = False  # the provider reports no per-call status (Quanshi)
    provider_title: str = ""
    provider: str = ""  # registry name, for provider-specific error explanations
    can_hang_up: bool = False  # the provider can end calls it placed (Hang up all is offered)
    names: Mapping[str, str] = field(default_factory=dict)  # Slack user id → name, shown as text
    pace_per_min: float = 0.0  # the invite's provider pace (core/pacing.py), for the time left; 0: unpaced


def _relative(seconds: float, locale: str) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 90:
        return t("relative.minutes", locale, n=minutes)
    hours = round(minutes / 60)
    if hours < 48:
        return t("relative.hours", locale, n=hours)
    return t("relative.days", locale, n=round(hours / 24))


def _is_now(invite: Invite, view: View) -> bool:
    created = invite.created_at or view.now
    return abs((invite.due_at - created).total_seconds()) < 5


def describe_when(invite: Invite, view: View) -> str:
    """'now' or 'Thu 26 Nov 15:00 UTC+8 (in 5 h)', as of `view.now`: for answers read once, right away."""
    if _is_now(invite, view):
        return t("when.now", view.locale)
    local = format_local(invite.due_at, invite.tz, view.locale)
    stamp = slack_date(invite.due_at, local)
    ahead = (invite.due_at - view.now).total_seconds()
    if ahead <= 0 or invite.fired_by:  # dialled early: "in 5 h" would no longer be true
        return t("when.at_past", view.locale, at=stamp)
    return t("when.at", view.locale, at=stamp, relative=_relative(ahead, view.locale))


def describe_schedule(invite: Invite, view: View, *, plain: bool = False) -> str:
    """The parent's time, which stays on screen for hours: no 'in 5 h' computed now and stale later.

    Slack's date token shows it in each reader's zone with Slack's own 'Today'/'Tomorrow'; `plain`
    (push notifications) gives the wall time in the invite's zone. An invite for "now" shows when it
    was dialled.
    """

    def at(moment: datetime) -> str:
        local = format_local(moment, invite.tz, view.locale)
        return local if plain else slack_date(moment, local)

    if _is_now(invite, view):
        if invite.fired_at is None:
            return t("when.now", view.locale)
        return t("when.now_dialled", view.locale, at=at(invite.fired_at))
    return at(invite.due_at)


def describe_user(user_id: str, view: View) -> str:
    """A Slack user by name, as text: a `<@mention>` on the parent would ping them about their own command."""
    name = view.names.get(user_id)
    return no_markup(name) if name else user_id


def describe_target(invite: Invite, locale: str) -> str:
    """'conference 42', 'meeting 9876543', 'live event 542818'."""
    return t(f"target.{invite.target.kind.value}", locale, id=invite.target.id)


def describe_count(invite: Invite, total: int, locale: str) -> str:
    """'3 people' or '2 rooms'."""
    rooms = invite.target.kind is TargetKind.MEETING
    if total == 1:
        return t("count.room" if rooms else "count.person", locale)
    return t("count.rooms" if rooms else "count.people", locale, n=total)


def describe_party(attempt: CallAttempt, view: View) -> str:
    """How a party is named in Slack: a mention with a masked number, a number, or a room."""
    return describe_person(attempt.party, view.mask_numbers, view.locale)


def _is_handed_over(attempt: CallAttempt, view: View) -> bool:
    return view.handed_over and attempt.state is CallState.QUEUED and attempt.provider_call_id is not None


def describe_state(attempt: CallAttempt, view: View) -> str:
    """The state word for a roster line."""
    if _is_handed_over(attempt, view):
        return t("state.handed_over", view.locale)
    if attempt.state is CallState.COMPLETED:
        # Someone who was in and hung up joined: "left" read as if they never came.
        if attempt.answered_at and attempt.ended_at:
            minutes = max(1, round((attempt.ended_at - attempt.answered_at).total_seconds() / 60))
            return t("state.joined_for", view.locale, minutes=minutes)
        return t("state.answered", view.locale)
    return t(f"state.{attempt.state.value}", view.locale)


def describe_reason(attempt: CallAttempt, locale: str) -> str:
    """The failure reason in words ('busy', 'no answer', …); a call a policy limit kept from being
    dialled names the rule (`policy_rule.<rule>`), wherever the thread lists who was not dialled."""
    rule = f"policy_rule.{attempt.provider_code}"
    if attempt.reason is FailReason.POLICY and rule in CATALOGUE:
        return t("reason.policy_rule", locale, rule=t(rule, locale))
    return reason_words(attempt.reason, locale)


_VENDOR_REASONS = {FailReason.PROVIDER_REJECTED, FailReason.PROVIDER_ERROR, FailReason.AUTH, FailReason.RATE_LIMITED}


def explain_failure(attempt: CallAttempt, view: View) -> str | None:
    """The provider's error in words: from the catalogue (`error.<provider>.<code>`) when the code is
    documented, else the provider's own message for errors that are the vendor's, else nothing."""
    explained = explain_code(view.provider, attempt.provider_code, view.locale)
    if explained:
        return explained
    if attempt.detail and attempt.reason in _VENDOR_REASONS:
        return attempt.detail[:160]
    return None


def build_line(attempt: CallAttempt, view: View) -> str:
    """One roster line: icon, who, state and, for failures, why."""
    icon = _HANDED_OVER_ICON if _is_handed_over(attempt, view) else _ICONS[attempt.state]
    who = describe_party(attempt, view)
    state = describe_waiting_retry(attempt, view.locale) or describe_state(attempt, view)
    if attempt.state is CallState.FAILED and attempt.reason:
        reason = describe_reason(attempt, view.locale)
        detail = explain_failure(attempt, view)
        if detail:
            return t("line.with_detail", view.locale, icon=icon, who=who, state=state, reason=reason, detail=detail)
        return t("line.with_reason", view.locale, icon=icon, who=who, state=state, reason=reason)
    return t("line.plain", view.locale, icon=icon, who=who, state=state)


def has_joined(attempt: CallAttempt) -> bool:
    """In the conference now or earlier (completed means they left after joining, even if 'answered' was lost)."""
    return attempt.state in {CallState.ANSWERED, CallState.COMPLETED} or attempt.answered_at is not None


def describe_counts(parties: Sequence[CallAttempt], view: View) -> str:
    """'2 of 5 joined · 1 ringing · 1 failed': the same words on the parent, the roster and the summary."""
    joined = sum(1 for a in parties if has_joined(a))
    counts: Counter[str] = Counter()
    for attempt in parties:
        if not has_joined(attempt):
            counts["handed_over" if _is_handed_over(attempt, view) else attempt.state.value] += 1
    order = [s.value for s in _STATE_ORDER] + ["handed_over"]
    parts = [t("summary.joined", view.locale, joined=joined, total=len(parties))]
    parts += [
        t("count.state", view.locale, n=counts[key], state=t(f"state.{key}", view.locale))
        for key in order
        if counts[key]
    ]
    return " · ".join(parts)


_NEVER_SENT = {FailReason.POLICY, FailReason.MISSED}


def _was_dialled(attempt: CallAttempt) -> bool:
    """Whether a call went out for the party (queued, cancelled first or refused by our policy: no)."""
    if attempt.state in {CallState.QUEUED, CallState.CANCELLED}:
        return attempt.answered_at is not None
    return not (attempt.state is CallState.FAILED and attempt.reason in _NEVER_SENT)


def describe_progress(parties: Sequence[CallAttempt], view: View) -> str:
    """'120/300 dialled · 87 of 300 joined', while an invite is dialling."""
    dialled = sum(1 for a in parties if _was_dialled(a))
    joined = sum(1 for a in parties if has_joined(a))
    return t("parent.progress", view.locale, dialled=dialled, joined=joined, total=len(parties))


def _section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _plain(key: str, locale: str) -> dict[str, str]:
    return {"type": "plain_text", "text": t(key, locale)}


def _button(
    action_id: str, key: str, invite: Invite, locale: str, *, style: str | None = None, confirm: str | None = None
) -> dict[str, Any]:
    """A button acting on `invite` (its id is the value); `confirm` names the words of Slack's confirm dialog."""
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(f"button.{key}", locale),
        "value": str(invite.id),
    }
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = {
            "title": _plain(f"button.{confirm}_confirm_title", locale),
            "text": _plain(f"button.{confirm}_confirm_text", locale),
            "confirm": _plain(f"button.{confirm}_confirm_yes", locale),
            "deny": _plain(f"button.{confirm}_confirm_no", locale),
        }
    return button


def cancel_button(invite: Invite, locale: str) -> dict[str, Any]:
    """The Cancel button, with Slack's own confirmation dialog; the same on the parent and in /dial list."""
    return _button(ids.CANCEL_INVITE_ACTION, "cancel", invite, locale, style="danger", confirm="cancel")


def parent_buttons(invite: Invite, attempts: Sequence[CallAttempt], view: View) -> list[dict[str, Any]]:
    """The buttons that can act on the invite as it is now: nothing is offered that would do nothing.

    Scheduled: Dial now, Edit, Add people, Cancel. Dialling: Hang up all (where the provider can),
    Add people, Cancel. Finished with calls a redial could help: Redial failed (its confirmation
    lists them). Meetings call rooms, not people: they get no Add people.
    """
    locale = view.locale
    add = (
        []
        if invite.target.kind is TargetKind.MEETING
        else [_button(ids.ADD_PEOPLE_ACTION, "add_people", invite, locale)]
    )
    if invite.status is InviteStatus.AWAITING_APPROVAL:  # only admins may press these (core/approvals.py)
        return [
            _button(ids.APPROVE_ACTION, "approve", invite, locale, style="primary"),
            _button(ids.DECLINE_ACTION, "decline", invite, locale, style="danger"),
            cancel_button(invite, locale),
        ]
    if invite.status is InviteStatus.SCHEDULED:
        return [
            _button(ids.DIAL_NOW_ACTION, "dial_now", invite, locale, style="primary", confirm="dial_now"),
            _button(ids.EDIT_ACTION, "edit", invite, locale),
            *add,
            cancel_button(invite, locale),
        ]
    if invite.status is InviteStatus.DIALING:
        buttons = [*add, cancel_button(invite, locale)]
        if view.can_hang_up:
            buttons.insert(0, _button(ids.HANG_UP_ACTION, "hang_up", invite, locale, confirm="hang_up"))
        return pause_buttons(invite, attempts, locale) + buttons
    if invite.status is InviteStatus.DONE and redial_candidates(attempts):
        return [_button(ids.REDIAL_FAILED_ACTION, "redial", invite, locale)]
    return []


def pause_buttons(invite: Invite, attempts: Sequence[CallAttempt], locale: str) -> list[dict[str, Any]]:
    """Resume dialling on a paused invite; Pause dialling on a bulk one, while more calls wait to be
    sent than go at once (a small invite is over before a pause could matter)."""
    if invite.paused_at is not None:
        return [_button(ids.RESUME_DIALLING_ACTION, "resume_dialling", invite, locale, style="primary")]
    if sum(1 for a in attempts if is_unsent(a)) > BURST:
        return [_button(ids.PAUSE_DIALLING_ACTION, "pause_dialling", invite, locale)]
    return []


def _field(label_key: str, value: str, locale: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": t("parent.field", locale, label=t(label_key, locale), value=value)}


def describe_headline(invite: Invite, attempts: Sequence[CallAttempt]) -> str:
    """The status the parent leads with: scheduled, dialing, in_progress, done, missed, cancelled."""
    if invite.status is InviteStatus.DIALING and everyone_reached(attempts):
        return "in_progress"
    return invite.status.value


def build_parent(invite: Invite, attempts: Sequence[CallAttempt], view: View) -> tuple[str, list[dict[str, Any]]]:
    """The thread parent: its status as a header, then what, who, when, provider and by whom, live
    counts while dialling, and the buttons that can act on it now.

    The creator is named as text (they typed the command; a mention would notify them about it), and
    the fallback text, which push notifications show, carries no mrkdwn.
    """
    locale = view.locale
    parties = party_outcomes(attempts)  # a redialled party is counted once
    headline = t(
        "parent.header", locale, id=invite.id, status=t(f"headline.{describe_headline(invite, attempts)}", locale)
    )
    count = describe_count(invite, len(parties), locale)
    target = describe_target(invite, locale)
    provider = view.provider_title or invite.provider
    creator = describe_user(invite.created_by, view)
    fields = [
        _field("parent.what", target, locale),
        _field("parent.who", count, locale),
        _field("parent.when", describe_schedule(invite, view), locale),
        _field("parent.provider", provider, locale),
        _field("parent.by", creator, locale),
    ]
    notes: list[str] = []
    if invite.status is InviteStatus.DIALING and parties:
        notes.append(describe_progress(parties, view))
        notes += describe_pacing(invite, parties, locale, view.pace_per_min, view.names)
    elif parties and invite.status in {InviteStatus.DONE, InviteStatus.MISSED, InviteStatus.CANCELLED}:
        notes.append(describe_counts(parties, view))
    if invite.status is InviteStatus.MISSED:
        notes.append(t("status.missed", locale))
    if invite.status is InviteStatus.AWAITING_APPROVAL:
        notes.append(t("parent.awaiting_approval", locale))
    if invite.fired_by:
        notes.append(t("parent.fired_by", locale, user=describe_user(invite.fired_by, view)))
    series_id = series_of_occurrence(invite.request_key)
    if series_id is not None:
        notes.append(t("parent.series", locale, id=series_id))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {"type": "section", "fields": fields},
    ]
    if notes:
        status = _context(" · ".join(notes))
        status["block_id"] = ids.PARENT_STATUS_BLOCK
        blocks.append(status)
    buttons = parent_buttons(invite, attempts, view)
    if buttons:
        blocks.append({"type": "actions", "block_id": ids.PARENT_ACTIONS_BLOCK, "elements": buttons})
    text = t(
        "parent.text",
        locale,
        headline=headline,
        count=count,
        target=target,
        provider=provider,
        when=describe_schedule(invite, view, plain=True),
        user=creator,
    )
    return "\n".join([text, *notes]), blocks


# What people must look at first: who failed or is still being dialled; joined parties last, so they
# are the ones collapsed into a count when the roster does not fit.
_ROSTER_ORDER = {
    CallState.FAILED: 0,
    CallState.UNKNOWN: 1,
    CallState.RINGING: 2,
    CallState.DIALING: 3,
    CallState.QUEUED: 4,
    CallState.CANCELLED: 5,
    CallState.ANSWERED: 6,
    CallState.COMPLETED: 7,
}


def view_all_button(invite: Invite, locale: str) -> dict[str, Any]:
    """The View all button under a roster that could not list everyone (opens the paged modal)."""
    return {
        "type": "button",
        "action_id": ids.ROSTER_VIEW_ALL_ACTION,
        "text": _plain("roster_view.button", locale),
        "value": str(invite.id),
    }


def roster_order(attempts: Sequence[CallAttempt]) -> list[CallAttempt]:
    """Failed and ringing parties first, joined ones last; party order within each."""
    return sorted(attempts, key=lambda a: (6 if has_joined(a) else _ROSTER_ORDER[a.state], a.position))


def build_roster(invite: Invite, attempts: Sequence[CallAttempt], view: View) -> tuple[str, list[dict[str, Any]]]:
    """The roster: counts, then one line per call (failed and ringing first), within Slack's limits.

    Lines are packed into sections of at most ~2900 characters; when the message would pass
    50 blocks or the text budget, the rest, joined parties first, is summarised by a count (the
    counts above always include everyone).
    """
    counts = describe_counts(party_outcomes(attempts), view)  # people; the lines below are every call
    blocks: list[dict[str, Any]] = [_section(t("roster.title", view.locale, counts=counts), ids.ROSTER_HEADER_BLOCK)]
    if any(_is_handed_over(a, view) for a in attempts):
        minutes = invite.options.get("before", "30")
        blocks.append(_context(t("roster.handed_over", view.locale, provider=view.provider_title, minutes=minutes)))
    reserved = len(blocks) + 2  # room for a trailing "and N more" context and the View all button
    chunk: list[str] = []
    chunk_len = 0
    used = 0
    ordered = roster_order(attempts)
    shown = 0
    for attempt in ordered:
        line = build_line(attempt, view)
        if used + len(line) > ROSTER_TEXT_BUDGET:
            break
        if chunk and chunk_len + len(line) + 1 > SECTION_LIMIT:
            if len(blocks) + reserved >= MAX_BLOCKS:
                break
            blocks.append(_section("\n".join(chunk)))
            chunk, chunk_len = [], 0
        chunk.append(line)
        chunk_len += len(line) + 1
        used += len(line) + 1
        shown += 1
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    rest = ordered[shown:]
    if rest:
        key = "roster.more_joined" if all(has_joined(a) for a in rest) else "roster.more"
        blocks.append(_context(t(key, view.locale, n=len(rest))))
        blocks.append({"type": "actions", "elements": [view_all_button(invite, view.locale)]})
    return t("roster.text", view.locale, counts=counts), blocks


def _failure_sentence(attempt: CallAttempt, view: View, plain_key: str, detail_key: str) -> str:
    who = describe_party(attempt, view)
    reason = describe_reason(attempt, view.locale) or t("reason.unknown", view.locale)
    detail = explain_failure(attempt, view)
    if detail:
        return t(detail_key, view.locale, who=who, reason=reason, detail=detail)
    return t(plain_key, view.locale, who=who, reason=reason)


def describe_failure(attempt: CallAttempt, view: View) -> str:
    """'• 138****8000: busy' (with the provider's explanation when there is one), for a list of failures."""
    return _failure_sentence(attempt, view, "notice.failure_line", "notice.failure_line_detail")


def build_failures(failed: Sequence[CallAttempt], view: View) -> str:
    """One reply for a burst of failures: a sentence for one, a bullet list for several."""
    if len(failed) == 1:
        return _failure_sentence(failed[0], view, "notice.failures_one", "notice.failures_one_detail")
    lines = [describe_failure(attempt, view) for attempt in failed[:40]]
    if len(failed) > 40:
        lines.append(t("summary.more", view.locale, n=len(failed) - 40))
    return t("notice.failures_many", view.locale, n=len(failed), lines="\n".join(lines))


def build_summary(invite: Invite, attempts: Sequence[CallAttempt], view: View) -> str:
    """'<@creator> 3 of 4 joined · 138****8000 busy' once every party is final (a redialled party once).

    It mentions the creator, once, and nobody else: they asked for the dial-out and must know how it
    went; everyone else has the roster.
    """
    retries = describe_retries_used(attempts, view.locale)
    attempts = party_outcomes(attempts)
    total = len(attempts)
    if view.handed_over:
        queued = sum(1 for a in attempts if _is_handed_over(a, view))
        head = t("summary.handed_over", view.locale, queued=queued, total=total, provider=view.provider_title)
        # The provider's own tally of the batch (Quanshi: total/success/fail counts), when it gave one.
        reported = next((a.context for a in attempts if "total_count" in a.context), None)
        if reported:
            head += " · " + t(
                "summary.provider_counts",
                view.locale,
                provider=view.provider_title,
                total=reported["total_count"],
                success=reported.get("success_count", "?"),
                fail=reported.get("fail_count", "?"),
            )
    else:
        head = t("summary.joined", view.locale, joined=sum(1 for a in attempts if has_joined(a)), total=total)
    parts = [head]
    failed = [a for a in attempts if a.state is CallState.FAILED and not has_joined(a)]
    for attempt in failed[:10]:
        parts.append(
            t(
                "summary.failure_item",
                view.locale,
                who=describe_party(attempt, view),
                reason=describe_reason(attempt, view.locale),
            )
        )
    if len(failed) > 10:
        parts.append(t("summary.more", view.locale, n=len(failed) - 10))
    cancelled = sum(1 for a in attempts if a.state is CallState.CANCELLED)
    if cancelled:
        parts.append(t("summary.cancelled", view.locale, n=cancelled))
    if retries:
        parts.append(retries)
    return t("summary.for_creator", view.locale, user=invite.created_by, summary=" · ".join(parts))
