"""sqlfluff plugin: the project's own SQL rules, registered under the `sqlfluff`
entry-point group in pyproject.toml, so they are active wherever the project's venv runs
sqlfluff (`justice lint`, pre-commit, an editor). Rules are imported only when sqlfluff
asks for them, as its plugin guide requires.
"""

from __future__ import annotations

from typing import Any

from sqlfluff.core.plugin import hookimpl


@hookimpl
def get_rules() -> list[type]:
    from justice.quality.sqlfluff_final_select import Rule_Justice_JU01

    return [Rule_Justice_JU01]


@hookimpl
def load_default_config() -> dict[str, Any]:
    return {}


@hookimpl
def get_configs_info() -> dict[str, Any]:
    return {}
