{#
    Fails when a model holds two rows identical in every column: returns each repeated
    row's key columns and how many times it occurs. Staging promises one row per distinct
    change row, so a duplicate delivery must have been removed.
#}
{% test no_exact_duplicates(model, key_columns) %}

{#- the model's columns from its YAML (the graph), not the warehouse -#}
{%- set columns = justice.model_columns(model) -%}

with counted as (

    select
        {% for column in key_columns -%}
        {{ column }},
        {% endfor -%}
        count(*) as occurrences
    from {{ model }}
    group by
        {%- for column in columns %}
        {{ column.name }}{% if not loop.last %},{% endif %}
        {%- else %}
        {{ key_columns | join(', ') }}
        {%- endfor %}

)

select * from counted
where occurrences > 1

{% endtest %}
