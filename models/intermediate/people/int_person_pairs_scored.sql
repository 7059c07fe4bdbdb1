with compared as (

    select * from {{ ref('int_person_pairs_compared') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

parameters as (

    {%- if var('linkage_input_path', none) %}
    -- `justice linkage evaluate` links a file with parameters trained on it
    select * from {{ ref('int_person_linkage_parameters_trained') }}
    {%- else %}
    select * from {{ ref('person_linkage_parameters') }}
    {%- endif %}

),

scored as (

    {{ justice.linkage_scored_pairs(
        'compared',
        'records',
        'parameters',
        justice.person_comparisons(),
        var('linkage_match_threshold'),
        link_type=var('linkage_link_type'),
    ) }}

)

select * from scored
-- clear non-matches are not stored (as Splink's predict with a threshold):
-- most candidate pairs (93 % at a million people), and nothing reads them
where match_probability >= {{ justice.linkage_scored_pairs_floor() }}
