"""`confbot --version` names the installed release, so an operator can tell which build a replica runs."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from bot.cli import main


def test_version_prints_the_installed_release_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"confbot {version('confbot')}"
