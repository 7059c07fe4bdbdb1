{#
    Fails when a model holds two rows identical in every column: returns the key of
    each key that has repeated rows, with its rows and its distinct rows. Staging
    promises one row per distinct change row, so a duplicate delivery must have been
    removed. `model` may be filtered (the `where` config: on staging, the partitions
    this build loaded; an exact duplicate is in its twin's partition), so the columns
    are compared with `select distinct *`, not read from the model's YAML.
#}
{% test no_exact_duplicates(model, key_columns) %}

{#- One aggregation over the rows and the distinct rows together: grouping treats
    nulls in a key as equal, as the promise does, and needs no join on keys that may be
    null (a null-safe join condition written with `or` is a nested-loop join: 31.6 s
    against 0.9 s on the 2.1 million movements of a 1,000,000-person lake). -#}
with model_rows as (

    select * from {{ model }}

),

tallied as (

    select
        {% for column in key_columns -%}
        {{ column }},
        {% endfor -%}
        1 as is_row,
        0 as is_distinct_row
    from model_rows

    union all

    select
        {% for column in key_columns -%}
        {{ column }},
        {% endfor -%}
        0 as is_row,
        1 as is_distinct_row
    from (select distinct * from model_rows) as distinct_rows

),

counted as (

    select
        {% for column in key_columns -%}
        {{ column }},
        {% endfor -%}
        sum(is_row) as occurrences,
        sum(is_distinct_row) as distinct_occurrences
    from tallied
    group by {{ key_columns | join(', ') }}

)

select * from counted
where occurrences > distinct_occurrences

{% endtest %}
