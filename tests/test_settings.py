"""Settings come from the environment and .env.example documents every one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from bot.config import ProviderSettings, Settings
from bot.dialout.providers import REGISTRY
from bot.dialout.providers.sandbox import PLUGIN as SANDBOX
from bot.dialout.providers.sandbox.settings import SandboxSettings
from bot.dialout.providers.yunhuni.settings import YunhuniSettings

ROOT = Path(__file__).resolve().parent.parent


def prefixed(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    return {f"{prefix}{sub}".upper() for sub in settings.model_fields}


def env_names() -> set[str]:
    """Every variable confbot reads: the shared settings and each registered provider's own."""
    names = set()
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if name == "providers":
            continue  # provider settings given in code (tests, the demo); the environment fills each below
        if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
            names |= prefixed(annotation)
        else:
            names.add(name.upper())
    for plugin in REGISTRY.values():
        names |= prefixed(plugin.settings)
    return names


def test_env_example_lists_every_setting_with_a_comment() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.M))
    assert documented == env_names()
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]+=", line):
            assert lines[index - 1].startswith("# "), f"{line} has no comment above it"


def test_settings_are_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DEFAULT_REGION", "HK")
    monkeypatch.setenv("YUNHUNI_APP_ID", "app-1")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    settings = Settings(_env_file=None)
    assert settings.default_region == "HK" and REGISTRY["yunhuni"].settings_of(settings).app_id == "app-1"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_provider_settings_given_in_code_win_over_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("YUNHUNI_APP_ID", "from-env")
    given = YunhuniSettings(_env_file=None, app_id="from-code")  # type: ignore[call-arg]
    settings = Settings(_env_file=None, providers={"yunhuni": given})
    assert REGISTRY["yunhuni"].settings_of(settings) is given
    assert REGISTRY["voipnow"].settings_of(settings).extension == ""  # not given: read from its own prefix


def test_provider_settings_of_the_wrong_class_are_refused() -> None:
    settings = Settings(_env_file=None, providers={"voipnow": YunhuniSettings(_env_file=None)})  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="VoipNowSettings"):
        REGISTRY["voipnow"].settings_of(settings)


def test_every_provider_has_its_own_settings_class_and_prefix() -> None:
    prefixes = set()
    for name, plugin in REGISTRY.items():
        assert issubclass(plugin.settings, ProviderSettings) and plugin.name == name
        prefix = plugin.settings.model_config.get("env_prefix", "")
        assert prefix == plugin.settings.prefix == f"{name.upper()}_"
        prefixes.add(prefix)
    assert len(prefixes) == len(REGISTRY)


def test_incomplete_provider_names_the_missing_variables() -> None:
    missing = REGISTRY["yunhuni"].settings_of(Settings(_env_file=None)).missing()
    assert "YUNHUNI_BASE_URL" in missing and "YUNHUNI_SECRET_KEY" in missing


def test_secrets_never_print() -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-very-secret")
    assert "xoxb-very-secret" not in repr(settings) and "xoxb-very-secret" not in str(settings.model_dump())


def test_log_level_is_one_of_the_logging_levels_in_any_case() -> None:
    assert Settings(_env_file=None, log_level="debug").log_level == "DEBUG"
    with pytest.raises(ValidationError):
        Settings(_env_file=None, log_level="loud")


def _sandbox() -> SandboxSettings:
    return SANDBOX.settings_of(Settings(_env_file=None))  # type: ignore[call-arg]


def test_one_settings_reads_the_sandbox_once_so_its_random_secrets_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_ENABLED", "true")
    monkeypatch.delenv("SANDBOX_API_KEY", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    # The provider and the embedded simulator each ask; they must be given the same key.
    assert SANDBOX.settings_of(settings).api_key == SANDBOX.settings_of(settings).api_key


def test_the_sandbox_is_off_unless_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_ENABLED", raising=False)
    off = _sandbox()
    assert off.enabled is False and off.missing() == ("SANDBOX_ENABLED",)
    monkeypatch.setenv("SANDBOX_ENABLED", "true")
    on = _sandbox()
    assert on.enabled is True and on.missing() == ()


def test_a_sandbox_without_secrets_gets_random_ones_each_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_ENABLED", "true")
    monkeypatch.delenv("SANDBOX_API_KEY", raising=False)
    monkeypatch.setenv("SANDBOX_WEBHOOK_SECRET", "")  # set but empty counts as unset
    first, second = _sandbox(), _sandbox()
    values = [s.get_secret_value() for sandbox in (first, second) for s in (sandbox.api_key, sandbox.webhook_secret)]
    assert len(set(values)) == 4, "one start's secrets are not another's, nor the key the secret"
    assert all(len(value) >= 32 for value in values)
    assert not {"sandbox-dev-key", "sandbox-dev-webhook-secret"} & set(values)
    monkeypatch.setenv("SANDBOX_API_KEY", "chosen-key")
    assert _sandbox().api_key.get_secret_value() == "chosen-key"
