{#
    Returns the CTEs (each followed by a comma) that label every record at an end of
    the pairs in CTE `edges` (record_id_l, record_id_r) with its connected component:
    `<name>` holds record_id and cluster_id (the smallest record_id in the component,
    so the id is the same on every run over the same records).

    First the pairs may be contracted (linkage_contracted_pairs: each record points at a
    record of its component, and the pairs become pairs of the records pointed at; the
    same components, fewer pairs). Then min-label propagation over those pairs,
    unrolled `rounds` times (0 or more): every record starts labelled with its own id,
    and each round gives each record the smallest label among itself and its
    neighbours; each round reads the previous round once, so the SQL grows linearly
    with `rounds` on engines that inline CTEs (Trino). Last, each record takes the label
    of the record it points at. Bound: after k rounds a record holds the smallest id
    within k pairs of it, so the labels are final once k reaches the largest distance
    from a record to its component's smallest; contracted, that distance is at least
    one less than over the original pairs, and in a dense cluster far less.
#}
{% macro linkage_components(edges, name, rounds) -%}
    {{ justice.linkage_contracted_pairs(edges, name) }}

    {{ name }}_neighbours as (

        select record_id_l as record_id, record_id_r as neighbour_record_id
        from {{ name }}_contracted
        union all
        select record_id_r as record_id, record_id_l as neighbour_record_id
        from {{ name }}_contracted

    ),

    {{ name }}_adjacency as (

        -- every record is its own neighbour, so a round keeps its label
        select record_id, neighbour_record_id from {{ name }}_neighbours
        union all
        select distinct record_id, record_id as neighbour_record_id
        from {{ name }}_neighbours

    ),

    {{ name }}_round_0 as (

        select distinct
            record_id,
            record_id as cluster_id
        from {{ name }}_neighbours

    ),
    {%- for round in range(1, rounds | int + 1) %}

    {{ name }}_round_{{ round }} as (

        select
            adjacency.record_id,
            min(previous.cluster_id) as cluster_id
        from {{ name }}_adjacency as adjacency
        inner join {{ name }}_round_{{ round - 1 }} as previous
            on adjacency.neighbour_record_id = previous.record_id
        group by adjacency.record_id

    ),
    {%- endfor %}

    {{ name }} as (

        -- a record the contraction left without a pair (its pairs all became one
        -- record's) keeps the record it points at
        select
            first_hop.record_id,
            coalesce(labels.cluster_id, first_hop.hop_record_id) as cluster_id
        from {{ name }}_first_hop as first_hop
        left join {{ name }}_round_{{ rounds | int }} as labels
            on first_hop.hop_record_id = labels.record_id

    ),
{%- endmacro %}

{#
    Returns two CTEs (each followed by a comma) for linkage_components: `<name>_first_hop`
    (record_id, hop_record_id: the record each record of the pairs in `edges` points
    at, one of its own component) and `<name>_contracted` (record_id_l, record_id_r:
    the pairs to propagate labels over, between records pointed at).

    DuckDB: each record points at its smallest neighbour (or itself, when smaller), and
    every pair becomes the pair of the two records its ends point at. The components
    are the same (a record is one pair from the record it points at, and a contracted
    pair stands for a path through an original one), and dense clusters shrink: a
    person's 450 records with 100,000 matching pairs between them point at one or a
    few records. On the register benchmark 1.3 M matching pairs contracted to 3,900 and
    the clustering took 0.8 s instead of 2.3 s; at a million people 11.4 s instead of
    22.8 s, with the same clusters. Taken in two steps (the left end, de-duplicated,
    then the right) because DuckDB planned the joint form badly (minutes). DuckDB
    computes a CTE that every round reads once.

    Elsewhere (Athena): no contraction (each record points at itself): Trino inlines
    CTEs, so every round would compute the contraction again and read the pairs about
    five times as often as a round over the original pairs.
#}
{% macro linkage_contracted_pairs(edges, name) -%}
    {{ return(adapter.dispatch('linkage_contracted_pairs', 'justice')(edges, name)) }}
{%- endmacro %}

{% macro default__linkage_contracted_pairs(edges, name) -%}
    {{ name }}_first_hop as (

        select record_id_l as record_id, record_id_l as hop_record_id from {{ edges }}
        union
        select record_id_r as record_id, record_id_r as hop_record_id from {{ edges }}

    ),

    {{ name }}_contracted as (

        select record_id_l, record_id_r from {{ edges }}

    ),
{%- endmacro %}

{% macro duckdb__linkage_contracted_pairs(edges, name) -%}
    {{ name }}_first_hop as (

        -- each record and the record it points at: its smallest neighbour or itself
        select
            ends.record_id,
            least(ends.record_id, min(ends.neighbour_record_id)) as hop_record_id
        from (
            select record_id_l as record_id, record_id_r as neighbour_record_id
            from {{ edges }}
            union all
            select record_id_r as record_id, record_id_l as neighbour_record_id
            from {{ edges }}
        ) as ends
        group by ends.record_id

    ),

    {{ name }}_left_hopped as (

        select distinct
            hop_l.hop_record_id as record_id_l,
            edges.record_id_r
        from {{ edges }} as edges
        inner join {{ name }}_first_hop as hop_l
            on edges.record_id_l = hop_l.record_id

    ),

    {{ name }}_contracted as (

        select distinct
            left_hopped.record_id_l,
            hop_r.hop_record_id as record_id_r
        from {{ name }}_left_hopped as left_hopped
        inner join {{ name }}_first_hop as hop_r
            on left_hopped.record_id_r = hop_r.record_id
        where left_hopped.record_id_l <> hop_r.hop_record_id

    ),
{%- endmacro %}


{#
    Returns a condition: the dates of birth of `a` and `b` (relations or CTE aliases
    with birth_year, birth_month and birth_day) are the same or one slip apart: two of
    year, month and day agree, or day and month are transposed.
#}
{% macro linkage_one_slip_apart(a, b) -%}
    (
        case when {{ a }}.birth_year = {{ b }}.birth_year then 1 else 0 end
        + case when {{ a }}.birth_month = {{ b }}.birth_month then 1 else 0 end
        + case when {{ a }}.birth_day = {{ b }}.birth_day then 1 else 0 end >= 2
        or (
            {{ a }}.birth_year = {{ b }}.birth_year
            and {{ a }}.birth_month = {{ b }}.birth_day
            and {{ a }}.birth_day = {{ b }}.birth_month
        )
    )
{%- endmacro %}


{#
    Returns one row per record with the person it is linked to: record_id,
    cluster_id (the smallest record_id in the cluster), cluster_size,
    match_probability (of the record's best matching pair; null when it has none)
    and cluster_threshold (the smallest match probability of the pairs that could
    build its cluster; null for a record with no matching pair).

    Clusters do not chain through weak links. Level 0 takes the connected components
    of the matching pairs. Each component's dates of birth are measured against one of
    them, its centre: of the dates recorded most often in it, the one that explains the
    most records (the same date, or one slip from it: two of year, month and day agree,
    or day and month transposed). A record is a suspect when the centre does not
    explain its date of birth, or when its sex is not the one most of the component's
    records have (both present); a component with a suspect contradicts itself. At the
    next of `split_thresholds` (rising) the components of a contradicting component's
    records are taken again over its pairs that reach that threshold (or for which
    `kept_when` holds, e.g. their dates of birth agree), and, below it, over the pairs
    between two confirmed records (a date of birth the centre explains). When the
    suspects are strays (at most `stray_share` of the component's records with a date of
    birth or a sex: a person's stray errors, not a second person), the pairs between
    any two records that are not suspects stay too. So a weak bridge to another
    person's records breaks, while a person's many records, each with a slip or a stray
    error of its own, stay together and lose at most the strays; measuring every two
    dates against each other instead took a large cluster for several people (two
    records with different slips are two slips apart). At the last threshold the
    components stand (evidence that strong outweighs a contradiction, e.g. a date of
    birth entered wholly wrong). Every step is a fixed number of SQL steps, so the
    clustering ends; the clusters_are_converged test checks after every build that no
    pair at or above its records' cluster_threshold joins two clusters.

    Inside, the components are found over the records' numbers (record_number, in
    record_id order, as int_person_records numbers them): at two million people the
    string ids' joins and aggregations in the unrolled rounds ran out of DuckDB's
    memory limit. The smallest number in a cluster is its smallest record_id, so the
    ids map back exactly.

    records: relation with record_id, record_number (1, 2, ... in record_id order),
        birth_date and sex (every record)
    pairs: scored pairs (record_id_l, record_id_r, match_probability, is_match)
    threshold: the match threshold (is_match), the level-0 cluster_threshold
    kept_when: a condition over the pairs' columns: pairs kept whatever the threshold
    stray_share: the largest share of suspects that are taken for strays (0: none)
#}
{% macro linkage_clusters(
    records, pairs, rounds, threshold, split_thresholds=[], kept_when='false',
    stray_share=0)
-%}
    {%- if rounds | int < 0 -%}
        {{ exceptions.raise_compiler_error(
            "linkage_clusters: rounds must be 0 or more") }}
    {%- endif -%}
    {%- set levels = [threshold] + split_thresholds -%}
    with numbered as (

        select
            record_id as source_record_id,
            record_number,
            birth_date,
            sex
        from {{ records }}

    ),

    -- from here on record_id, record_id_l and record_id_r are record numbers
    matches as (

        select
            numbered_l.record_number as record_id_l,
            numbered_r.record_number as record_id_r,
            pairs.match_probability,
            coalesce({{ kept_when }}, false) as is_kept
        from {{ pairs }} as pairs
        inner join numbered as numbered_l
            on pairs.record_id_l = numbered_l.source_record_id
        inner join numbered as numbered_r
            on pairs.record_id_r = numbered_r.source_record_id
        where pairs.is_match

    ),

    traits as (

        select
            record_number as record_id,
            birth_date,
            extract(year from birth_date) as birth_year,
            extract(month from birth_date) as birth_month,
            extract(day from birth_date) as birth_day,
            sex
        from numbered

    ),

    live_0 as (

        select ends.record_id, false as is_confirmed, false as is_loose
        from (
            select record_id_l as record_id from matches
            union
            select record_id_r as record_id from matches
        ) as ends

    ),
    {%- for level_threshold in levels %}
    {%- set k = loop.index0 %}

    edges_{{ k }} as (

        select matches.record_id_l, matches.record_id_r
        from matches
        inner join live_{{ k }} as live_l
            on matches.record_id_l = live_l.record_id
        inner join live_{{ k }} as live_r
            on matches.record_id_r = live_r.record_id
        where matches.match_probability >= {{ level_threshold }}
            {%- if not loop.first %}
            or matches.is_kept
            or (live_l.is_confirmed and live_r.is_confirmed)
            or (live_l.is_loose and live_r.is_loose)
            {%- endif %}

    ),

    {{ justice.linkage_components('edges_' ~ k, 'labels_' ~ k, rounds) }}

    birth_dates_{{ k }} as (

        -- each date of birth recorded in a cluster, its records, and the most
        -- records any one date of the cluster has
        select
            labels.cluster_id,
            traits.birth_date,
            traits.birth_year,
            traits.birth_month,
            traits.birth_day,
            count(*) as records,
            max(count(*)) over (partition by labels.cluster_id) as most
        from labels_{{ k }} as labels
        inner join traits
            on labels.record_id = traits.record_id
        where traits.birth_date is not null
        group by
            labels.cluster_id,
            traits.birth_date,
            traits.birth_year,
            traits.birth_month,
            traits.birth_day

    ),

    centres_{{ k }} as (

        -- per cluster, the date of birth the others are measured against: of the
        -- dates recorded most often, the one that explains most dated records
        -- (its own and those one slip from it); ties: the earliest
        select cluster_id, birth_year, birth_month, birth_day
        from (
            select
                centre.cluster_id,
                centre.birth_year,
                centre.birth_month,
                centre.birth_day,
                row_number() over (
                    partition by centre.cluster_id
                    order by
                        case when centre.records = centre.most then 0 else 1 end,
                        sum(other.records) desc,
                        centre.birth_date
                ) as centre_rank
            from birth_dates_{{ k }} as centre
            inner join birth_dates_{{ k }} as other
                on centre.cluster_id = other.cluster_id
            where {{ justice.linkage_one_slip_apart('centre', 'other') }}
            group by
                centre.cluster_id,
                centre.birth_date,
                centre.birth_year,
                centre.birth_month,
                centre.birth_day,
                centre.records,
                centre.most
        ) as ranked
        where centre_rank = 1

    ),

    sexes_{{ k }} as (

        -- per cluster, the sex most of its records have (ties: F before M)
        select cluster_id, sex
        from (
            select
                labels.cluster_id,
                traits.sex,
                row_number() over (
                    partition by labels.cluster_id
                    order by count(*) desc, traits.sex
                ) as sex_rank
            from labels_{{ k }} as labels
            inner join traits
                on labels.record_id = traits.record_id
            where traits.sex is not null
            group by labels.cluster_id, traits.sex
        ) as ranked
        where sex_rank = 1

    ),

    suspects_{{ k }} as (

        -- records that contradict their cluster: a date of birth its centre does
        -- not explain, or the other sex than most of its records
        select labels.record_id, labels.cluster_id
        from labels_{{ k }} as labels
        inner join traits
            on labels.record_id = traits.record_id
        left join centres_{{ k }} as centre
            on labels.cluster_id = centre.cluster_id
        left join sexes_{{ k }} as sexes
            on labels.cluster_id = sexes.cluster_id
        where
            (
                traits.birth_date is not null
                and not ({{ justice.linkage_one_slip_apart('traits', 'centre') }})
            )
            or traits.sex != sexes.sex

    ),

    contradicted_{{ k }} as (

        -- clusters with a suspect; strays: suspects are at most `stray_share` of
        -- the records with a date of birth or a sex (a person's stray errors, not a
        -- second person)
        select
            suspected.cluster_id,
            suspected.suspects <= {{ stray_share }} * count(*) as is_strays
        from (
            select cluster_id, count(*) as suspects
            from suspects_{{ k }}
            group by cluster_id
        ) as suspected
        inner join labels_{{ k }} as labels
            on suspected.cluster_id = labels.cluster_id
        inner join traits
            on labels.record_id = traits.record_id
        where traits.birth_date is not null or traits.sex is not null
        group by suspected.cluster_id, suspected.suspects

    ),

    settled_{{ k }} as (

        -- a live record with no pair at this level stays alone
        select
            live.record_id,
            coalesce(labels.cluster_id, live.record_id) as cluster_id,
            cast({{ level_threshold }} as double) as cluster_threshold
        from live_{{ k }} as live
        left join labels_{{ k }} as labels
            on live.record_id = labels.record_id
        {%- if not loop.last %}
        where labels.cluster_id is null
            or labels.cluster_id not in (select cluster_id from contradicted_{{ k }})
        {%- endif %}

    ),

    {%- if not loop.last %}

    live_{{ k + 1 }} as (

        -- confirmed: a date of birth the centre explains, and not a suspect;
        -- loose: not a suspect in a cluster whose suspects are strays
        select
            labels.record_id,
            traits.birth_date is not null and suspects.record_id is null as is_confirmed,
            contradicted.is_strays and suspects.record_id is null as is_loose
        from labels_{{ k }} as labels
        inner join contradicted_{{ k }} as contradicted
            on labels.cluster_id = contradicted.cluster_id
        inner join traits
            on labels.record_id = traits.record_id
        left join suspects_{{ k }} as suspects
            on labels.record_id = suspects.record_id

    ),
    {%- endif %}
    {%- endfor %}

    settled as (
        {%- for level_threshold in levels %}
        select record_id, cluster_id, cluster_threshold from settled_{{ loop.index0 }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}

    ),

    best_matches as (

        select
            record_id,
            max(match_probability) as match_probability
        from (
            select record_id_l as record_id, match_probability from matches
            union all
            select record_id_r as record_id, match_probability from matches
        ) as match_ends
        group by record_id

    ),

    clustered as (

        select
            numbered.source_record_id as record_id,
            coalesce(cluster_records.source_record_id, numbered.source_record_id)
                as cluster_id,
            best_matches.match_probability,
            settled.cluster_threshold
        from numbered
        left join settled
            on numbered.record_number = settled.record_id
        left join numbered as cluster_records
            on settled.cluster_id = cluster_records.record_number
        left join best_matches
            on numbered.record_number = best_matches.record_id

    )

    select
        record_id,
        cluster_id,
        count(*) over (partition by cluster_id) as cluster_size,
        match_probability,
        cluster_threshold
    from clustered
{%- endmacro %}


{#
    Returns the pseudonymous person key for a cluster id: the SHA-256 (hex) of the
    salt followed by the cluster id. The salt is never part of the SQL text (it would
    land in dbt's logs, target/ and Athena's query history): it is read from the
    protected relation `person_key_salt_relation()`, one row with one column `salt`.
    Locally `justice build` creates it from JUSTICE_PERSON_KEY_SALT (development default
    'justice-development-salt', never for published data); on Athena the operator
    creates it and grants it to the build role only, with Lake Formation.
#}
{% macro person_key(cluster_id) -%}
    {%- set salt = '(select salt from ' ~ justice.person_key_salt_relation() ~ ')' -%}
    {{ justice.sha256_hex(salt ~ " || " ~ cluster_id) }}
{%- endmacro %}


{#
    Returns the relation holding the person-key salt: `<schema>.person_key_salt`, the
    schema from var person_key_salt_schema (default `private`; on Athena prefixed like
    every schema: `<prefix>_private`).
#}
{% macro person_key_salt_relation() -%}
    {%- set schema = generate_schema_name(var('person_key_salt_schema', 'private'), none) -%}
    {{ return(api.Relation.create(
        database=target.database, schema=schema, identifier='person_key_salt')) }}
{%- endmacro %}
