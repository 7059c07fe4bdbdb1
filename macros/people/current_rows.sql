{#
    Returns a select of the current state of each record in a staging relation: the
    latest change row per key, left out when that row is a delete (or matches
    `deleted_condition`, e.g. an nDelius soft delete).

    This is the one place the linkage reads "current" person records. When the history
    layer lands, replace the body with its as-of macro; callers do not change.

    relation: a staging relation of change rows (cdc_operation, extracted_at, ...)
    key: the record's key column
    order_by: the columns ordering change rows, latest first (a list of SQL expressions)
#}
{% macro current_person_rows(relation, key, order_by, deleted_condition=none) -%}
    select *
    from (
        select
            change_rows.*,
            row_number() over (
                partition by change_rows.{{ key }}
                order by {{ order_by | join(', ') }}
            ) as change_recency
        from {{ relation }} as change_rows
    ) as ranked
    where
        change_recency = 1
        and cdc_operation <> 'D'
        {%- if deleted_condition %}
        and not coalesce({{ deleted_condition }}, false)
        {%- endif %}
{%- endmacro %}
