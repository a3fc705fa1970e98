"""The core must stay framework-free: domain/ and application/ import no adapters or frameworks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import elenchos

PACKAGE_DIR = Path(elenchos.__file__).parent
FORBIDDEN_PREFIXES = (
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic_settings",
    "sqlalchemy",
    "alembic",
    "asyncpg",
    "aiosqlite",
    "jwt",
    "argon2",
    "aiosmtplib",
    "jinja2",
    "httpx",
    "uvicorn",
    "elenchos.adapters",
    "elenchos.http",
    "elenchos.bootstrap",
    "elenchos.config",
    "elenchos.cli",
)


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
    return modules


def core_files() -> list[Path]:
    return sorted(
        path
        for layer in ("domain", "application")
        for path in (PACKAGE_DIR / layer).rglob("*.py")
    )


def test_core_has_files() -> None:
    assert len(core_files()) >= 4


@pytest.mark.parametrize("path", core_files(), ids=lambda path: path.name)
def test_core_module_imports_no_framework(path: Path) -> None:
    offending = [
        module
        for module in imported_modules(path)
        if any(module == prefix or module.startswith(prefix + ".") for prefix in FORBIDDEN_PREFIXES)
    ]

    assert offending == [], f"{path.relative_to(PACKAGE_DIR)} imports {offending}"


def test_domain_does_not_import_application() -> None:
    for path in (PACKAGE_DIR / "domain").rglob("*.py"):
        modules = imported_modules(path)

        assert not [m for m in modules if m.startswith("elenchos.application")], path.name
