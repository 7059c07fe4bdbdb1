"""`justice lint`: the SQL rules configured in pyproject.toml fire on what STYLE.md
forbids and stay quiet on what it asks for; file selection (`--changed`, paths) and the
empty scratch warehouse that lets dbt render models without a lake.

SQL here is linted in-process with the project's sqlfluff configuration and the jinja
templater (no dbt, so milliseconds); the whole project, rendered by dbt, is linted in
test_project_quality.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest
from sqlfluff.core import FluffConfig, Linter

from justice.console import PROJECT_ROOT, Settings
from justice.quality import lint, scratch_warehouse


@pytest.fixture(scope="module")
def linter() -> Linter:
    config = FluffConfig.from_path(str(PROJECT_ROOT), overrides={"templater": "jinja"})
    return Linter(config=config)


def codes(linter: Linter, sql: str, fname: str = "models/marts/x/fct_x.sql") -> set[str]:
    parsed = linter.lint_string(sql, fname=fname)
    return {violation.rule_code() for violation in parsed.get_violations()}


GOOD = """\
with movements as (

    select * from movements_source

),

movements_ordered as (

    select
        movements.movement_id,
        movements.offender_book_id,
        lower(movements.movement_type) as movement_type,
        count(*) over (
            partition by movements.offender_book_id
        ) as movement_count,
        bookings.booking_begin_date
    from movements
    left join bookings
        on movements.offender_book_id = bookings.offender_book_id

)

select * from movements_ordered
"""


def test_style_md_sql_passes(linter: Linter) -> None:
    assert codes(linter, GOOD) == set()


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("SELECT * FROM movements_source\n", "CP01"),  # lower-case keywords
        ("with a1 as (select COUNT(*) as n from t)\n\nselect * from a1\n", "CP03"),
        ("with a1 as (select Movement_Id from t)\n\nselect * from a1\n", "CP02"),
        (
            "with a1 as (\n    select\n        x\n        , y\n    from t\n)\n\nselect * from a1\n",
            "LT04",
        ),  # trailing commas
        ("with a1 as (\n  select x\n  from t\n)\n\nselect * from a1\n", "LT02"),  # 4 spaces
        (
            "with a1 as (\n    select\n        " + "x + " * 20 + "x as total\n    from t\n)\n\n"
            "select * from a1\n",
            "LT05",
        ),  # 80 characters
        ("with a1 as (select x total from t)\n\nselect * from a1\n", "AL02"),  # column `as`
        ("with a1 as (select tab.x from t tab)\n\nselect * from a1\n", "AL01"),  # table `as`
        ("with a1 as (\n    select m.x\n    from t as m\n)\n\nselect * from a1\n", "AL06"),
        ("with a1 as (select x from t)\n\nselect x from a1\n", "Justice_JU01"),
        ("select x from t\n", "Justice_JU01"),  # no CTEs at all
        ("with a1 as (select x from t)\n\nselect * from a1 where x > 1\n", "Justice_JU01"),
        (
            "with a1 as (\n    select t.x from t\n    inner join u on t.id = u.id\n)\n\n"
            "select * from a1 inner join a1 as a2 on a1.x = a2.x\n",
            "Justice_JU01",
        ),
    ],
)
def test_sql_rule_fires(linter: Linter, sql: str, code: str) -> None:
    assert code in codes(linter, sql)


def test_final_select_rule_only_judges_models(linter: Linter) -> None:
    singular_test = "select x from t where x < 0\n"
    assert "Justice_JU01" not in codes(linter, singular_test, fname="tests/dbt/assert_x.sql")


# ---------------------------------------------------------------------------------------
# which files


def test_select_files_routes_each_tool() -> None:
    files = [
        "models/marts/people/dim_person.sql",
        "models/marts/people/_people__models.yml",
        "models/intermediate/people/int_x.py",
        "tests/dbt/generic/unique_combination.sql",
        "tests/dbt/assert_no_orphans.sql",
        "macros/staging/cdc.sql",
        "scripts/justice/lint.py",
        "tests/python/test_x.py",
        "dbt_project.yml",
        ".pre-commit-config.yaml",
        "README.md",
    ]
    assert lint.select_files(files) == {
        "sql": ["models/marts/people/dim_person.sql", "tests/dbt/assert_no_orphans.sql"],
        "yaml": [
            "models/marts/people/_people__models.yml",
            "dbt_project.yml",
            ".pre-commit-config.yaml",
        ],
        "python": [
            "models/intermediate/people/int_x.py",
            "scripts/justice/lint.py",
            "tests/python/test_x.py",
        ],
    }


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_changed_files_since_merge_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    for name in ("a.sql", "b.sql", "gone.sql"):
        (repo / "models" / name).write_text("select 1\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "models" / "a.sql").write_text("select 2\n")
    _git(repo, "commit", "-q", "-am", "change a")
    (repo / "models" / "b.sql").write_text("select 3\n")  # unstaged
    (repo / "models" / "new.sql").write_text("select 4\n")  # untracked
    (repo / "models" / "gone.sql").unlink()  # deleted: nothing to lint
    monkeypatch.setattr(lint, "PROJECT_ROOT", repo)
    assert lint.changed_files("main") == ["models/a.sql", "models/b.sql", "models/new.sql"]
    monkeypatch.chdir(repo)
    assert lint.given_files(["models/a.sql", "models"]) == [
        "models/a.sql",
        "models/b.sql",
        "models/new.sql",
    ]


# ---------------------------------------------------------------------------------------
# the scratch warehouse


def test_scratch_warehouse_is_empty_and_never_the_real_one(tmp_path: Path) -> None:
    """Lint and check compile against an empty DuckDB file of their own (columns come from
    the YAML), made afresh each run, so they run without a lake, build or the real file."""
    real = tmp_path / "justice.duckdb"
    settings = Settings(
        lake_path=tmp_path / "lake",
        duckdb_path=real,
        target_path=tmp_path / "target",
        target="athena",
    )
    scratch = scratch_warehouse.scratch_settings(settings, "lint")
    assert scratch.duckdb_path == tmp_path / "target" / "lint" / "justice.duckdb"
    assert scratch.duckdb_path != real and scratch.target == "local"
    with duckdb.connect(str(scratch.duckdb_path)) as con:
        con.execute("create table leftover (x int)")
    again = scratch_warehouse.scratch_settings(settings, "lint")
    assert not again.duckdb_path.exists()  # made afresh: nothing from an earlier run
