"""The Dockerfile and compose.yaml agree with the code they package (no Docker engine runs here to build them).

What can be checked without building: the image runs `confbot serve` as a non-root user on all
interfaces with a health check on a route that exists; every file it copies exists; secrets stay
out of the build context; the compose file's settings are ones confbot (or uvicorn) reads, its
replicas reach PostgreSQL through the driver confbot uses, and the proxy forwards to their port.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
UVICORN_SETTINGS = {"FORWARDED_ALLOW_IPS"}


def dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_image_serves_as_a_non_root_user_on_every_interface_with_a_health_check() -> None:
    instructions = dockerfile()
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1].strip() not in {"root", "0"}
    env = " ".join(arg for op, arg in instructions if op == "ENV")
    assert "HOST=0.0.0.0" in env and "PORT=3000" in env
    [health] = [arg for op, arg in instructions if op == "HEALTHCHECK"]
    assert "http://127.0.0.1:3000/healthz" in health
    [cmd] = [arg for op, arg in instructions if op == "CMD"]
    assert cmd.strip() == '["confbot", "serve"]'


def test_every_file_the_image_copies_exists_and_secrets_stay_out_of_the_context() -> None:
    for op, arg in dockerfile():
        if op == "COPY":
            *sources, _dest = arg.split()
            for source in sources:
                assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".git" in ignored and ".venv" in ignored


def test_compose_runs_two_replicas_on_postgresql_behind_one_port() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    confbot = compose["services"]["confbot"]
    assert confbot["deploy"]["replicas"] == 2
    environment = confbot["environment"]
    known = {name.upper() for name in Settings.model_fields} | UVICORN_SETTINGS
    assert set(environment) <= known, set(environment) - known
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert confbot["depends_on"]["postgres"]["condition"] == "service_healthy"
    proxy = compose["services"]["proxy"]
    assert proxy["ports"] == ["3000:80"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"http://confbot:(\d+)", nginx)[1] == environment["PORT"]  # type: ignore[index]
