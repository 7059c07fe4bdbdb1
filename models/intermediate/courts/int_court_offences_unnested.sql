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

    select
        defendant_id,
        case_id,
        offence_id,
        offence_code,
        offence_date,
        plea as plea_code,
        verdict as verdict_code,
        disposal_code,
        sentence_date,
        custodial_days
    from defendants
    {{ justice.unnest_struct_list(
        'defendants', 'offences', 'offence',
        ['offence_id', 'offence_code', 'offence_date', 'plea', 'verdict',
         'disposal_code', 'sentence_date', 'custodial_days'],
    ) }}

)

select * from offences_unnested
