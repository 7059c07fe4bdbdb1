{#-
    One row per offence charged against a Common Platform defendant (as known at
    var('as_of')): the defendant's nested `offences` list unnested, codes as
    staging cleaned them.
-#}

with

defendants as (

    select * from {{ ref('int_common_platform__defendants_as_of') }}

),

offences_unnested as (

    -- sqlfluff cannot see the unnest alias: it would unqualify the columns
    -- noqa: disable=RF01,RF03
    select
        defendants.defendant_id,
        defendants.case_id,
        offence.offence_id,
        offence.offence_code,
        offence.offence_date,
        offence.plea as plea_code,
        offence.verdict as verdict_code,
        offence.disposal_code,
        offence.sentence_date,
        offence.custodial_days
    from defendants
    {{ justice.unnest_struct_list(
        'defendants', 'offences', 'offence',
        ['offence_id', 'offence_code', 'offence_date', 'plea', 'verdict',
         'disposal_code', 'sentence_date', 'custodial_days'],
    ) }}
    -- noqa: enable=RF01,RF03

)

select * from offences_unnested
