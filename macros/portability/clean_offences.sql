{#
    Returns a Common Platform `offences` list with each element's codes trimmed and
    upper-cased and its identifier lower-cased, keeping the list's shape (one struct per
    offence). DuckDB uses list_transform with its `lambda x:` syntax (2.0 rejects `->`);
    Trino transform and a cast
    row.
#}
{% macro clean_offences(column) -%}
    {{ return(adapter.dispatch('clean_offences', 'justice')(column)) }}
{%- endmacro %}

{% macro duckdb__clean_offences(column) -%}
    list_transform({{ column }}, lambda offence: {
        'offence_id': lower(trim(offence.offence_id)),
        'offence_code': {{ justice.clean_code('offence.offence_code') }},
        'offence_date': offence.offence_date,
        'plea': {{ justice.clean_code('offence.plea') }},
        'verdict': {{ justice.clean_code('offence.verdict') }},
        'disposal_code': {{ justice.clean_code('offence.disposal_code') }},
        'sentence_date': offence.sentence_date,
        'custodial_days': offence.custodial_days
    })
{%- endmacro %}

{% macro default__clean_offences(column) -%}
    transform({{ column }}, offence -> cast(row(
        lower(trim(offence.offence_id)),
        {{ justice.clean_code('offence.offence_code') }},
        offence.offence_date,
        {{ justice.clean_code('offence.plea') }},
        {{ justice.clean_code('offence.verdict') }},
        {{ justice.clean_code('offence.disposal_code') }},
        offence.sentence_date,
        offence.custodial_days
    ) as row(
        offence_id varchar,
        offence_code varchar,
        offence_date date,
        plea varchar,
        verdict varchar,
        disposal_code varchar,
        sentence_date date,
        custodial_days integer
    )))
{%- endmacro %}
