-- A view: read only by `justice linkage train` (to estimate u), not the build.
{{ config(materialized='view') }}

with records as (

    select * from {{ ref('int_person_records') }}

),

sampled as (

    {{ justice.linkage_sampled_pairs(
        'records', var('linkage_u_sample_records')) }}

),

compared as (

    {{ justice.linkage_compared_pairs(
        'sampled', 'records', justice.person_comparisons()) }}

)

select * from compared
