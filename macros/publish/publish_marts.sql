{#
    Publishes the named marts from the audit area into the published marts schema, one
    table at a time, by renaming (write-audit-publish, DESIGN.md section 6). `justice
    build` runs it (`dbt run-operation publish_marts`) only after a build in which every
    node and test passed.

    Athena: marts are built and tested in `<prefix>_marts_audit`; each Iceberg table is
    renamed into `<prefix>_marts` (the table published before is renamed aside first and
    dropped after), as dbt-athena's high-availability tables swap a table in. A rename
    changes only the Glue catalogue, never the data files, so each swap is atomic per
    table. To keep the window in which analysts can see marts of two builds as short as
    possible, every check (each audit table exists) and every clean-up happens before
    the first rename or after the last: the swaps themselves are back to back, two
    catalogue renames per mart (README, "What happens when things go wrong").

    DuckDB: the harness publishes by swapping the published warehouse file in one rename
    (scripts/justice/publish.py); this macro is not used there.
#}
{% macro publish_marts(marts) -%}
    {{ return(adapter.dispatch('publish_marts', 'justice')(marts)) }}
{%- endmacro %}

{% macro default__publish_marts(marts) -%}
    {{ exceptions.raise_compiler_error(
        "publish_marts: the local warehouse is published by `justice build` "
        ~ "(a file swap), not by this macro") }}
{%- endmacro %}

{% macro athena__publish_marts(marts) -%}
    {%- set audit_schema = generate_schema_name('marts', none) -%}
    {%- set published_schema = justice.published_marts_schema() -%}
    {%- do adapter.create_schema(api.Relation.create(
        database=target.database, schema=published_schema)) -%}
    {#- 1. everything that can refuse is asked before the first rename: a mart missing
        from the audit area publishes nothing at all -#}
    {%- set swaps = [] -%}
    {%- for name in marts -%}
        {%- set audit = adapter.get_relation(
            database=target.database, schema=audit_schema, identifier=name) -%}
        {%- if audit is none -%}
            {{ exceptions.raise_compiler_error(
                "publish_marts: " ~ audit_schema ~ "." ~ name ~ " was not built: "
                ~ "nothing was published") }}
        {%- endif -%}
        {%- set published = api.Relation.create(database=target.database,
            schema=published_schema, identifier=name, type='table') -%}
        {%- set previous = api.Relation.create(database=target.database,
            schema=published_schema, identifier=name ~ '__previous', type='table') -%}
        {%- set exists = adapter.get_relation(database=target.database,
            schema=published_schema, identifier=name) is not none -%}
        {#- left by an interrupted publication -#}
        {%- do adapter.drop_relation(previous) -%}
        {%- do swaps.append([audit, published, previous, exists]) -%}
    {%- endfor -%}
    {#- 2. the swaps, back to back: two catalogue renames per mart and nothing else -#}
    {%- for audit, published, previous, exists in swaps -%}
        {%- if exists -%}
            {%- do adapter.rename_relation(published, previous) -%}
        {%- endif -%}
        {%- do adapter.rename_relation(audit, published) -%}
    {%- endfor -%}
    {#- 3. the tables they replaced, once every mart is swapped -#}
    {%- for audit, published, previous, exists in swaps -%}
        {%- if exists -%}
            {%- do adapter.drop_relation(previous) -%}
        {%- endif -%}
        {{ print('published ' ~ published_schema ~ '.' ~ published.identifier) }}
    {%- endfor -%}
{%- endmacro %}


{#
    Returns the schema analysts query the marts in: `marts` locally (in the published
    warehouse file), `<prefix>_marts` on Athena. Builds write marts to the audit area
    (generate_schema_name), never here.
#}
{% macro published_marts_schema() -%}
    {%- if target.type == 'duckdb' -%}
        {{ return('marts') }}
    {%- else -%}
        {{ return(target.schema ~ '_marts') }}
    {%- endif -%}
{%- endmacro %}
