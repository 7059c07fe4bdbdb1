"""Fellegi-Sunter parameters trained on the records being linked, in the seed's shape.

Only when `justice linkage evaluate` links a file (var linkage_input_path; enabled in
_people__models.yml): the file's comparison vectors train m and u as `justice linkage
train` does for the seed (justice.linkage.pipeline.train_parameters: u from the sampled
pairs, m by EM and on confirmed pairs, the prior checked by capture-recapture), and
int_person_pairs_scored reads this table instead of the seed. A Python model, so that
linking a file is one dbt run: dbt-duckdb runs it in dbt's own process, on the
warehouse's connection. Never on Athena (the file mode is local only).
"""

import pyarrow as pa


def model(dbt, session):
    from justice.linkage import pipeline

    dbt.config(materialized="table")
    link_type = dbt.config.get("meta")["linkage_link_type"]
    catalogue = [
        {"comparison": comparison, "comparison_level": level, "level_description": description}
        for comparison, level, description in dbt.ref("int_person_comparison_levels").fetchall()
    ]
    # dbt reads the refs from the code itself: each must be a literal
    dbt.ref("int_person_pairs_compared").create_view("trained_candidates", replace=True)
    dbt.ref("int_person_pairs_sampled").create_view("trained_sampled", replace=True)
    dbt.ref("int_person_records").create_view("trained_records", replace=True)
    parameters = pipeline.train_parameters(
        session,
        candidates="trained_candidates",
        sampled="trained_sampled",
        records="trained_records",
        link_type=link_type,
    )
    rows = pipeline.parameter_rows(parameters, catalogue)
    # the seed's columns and types (dbt_project.yml, seeds: person_linkage_parameters)
    types = [pa.string(), pa.int32(), pa.string(), pa.float64(), pa.float64()]
    schema = pa.schema(list(zip(pipeline.SEED_COLUMNS, types, strict=True)))
    return pa.Table.from_pylist(
        [dict(zip(schema.names, row, strict=True)) for row in rows], schema=schema
    )
