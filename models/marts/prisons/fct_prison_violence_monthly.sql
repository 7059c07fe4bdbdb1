{#-
    One row per month × prison with anyone in custody or any incident: violent
    incidents (assaults and fights) per 1,000 prisoners, on the month's average
    daily population (see the violence_rate doc block). Complete months only.
-#}

with

stays as (

    select * from {{ ref('int_custody_stays_derived') }}

),

incidents as (

    select * from {{ ref('int_prison_incidents_summarised') }}

),

population as (

    select * from {{ ref('fct_prison_population_monthly') }}

),

months as (

    select * from {{ ref('int_prison_month_ends_derived') }}

),

stay_days_in_month as (

    -- days of the month the stay covers: [start, end) clipped to the month
    select
        months.month_end_date,
        stays.prison_code,
        {{ dbt.datediff(
            'greatest(stays.stay_start_date, months.month_start_date)',
            'least(coalesce(stays.stay_end_date, '
            ~ dbt.dateadd('day', 1, 'months.month_end_date') ~ '), '
            ~ dbt.dateadd('day', 1, 'months.month_end_date') ~ ')',
            'day',
        ) }} as days_in_custody
    from months
    inner join stays
        on
            months.month_end_date >= stays.stay_start_date
            and months.month_start_date
            < coalesce(stays.stay_end_date, {{ justice.open_end_date() }})

),

prisoner_days_by_month as (

    select
        month_end_date,
        prison_code,
        sum(days_in_custody) as prisoner_days
    from stay_days_in_month
    group by month_end_date, prison_code

),

-- the month-end count is the population mart's, so the two publications agree
month_end_population_by_month as (

    select
        month_end_date,
        prison_code,
        sum(prisoner_count) as month_end_population
    from population
    group by month_end_date, prison_code

),

incidents_by_month as (

    select
        months.month_end_date,
        incidents.prison_code,
        count(*) as incident_count,
        sum(case when incidents.is_violent then 1 else 0 end)
            as violent_incident_count,
        sum(
            case when incidents.incident_type_code = 'ASSAULT' then 1 else 0 end
        ) as assault_count,
        sum(
            case when incidents.incident_type_code = 'FIGHT' then 1 else 0 end
        ) as fight_count
    from incidents
    inner join months
        on
            incidents.incident_date >= months.month_start_date
            and incidents.incident_date <= months.month_end_date
    group by months.month_end_date, incidents.prison_code

),

months_by_prison as (

    select
        month_end_date,
        prison_code
    from prisoner_days_by_month
    union
    select
        month_end_date,
        prison_code
    from incidents_by_month

),

violence as (

    select
        months_by_prison.month_end_date,
        months_by_prison.prison_code,
        months.month_start_date,
        months.days_in_month,
        coalesce(incidents_by_month.incident_count, 0) as incident_count,
        coalesce(incidents_by_month.violent_incident_count, 0)
            as violent_incident_count,
        coalesce(incidents_by_month.assault_count, 0) as assault_count,
        coalesce(incidents_by_month.fight_count, 0) as fight_count,
        coalesce(prisoner_days_by_month.prisoner_days, 0) as prisoner_days,
        coalesce(month_end_population_by_month.month_end_population, 0)
            as month_end_population
    from months_by_prison
    inner join months
        on months_by_prison.month_end_date = months.month_end_date
    left join prisoner_days_by_month
        on
            months_by_prison.month_end_date
            = prisoner_days_by_month.month_end_date
            and months_by_prison.prison_code
            = prisoner_days_by_month.prison_code
    left join month_end_population_by_month
        on
            months_by_prison.month_end_date
            = month_end_population_by_month.month_end_date
            and months_by_prison.prison_code
            = month_end_population_by_month.prison_code
    left join incidents_by_month
        on
            months_by_prison.month_end_date = incidents_by_month.month_end_date
            and months_by_prison.prison_code = incidents_by_month.prison_code

),

rates as (

    select
        cast(month_end_date as date) as month_end_date,
        cast(month_start_date as date) as month_start_date,
        cast(prison_code as {{ dbt.type_string() }}) as prison_code,
        cast(incident_count as integer) as incident_count,
        cast(violent_incident_count as integer) as violent_incident_count,
        cast(assault_count as integer) as assault_count,
        cast(fight_count as integer) as fight_count,
        cast(prisoner_days as integer) as prisoner_days,
        cast(cast(prisoner_days as double) / days_in_month as double)
            as average_population,
        cast(month_end_population as integer) as month_end_population,
        cast(
            case
                when prisoner_days > 0
                    then
                        1000.0 * violent_incident_count
                        / (cast(prisoner_days as double) / days_in_month)
            end as double
        ) as violent_incidents_per_1000_prisoners
    from violence

)

select * from rates
