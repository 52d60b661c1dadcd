"""JSON log lines and the context fields carried by `log_context`."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
import sys
from datetime import UTC, datetime

from bot.kernel.logs import JsonFormatter, LogContext, log_context, uvicorn_log_config
from bot.kernel.redaction import SecretRedaction


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bot.dialout.core.status", logging.INFO, __file__, 1, message, args, None)
    made.created = datetime(2026, 12, 2, 11, 30, 5, 250000, tzinfo=UTC).timestamp()
    for name, value in extra.items():
        setattr(made, name, value)
    return made


def formatted(made: logging.LogRecord) -> dict[str, object]:
    LogContext().filter(made)
    line = JsonFormatter().format(made)
    assert "\n" not in line
    parsed = json.loads(line)
    assert isinstance(parsed, dict)
    return parsed


def test_a_line_is_one_json_object_with_utc_time_level_logger_and_message() -> None:
    assert formatted(record("call %s: %s → %s", 7, "ringing", "answered")) == {
        "time": "2026-12-02T11:30:05.250+00:00",
        "level": "INFO",
        "logger": "bot.dialout.core.status",
        "message": "call 7: ringing → answered",
    }


def test_lines_inside_a_log_context_carry_its_fields_and_nested_contexts_add_to_them() -> None:
    with log_context(invite_id=17, provider="sandbox"), log_context(call_id=3, team="T1"):
        inner = formatted(record("placed"))
    with log_context(invite_id=17):
        outer = formatted(record("due"))
    after = formatted(record("later"))
    assert (inner["invite_id"], inner["call_id"], inner["provider"], inner["team"]) == (17, 3, "sandbox", "T1")
    assert outer["invite_id"] == 17 and "call_id" not in outer
    assert not set(after) & {"invite_id", "call_id", "provider", "team"}


def test_a_field_given_with_extra_wins_over_the_context() -> None:
    with log_context(invite_id=1, provider="sandbox"):
        line = formatted(record("moved", invite_id=2))
    assert (line["invite_id"], line["provider"]) == (2, "sandbox")


async def test_tasks_started_inside_a_context_keep_it_and_concurrent_ones_do_not_mix() -> None:
    async def dialling() -> dict[str, object]:
        await asyncio.sleep(0)  # let the other task run in between
        return formatted(record("dialling"))

    async def line_of(invite_id: int) -> dict[str, object]:
        with log_context(invite_id=invite_id):
            task = asyncio.create_task(dialling())
        return await task  # the context was left before the task logged; the task kept its copy

    first, second = await asyncio.gather(line_of(1), line_of(2))
    assert (first["invite_id"], second["invite_id"]) == (1, 2)


def test_an_exception_is_a_traceback_field_of_the_same_line() -> None:
    try:
        raise ValueError("provider answered nonsense")
    except ValueError:
        made = record("outbox row %s failed", 4)
        made.exc_info = sys.exc_info()
    line = formatted(made)
    assert line["message"] == "outbox row 4 failed"
    assert isinstance(line["traceback"], str)
    assert line["traceback"].startswith("Traceback") and "ValueError: provider answered nonsense" in line["traceback"]


def test_a_field_that_json_cannot_write_is_written_as_text_and_chinese_stays_readable() -> None:
    line = formatted(record("已拨打 %s", "张三", team=object()))
    assert line["message"] == "已拨打 张三"
    assert str(line["team"]).startswith("<object object")
    assert "已拨打" in JsonFormatter().format(record("已拨打"))


def test_uvicorn_access_lines_are_redacted_before_they_become_json() -> None:
    redaction = SecretRedaction(["cti-path-secret-123"])
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/cti/cti-path-secret-123", "1.1", 200),
        None,
    )
    redaction.filter(access)
    line = formatted(access)
    assert line["message"] == '127.0.0.1:5000 - "POST /cti/*** HTTP/1.1" 200'


def test_uvicorn_gets_json_handlers_for_json_and_keeps_its_own_for_text() -> None:
    config = uvicorn_log_config("json")
    assert config is not None
    resolve = logging.config.BaseConfigurator({}).resolve  # how dictConfig finds a "()" factory
    assert resolve(config["formatters"]["json"]["()"]) is JsonFormatter
    assert resolve(config["filters"]["context"]["()"]) is LogContext
    assert config["loggers"]["uvicorn.access"]["handlers"] == ["access"]
    assert uvicorn_log_config("text") is None
