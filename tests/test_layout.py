"""The package's shape: imports at module level only, one way through the layers (make lint
checks the layers with an import contract; this checks what the contract cannot see)."""

from __future__ import annotations

import ast
from pathlib import Path

import django_minio_backend

PACKAGE = Path(django_minio_backend.__file__).parent
# AppConfig.ready() imports what needs the app registry: Django's documented place for it.
LAZY_IMPORTS_ALLOWED = {"apps.py"}


def function_level_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """``file:line`` of every import statement inside a function of ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    return sorted(
        {
            f"{path.relative_to(root)}:{inner.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)
            if isinstance(inner, ast.Import | ast.ImportFrom)
        }
    )


def test_no_imports_inside_functions() -> None:
    modules = [p for p in PACKAGE.rglob("*.py") if p.name not in LAZY_IMPORTS_ALLOWED]
    assert len(modules) > 30
    assert [hit for module in modules for hit in function_level_imports(module)] == []


def test_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text("import os\n\n\ndef f():\n    from os import path\n    return path\n")
    assert function_level_imports(module, tmp_path) == ["sample.py:5"]
