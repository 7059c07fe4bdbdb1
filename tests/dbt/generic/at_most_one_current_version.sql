{#
    Fails for each source key of a history model with more than one current version
    (is_current): an incremental merge that kept a version a late partition superseded
    would leave two.
#}
{% test at_most_one_current_version(model) %}

select
    source_key,
    count(*) as current_versions
from {{ model }}
where is_current
group by source_key
having count(*) > 1

{% endtest %}
