{#
    Fails for each version of a history model that breaks the SCD2 chain of its key:
    a valid_to that is not the next version's valid_from (or the open end for the last
    one), an empty interval, an is_current that is not "last version of the key", or two
    consecutive versions with the same row image (an unchanged re-delivery must not
    start a version).
#}
{% test history_versions_chained(model) %}

with versions as (

    select
        source_key,
        valid_from,
        valid_to,
        is_current,
        row_hash,
        lead(valid_from) over (
            partition by source_key order by valid_from
        ) as next_valid_from,
        lag(row_hash) over (
            partition by source_key order by valid_from
        ) as previous_row_hash
    from {{ model }}

),

broken as (

    select
        *,
        case
            when valid_from >= valid_to then 'empty interval'
            when next_valid_from is null
                and valid_to <> {{ justice.history_open_end() }}
                then 'last version not open'
            when next_valid_from is not null and valid_to <> next_valid_from
                then 'valid_to is not the next valid_from'
            when is_current <> (next_valid_from is null)
                then 'is_current is not the last version'
            when previous_row_hash = row_hash
                then 'unchanged image started a version'
        end as problem
    from versions

)

select * from broken
where problem is not null

{% endtest %}
