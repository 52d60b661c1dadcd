"""Authenticating unsigned callbacks (Yunhuni, the CTI platform): a secret in the URL, an IP allowlist.

Both fail closed: no secret configured refuses every request, and an allowlist entry that is not
an address or network matches nothing (an allowlist of only bad entries allows nobody).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

log = logging.getLogger(__name__)


def secret_matches(given: str, expected: str) -> bool:
    """Constant-time comparison of a URL secret; False whenever no secret is configured."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


class SourceAllowlist:
    """The callback source addresses a setting allows (comma-separated IPs or CIDR networks)."""

    def __init__(self, setting: str, value: str) -> None:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        self.configured = bool(entries)
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            try:
                self._networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                log.error("%s entry %r is not an IP address or network; it matches nothing", setting, entry)

    def allows(self, address: str) -> bool:
        """True when no allowlist is configured, or `address` is inside one of its networks."""
        if not self.configured:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks)
