"""No secret confbot is given ever shows: not in its log (uvicorn's access lines included), not in Slack,
not in an HTTP answer, not in `confbot providers`."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

import httpx

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.kernel.redaction import SecretRedaction
from bot.loopback import LoopbackServer
from tests.e2e.harness import wait_for
from tests.serving import free_port, serve_env, start_serve

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-SECRETtokenQ7",
    "SLACK_SIGNING_SECRET": "SECRETsigningR8",
    "CTI_PATH_SECRET": "CTIPATHzq91secret",
    "YUNHUNI_SECRET_KEY": "SECRETyunhuniKeyS9",
    "YUNHUNI_WEBHOOK_SECRET": "HOOKsecretT0yun",
    "SANDBOX_API_KEY": "SECRETsandboxKeyU1",
    "SANDBOX_WEBHOOK_SECRET": "SECRETsandboxHookV2",
}


def _leaks(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


async def _run(*args: str, env: dict[str, str], cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return output.decode()


async def test_a_whole_flow_with_distinctive_secrets_shows_none_of_them_anywhere(tmp_path: Path) -> None:
    emulator = SlackEmulator(SECRETS["SLACK_BOT_TOKEN"], channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    port = free_port()
    env = serve_env(
        SECRETS["SLACK_BOT_TOKEN"],
        SECRETS["SLACK_SIGNING_SECRET"],
        slack.url,
        tmp_path / "secrets.db",
        port,
        **SECRETS,
        SANDBOX_SPEED="50",
        CTI_VCC_ID="vcc1",
        YUNHUNI_BASE_URL="http://127.0.0.1:9/v1/account/a1/",
        YUNHUNI_APP_ID="app1",
        YUNHUNI_CERT_ID="cert1",
    )
    try:
        process = await start_serve(env, tmp_path, stderr=asyncio.subprocess.STDOUT)
    except BaseException:
        await slack.stop()
        raise
    base = f"http://127.0.0.1:{port}"
    answers: list[str] = []
    try:
        async with httpx.AsyncClient(trust_env=False) as http:
            for method, path, body in [
                ("POST", f"/cti/{SECRETS['CTI_PATH_SECRET']}", b"<xml>not what the platform sends</xml>"),
                ("GET", f"/cti/{SECRETS['CTI_PATH_SECRET']}?secret={SECRETS['CTI_PATH_SECRET']}", b""),
                ("POST", f"/webhooks/yunhuni/{SECRETS['YUNHUNI_WEBHOOK_SECRET']}", b'{"event": "conf.end"}'),
                ("POST", "/webhooks/sandbox", b"{}"),
                ("POST", "/slack/events", b"payload=%7B"),
            ]:
                response = await http.request(method, f"{base}{path}", content=body)
                answers.append(f"{response.status_code} {response.headers} {response.text}")
        driver = SlackDriver(base, SECRETS["SLACK_SIGNING_SECRET"], slack.url)
        response = await driver.slash("13800138001, 13800138000 into conf 42 now", user_id="U1", channel_id="C1")
        answers.append(f"{response.status_code} {response.headers} {response.text}")
        await wait_for(
            lambda: any("1 of 2 joined" in m.text for m in emulator.messages["C1"]),
            timeout=30,
            what="the summary in the thread",
        )
        await driver.aclose()
    finally:
        process.send_signal(signal.SIGTERM)
        log, _ = await asyncio.wait_for(process.communicate(), 20)
        await slack.stop()
    served = log.decode()
    messages = [json.loads(line)["message"] for line in served.splitlines()]  # serve logs JSON by default
    # the access log is on, and redacted before it is formatted
    assert any('"POST /cti/*** HTTP/1.1"' in message for message in messages), served[-3000:]
    providers = await _run("providers", env=env, cwd=tmp_path)
    slack_side = [repr(m) for channel in emulator.messages.values() for m in channel]
    slack_side += [repr(e) for e in emulator.ephemerals_for("U1")]
    assert _leaks(served) == [], served[-3000:]
    assert _leaks(providers) == [], providers
    assert _leaks("\n".join(answers)) == []
    assert _leaks("\n".join(slack_side)) == []


def test_redaction_keeps_uvicorns_access_arguments_in_their_places() -> None:
    redaction = SecretRedaction(["CTIPATHzq91", "a b/c=d&e", "short"])
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "POST", "/cti/CTIPATHzq91?x=a%20b%2Fc%3Dd%26e&y=short", "1.1", 200),
        None,
    )
    assert redaction.filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "POST /cti/***?x=***&y=short HTTP/1.1" 200'
