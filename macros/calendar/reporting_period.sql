{#
    Returns the body of a reporting-period model: one row holding `reporting_date`,
    the latest date any of `relations` has reached in its `date_column` (as-of
    models and their `extraction_date` by default; other reporting periods and
    their `reporting_date` for a period spanning domains), and `last_complete_month_end_date`, the
    last month end on or before it. Each mart domain's period reads only its own
    system's tables, so a source stopped by the lake contract holds back only the
    marts downstream of it (DESIGN.md section 6).
#}
{% macro reporting_period(relations, date_column='extraction_date') -%}
with

{% for relation in relations -%}
extraction_dates_{{ loop.index }} as (

    select max({{ date_column }}) as last_extraction_date
    from {{ relation }}

),

{% endfor -%}
extraction_dates as (

{% for relation in relations %}
    select last_extraction_date from extraction_dates_{{ loop.index }}
{%- if not loop.last %}
    union all
{%- endif %}
{% endfor %}
),

reporting_date as (

    select max(last_extraction_date) as reporting_date
    from extraction_dates

),

reporting_period as (

    select
        reporting_date,
        cast(
            {{ dbt.dateadd(
                'day', -1, dbt.date_trunc('month', dbt.dateadd('day', 1, 'reporting_date'))
            ) }} as date
        ) as last_complete_month_end_date
    from reporting_date

)

select * from reporting_period
{%- endmacro %}


{#
    Returns the body of a month-end spine model: one row per calendar month from
    var('calendar_start_date') to the last complete month of `reporting_period` (a
    one-row reporting-period relation), with month_start_date, month_end_date and
    days_in_month. Monthly marts inner-join their facts to it, so their rows start
    where the data starts and end where the domain's landed data ends.
#}
{% macro month_end_spine(reporting_period) -%}
with

reporting_period as (

    select * from {{ reporting_period }}

),

-- the calendar's months, made here rather than read from dim_date: an
-- intermediate never reads a mart (DESIGN.md section 1)
month_spine as (

    {{ dbt.date_spine(
        'month',
        "cast('" ~ var('calendar_start_date') ~ "' as date)",
        "cast('" ~ var('calendar_end_date') ~ "' as date)",
    ) }}

),

calendar as (

    select
        cast(date_month as date) as month_start_date,
        cast(
            {{ dbt.last_day('date_month', 'month') }} as date
        ) as month_end_date
    from month_spine

),

months as (

    select
        calendar.month_start_date,
        calendar.month_end_date,
        cast(
            extract(day from calendar.month_end_date) as integer
        ) as days_in_month
    from calendar
    cross join reporting_period
    where calendar.month_end_date <= reporting_period.last_complete_month_end_date

)

select * from months
{%- endmacro %}


{#
    Returns a far-future date standing for "not ended yet", so that an open interval joins
    to a date as a plain inequality pair (`start <= d and d < coalesce(end, open_end_date())`)
    instead of an OR with `end is null`, which the engine can only run as a nested loop.
#}
{% macro open_end_date() -%}
    cast('9999-12-31' as date)
{%- endmacro %}
