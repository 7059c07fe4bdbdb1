with records as (

    select * from {{ ref('int_person_records') }}

),

blocked as (

    {{ justice.linkage_blocked_pairs(
        'records',
        justice.person_blocking_rules(),
        link_type=var('linkage_link_type'),
    ) }}

)

select * from blocked
