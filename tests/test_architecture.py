"""The features' cores and the kernel's pure modules stay pure (no Slack, HTTP, SQL or scheduler imports),
and the features stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
PURE = [
    BOT / "dialout" / "core",
    BOT / "inbound" / "core",
    *(BOT / "kernel" / f"{name}.py" for name in ("states", "phone", "when", "time_words", "recurrence", "lexing")),
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


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module under `root` (a package directory)."""
    names = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph(root: Path) -> dict[str, set[str]]:
    """Which of `root`'s modules each module imports, TYPE_CHECKING and function-local imports included."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    kept = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*kept, base] if base else kept)
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: set[frozenset[str]] = set()
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.add(frozenset(group))
    return groups


def test_no_import_cycles_between_modules() -> None:
    assert import_cycles(import_graph(BOT)) == set()


def test_the_cycle_check_finds_a_cycle_through_type_checking_and_local_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from ..c import g\n")
    (package / "c.py").write_text("from . import a\n")
    (package / "d.py").write_text("from pkg import a\n")  # imports into the cycle, not part of it
    assert import_cycles(import_graph(package)) == {frozenset({"pkg.a", "pkg.sub.b", "pkg.c"})}


def test_only_the_entry_points_know_the_composition_root() -> None:
    """Listeners, webhooks and jobs get what they use; none of them can reach the running app."""
    importers = {name for name, imported in import_graph(BOT).items() if "bot.wiring" in imported}
    assert importers <= {"bot.cli", "bot.demo"}
