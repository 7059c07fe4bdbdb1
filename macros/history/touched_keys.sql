{#
    Returns the relation holding this build's load plan (`lake.load_plan`: one row per
    raw partition the build loads, new, late or rewritten, written by the harness before
    dbt runs, justice.lake.loads), or none when there is none (a build the harness did
    not plan, e.g. on Athena, or with var history_load_plan false). Looked up when the
    model runs, never at parse time, so a new plan costs no re-parse. An incremental
    dbt build, run or retry that the harness did not start, on a warehouse the harness
    loads, is an error naming `justice build` (it would read a stale plan).
#}
{% macro load_plan_relation() -%}
    {%- if not execute or not var('history_load_plan', true) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set plan = adapter.get_relation(
        database=target.database,
        schema=generate_schema_name('lake', none),
        identifier='load_plan') -%}
    {#- a plan belongs to the `justice build` that wrote it (justice.dbt.invoke says so
        in JUSTICE_HARNESS): a plain dbt run would read the last build's plan and pass
        over every partition landed since, late ones included, and say nothing -#}
    {%- if plan is not none and env_var('JUSTICE_HARNESS', '') != '1'
        and flags.WHICH in ('build', 'run', 'retry') -%}
        {{ exceptions.raise_compiler_error(
            "this warehouse's change log is loaded by `justice build`, which plans the "
            ~ "raw partitions to load (new, late, rewritten) and records what it loaded; "
            ~ "an incremental `dbt " ~ flags.WHICH ~ "` cannot know which partitions "
            ~ "landed since and would pass over them. Run `justice build`, or "
            ~ "`dbt " ~ flags.WHICH ~ " --full-refresh` to rebuild from the whole lake.") }}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}


{#
    Returns a query for the source keys an incremental history run rebuilds: every key
    with a raw row in a partition the load plan names for this table (new, late or
    rewritten partitions: a late one is never skipped). Without a load plan (Athena, a
    plain `dbt build` on a warehouse the harness never planned): the keys with a row in
    a partition no stored version came from. A late partition is one of those, so it is
    never skipped there either; a partition whose rows started no version (only
    re-deliveries) has its keys rebuilt again on later runs, which gives the same
    chains. A partition rewritten after it was loaded is not seen here: `justice build`
    makes such a build a full refresh, locally and on Athena (justice.athena.loads).

    The keys are read from the staging base model (`base_<system>__<table>`, the change
    log: valid and quarantined rows), not from `changes`: a new row can move a row
    staged earlier into the quarantine (a conflicting change), and that key's chain must
    be rebuilt without it. The base model is upstream of `changes`, so it is built
    before; it is named from `changes`' relation, not ref()'d, which would make every
    unit test of a history model give it rows (a unit test reads `changes`' given rows).

    - `changes`: the staging model's name, `stg_<system>__<table>`;
    - `key_columns`: the source table's primary key (the base model's source_key).
#}
{% macro history_touched_keys(changes, key_columns) -%}
{%- set system, table = changes[4:].split('__', 1) -%}
{%- set plan = justice.load_plan_relation() -%}
{%- if (graph.get('nodes') or {}) | length == 0 -%}
{#- a unit test (dbt gives it no graph): only its given rows of `changes` exist -#}
select distinct {{ justice.source_key(key_columns) }} as source_key
from {{ ref(changes) }} as delivered
{%- else -%}
{%- set delivered = ref(changes).incorporate(path={'identifier': 'base_' ~ changes[4:]}) -%}
select distinct delivered.source_key
from {{ delivered }} as delivered
{%- endif %}
{%- if plan is not none %}
where delivered.extraction_date in (
    select load_plan.extraction_date
    from {{ plan }} as load_plan
    where
        load_plan.source_system = '{{ system }}'
        and load_plan.source_table = '{{ table }}'
)
{%- else %}
where {{ justice.not_stored_partition('delivered.extraction_date') }}
{%- endif %}
{%- endmacro %}


{#
    Returns the pre-hook of a history model: on an incremental run, deletes every stored
    version of the keys this run rebuilds (history_touched_keys), so the merge that
    follows inserts their whole chains and no superseded version survives
    (delete+insert per touched key, on DuckDB and Athena alike). Nothing on a first
    run or a full refresh.
#}
{% macro delete_touched_versions(changes, key_columns) -%}
{%- if is_incremental() -%}
delete from {{ this }}
where source_key in (
    {{ justice.history_touched_keys(changes, key_columns) }}
)
{%- endif -%}
{%- endmacro %}
