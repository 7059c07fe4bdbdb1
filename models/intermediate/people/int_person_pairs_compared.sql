-- A view: the comparison vectors are read once by the scoring and once by
-- `justice linkage train`; a table would store tens of millions of rows twice.
{{ config(materialized='view') }}

with pairs as (

    select * from {{ ref('int_person_pairs_blocked') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

compared as (

    {{ justice.linkage_compared_pairs(
        'pairs', 'records', justice.person_comparisons()) }}

)

select * from compared
