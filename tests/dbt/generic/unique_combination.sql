{#
    Fails when a combination of columns is repeated: returns each repeated combination
    and its count. The portable form of a composite primary-key uniqueness test.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
