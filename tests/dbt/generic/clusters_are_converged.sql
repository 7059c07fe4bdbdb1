{#
    Fails when one more round of min-label propagation would change a cluster: returns
    every matching pair whose two records carry different cluster ids. A labelling
    that passes is a fixed point, and so exactly the connected components of the
    matching pairs (each labelled by the smallest record id it holds).
#}
{% test clusters_are_converged(model, pairs) %}

with matching_pairs as (

    select record_id_l, record_id_r
    from {{ pairs }}
    where is_match

),

clusters as (

    select record_id, cluster_id from {{ model }}

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

{% endtest %}
