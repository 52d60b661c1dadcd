"""Log lines: plain text for people at a terminal, one JSON object per line for log collectors.

A line about an invite or a call should say which one without every `log.info` having to pass
it: where work about an invite, a call, a provider or a workspace starts (the scheduler firing an
invite, a provider's webhook, the inbox carrying out a command, a call event applied), that code
enters `log_context(...)`, which sets a `ContextVar`. Tasks started inside inherit it, so the
lines of the calls an invite places carry its id too. `LogContext`, a filter on each handler,
copies the fields onto every record that does not already carry them from `extra=`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "CONTEXT_FIELDS",
    "JsonFormatter",
    "LogContext",
    "LogFormat",
    "configure_logging",
    "log_context",
    "uvicorn_log_config",
]

LogFormat = Literal["json", "text"]

# What a line may be about, in the order the JSON object names them.
CONTEXT_FIELDS = ("invite_id", "call_id", "provider_call_id", "provider", "team")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_context: ContextVar[Mapping[str, object]] = ContextVar("confbot_log_context", default=MappingProxyType({}))


@contextlib.contextmanager
def log_context(
    *,
    invite_id: int | None = None,
    call_id: int | None = None,
    provider_call_id: str | None = None,
    provider: str | None = None,
    team: str | None = None,
) -> Iterator[None]:
    """Lines logged inside (and in tasks started inside) carry these fields; None leaves one as it was."""
    given = {
        "invite_id": invite_id,
        "call_id": call_id,
        "provider_call_id": provider_call_id or None,
        "provider": provider or None,
        "team": team or None,
    }
    token = _context.set({**_context.get(), **{k: v for k, v in given.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class LogContext(logging.Filter):
    """Adds the fields of the current `log_context` to each record; a field given with `extra=` wins."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (ISO, UTC), level, logger, message, the context fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        # default=str: a field passed with extra= may be any object; the line must still be written.
        return json.dumps(line, ensure_ascii=False, default=str)


def _formatter(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(log_format: LogFormat) -> None:
    """Give the root logger a stderr handler writing `log_format`, unless something configured it already.

    Like `logging.basicConfig`, it leaves a root logger that has handlers alone (pytest's capture),
    so tests see records as they were logged.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter(log_format))
    handler.addFilter(LogContext())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def uvicorn_log_config(log_format: LogFormat) -> dict[str, Any] | None:
    """uvicorn's `log_config` for `log_format`: its own loggers and streams, our JSON lines; None keeps its text.

    Its access lines keep going to stdout and the rest to stderr, as uvicorn sends them. Secrets are
    redacted by a filter on those loggers (kernel/redaction.py, added once the app starts), before
    any formatter sees the record, so JSON lines are redacted too.
    """
    if log_format == "text":
        return None
    json_formatter = {"()": f"{JsonFormatter.__module__}.{JsonFormatter.__qualname__}"}
    context = {"()": f"{LogContext.__module__}.{LogContext.__qualname__}"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter},
        "filters": {"context": context},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["context"],
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
