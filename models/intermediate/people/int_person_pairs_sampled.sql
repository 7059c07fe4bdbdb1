-- A view: read only to estimate u (`justice linkage train`, and
-- int_person_linkage_parameters_trained when a file is linked), never by
-- the build.
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
