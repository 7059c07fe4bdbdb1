{#
    Fails when the clustering is not a fixed point: returns every matching pair whose
    two records carry different cluster ids although its match probability reaches
    the cluster_threshold of both records (the pairs at or above a record's
    cluster_threshold are those its cluster was built from; a null threshold is a
    record left alone). A labelling that passes is exactly the connected components
    of the pairs each level kept (each labelled by the smallest record id it holds).
#}
{% test clusters_are_converged(model, pairs) %}

with matching_pairs as (

    select record_id_l, record_id_r, match_probability
    from {{ pairs }}
    where is_match

),

clusters as (

    select record_id, cluster_id, cluster_threshold from {{ model }}

)

select
    matching_pairs.record_id_l,
    matching_pairs.record_id_r,
    clusters_l.cluster_id as cluster_id_l,
    clusters_r.cluster_id as cluster_id_r
from matching_pairs
inner join clusters as clusters_l
    on matching_pairs.record_id_l = clusters_l.record_id
inner join clusters as clusters_r
    on matching_pairs.record_id_r = clusters_r.record_id
where clusters_l.cluster_id <> clusters_r.cluster_id
    and matching_pairs.match_probability >= clusters_l.cluster_threshold
    and matching_pairs.match_probability >= clusters_r.cluster_threshold

{% endtest %}
