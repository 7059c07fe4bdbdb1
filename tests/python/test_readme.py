"""The README's command table is generated from the `justice` command itself
(justice.readme): it fails here when a command or option changed and the table was not
regenerated (`.venv/bin/python -m justice.readme`)."""

from __future__ import annotations

from justice import readme


def test_readme_command_table_matches_the_cli() -> None:
    current = readme.README.read_text()
    assert current == readme.render(current), (
        "README.md's command table is stale: run `.venv/bin/python -m justice.readme`"
    )


def test_every_command_is_in_the_table() -> None:
    table = readme.table()
    for command in ("build", "docs", "lineage", "diff", "marts", "linkage splink", "check"):
        assert f"| `justice {command}" in table
    assert "[--as-of AS_OF]" in table and "[--data]" in table
    assert all(row.count(" | ") >= 1 and not row.endswith("|  |") for row in table.splitlines())
