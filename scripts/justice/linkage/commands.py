"""`justice linkage …`: train the m/u parameters, evaluate the linkage, compare with Splink."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from justice import dbt
from justice.console import JusticeError, LakeOption, Settings, say
from justice.linkage import pipeline

app = typer.Typer(
    help="Person linkage: train m/u parameters, measure quality, compare with Splink.",
    no_args_is_help=True,
)


EntityColumnOption = Annotated[str, typer.Option(help="The true entity column of --input.")]
ColumnOption = Annotated[
    list[str] | None,
    typer.Option(
        help="STANDARD=COLUMN: read a standard column (forename, surname, birth_date, "
        "sex, postcode, pnc_number, ...) of --input from a column named otherwise, "
        "e.g. --column forename=first_name --column birth_date=dob. Repeatable.",
    ),
]


def _column_mapping(column: list[str] | None, input_: Path | None) -> dict[str, str]:
    """The --column options, which only an --input has."""
    if column and input_ is None:
        raise JusticeError("--column maps the columns of --input, and there is no --input")
    return pipeline.parse_column_mapping(column)


def _prepare(
    command: str,
    source: Path,
    prepared: Path,
    entity_column: str,
    mapping: dict[str, str],
    *,
    label: str,
    described: bool,
) -> pipeline.PreparedInput:
    """prepare_input, saying how many records (and, for a user's file, which columns)."""
    result = pipeline.prepare_input(source, prepared, entity_column, columns=mapping)
    say(f"{command}: {result.records} records from {label}")
    if described:
        for line in result.describe():
            say(f"{command}: {line}")
    return result


@app.command()
def train(
    lake: LakeOption = None,
    output: Annotated[
        Path, typer.Option(help="Where to write the parameters seed.")
    ] = pipeline.SEED_PATH,
) -> None:
    """Estimate m/u by EM on the warehouse's candidate pairs; write the seed.

    Builds the staging and linkage models up to int_person_pairs_compared first.
    """
    settings = Settings.from_env(lake=lake)
    if not (settings.lake_path / "raw").exists():
        raise JusticeError(f"no raw lake at {settings.lake_path}: run `justice generate` first")
    started = time.perf_counter()
    say("train: building records, candidate pairs and comparison vectors")
    pipeline.run_dbt(["seed", "--select", "nicknames"], settings)
    pipeline.run_dbt(
        ["run", "--select", "+int_person_pairs_compared", "int_person_pairs_sampled"], settings
    )
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        parameters = pipeline.train_parameters(con)
    pipeline.write_parameters(parameters, pipeline.comparison_catalogue(settings), output)
    say(
        f"train: {parameters.iterations} EM iterations, prior (all pairs) "
        f"{parameters.prior:.3g} = {parameters.matching_pairs_per_record:.4f} matching pairs "
        f"per record by {parameters.prior_source}; wrote {output} in "
        f"{time.perf_counter() - started:.1f}s"
    )
    say(pipeline.describe_prior_check(parameters))


@app.command()
def nicknames(
    output: Annotated[
        Path, typer.Option(help="Where to write the seed.")
    ] = pipeline.NICKNAMES_PATH,
) -> None:
    """Write seeds/nicknames.csv from the generator's nickname table (names.py)."""
    rows = pipeline.write_nicknames(output)
    say(f"nicknames: wrote {rows} rows to {output}")


def _truth(lake: Path) -> str:
    folder = lake / "_truth"
    for pattern in (
        "person_records.parquet",
        "person_records/*.parquet",
        "person_records.csv",
        "person_records/*.csv",
    ):
        if list(folder.glob(pattern)):
            reader = "read_csv" if pattern.endswith("csv") else "read_parquet"
            return f"{reader}('{folder / pattern}')"
    raise JusticeError(f"no ground truth (person_records) under {folder}")


def evaluate_warehouse(settings: Settings) -> dict:
    """Quality of the built warehouse's int_person_clusters against the lake's truth, and
    the candidate pairs and blocking recall of each blocking rule."""
    from justice.linkage.metrics import warehouse_quality

    if not settings.duckdb_path.exists():
        raise JusticeError(f"no warehouse at {settings.duckdb_path}: run `justice build` first")
    rules = pipeline.blocking_rule_names(settings)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        con.execute(
            # identifiers are compared case-insensitively: staging may re-case them
            "create temp view truth as select clusters.record_id, "
            "cast(truth.person_id as varchar) as entity_id "
            "from intermediate.int_person_clusters as clusters "
            f"join {_truth(settings.lake_path)} as truth "
            "on clusters.system = truth.system "
            "and lower(clusters.source_record_id) = lower(cast(truth.source_record_id as varchar))"
        )
        quality = warehouse_quality(con, "truth", rules)
    return quality


@app.command()
def evaluate(
    lake: LakeOption = None,
    input_: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Parquet/CSV of standard columns and a true entity column: "
            "link it with the project's SQL and score it.",
        ),
    ] = None,
    benchmark: Annotated[
        str | None,
        typer.Option(
            help="Link and score a benchmark: febrl1, febrl2, febrl3 or febrl4 (FEBRL), or "
            "registers (a synthetic register of persons with clusters of up to 450 records)."
        ),
    ] = None,
    entity_column: EntityColumnOption = "entity_id",
    column: ColumnOption = None,
    link_type: Annotated[
        str, typer.Option(help="dedupe_and_link, or link_only (pairs across systems only).")
    ] = "dedupe_and_link",
    threshold: Annotated[float | None, typer.Option(help="Match probability threshold.")] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            help="Link in this directory (default: linkage-evaluate beside dbt's target)."
        ),
    ] = None,
    compare_splink: Annotated[
        bool,
        typer.Option(
            "--compare-splink",
            help="Link the same records with Splink too (its documented example settings) "
            "and print both systems' precision, recall, F1, pairs and seconds to link in one "
            "table. Without --input or --benchmark: the built warehouse's person records.",
        ),
    ] = False,
) -> None:
    """Pairwise precision/recall/F1 and B-cubed of the linkage, and candidate pairs and
    blocking recall per blocking rule.

    Without --input or --benchmark: the built warehouse against the lake's ground truth.
    """
    from justice.linkage.benchmarks import FEBRL, write_benchmark

    if input_ is not None and benchmark is not None:
        raise JusticeError("give --input or --benchmark, not both")
    mapping = _column_mapping(column, input_)
    if input_ is None and benchmark is None and not compare_splink:
        result = {"data": "warehouse", **evaluate_warehouse(Settings.from_env(lake=lake))}
        typer.echo(json.dumps(result, indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="justice-linkage-") as tmp:
        workdir = Path(tmp)
        prepared = workdir / "records.parquet"
        if benchmark:
            raw = workdir / f"{benchmark}.parquet"
            link_type = write_benchmark(benchmark, raw)
            source, name = raw, benchmark
            entity_column = "entity_id"
        elif input_ is None:
            source, name = workdir / "warehouse.parquet", "warehouse"
            export_warehouse_records(Settings.from_env(lake=lake), source)
            entity_column = "entity_id"
        else:
            source, name = input_, str(input_)
        _prepare(
            "evaluate",
            source,
            prepared,
            entity_column,
            mapping,
            label=f"{name} ({link_type})",
            described=input_ is not None,
        )
        dbt.preload()  # outside the clock: Splink is timed after its import too
        result = pipeline.link_file(
            prepared,
            keep.resolve() if keep is not None else linkage_workdir(lake),
            link_type=link_type,
            threshold=threshold,
            progress=say,
        )
        # the linking (the dbt run: start-up, parse, every model) as Splink's clock
        # covers its linking: measuring either against the truth is outside both
        ours_seconds = result.seconds.steps["dbt"]
        if compare_splink:
            from justice.linkage import splink_baseline

            say("evaluate: linking the same records with Splink")
            theirs = (
                splink_baseline.run(benchmark)
                if benchmark in FEBRL
                else splink_baseline.run_records(prepared, threshold or 0.95)
            )
            ours = {
                **result.quality,
                "seconds": round(ours_seconds, 2),
                "scored_pairs": result.quality["candidate_pairs"],
                "steps": result.seconds.steps,
            }
            say(json.dumps({"data": name, "ours": ours, "splink": theirs}, indent=2))
            typer.echo(comparison_table(name, ours, theirs))
            return
    typer.echo(
        json.dumps(
            {
                "data": name,
                "link_type": link_type,
                **result.quality,
                "seconds": result.seconds.steps,
            },
            indent=2,
        )
    )


def linkage_workdir(lake: Path | None) -> Path:
    """Where `evaluate` links a file: beside dbt's target, kept between runs so that
    dbt's partial-parse state is too."""
    return Settings.from_env(lake=lake).target_path / "linkage-evaluate"


@app.command()
def prepare(
    lake: LakeOption = None,
    keep: Annotated[
        Path | None,
        typer.Option(help="The directory `evaluate --keep` will link in (default: its own)."),
    ] = None,
    link_type: Annotated[
        list[str] | None,
        typer.Option(help="dedupe_and_link or link_only (repeatable; default: both)."),
    ] = None,
) -> None:
    """Parse the project ahead for `evaluate` (both link types), so that the first file it
    links does not wait for dbt's whole parse (10-15 s); `make build` runs it. Later runs
    re-parse only the files changed since."""
    workdir = keep.resolve() if keep is not None else linkage_workdir(lake)
    seconds = pipeline.prepare_file_linking(workdir, tuple(link_type or pipeline.LINK_TYPES))
    parsed = ", ".join(f"{link_type} {took:.1f} s" for link_type, took in seconds.items())
    say(f"prepare: parsed the project for linking files in {workdir} ({parsed})")


def export_warehouse_records(settings: Settings, path: Path) -> int:
    """Write the built warehouse's person records (standard columns, as standardised) with
    the lake's true person as entity_id, for linking them again beside Splink."""
    if not settings.duckdb_path.exists():
        raise JusticeError(f"no warehouse at {settings.duckdb_path}: run `justice build` first")
    columns = ", ".join(f"records.{column}" for column in pipeline.RAW_COLUMNS)
    quoted = str(path).replace("'", "''")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        con.execute(
            f"copy (select {columns}, cast(truth.person_id as varchar) as entity_id "
            "from intermediate.int_person_records as records "
            f"join {_truth(settings.lake_path)} as truth "
            "on records.system = truth.system and lower(records.source_record_id) "
            "= lower(cast(truth.source_record_id as varchar))) "
            f"to '{quoted}' (format parquet)"
        )
        return int(con.execute(f"select count(*) from '{quoted}'").fetchone()[0])


def comparison_table(name: str, ours: dict, theirs: dict) -> str:
    """Both systems' pairwise precision, recall, F1, scored pairs and seconds to link."""
    lines = [
        f"{name}: cluster-pairwise quality against the truth (load average "
        f"{os.getloadavg()[0]:.2f})",
        f"{'system':<8} {'precision':>9} {'recall':>7} {'F1':>7} {'pairs':>10} {'seconds':>8}",
    ]
    for system, row in (("ours", ours), ("splink", theirs)):
        lines.append(
            f"{system:<8} {row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>7.4f} "
            f"{row['scored_pairs']:>10} {row['seconds']:>8.1f}"
        )
    lines.append(
        "seconds: the linking, from the records to the clusters (ours: the dbt run(s), "
        "start-up and parse included; Splink: training, prediction and clustering); "
        "measuring against the truth is outside both"
    )
    return "\n".join(lines)


@app.command()
def splink(
    benchmark: Annotated[
        str, typer.Option(help="febrl1, febrl2, febrl3, febrl4 or registers.")
    ] = "febrl4",
    input_: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Link this Parquet/CSV instead (as `evaluate --input` takes it), with "
            "Splink's historical-records example settings.",
        ),
    ] = None,
    entity_column: EntityColumnOption = "entity_id",
    column: ColumnOption = None,
    threshold: Annotated[
        float, typer.Option(help="Match probability threshold for --input.")
    ] = 0.95,
) -> None:
    """Link a FEBRL benchmark, or a file, with Splink's documented example settings, for
    comparison."""
    from justice.linkage import splink_baseline
    from justice.linkage.benchmarks import FEBRL, write_benchmark

    mapping = _column_mapping(column, input_)
    if input_ is None and benchmark in FEBRL:
        typer.echo(json.dumps(splink_baseline.run(benchmark), indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="justice-splink-") as tmp:
        prepared = Path(tmp) / "records.parquet"
        if input_ is None:
            source = Path(tmp) / f"{benchmark}.parquet"
            write_benchmark(benchmark, source)
            entity_column = "entity_id"
        else:
            source = input_
        _prepare(
            "splink",
            source,
            prepared,
            entity_column,
            mapping,
            label=str(input_ or benchmark),
            described=input_ is not None,
        )
        typer.echo(json.dumps(splink_baseline.run_records(prepared, threshold), indent=2))
