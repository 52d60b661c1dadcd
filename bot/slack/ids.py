"""Action, callback and block ids, defined once so listeners and builders cannot drift apart."""

from __future__ import annotations

CANCEL_INVITE_ACTION = "invite_cancel"
PARENT_STATUS_BLOCK = "invite_status"
PARENT_ACTIONS_BLOCK = "invite_actions"
ROSTER_HEADER_BLOCK = "roster_header"
HOME_PAGE_ACTION = "home_page"  # App Home's Newer / Older buttons; value: the page to show
