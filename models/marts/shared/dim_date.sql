{#-
    One row per calendar date from var('calendar_start_date') to
    var('calendar_end_date'), with the UK financial year (April to March).
-#}

with

date_spine as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('calendar_start_date') ~ "' as date)",
        "cast('" ~ var('calendar_end_date') ~ "' as date)",
    ) }}

),

dates as (

    select cast(date_day as date) as date_day
    from date_spine

    union all

    -- date_spine stops the day before its end date
    select cast('{{ var("calendar_end_date") }}' as date) as date_day

),

parts as (

    select
        date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(
            {{ dbt.date_trunc('month', 'date_day') }} as date
        ) as month_start_date,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end_date
    from dates

),

calendar as (

    select
        date_day,
        calendar_year,
        calendar_quarter,
        month_number,
        day_of_month,
        month_start_date,
        month_end_date,
        date_day = month_end_date as is_month_end,
        case
            when month_number >= 4 then calendar_year else calendar_year - 1
        end as financial_year_start_year,
        cast(
            case
                when month_number >= 4 then calendar_year
                else calendar_year - 1
            end as {{ dbt.type_string() }}
        )
        || '-'
        || substr(
            cast(
                case
                    when month_number >= 4 then calendar_year + 1
                    else calendar_year
                end as {{ dbt.type_string() }}
            ),
            3,
            2
        ) as financial_year,
        case
            when month_number between 4 and 6 then 1
            when month_number between 7 and 9 then 2
            when month_number between 10 and 12 then 3
            else 4
        end as financial_quarter,
        cast(extract(day from month_end_date) as integer) as days_in_month
    from parts

)

select * from calendar
