"""The documents service's layers, read from its imports (ast, no import runs): no layer imports
one above it (docs/architecture.md, "The documents service").

    api       → anything below it
    workers   → commands, domain, adapters, db, pdf
    commands  → domain, adapters, db, pdf
    adapters  → domain, pdf
    db        → domain (types only)
    domain    → pdf (pure)
    pdf       → nothing of the service (the PDF toolkit)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "services" / "documents"
PACKAGE = "services.documents"

ALLOWED: dict[str, frozenset[str]] = {
    "api": frozenset({"api", "workers", "commands", "adapters", "db", "domain", "pdf"}),
    "workers": frozenset({"workers", "commands", "adapters", "db", "domain", "pdf"}),
    "commands": frozenset({"commands", "adapters", "db", "domain", "pdf"}),
    "adapters": frozenset({"adapters", "domain", "pdf"}),
    "db": frozenset({"db", "domain"}),
    "domain": frozenset({"domain", "pdf"}),
    "pdf": frozenset({"pdf"}),
}
# Modules of the package root: wiring (app.py) and the entry point may import every layer.
ROOT_MODULES = frozenset({"app", "__main__", "__init__"})
# What db/ may take from domain/: types (enums), never rules.
DB_MAY_IMPORT = frozenset({f"{PACKAGE}.domain.statemachine", f"{PACKAGE}.domain.signer_states"})


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The module a `from … import` names, relative ones (pdf/ uses them) resolved."""
    if node.level == 0:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(path: Path, package: str = PACKAGE) -> list[str]:
    """Every `services.documents.…` module a file imports; `package` is the file's own package."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, package)
            if module == PACKAGE:  # `from services.documents import api`
                found += [f"{PACKAGE}.{alias.name}" for alias in node.names]
            elif module:
                found.append(module)
    return [name for name in found if name.startswith(PACKAGE + ".")]


def package_of(path: Path) -> str:
    return ".".join((PACKAGE, *path.relative_to(SERVICE).parent.parts))


def layer_of(module: str) -> str:
    return module.removeprefix(PACKAGE + ".").split(".")[0]


def source_files() -> list[Path]:
    return sorted(p for p in SERVICE.rglob("*.py") if "migrations" not in p.parts)


def violations() -> list[str]:
    found: list[str] = []
    for path in source_files():
        relative = path.relative_to(SERVICE)
        layer = relative.parts[0] if len(relative.parts) > 1 else None
        if layer is None:
            assert relative.stem in ROOT_MODULES, f"{relative}: a module outside the layer folders"
            continue
        assert layer in ALLOWED, f"{relative}: {layer}/ is not a known layer"
        for module in imported_modules(path, package_of(path)):
            target = layer_of(module)
            if target in ROOT_MODULES or target not in ALLOWED[layer]:
                found.append(f"{relative} ({layer}) imports {module} ({target})")
            elif layer == "db" and target == "domain" and module not in DB_MAY_IMPORT:
                found.append(f"{relative} (db) imports {module}: db takes only types from domain")
    return found


def test_no_layer_imports_a_layer_above_it() -> None:
    assert violations() == []


# HTTP is the edge's business: below api/ a refusal is a domain error (domain/errors.py), which
# api/errors.py alone turns into problem+json. api/ and app.py (the wiring) may import it.
NO_HTTP_PROBLEMS = frozenset({"commands", "domain", "db", "workers", "adapters", "pdf"})


def imports_problems(path: Path) -> list[int]:
    """The lines of `path` that import shared.problems, in any form."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import) and any(a.name.startswith("shared.problems") for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            named = [f"{node.module}.{a.name}" for a in node.names]
            if node.module == "shared.problems" or "shared.problems" in named:
                lines.append(node.lineno)
    return lines


def test_only_the_edge_imports_http_problems() -> None:
    found = [
        f"{_relative(path)}:{line}"
        for path in source_files()
        if path.relative_to(SERVICE).parts[0] in NO_HTTP_PROBLEMS
        for line in imports_problems(path)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from shared.problems import Problem\n", [1]),
        ("import shared.problems\n", [1]),
        ("from shared import problems\n", [1]),
        ("from shared.context import SYSTEM\n", []),
    ],
)
def test_the_problem_check_sees_every_form_of_import(tmp_path: Path, source: str, found: list[int]) -> None:
    module = tmp_path / "m.py"
    module.write_text(source)
    assert imports_problems(module) == found


def test_every_module_sits_in_a_known_layer() -> None:
    layers = {p.relative_to(SERVICE).parts[0] for p in source_files() if len(p.relative_to(SERVICE).parts) > 1}
    assert layers == set(ALLOWED)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from services.documents.api import views\n", ["services.documents.api"]),
        ("from services.documents import api\n", ["services.documents.api"]),
        ("import services.documents.db.repository as repo\n", ["services.documents.db.repository"]),
        ("from shared.db import POOL\n", []),
        ("from ..api import views\n", ["services.documents.api"]),
    ],
)
def test_the_checker_sees_every_form_of_import(tmp_path: Path, source: str, expected: list[str]) -> None:
    module = tmp_path / "m.py"
    module.write_text(source)
    assert [layer_of(m) for m in imported_modules(module, f"{PACKAGE}.pdf")] == [layer_of(e) for e in expected]


# --- SQL in db/, statuses from the state machines ------------------------------------------------

# The request/response models are the public contract (moving to shared/contracts); their Literals
# spell the statuses on purpose. Completion's claim moves to the shared leased-job primitive.
CONTRACT_MODULES = frozenset({"api/schemas.py", "api/file_schemas.py", "api/signing_schemas.py", "api/page_schemas.py"})
SQL_ELSEWHERE: frozenset[str] = frozenset()
_SQL_CALLS = frozenset({"fetch", "fetchrow", "fetchval", "execute", "executemany"})


def _relative(path: Path) -> str:
    return path.relative_to(SERVICE).as_posix()


def sql_calls_outside_db() -> list[str]:
    found = []
    for path in source_files():
        name = _relative(path)
        if name.startswith("db/") or name in SQL_ELSEWHERE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SQL_CALLS:
                found.append(f"{name}:{node.lineno} .{node.func.attr}(…)")
    return found


def bare_statuses_outside_domain() -> list[str]:
    from services.documents.domain.signer_states import SignerStatus
    from services.documents.domain.statemachine import Status

    statuses = {s.value for s in Status} | {s.value for s in SignerStatus}
    found = []
    for path in source_files():
        name = _relative(path)
        if name.startswith(("domain/", "pdf/")) or name in CONTRACT_MODULES or name in SQL_ELSEWHERE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in statuses:
                found.append(f"{name}:{node.lineno} {node.value!r}")
    return found


def test_every_sql_statement_sits_in_db() -> None:
    assert sql_calls_outside_db() == []


def test_statuses_are_named_by_the_state_machines_enums() -> None:
    assert bare_statuses_outside_domain() == []
