"""The map in docs/ARCHITECTURE.md stays true: its import rules hold (import-linter contracts in
setup.cfg), the migrations match the models (``alembic check``), no module imports another
module's private name, and every module of the packages listed here is named in the map."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The packages these checks cover (each one's modules are named in its section of the map).
PACKAGES = ("hwtrace", "pda_client")
SKIP_DIRS = ("migrations/versions",)


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "broken" not in r.stdout.lower() or " 0 broken" in r.stdout.lower()


def test_migrations_match_models(database_url: str) -> None:
    from alembic import command

    from hwtrace.migrate import alembic_config

    command.check(alembic_config(database_url))


def modules(package: str) -> Iterator[Path]:
    """The Python files of a package, migrations' versions excepted."""
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT / package).as_posix()
        if not any(rel.startswith(d) for d in SKIP_DIRS):
            yield path


def private_imports(path: Path, packages: tuple[str, ...]) -> list[str]:
    """``from pkg.mod import _name`` and ``mod._name`` of a project module, in one file."""
    tree = ast.parse(path.read_text("utf-8"))
    found: list[str] = []
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in packages:
                continue
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    found.append(f"{node.lineno}: from {node.module} import {a.name}")
                aliases.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in packages:
                    aliases.add(a.asname or a.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_private_name_crosses_a_module(package: str) -> None:
    bad = {
        str(p.relative_to(ROOT)): hits
        for p in modules(package)
        if (hits := private_imports(p, PACKAGES))
    }
    assert not bad, f"private names imported from other modules (make them public): {bad}"


def _section(doc: str, package: str) -> str:
    m = re.search(rf"^### {package}/.*?$(.*?)(?=^### |\Z)", doc, re.M | re.S)
    assert m, f"docs/ARCHITECTURE.md has no section '### {package}/'"
    return m.group(1)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_map_names_every_module(package: str) -> None:
    section = _section((ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8"), package)
    missing = []
    for path in modules(package):
        rel = path.relative_to(ROOT / package).as_posix()
        if path.name == "__init__.py" and "/" in rel and not _has_code(path):
            continue  # a subpackage's docstring-only __init__
        named = f"`{rel}`" in section or any(f"`{parent}/`" in section for parent in _parents(rel))
        if not named:
            missing.append(rel)
    assert not missing, f"modules of {package}/ not named in docs/ARCHITECTURE.md: {missing}"


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _has_code(path: Path) -> bool:
    body = ast.parse(path.read_text("utf-8")).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


# No room too big: a module over this many lines is split by what it holds; a function over
# this many lines is split too, unless a comment on the lines just above its ``def`` starting
# "# one piece:" says why it must stay whole.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
SIZED = ("hwtrace", "ledger", "printer", "pda_client", "schemas")


def oversized(path: Path) -> list[str]:
    """The module itself and the functions of ``path`` that are too long."""
    text = path.read_text("utf-8")
    lines = text.splitlines()
    found = [f"{len(lines)} lines"] if len(lines) > MAX_MODULE_LINES else []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        above = lines[max(0, first - 4) : first - 1]
        if length > MAX_FUNCTION_LINES and not any("# one piece:" in a for a in above):
            found.append(f"{node.name}() {length} lines (line {node.lineno})")
    return found


@pytest.mark.parametrize("package", SIZED)
def test_no_module_or_function_is_too_big(package: str) -> None:
    big = {
        path.relative_to(ROOT).as_posix(): found
        for path in modules(package)
        if (found := oversized(path))
    }
    assert not big, f"split these by what they hold (docs/ARCHITECTURE.md): {big}"


def test_the_size_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"def long() -> None:\n{body}\n")
    assert oversized(tmp_path / "long.py") == [f"long() {MAX_FUNCTION_LINES + 1} lines (line 1)"]
    (tmp_path / "kept.py").write_text(
        f"# one piece: a table as code\ndef long() -> None:\n{body}\n"
    )
    assert oversized(tmp_path / "kept.py") == []
