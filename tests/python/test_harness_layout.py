"""The harness's layout rules (DESIGN.md section 8, STYLE.md "Write each thing once"):
one module runs dbt."""

from __future__ import annotations

import ast
from pathlib import Path

from justice.console import PROJECT_ROOT

HARNESS = PROJECT_ROOT / "scripts" / "justice"


def _imports_dbt_runner(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "dbt.cli" or node.module.startswith("dbt.cli."):
                return True
            if any(alias.name == "dbtRunner" for alias in node.names):
                return True
        elif isinstance(node, ast.Import) and any(
            alias.name == "dbt.cli" or alias.name.startswith("dbt.cli.") for alias in node.names
        ):
            return True
    return False


def test_exactly_one_module_runs_dbt() -> None:
    runners = sorted(
        path.relative_to(HARNESS).as_posix()
        for path in HARNESS.rglob("*.py")
        if _imports_dbt_runner(path)
    )
    assert runners == ["dbt.py"]
