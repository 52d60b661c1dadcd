"""Pure builders for an invite's thread: the parent message, the roster and the replies.

Each takes the invite's current state from the store and returns (fallback text, blocks);
nothing here remembers the previous message, so duplicate or out-of-order events can
never leave a wrong line behind: the next render simply shows the truth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
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
from bot.kernel.states import CallState, FailReason
from bot.slack import ids
from bot.slack.lines import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    STATE_ICONS,
    describe_person,
    explain_code,
    format_local,
    reason_words,
    slack_date,
)
from bot.slack.messages import t

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


def _relative(seconds: float, locale: str) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 90:
        return t("relative.minutes", locale, n=minutes)
    hours = round(minutes / 60)
    if hours < 48:
        return t("relative.hours", locale, n=hours)
    return t("relative.days", locale, n=round(hours / 24))


def describe_when(invite: Invite, view: View) -> str:
    """'now' or 'Thu 26 Nov 15:00 CST (in 5 h)', as of `view.now`."""
    created = invite.created_at or view.now
    if abs((invite.due_at - created).total_seconds()) < 5:
        return t("when.now", view.locale)
    local = format_local(invite.due_at, invite.tz, view.locale)
    stamp = slack_date(invite.due_at, local)
    ahead = (invite.due_at - view.now).total_seconds()
    if ahead <= 0 or invite.fired_by:  # dialled early: "in 5 h" would no longer be true
        return t("when.at_past", view.locale, at=stamp)
    return t("when.at", view.locale, at=stamp, relative=_relative(ahead, view.locale))


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
    return t(f"state.{attempt.state.value}", view.locale)


def describe_reason(attempt: CallAttempt, locale: str) -> str:
    """The failure reason in words ('busy', 'no answer', …)."""
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
    state = describe_state(attempt, view)
    if attempt.state is CallState.FAILED and attempt.reason:
        reason = describe_reason(attempt, view.locale)
        detail = explain_failure(attempt, view)
        if detail:
            return t("line.with_detail", view.locale, icon=icon, who=who, state=state, reason=reason, detail=detail)
        return t("line.with_reason", view.locale, icon=icon, who=who, state=state, reason=reason)
    return t("line.plain", view.locale, icon=icon, who=who, state=state)


def describe_counts(attempts: Sequence[CallAttempt], view: View) -> str:
    """'2 joined · 1 ringing · 1 failed' in state order."""
    counts: Counter[str] = Counter()
    for attempt in attempts:
        counts["handed_over" if _is_handed_over(attempt, view) else attempt.state.value] += 1
    order = [s.value for s in _STATE_ORDER] + ["handed_over"]
    parts = [
        t("count.state", view.locale, n=counts[key], state=t(f"state.{key}", view.locale))
        for key in order
        if counts[key]
    ]
    return " · ".join(parts)


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
        return buttons
    if invite.status is InviteStatus.DONE and redial_candidates(attempts):
        return [_button(ids.REDIAL_FAILED_ACTION, "redial", invite, locale)]
    return []


def build_parent(invite: Invite, attempts: Sequence[CallAttempt], view: View) -> tuple[str, list[dict[str, Any]]]:
    """The thread parent: what, who, when, status, and the buttons that can act on it now."""
    parties = party_outcomes(attempts)  # a redialled party is counted once
    title = t(
        "parent.title",
        view.locale,
        id=invite.id,
        count=describe_count(invite, len(parties), view.locale),
        target=describe_target(invite, view.locale),
        provider=view.provider_title or invite.provider,
        when=describe_when(invite, view),
        user=invite.created_by,
    )
    status = t(f"status.{invite.status.value}", view.locale)
    if invite.status is InviteStatus.DIALING and everyone_reached(attempts):
        status = t("status.in_progress", view.locale)
    # Live counts are the roster's job (updated per event); the parent changes with the invite's status.
    if attempts and invite.status in {InviteStatus.DONE, InviteStatus.MISSED, InviteStatus.CANCELLED}:
        status = f"{status} {describe_counts(parties, view)}"
    if invite.fired_by:
        status = f"{status} {t('parent.fired_by', view.locale, user=invite.fired_by)}"
    blocks: list[dict[str, Any]] = [_section(title), _context(status)]
    blocks[1]["block_id"] = ids.PARENT_STATUS_BLOCK
    buttons = parent_buttons(invite, attempts, view)
    if buttons:
        blocks.append({"type": "actions", "block_id": ids.PARENT_ACTIONS_BLOCK, "elements": buttons})
    return f"{title}\n{status}", blocks


def build_roster(invite: Invite, attempts: Sequence[CallAttempt], view: View) -> tuple[str, list[dict[str, Any]]]:
    """The roster: counts, then one line per party, within Slack's block and size limits.

    Lines are packed into sections of at most ~2900 characters; when the message would pass
    50 blocks or the text budget, the rest is summarised by a count (the counts above always
    include everyone).
    """
    counts = describe_counts(party_outcomes(attempts), view)  # people; the lines below are every call
    header = t("roster.title", view.locale, counts=counts)
    blocks: list[dict[str, Any]] = [_section(header, ids.ROSTER_HEADER_BLOCK)]
    if any(_is_handed_over(a, view) for a in attempts):
        minutes = invite.options.get("before", "30")
        blocks.append(_context(t("roster.handed_over", view.locale, provider=view.provider_title, minutes=minutes)))
    reserved = len(blocks) + 1  # room for a trailing "and N more" context
    chunk: list[str] = []
    chunk_len = 0
    used = 0
    shown = 0
    for attempt in attempts:
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
    if shown < len(attempts):
        blocks.append(_context(t("roster.more", view.locale, n=len(attempts) - shown)))
    return header, blocks


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
    """'3 of 4 joined · 138****8000 busy' once every party is final (a redialled party once, as it ended)."""
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
        # Completed means the party left after joining, even if the 'answered' event was lost or late.
        joined = sum(1 for a in attempts if a.state in {CallState.ANSWERED, CallState.COMPLETED} or a.answered_at)
        head = t("summary.joined", view.locale, joined=joined, total=total)
    parts = [head]
    failed = [a for a in attempts if a.state is CallState.FAILED]
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
    return " · ".join(parts)
