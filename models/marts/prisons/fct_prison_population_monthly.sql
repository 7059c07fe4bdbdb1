{#-
    One row per month end × prison × sex × age band with anyone in custody: the
    people whose custody stay covers the month-end date (see the
    prison_population doc block). Month ends are the prison spine's
    (int_prison_month_ends_derived), up to the last complete month the prison
    data covers.
-#}

with

stays as (

    select * from {{ ref('int_custody_stays_derived') }}

),

months as (

    select * from {{ ref('int_prison_month_ends_derived') }}

),

stays_at_month_end as (

    -- half-open stays: in custody on d when start <= d < end; a stay without a
    -- known start is not counted
    select
        months.month_end_date,
        stays.prison_code,
        stays.sex,
        {{ justice.age_band('stays.birth_date', 'months.month_end_date') }}
            as age_band
    from months
    inner join stays
        on
            months.month_end_date >= stays.stay_start_date
            and months.month_end_date
            < coalesce(stays.stay_end_date, {{ justice.open_end_date() }})

),

population as (

    select
        cast(month_end_date as date) as month_end_date,
        cast(prison_code as {{ dbt.type_string() }}) as prison_code,
        cast(sex as {{ dbt.type_string() }}) as sex,
        cast(age_band as {{ dbt.type_string() }}) as age_band,
        cast(count(*) as integer) as prisoner_count
    from stays_at_month_end
    group by month_end_date, prison_code, sex, age_band

)

select * from population
