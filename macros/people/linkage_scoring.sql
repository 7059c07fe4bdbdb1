{#
    Returns one row per compared pair with its Fellegi-Sunter match weight (bits),
    match probability and whether it is a match (probability >= threshold).

    match_weight = log2(lambda / (1 - lambda))
        + sum over comparisons of log2(m / u) for the pair's level (0 when null)
        + term-frequency adjustments.
    `parameters` holds one row per (comparison, comparison_level) with m_probability
    and u_probability, and the row comparison = 'matching_pairs_per_record' whose
    m_probability is the prior in a form that does not depend on how many records
    there are. lambda, the share of all pairs that match, does: each person has a few
    records whatever the population, so matching pairs grow with the records while
    possible pairs grow with their square. lambda is therefore computed here, from
    the records being linked: matching pairs per record x records / possible pairs
    (all pairs for dedupe_and_link, pairs across systems for link_only). A prior
    trained on 10,000 records and applied unchanged to 2,000,000 would be 200 times
    (8 bits) too high, and agreement on a common name alone would link.

    A term-frequency adjustment makes agreement on a rare value count for more than
    agreement on a common one: for a comparison with tf_column, a pair at one of its
    tf_levels gains log2(mean frequency / frequency of the agreed value), where mean
    frequency is the chance two random records agree on that column (the sum of
    squared value frequencies). It averages zero over agreeing random pairs.
    The weight is rounded to 9 decimal places so that rebuilds are bit-for-bit equal.
#}
{% macro linkage_scored_pairs(
    compared, records, parameters, comparisons, threshold, link_type='dedupe_and_link'
) -%}
    select
        weighed.*,
        1.0 / (1.0 + power(2.0, -weighed.match_weight)) as match_probability,
        1.0 / (1.0 + power(2.0, -weighed.match_weight)) >= {{ threshold }}
            as is_match
    from (
        select
            compared.*,
            -- rounded: the term-frequency sums are float aggregates whose last bits
            -- depend on the order threads add them; a rebuild must give the same weight
            round(prior_odds.weight
            {%- for comparison in comparisons %}
            + coalesce(case compared.gamma_{{ comparison.name }}
                {%- for level in justice.linkage_parameter_levels(comparison) %}
                when {{ level }} then level_weights.{{ comparison.name }}_{{ level | replace('-', 'null') }}
                {%- endfor %}
            end, 0.0)
            {%- if comparison.tf_column %}
            + case
                when compared.gamma_{{ comparison.name }}
                    in ({{ comparison.tf_levels | join(', ') }})
                    then coalesce(tf_{{ comparison.name }}.adjustment, 0.0)
                else 0.0
            end
            {%- endif %}
            {%- endfor %}, 9) as match_weight
        from {{ compared }} as compared
        cross join (
            select log(2.0, matching.share_matching / (1.0 - matching.share_matching)) as weight
            from (
                select
                    -- capped below 1 so that a handful of records keeps a finite weight
                    least(
                        cast(per_record.m_probability as double)
                        * sizes.records / sizes.possible_pairs,
                        0.999999
                    ) as share_matching
                from {{ parameters }} as per_record
                cross join (
                    {{ justice.linkage_record_pairs(records, link_type) }}
                ) as sizes
                where per_record.comparison = 'matching_pairs_per_record'
            ) as matching
        ) as prior_odds
        -- every level's weight log2(m / u) in one row (a column per comparison and
        -- level), read by a case per comparison: one cross join instead of a join
        -- per comparison on every pair (10 of scoring's 82 CPU seconds at a million)
        cross join (
            select
                {%- for comparison in comparisons %}
                {%- set outer_loop = loop %}
                {%- for level in justice.linkage_parameter_levels(comparison) %}
                max(case
                    when comparison = '{{ comparison.name }}'
                        and cast(comparison_level as integer) = {{ level }}
                        then log(2.0, cast(m_probability as double)
                            / cast(u_probability as double))
                end) as {{ comparison.name }}_{{ level | replace('-', 'null') }}
                {{- "," if not (outer_loop.last and loop.last) }}
                {%- endfor %}
                {%- endfor %}
            from {{ parameters }}
        ) as level_weights
        {%- for comparison in comparisons %}
        {%- if comparison.tf_column %}
        left join (
            select
                tf_value,
                log(2.0, sum(frequency * frequency) over () / frequency)
                    as adjustment
            from (
                select
                    {{ comparison.tf_column }} as tf_value,
                    cast(count(*) as double)
                        / sum(count(*)) over () as frequency
                from {{ records }}
                where {{ comparison.tf_column }} is not null
                group by {{ comparison.tf_column }}
            ) as value_frequencies
        ) as tf_{{ comparison.name }}
            on compared.tf_value_{{ comparison.name }}
                = tf_{{ comparison.name }}.tf_value
        {%- endif %}
        {%- endfor %}
    ) as weighed
{%- endmacro %}


{#
    Returns one row: records (how many rows `records` has) and possible_pairs (how
    many pairs they make: all of them for dedupe_and_link, only those across systems
    for link_only), both as doubles.
#}
{% macro linkage_record_pairs(records, link_type='dedupe_and_link') -%}
    select
        sum(per_system.records) as records,
        {%- if link_type == 'link_only' %}
        (sum(per_system.records) * sum(per_system.records)
            - sum(per_system.records * per_system.records)) / 2.0 as possible_pairs
        {%- else %}
        sum(per_system.records) * (sum(per_system.records) - 1.0) / 2.0
            as possible_pairs
        {%- endif %}
    from (
        select cast(count(*) as double) as records
        from {{ records }}
        group by system
    ) as per_system
{%- endmacro %}


{#
    Returns var('linkage_scored_pairs_floor'), the least match probability a scored pair
    needs to be stored, after checking it lies in [0, threshold]: a floor above the
    match threshold would drop matches.
#}
{% macro linkage_scored_pairs_floor() -%}
    {%- set floor = var('linkage_scored_pairs_floor') | float -%}
    {%- if floor < 0 or floor > var('linkage_match_threshold') | float -%}
        {{ exceptions.raise_compiler_error(
            "var linkage_scored_pairs_floor (" ~ floor ~ ") must lie between 0 and "
            ~ "var linkage_match_threshold (" ~ var('linkage_match_threshold') ~ ")") }}
    {%- endif -%}
    {{ return(floor) }}
{%- endmacro %}


{#
    The comparison levels a comparison's parameters hold a weight for: the levels
    linkage_comparison_levels catalogues for it (its own and 0, "all other").
#}
{% macro linkage_parameter_levels(comparison) -%}
    {%- set levels = [] -%}
    {%- for row in justice.linkage_comparison_levels() -%}
        {%- if row.comparison == comparison.name -%}
            {%- do levels.append(row.comparison_level) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(levels) }}
{%- endmacro %}
