"""Action, callback and block ids, defined once so listeners and builders cannot drift apart."""

from __future__ import annotations

CANCEL_INVITE_ACTION = "invite_cancel"
DIAL_NOW_ACTION = "invite_dial_now"
SKIP_ME_ACTION = "invite_skip_me"  # a person's reminder DM: withdraw only their call; value "invite:call"
ANOTHER_NUMBER_ACTION = "invite_another_number"  # a reminder DM: opens ANOTHER_NUMBER_VIEW; value "invite:call"
ANOTHER_NUMBER_VIEW = "invite_another_number"  # callback_id of its modal; private_metadata: JSON
POSTPONE_ACTION = "invite_postpone"  # the reminder's Postpone 10 min (dialout/slack/reminders.py)
REDIAL_FAILED_ACTION = "invite_redial_failed"  # opens the confirmation modal (REDIAL_VIEW)
HANG_UP_ACTION = "invite_hang_up"
APPROVE_ACTION = "invite_approve"  # on an invite awaiting approval (policy.approval): admins only
DECLINE_ACTION = "invite_decline"
EDIT_ACTION = "invite_edit"  # opens the /dial form prefilled with the invite (dialout/slack/form.py)
ADD_PEOPLE_ACTION = "invite_add_people"  # opens the Add people modal
REDIAL_VIEW = "invite_redial"  # callback_id of the Redial failed confirmation; private_metadata: JSON
PAUSE_DIALLING_ACTION = "invite_pause_dialling"  # while a bulk invite is sent: stop sending the rest
RESUME_DIALLING_ACTION = "invite_resume_dialling"  # on a paused invite: send the rest
LAUNCH_CONFIRM_ACTION = "bulk_launch_confirm"  # on a bulk launch's summary; value: the pending launch id
LAUNCH_CANCEL_ACTION = "bulk_launch_cancel"
PARENT_STATUS_BLOCK = "invite_status"
PARENT_ACTIONS_BLOCK = "invite_actions"
ROSTER_HEADER_BLOCK = "roster_header"
AUDIT_EXPORT_ACTION = "home_audit_export"  # App Home (admins): DM me the last 30 days of the audit trail
SETTINGS_OPEN_ACTION = "home_workspace_settings"  # App Home (admins, invite admin group): opens SETTINGS_VIEW
SETTINGS_VIEW = "workspace_settings"  # callback_id of the workspace settings modal
HOME_PAGE_ACTION = "home_page"  # App Home's Newer / Older buttons; value: the page to show
ROSTER_VIEW_ALL_ACTION = "roster_view_all"  # under a roster too long to list: opens ROSTER_VIEW; value: the invite
ROSTER_PAGE_ACTION = "roster_page"  # the roster modal's Newer / Older; action id `roster_page:<page>`, value `id:page`
ROSTER_VIEW = "roster_view"  # callback_id of the whole-roster modal
SERIES_SKIP_ACTION = "series_skip"  # the buttons on a series' own message; value: the series id
SERIES_PAUSE_ACTION = "series_pause"
SERIES_RESUME_ACTION = "series_resume"
SERIES_END_ACTION = "series_end"
SERIES_ACTIONS_BLOCK = "series_actions"
