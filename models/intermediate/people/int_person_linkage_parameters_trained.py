"""Fellegi-Sunter parameters trained on the records being linked, in the seed's shape.

Only when `justice linkage evaluate` links a file (var linkage_input_path; enabled in
_people__models.yml): the file's comparison vectors train m and u as `justice linkage
train` does for the seed (justice.linkage.pipeline.train_parameters: u from the sampled
pairs, m by EM and on confirmed pairs, the prior checked by capture-recapture), and
int_person_pairs_scored reads this table instead of the seed. A Python model, so that
linking a file is one dbt run: dbt-duckdb runs it in dbt's own process, on the
warehouse's connection. Never on Athena (the file mode is local only).
"""

# the seed's columns and types (dbt_project.yml, seeds: person_linkage_parameters)
SEED_TYPES = ["varchar", "integer", "varchar", "double", "double"]


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
    # A DuckDB relation, not a pyarrow table: pyarrow imports pandas to build one,
    # 0.15 to 0.2 s of every linked file's run (FEBRL3: 3.2 s), for some forty rows.
    columns = ", ".join(
        f"{name} {kind}" for name, kind in zip(pipeline.SEED_COLUMNS, SEED_TYPES, strict=True)
    )
    session.execute(f"create or replace temp table trained_parameters ({columns})")
    row = "(" + ", ".join("?" * len(SEED_TYPES)) + ")"
    placeholders = ", ".join([row] * len(rows))
    session.execute(
        f"insert into trained_parameters values {placeholders}",
        [value for row in rows for value in row],
    )
    return session.table("trained_parameters")
