"""`confbot when` and `confbot parse`: JSON out, exit 2 with the user's message on bad input."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli import main, missing_slack_settings
from bot.config import Settings


def test_when_prints_the_instant_in_the_users_zone(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["when", "明天下午3点", "--now", "2026-11-26T10:00:00+08:00", "--tz", "Asia/Shanghai", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {
        "at": "2026-11-27T15:00:00+08:00",
        "next": ["2026-11-27T15:00:00+08:00"],
    }


def test_when_defaults_to_utc(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "in 10 minutes", "--now", "2026-11-26T10:00:00Z", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["at"] == "2026-11-26T10:10:00+00:00"


def test_when_prints_the_next_occurrences_of_a_recurring_phrase_in_the_users_zone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = "2027-03-11T12:00:00-05:00"  # a Thursday; summer time starts on Sunday 14 March
    code = main(["when", "every weekday at 9:30 until dec 31", "--now", now, "--tz", "America/New_York", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["next"][:3] == [
        "2027-03-12T09:30:00-05:00",
        "2027-03-15T09:30:00-04:00",
        "2027-03-16T09:30:00-04:00",
    ]
    assert out["at"] == out["next"][0]
    assert out["rule"] == "FREQ=WEEKLY;UNTIL=20271231T235959;BYDAY=MO,TU,WE,TH,FR"
    assert (out["zone"], out["start"], out["until"]) == ("America/New_York", "2027-03-12T09:30:00", "2027-12-31")


def test_when_refuses_a_recurring_phrase_without_a_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "每周一", "--now", "2026-11-26T10:00:00+08:00", "--tz", "Asia/Shanghai"]) == 2
    assert "not a time of day" in capsys.readouterr().err


@pytest.mark.parametrize(("phrase", "words"), [("blah", "can't read"), ("2020-01-01 10:00", "already passed")])
def test_when_unusable_phrase_exits_2_with_one_line_reason(
    phrase: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["when", phrase, "--now", "2026-11-26T10:00:00+08:00", "--tz", "Asia/Shanghai", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and words in captured.err and captured.err.count("\n") == 1


def test_parse_prints_the_invite(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SANDBOX_ENABLED", "true")
    code = main(
        [
            "parse",
            "+8613692206627, 13800138000 <@U024BE7LH> into conf 42 tomorrow 3pm max 30m",
            "--now",
            "2026-11-26T10:00:00+08:00",
            "--tz",
            "Asia/Shanghai",
            "--region",
            "CN",
            "--json",
        ]
    )
    assert code == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["parties"] == [
        {"kind": "phone", "e164": "+8613692206627"},
        {"kind": "phone", "e164": "+8613800138000"},
        {"kind": "slack_user", "user_id": "U024BE7LH"},
    ]
    assert parsed["target"] == {"kind": "conference", "id": "42"}
    assert parsed["provider"] == "sandbox" and parsed["at"] == "2026-11-27T15:00:00+08:00"
    assert parsed["options"]["max_duration_s"] == 1800


def test_parse_bad_text_exits_2_with_the_users_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "13692206627", "--tz", "Asia/Shanghai", "--json"]) == 2
    assert "Into which conference?" in capsys.readouterr().err


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "when", "now", "--now", "2026-11-26T10:00:00Z", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and json.loads(result.stdout)["at"] == "2026-11-26T10:00:00+00:00"


def test_providers_lists_capabilities_and_readiness_without_secrets(monkeypatch, capsys) -> None:
    monkeypatch.setenv("VOIPNOW_BASE_URL", "https://voip.example.com")
    monkeypatch.setenv("VOIPNOW_CLIENT_ID", "app-key")
    monkeypatch.setenv("VOIPNOW_CLIENT_SECRET", "very-secret-value")
    monkeypatch.setenv("VOIPNOW_EXTENSION", "211")
    monkeypatch.delenv("YUNHUNI_BASE_URL", raising=False)
    assert main(["providers"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert {"sandbox", "yunhuni", "voipnow", "tencent_meeting", "quanshi", "cti"} <= set(lines)
    assert lines["voipnow"].endswith("ready") and "conference" in lines["voipnow"] and "pin" in lines["voipnow"]
    assert "missing YUNHUNI_BASE_URL" in lines["yunhuni"]
    assert "meeting" in lines["tencent_meeting"] and "event" in lines["quanshi"] and "inbound" in lines["cti"]
    assert "news: polling (poll, cancel)" in lines["voipnow"] and "news: none (place only)" in lines["quanshi"]
    assert "news: webhooks (cancel, webhooks)" in lines["yunhuni"]
    assert "very-secret-value" not in "\n".join(lines.values())


@pytest.fixture
def bot_log_level() -> Iterator[None]:
    """Put the `bot` logger's level back after a command changed it."""
    logger = logging.getLogger("bot")
    before = logger.level
    yield
    logger.setLevel(before)


