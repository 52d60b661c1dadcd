"""The features' cores and the kernel's pure modules stay pure (no Slack, HTTP, SQL or scheduler imports),
and the features stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
PURE = [
    BOT / "dialout" / "core",
    BOT / "inbound" / "core",
    *(BOT / "kernel" / f"{name}.py" for name in ("states", "phone", "when", "lexing")),
]
FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "httpx",
    "aiohttp",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "apscheduler",
    "starlette",
    "uvicorn",
    "psycopg",
    "aiosqlite",
    "bot.store",
    "bot.slack",
    "bot.dialout.providers",
    "bot.wiring",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_slack_http_sql_or_scheduler() -> None:
    offenders = {
        f"{path.name}: {name}"
        for root in PURE
        for path in ([root] if root.is_file() else root.rglob("*.py"))
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert offenders == set()


def test_the_check_would_catch_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("import httpx\nfrom slack_sdk.web import WebClient\n")
    assert {"httpx", "slack_sdk.web"} <= imported_modules(sample)


def test_only_config_reads_the_environment() -> None:
    root = BOT
    readers = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "os.environ" in path.read_text() or "os.getenv" in path.read_text()
    }
    assert readers <= {"config.py"}


def cross_imports(feature: str, other: str) -> set[str]:
    """`bot.<feature>` modules importing anything of `bot.<other>` (TYPE_CHECKING and local imports included)."""
    return {
        f"{path.relative_to(BOT)}: {name}"
        for path in (BOT / feature).rglob("*.py")
        for name in imported_modules(path)
        if name == f"bot.{other}" or name.startswith(f"bot.{other}.")
    }


def test_the_features_do_not_import_each_other() -> None:
    """Dial-out and inbound routing meet only in the composition root (wiring, the Slack app, the CLI)."""
    assert cross_imports("inbound", "dialout") == set()
    assert cross_imports("dialout", "inbound") == set()


def test_the_feature_check_would_catch_a_cross_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("def f():\n    from bot.dialout.core import command\n")
    assert "bot.dialout.core" in imported_modules(sample)
