"""URL secrets and source allowlists for unsigned callbacks fail closed."""

from __future__ import annotations

from bot.kernel.webhook_auth import SourceAllowlist, secret_matches


def test_secret_must_be_configured_and_equal() -> None:
    assert secret_matches("s3cret", "s3cret")
    assert not secret_matches("s3cret", "other") and not secret_matches("", "") and not secret_matches("x", "")


def test_allowlist_of_addresses_and_networks() -> None:
    allowed = SourceAllowlist("X", "10.0.0.5, 192.168.1.0/24")
    assert allowed.allows("10.0.0.5") and allowed.allows("192.168.1.77")
    assert not allowed.allows("10.0.0.6") and not allowed.allows("not-an-ip")
    assert SourceAllowlist("X", "").allows("203.0.113.9")  # none configured: any source


def test_an_allowlist_of_only_bad_entries_allows_nobody() -> None:
    assert not SourceAllowlist("X", "office, 10.0.0.300").allows("10.0.0.1")
