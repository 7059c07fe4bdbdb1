"""`justice linkage …`: train the m/u parameters, evaluate the linkage, compare with Splink."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from justice.console import JusticeError, LakeOption, Settings, say
from justice.linkage import pipeline

app = typer.Typer(
    help="Person linkage: train m/u parameters, measure quality, compare with Splink.",
    no_args_is_help=True,
)


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
        f"{parameters.prior:.4f}; wrote {output} in {time.perf_counter() - started:.1f}s"
    )


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
    """Quality of the built warehouse's int_person_clusters against the lake's truth."""
    from justice.linkage.metrics import cluster_quality, link_quality

    if not settings.duckdb_path.exists():
        raise JusticeError(f"no warehouse at {settings.duckdb_path}: run `justice build` first")
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
        con.execute(
            "create temp view assignments as select clusters.record_id, clusters.cluster_id, "
            "truth.entity_id from intermediate.int_person_clusters as clusters "
            "join truth using (record_id)"
        )
        quality = cluster_quality(con, "assignments").as_dict()
        quality.update(link_quality(con, "intermediate.int_person_pairs_scored", "truth"))
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
        str | None, typer.Option(help="Link and score a FEBRL benchmark: febrl3 or febrl4.")
    ] = None,
    entity_column: Annotated[
        str, typer.Option(help="The true entity column of --input.")
    ] = "entity_id",
    link_type: Annotated[
        str, typer.Option(help="dedupe_and_link, or link_only (pairs across systems only).")
    ] = "dedupe_and_link",
    threshold: Annotated[float | None, typer.Option(help="Match probability threshold.")] = None,
    keep: Annotated[
        Path | None, typer.Option(help="Keep the throw-away warehouse in this directory.")
    ] = None,
) -> None:
    """Pairwise precision/recall/F1 and B-cubed of the linkage.

    Without --input or --benchmark: the built warehouse against the lake's ground truth.
    """
    from justice.linkage.benchmarks import write_benchmark

    if input_ is None and benchmark is None:
        result = {"data": "warehouse", **evaluate_warehouse(Settings.from_env(lake=lake))}
        typer.echo(json.dumps(result, indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="justice-linkage-") as tmp:
        workdir = Path(tmp)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            workdir = keep.resolve()
        prepared = workdir / "records.parquet"
        if benchmark:
            raw = workdir / f"{benchmark}.parquet"
            link_type = write_benchmark(benchmark, raw)
            source, name = raw, benchmark
            entity_column = "entity_id"
        else:
            source, name = input_, str(input_)
        records = pipeline.prepare_input(source, prepared, entity_column)
        say(f"evaluate: {records} records from {name} ({link_type})")
        result = pipeline.link_file(
            prepared, workdir, link_type=link_type, threshold=threshold, progress=say
        )
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


@app.command()
def splink(
    benchmark: Annotated[str, typer.Option(help="febrl3 or febrl4.")] = "febrl4",
) -> None:
    """Link a FEBRL benchmark with Splink's documented example settings, for comparison."""
    from justice.linkage import splink_baseline

    typer.echo(json.dumps(splink_baseline.run(benchmark), indent=2))
