{#
    Returns one row per record with the connected component it falls in when the
    matching pairs are edges: record_id, cluster_id (the smallest record_id in the
    component, so the id is the same on every run over the same records),
    cluster_size and match_probability (of the record's best matching pair; null for
    a record alone in its cluster).

    Components are found by min-label propagation, unrolled `rounds` times: every
    record starts labelled with its own id, and each round gives each record the
    smallest label among itself and its neighbours. Each round reads the previous
    round once, so the SQL grows linearly with `rounds` on engines that inline CTEs
    (Trino). Bound: after k rounds a record holds the smallest id within k edges of
    it, so the labels are final once k >= the largest distance from any record to
    its component's smallest record (at most the component's diameter, at most its
    size - 1). The clusters_are_converged test checks it after every build: a
    further round changes nothing exactly when both ends of every matching pair
    carry the same label.

    records: relation with record_id (every record, matched or not)
    pairs: scored pairs (record_id_l, record_id_r, match_probability, is_match)
#}
{% macro linkage_clusters(records, pairs, rounds) -%}
    {%- if rounds | int < 1 -%}
        {{ exceptions.raise_compiler_error(
            "linkage_clusters: rounds must be a positive integer") }}
    {%- endif -%}
    with matches as (

        select
            record_id_l,
            record_id_r,
            match_probability
        from {{ pairs }}
        where is_match

    ),

    neighbours as (

        select record_id_l as record_id, record_id_r as neighbour_record_id
        from matches
        union all
        select record_id_r as record_id, record_id_l as neighbour_record_id
        from matches

    ),

    adjacency as (

        -- every matched record is its own neighbour, so a round keeps its label
        select record_id, neighbour_record_id from neighbours
        union all
        select distinct record_id, record_id as neighbour_record_id
        from neighbours

    ),

    labels_round_0 as (

        select distinct
            record_id,
            record_id as cluster_id
        from neighbours

    ),
    {%- for round in range(1, rounds | int + 1) %}

    labels_round_{{ round }} as (

        select
            adjacency.record_id,
            min(labels_round_{{ round - 1 }}.cluster_id) as cluster_id
        from adjacency
        inner join labels_round_{{ round - 1 }}
            on adjacency.neighbour_record_id
                = labels_round_{{ round - 1 }}.record_id
        group by adjacency.record_id

    ),
    {%- endfor %}

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
            records.record_id,
            coalesce(labels.cluster_id, records.record_id) as cluster_id,
            best_matches.match_probability
        from {{ records }} as records
        left join labels_round_{{ rounds | int }} as labels
            on records.record_id = labels.record_id
        left join best_matches
            on records.record_id = best_matches.record_id

    )

    select
        record_id,
        cluster_id,
        count(*) over (partition by cluster_id) as cluster_size,
        match_probability
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
