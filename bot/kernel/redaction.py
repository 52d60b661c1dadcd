"""Secrets out of log lines: a logging filter that replaces known secret values with `***`.

Some secrets travel in request paths, because the vendor's callbacks carry no signature
(Yunhuni's webhook path, the CTI platform's `/cti/<secret>`), and uvicorn's access log prints
every path. Redacting the values themselves, rather than guessing which path segment is secret,
also covers a secret pasted into a query string or quoted by uvicorn.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

MIN_SECRET_CHARS = 6  # shorter values would blank out ordinary words; no real secret is that short
REDACTED = "***"


class SecretRedaction(logging.Filter):
    """Replaces each of `secrets` (as written and as URL-quoted) in a record's message and arguments."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = {form for s in secrets if len(s) >= MIN_SECRET_CHARS for form in (s, quote(s), quote(s, safe=""))}
        longest_first = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, longest_first))) if forms else None

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        return self._pattern.sub(REDACTED, text) if self._pattern is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        # The arguments are redacted one by one, not folded into the message: uvicorn's access
        # formatter unpacks them (client, method, path, version, status).
        if self._pattern is not None:
            if isinstance(record.msg, str):
                record.msg = self.redact(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        return True
