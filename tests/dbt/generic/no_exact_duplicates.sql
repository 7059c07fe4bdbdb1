{#
    Fails when a model holds two rows identical in every column: returns the key of
    each key that has repeated rows, with its rows and its distinct rows. Staging
    promises one row per distinct change row, so a duplicate delivery must have been
    removed. `model` may be filtered (the `where` config: on staging, the partitions
    this build loaded; an exact duplicate is in its twin's partition), so the columns
    are compared with `select distinct *`, not read from the model's YAML.
#}
{% test no_exact_duplicates(model, key_columns) %}

with model_rows as (

    select * from {{ model }}

),

rows_per_key as (

    select
        {% for column in key_columns -%}
        {{ column }},
        {% endfor -%}
        count(*) as occurrences
    from model_rows
    group by {{ key_columns | join(', ') }}

),

distinct_rows_per_key as (

    select
        {% for column in key_columns -%}
        {{ column }},
        {% endfor -%}
        count(*) as distinct_occurrences
    from (select distinct * from model_rows) as distinct_rows
    group by {{ key_columns | join(', ') }}

),

counted as (

    select
        {% for column in key_columns -%}
        rows_per_key.{{ column }},
        {% endfor -%}
        rows_per_key.occurrences,
        distinct_rows_per_key.distinct_occurrences
    from rows_per_key
    inner join distinct_rows_per_key
        on
        {%- for column in key_columns %}
        {% if not loop.first %}and {% endif -%}
        (
            rows_per_key.{{ column }} = distinct_rows_per_key.{{ column }}
            or (rows_per_key.{{ column }} is null and distinct_rows_per_key.{{ column }} is null)
        )
        {%- endfor %}

)

select * from counted
where occurrences > distinct_occurrences

{% endtest %}
