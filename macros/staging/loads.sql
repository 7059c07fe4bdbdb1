{#
    Returns the extraction dates (strings 'YYYY-MM-DD', sorted) of `system`.`table` that
    this build loads, read from the harness's load plan (`lake.load_plan`, written before
    dbt runs: new, late and rewritten partitions, or every partition on a full refresh),
    or none when there is no plan (Athena, a build the harness did not plan, or var
    history_load_plan false). Read when the node runs, never at parse time.
#}
{% macro planned_partitions(system, table) -%}
    {%- set plan = justice.load_plan_relation() -%}
    {%- if plan is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select distinct cast(extraction_date as {{ dbt.type_string() }}) as extraction_date
        from {{ plan }}
        where source_system = '{{ system }}' and source_table = '{{ table }}'
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#
    Returns a condition that holds for the rows of the partitions this build loads for
    `system`.`table` (`column`: the extraction date column, raw or staged), as literal
    dates so that DuckDB prunes the hive partitions it does not need; `1 = 0` when the
    plan names none of them. None when there is no load plan.
#}
{% macro planned_partitions_condition(system, table, column='extraction_date') -%}
    {%- set days = justice.planned_partitions(system, table) -%}
    {%- if days is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if days | length == 0 -%}
        {{ return('1 = 0') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in days -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {{ return('cast(' ~ column ~ ' as date) in (' ~ literals | join(', ') ~ ')') }}
{%- endmacro %}


{#
    Returns the `where` clause a base model puts on its raw source: on an incremental run
    only the partitions this build loads (the load plan: new and late ones; a rewritten or
    removed partition makes the build a full refresh, which reads every partition);
    without a plan (a plain `dbt build` on a warehouse the harness never planned), the
    partitions the table holds no row of: late ones too, never only those newer than
    the newest loaded (every row of a partition read is stored, valid or quarantined;
    only an empty partition is read again, for nothing). Nothing on a first run or a
    full refresh. `system`, `table`: the raw source table.
#}
{% macro partitions_to_load(system, table) -%}
{%- if is_incremental() -%}
    {%- set condition = justice.planned_partitions_condition(system, table) -%}
    {%- if condition is none -%}
    where {{ justice.not_stored_partition('cast(extraction_date as date)') }}
    {%- else -%}
    where {{ condition }}
    {%- endif -%}
{%- endif -%}
{%- endmacro %}


{#
    Returns a condition that holds for a row whose partition (`column`: its extraction
    date) no row of the model's own table (`this`) came from: what an incremental
    run without a load plan loads (partitions_to_load) or rebuilds the keys of
    (history_touched_keys). Late partitions are among them, whatever the newest
    stored date.
#}
{% macro not_stored_partition(column) -%}
{{ column }} not in (
    select distinct stored.extraction_date
    from {{ this }} as stored
    where stored.extraction_date is not null
)
{%- endmacro %}


{#
    Returns the change rows a base model validates: `new_rows` (the name of the CTE
    holding the typed, renamed rows it read from the raw source) and, on an incremental
    run, the stored rows of every key those rows touch, from partitions not loaded again
    now. A rule across rows of one key (conflicting_change_rule) then sees every row of
    the key, as on a full refresh; the delete+insert on source_key replaces all the
    key's rows. The stored rows keep their column order: the model's YAML columns but
    source_key and quarantine_reason (the base model adds those last).

    - `key_columns`: the source table's primary key, as in source_key.
#}
{% macro with_stored_rows_of_touched_keys(new_rows, key_columns) -%}
select * from {{ new_rows }}
{%- if is_incremental() %}
{%- set system, table = this.identifier[5:].split('__', 1) %}
{%- set planned = justice.planned_partitions_condition(
    system, table, 'stored.extraction_date') %}
union all
select
    {{ justice.star_except(this.identifier, ['source_key', 'quarantine_reason']) }}
from {{ this }} as stored
where
    stored.source_key in (
        select {{ justice.source_key(key_columns) }} from {{ new_rows }}
    )
    {%- if planned is not none %}
    and not ({{ planned }})
    {%- endif %}
{%- endif %}
{%- endmacro %}


{#
    Overrides dbt's get_where_subquery (the `where` config of data tests) to scope the
    delivery tests on staging (dbt_project.yml, data_tests: staging) to the partitions
    this build loaded: the placeholder __partitions_loaded_by_this_build__ becomes the
    load plan's partitions of the tested model's source table (stg_<system>__<table>;
    for stg_quarantine, per source table). Without a plan (Athena, a build the harness
    did not plan) it becomes `1 = 1`: the test reads every row. Any other `where` is
    applied as dbt applies it.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__partitions_loaded_by_this_build__' in where -%}
        {%- set where = where | replace('__partitions_loaded_by_this_build__',
            justice.loaded_partitions_condition(relation.identifier)) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{#
    Returns the condition selecting the rows a staging model `identifier` received from
    the partitions this build loaded (see get_where_subquery); `1 = 1` without a plan.
#}
{% macro loaded_partitions_condition(identifier) -%}
    {%- if not execute or justice.load_plan_relation() is none -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- if identifier == 'stg_quarantine' -%}
        {%- set query -%}
            select distinct source_system, source_table
            from {{ justice.load_plan_relation() }}
            order by 1, 2
        {%- endset -%}
        {%- set parts = [] -%}
        {%- for row in run_query(query).rows -%}
            {%- do parts.append("(source_system = '" ~ row[0] ~ "' and source_table = '"
                ~ row[1] ~ "' and " ~ justice.planned_partitions_condition(row[0], row[1])
                ~ ")") -%}
        {%- endfor -%}
        {{ return('(' ~ (parts | join(' or ') or '1 = 0') ~ ')') }}
    {%- endif -%}
    {%- set system, table = identifier.split('__', 1)[0][4:], identifier.split('__', 1)[1] -%}
    {{ return(justice.planned_partitions_condition(system, table)) }}
{%- endmacro %}