def serve_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **values: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "cli-test-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def log_from_a_bot_module(*_args: object, **_kwargs: object) -> None:
    """Stands in for uvicorn.Server.run (the server would log from bot.* while it runs)."""
    logging.getLogger("bot.dialout.slack.notifier").info("Slack rate-limited outbox row 1; retrying in 1.0 s")


@pytest.mark.parametrize(("level", "shown"), [("INFO", True), ("info", True), ("WARNING", False)])
@pytest.mark.usefixtures("bot_log_level")
def test_serve_logs_bot_lines_at_log_level(
    level: str, shown: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import uvicorn

    serve_env(monkeypatch, tmp_path, LOG_LEVEL=level, SANDBOX_ENABLED="true")
    monkeypatch.setattr(uvicorn.Server, "run", log_from_a_bot_module)
    assert main(["serve"]) == 0
    assert ("rate-limited outbox row 1" in caplog.text) is shown


@pytest.mark.parametrize(("level", "shown"), [("INFO", True), ("WARNING", False)])
@pytest.mark.usefixtures("bot_log_level")
def test_demo_logs_bot_lines_at_log_level(
    level: str, shown: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.demo

    async def demo(**_kwargs: object) -> int:
        log_from_a_bot_module()
        return 0

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", level)
    monkeypatch.setattr(bot.demo, "run_demo", demo)
    assert main(["demo"]) == 0
    assert ("rate-limited outbox row 1" in caplog.text) is shown


def test_parse_without_any_configured_provider_says_none_can_dial(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SANDBOX_ENABLED", raising=False)
    assert main(["parse", "13800138000 into conf 42 now", "--region", "CN"]) == 2
    assert "No configured provider can do" in capsys.readouterr().err


def test_parse_uses_the_configured_provider_when_the_text_names_none(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SANDBOX_ENABLED", raising=False)
    for name, value in {"BASE_URL": "https://voip.example.com", "CLIENT_ID": "k", "CLIENT_SECRET": "s"}.items():
        monkeypatch.setenv(f"VOIPNOW_{name}", value)
    monkeypatch.setenv("VOIPNOW_EXTENSION", "211")
    assert main(["parse", "13800138000 into conf 42 now", "--region", "CN", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["provider"] == "voipnow"


@pytest.mark.usefixtures("bot_log_level")
def test_serve_without_any_dial_out_provider_says_so_in_a_log_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import uvicorn

    serve_env(monkeypatch, tmp_path)
    monkeypatch.delenv("SANDBOX_ENABLED", raising=False)
    monkeypatch.setattr(uvicorn.Server, "run", log_from_a_bot_module)
    assert main(["serve"]) == 0
    # A log line, not a print: with LOG_FORMAT=json every line on stderr must be a JSON object.
    [warning] = [r for r in caplog.records if r.name == "bot.cli" and r.levelno == logging.WARNING]
    said = warning.getMessage()
    assert "no dial-out provider is configured" in said and "SANDBOX_ENABLED=true" in said
    assert "confbot providers" in said


@pytest.mark.usefixtures("bot_log_level")
def test_serve_with_a_provider_says_nothing_about_providers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    serve_env(monkeypatch, tmp_path, SANDBOX_ENABLED="true")
    monkeypatch.setattr(uvicorn.Server, "run", log_from_a_bot_module)
    assert main(["serve"]) == 0
    assert "dial-out provider" not in capsys.readouterr().err


def _invite_with_calls(url: str) -> None:
    """Invite #1 with three parties: one joined for 12 min, one busy twice (redialled), one never answered."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
    from bot.dialout.store import SqlInviteStore
    from bot.kernel import db
    from bot.kernel.people import Party, PartyKind
    from bot.kernel.states import CallState, FailReason

    async def build() -> None:
        engine = db.create_engine(url)
        await db.upgrade(engine)
        store = SqlInviteStore(engine)
        t0 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
        parties = [
            Party(PartyKind.PHONE, "+8613800138001", slack_user_id="U0BOB", name="Bob"),
            Party(PartyKind.PHONE, "+8613800138000"),
            Party(PartyKind.PHONE, "+8613800138009"),
        ]
        invite = Invite("T", "C", "U0AMY", "sandbox", Target(TargetKind.CONFERENCE, "42"), t0, "UTC", created_at=t0)
        saved = await store.add_invite(invite, parties)
        assert saved.id is not None
        bob, busy, silent = await store.attempts(saved.id)
        for attempt, state, reason in (
            (bob, CallState.ANSWERED, None),
            (busy, CallState.FAILED, FailReason.BUSY),
            (silent, CallState.FAILED, FailReason.NO_ANSWER),
        ):
            assert attempt.id is not None
            await store.transition(
                attempt.id, CallState.QUEUED, state, reason=reason, code=None, detail=None, at=t0 + timedelta(minutes=1)
            )
        assert bob.id is not None
        await store.transition(
            bob.id,
            CallState.ANSWERED,
            CallState.COMPLETED,
            reason=None,
            code=None,
            detail=None,
            at=t0 + timedelta(minutes=13),
        )
        await store.set_invite_status(saved.id, InviteStatus.DONE)
        assert busy.id is not None
        redialled = await store.claim_redial(saved.id, [busy.id], 3, t0 + timedelta(minutes=14))
        assert redialled is not None and redialled[0].id is not None
        await store.transition(
            redialled[0].id,
            CallState.QUEUED,
            CallState.FAILED,
            reason=FailReason.BUSY,
            code=None,
            detail=None,
            at=t0 + timedelta(minutes=15),
        )
        await engine.dispose()

    asyncio.run(build())


def test_report_prints_each_partys_outcome_as_csv_from_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'confbot.db'}"
    _invite_with_calls(url)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["report", "1", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "position,name,slack user,number,state,reason,answered at,ended at,duration s,attempts",
        "1,Bob,U0BOB,+8613800138001,completed,,2026-11-26T07:01:00+00:00,2026-11-26T07:13:00+00:00,720,1",
        "2,,,+8613800138000,failed,busy,,2026-11-26T07:15:00+00:00,,2",
        "3,,,+8613800138009,failed,no_answer,,2026-11-26T07:01:00+00:00,,1",
    ]
    assert main(["report", "1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("position  name  slack user  number") and "720" in table[1]


def test_report_of_an_unknown_invite_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'confbot.db'}"
    _invite_with_calls(url)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["report", "7", "--csv"]) == 2
    assert "no invite #7" in capsys.readouterr().err


def _audit_events(url: str) -> None:
    """Invite #1 (workspace T) and three audit events: two in T on 1 and 2 Dec, one in T2 on 2 Dec."""
    import asyncio
    from datetime import UTC, datetime

    from bot.dialout.audit_store import SqlAuditLog
    from bot.dialout.core.audit import AuditAction, AuditEvent, SubjectKind
    from bot.kernel import db

    _invite_with_calls(url)

    async def record() -> None:
        engine = db.create_engine(url)
        log = SqlAuditLog(engine)
        at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        await log.record(AuditEvent("T", at, "U0AMY", AuditAction.SCHEDULED, SubjectKind.INVITE, "1", {"parties": 3}))
        at = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
        ended = {"number": "+8613800138001", "state": "completed", "duration_s": 720}
        await log.record(AuditEvent("T", at, "system", AuditAction.CALL_ENDED, SubjectKind.CALL, "1", ended))
        await log.record(AuditEvent("T2", at, "U9", AuditAction.CANCELLED, SubjectKind.INVITE, "5"))
        await engine.dispose()

    asyncio.run(record())


def test_audit_prints_the_trail_as_csv_with_numbers_masked_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'confbot.db'}"
    _audit_events(url)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["audit", "--since", "2026-12-01", "--until", "2026-12-03", "--team", "T", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "at,team,actor,action,subject,subject id,details",
        '2026-12-01T09:00:00+00:00,T,U0AMY,scheduled,invite,1,"{""parties"": 3}"',
        "2026-12-02T09:30:00+00:00,T,system,call_ended,call,1,"
        '"{""duration_s"": 720, ""number"": ""+86*********01"", ""state"": ""completed""}"',
    ]
    assert main(["audit", "--since", "2026-12-02", "--until", "2026-12-03", "--csv", "--full-numbers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "+8613800138001" in lines[1] and lines[2].startswith("2026-12-02T09:30:00+00:00,T2,U9")
    assert main(["audit", "--since", "2026-12-01", "--until", "2026-12-03"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["at", "team", "actor", "action", "subject", "subject", "id", "details"]
    assert len(table) == 4 and "+8613800138001" not in "".join(table)


def test_purge_deletes_only_that_workspace_and_prints_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'confbot.db'}"
    _audit_events(url)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["purge", "--team", "T"]) == 2  # without --yes nothing is deleted
    assert "--yes" in capsys.readouterr().err
    assert main(["purge", "--team", "T", "--yes"]) == 0
    counts = dict(line.split(": ") for line in capsys.readouterr().out.splitlines())
    assert (counts["invites"], counts["calls"], counts["audit_events"]) == ("1", "4", "2")
    assert main(["audit", "--since", "2026-12-01", "--until", "2026-12-03", "--csv"]) == 0
    assert [line.split(",")[1] for line in capsys.readouterr().out.splitlines()[1:]] == ["T2"]


def test_serve_needs_no_bot_token_in_oauth_mode_but_names_the_missing_half_of_the_pair(monkeypatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    signed = {"slack_signing_secret": SecretStr("s")}
    assert missing_slack_settings(Settings(**signed)) == ["SLACK_BOT_TOKEN"]
    oauth = Settings(slack_client_id="1.2", slack_client_secret=SecretStr("c"), **signed)
    assert missing_slack_settings(oauth) == []
    assert missing_slack_settings(Settings(slack_client_id="1.2", **signed)) == ["SLACK_CLIENT_SECRET"]
    assert missing_slack_settings(Settings(slack_bot_token=SecretStr("xoxb-1"))) == ["SLACK_SIGNING_SECRET"]
