{#
    Returns the columns a model's YAML declares, in YAML order, read from the graph
    (the parsed project) rather than the warehouse: a list of dicts with `name` and
    `data_type` (none unless the YAML gives one; give it for a nested column such as
    Common Platform offences, which history hashes as JSON). `model` is a model name
    or a relation (matched on its identifier). Returns an empty list while parsing;
    fails to compile when the model is unknown or its YAML lists no columns, so every
    model read this way must document all its columns, in the order it selects them.

    Inside a unit test dbt gives macros an empty graph; there (only) the columns come
    from the model's relation in the warehouse, which dbt's unit-test fixtures need
    built anyway.
#}
{% macro model_columns(model) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set name = model if model is string else model.identifier -%}
    {%- set nodes = (graph.get('nodes') or {}).values()
        | selectattr('resource_type', 'equalto', 'model')
        | list -%}
    {%- if nodes | length == 0 -%}
        {{ return(justice.unit_test_model_columns(name)) }}
    {%- endif -%}
    {%- set matches = nodes | selectattr('name', 'equalto', name) | list
        or nodes | selectattr('alias', 'equalto', name) | list -%}
    {%- if matches | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "model_columns: no model named '" ~ name ~ "' in the project graph") }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in (matches[0].columns or {}).values() -%}
        {%- do columns.append({
            'name': column.name,
            'data_type': column.data_type or none,
        }) -%}
    {%- endfor -%}
    {%- if columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "model_columns: " ~ name ~ " lists no columns in its YAML ("
            ~ matches[0].original_file_path ~ "); document every column it selects, "
            ~ "in order, under `columns:`") }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}


{#
    Returns the columns of the built relation of model `name` in the staging schema
    (history reads only staging models), as model_columns does: for unit tests only,
    where dbt gives macros no graph and ref() names a fixture.
#}
{% macro unit_test_model_columns(name) -%}
    {%- set relation = adapter.get_relation(
        database=target.database,
        schema=generate_schema_name('staging', none),
        identifier=name) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "model_columns: " ~ name ~ " is not in the graph (a unit test?) nor built "
            ~ "in the staging schema; build it first") }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do columns.append({'name': column.name, 'data_type': column.data_type}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#
    Returns the columns of a model except the named ones, as a select list (the
    portable form of DuckDB's `select * exclude`), from the model's YAML through
    model_columns: `relation` is a model name or a ref(). `except_prefix` also leaves
    out every column whose name starts with it. Renders `*` while parsing.
#}
{% macro star_except(relation, except, except_prefix=none) -%}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set excluded = except | map('lower') | list -%}
    {%- set kept = [] -%}
    {%- for column in justice.model_columns(relation)
        if column.name | lower not in excluded
        and not (except_prefix and (column.name | lower).startswith(except_prefix)) -%}
        {%- do kept.append(adapter.quote(column.name) if column.name != column.name | lower
            else column.name) -%}
    {%- endfor -%}
    {%- if kept | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "star_except: every column of " ~ relation ~ " is excluded") }}
    {%- endif -%}
    {{ return(kept | join(',\n    ')) }}
{%- endmacro %}
