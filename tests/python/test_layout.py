"""Where things live (issue 10, "one room per idea"): each macro is documented in the
properties file of its own folder, and nothing is documented twice. Reads the files
only; no dbt, lake or warehouse.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from justice.settings import PROJECT_ROOT

MACRO_ROOTS = (PROJECT_ROOT / "macros", PROJECT_ROOT / "tests" / "dbt" / "generic")
_DEFINITION = re.compile(r"\{%-?\s*(macro|test)\s+(\w+)\s*\(")


def _defined() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in MACRO_ROOTS:
        for path in sorted(root.rglob("*.sql")):
            for kind, name in _DEFINITION.findall(path.read_text()):
                found[f"test_{name}" if kind == "test" else name] = path.parent
    return found


def _documented() -> list[tuple[str, Path]]:
    entries = []
    for root in MACRO_ROOTS:
        for path in sorted(root.rglob("*.yml")):
            for macro in (yaml.safe_load(path.read_text()) or {}).get("macros") or []:
                entries.append((macro["name"], path))
    return entries


def test_macros_are_documented_beside_them_once() -> None:
    defined = _defined()
    documented = _documented()
    names = [name for name, _ in documented]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    misplaced = [
        f"{name} (in {path.relative_to(PROJECT_ROOT)})"
        for name, path in documented
        if name in defined and path.parent != defined[name]
    ]
    assert not misplaced, "document each macro in its own folder's _<folder>__macros.yml"
    assert sorted(set(defined) - set(names)) == []
    assert sorted(set(names) - set(defined)) == []


def test_macro_properties_are_named_after_their_folder() -> None:
    for _, path in _documented():
        assert path.name == f"_{path.parent.name}__macros.yml", path
    assert not (PROJECT_ROOT / "macros" / "_macros.yml").exists()
