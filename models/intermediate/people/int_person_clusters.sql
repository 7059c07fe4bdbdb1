-- A pair whose dates of birth agree (exactly, transposed or a year apart) is
-- no weak link: it stays when a contradicting cluster is split.
with records as (

    select * from {{ ref('int_person_records') }}

),

scored_pairs as (

    select * from {{ ref('int_person_pairs_scored') }}

),

clustered as (

    {{ justice.linkage_clusters(
        'records',
        'scored_pairs',
        var('linkage_cluster_rounds'),
        var('linkage_match_threshold'),
        var('linkage_cluster_split_thresholds'),
        kept_when='gamma_birth_date >= 3',
        stray_share=var('linkage_cluster_stray_share'),
    ) }}

),

keyed as (

    select
        records.system,
        records.source_record_id,
        records.record_id,
        clustered.cluster_id,
        {{ justice.person_key('clustered.cluster_id') }} as person_key,
        clustered.cluster_size,
        clustered.match_probability,
        clustered.cluster_threshold
    from clustered
    inner join records
        on clustered.record_id = records.record_id

)

select * from keyed
