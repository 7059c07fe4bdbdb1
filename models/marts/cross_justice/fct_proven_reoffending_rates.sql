{#-
    One row per cohort quarter × index type × adult/juvenile × sex with anyone in
    the cohort: cohort size, reoffenders, the binary proven reoffending rate and the
    reoffences per reoffender and per offender (see the proven_reoffending doc
    block). A quarter whose 18-month window the data does not yet cover is marked
    provisional.
-#}

with

cohort as (

    select * from {{ ref('fct_proven_reoffending') }}

),

cohort_aggregated as (

    select
        cohort_quarter,
        cohort_quarter_start_date,
        cohort_quarter_end_date,
        index_type,
        age_group,
        sex,
        is_provisional,
        count(*) as cohort_count,
        sum(case when is_reoffender then 1 else 0 end) as reoffender_count,
        sum(proven_reoffence_count) as proven_reoffence_count
    from cohort
    group by
        cohort_quarter,
        cohort_quarter_start_date,
        cohort_quarter_end_date,
        index_type,
        age_group,
        sex,
        is_provisional

),

rates as (

    select
        cast(cohort_quarter as {{ dbt.type_string() }}) as cohort_quarter,
        cast(cohort_quarter_start_date as date) as cohort_quarter_start_date,
        cast(cohort_quarter_end_date as date) as cohort_quarter_end_date,
        cast(index_type as {{ dbt.type_string() }}) as index_type,
        cast(age_group as {{ dbt.type_string() }}) as age_group,
        cast(sex as {{ dbt.type_string() }}) as sex,
        cast(cohort_count as integer) as cohort_count,
        cast(reoffender_count as integer) as reoffender_count,
        cast(proven_reoffence_count as integer) as proven_reoffence_count,
        cast(reoffender_count as double) / cohort_count as reoffending_rate,
        case
            when reoffender_count > 0
                then cast(proven_reoffence_count as double) / reoffender_count
        end as reoffences_per_reoffender,
        cast(proven_reoffence_count as double) / cohort_count
            as reoffences_per_offender,
        is_provisional
    from cohort_aggregated

)

select * from rates
