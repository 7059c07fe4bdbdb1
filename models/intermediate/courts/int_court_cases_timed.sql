{#-
    One row per Common Platform case (as known at var('as_of')) with the dates
    court timeliness is measured between: receipt, first hearing (the earliest
    hearing, up to the reporting date, that was not vacated) and completion (the
    sentence hearing; for a case where no offence was convicted, the effective trial
    that acquitted). See the court_case_timeliness doc block.
-#}

with

cases as (

    select * from {{ ref('int_common_platform__cases_as_of') }}

),

hearings as (

    select * from {{ ref('int_common_platform__hearings_as_of') }}

),

offences as (

    select * from {{ ref('int_court_offences_unnested') }}

),

reporting_period as (

    select * from {{ ref('int_court_reporting_period_derived') }}

),

hearings_held as (

    select hearings.*
    from hearings
    cross join reporting_period
    where
        hearings.hearing_date <= reporting_period.reporting_date
        and coalesce(hearings.hearing_outcome_code, 'NONE') != 'VACATED'

),

hearing_dates as (

    select
        case_id,
        count(*) as hearing_count,
        min(hearing_date) as first_hearing_date,
        min(
            case
                when
                    hearing_type_code = 'SENTENCE'
                    and hearing_outcome_code = 'EFFECTIVE'
                    then hearing_date
            end
        ) as sentence_date,
        max(
            case
                when
                    hearing_type_code = 'TRIAL'
                    and hearing_outcome_code = 'EFFECTIVE'
                    then hearing_date
            end
        ) as last_effective_trial_date
    from hearings_held
    group by case_id

),

verdicts as (

    select
        case_id,
        count(*) as offence_count,
        sum(case when verdict_code = 'GUILTY' then 1 else 0 end)
            as convicted_offence_count,
        sum(case when verdict_code = 'NOT_GUILTY' then 1 else 0 end)
            as acquitted_offence_count,
        count(distinct defendant_id) as defendant_count
    from offences
    group by case_id

),

cases_timed as (

    select
        cases.case_id,
        cases.court_code,
        cases.jurisdiction_code,
        cases.case_status_code,
        cases.received_date,
        hearing_dates.first_hearing_date,
        case
            when hearing_dates.sentence_date is not null
                then hearing_dates.sentence_date
            when
                verdicts.convicted_offence_count = 0
                and verdicts.acquitted_offence_count = verdicts.offence_count
                then hearing_dates.last_effective_trial_date
        end as completion_date,
        case
            when hearing_dates.sentence_date is not null then 'sentenced'
            when
                verdicts.convicted_offence_count = 0
                and verdicts.acquitted_offence_count = verdicts.offence_count
                and hearing_dates.last_effective_trial_date is not null
                then 'acquitted'
        end as completion_type,
        coalesce(hearing_dates.hearing_count, 0) as hearing_count,
        coalesce(verdicts.defendant_count, 0) as defendant_count,
        coalesce(verdicts.offence_count, 0) as offence_count,
        coalesce(verdicts.convicted_offence_count, 0) as convicted_offence_count
    from cases
    left join hearing_dates
        on cases.case_id = hearing_dates.case_id
    left join verdicts
        on cases.case_id = verdicts.case_id

)

select * from cases_timed
