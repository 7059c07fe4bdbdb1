{#
    Every comparison level the person linkage can give, as a list of dicts:
    comparison, comparison_level, level_description and tf_adjusted, including the
    null (-1) and "no level holds" (0) levels, from the same definitions as the SQL.
#}
{% macro linkage_comparison_levels() -%}
    {%- set rows = [] -%}
    {%- for comparison in justice.person_comparisons() -%}
        {%- for level, description, condition in comparison.levels -%}
            {%- do rows.append({
                'comparison': comparison.name,
                'comparison_level': level,
                'level_description': description,
                'tf_adjusted': level in (comparison.tf_levels or []),
            }) -%}
        {%- endfor -%}
        {%- do rows.append({
            'comparison': comparison.name,
            'comparison_level': 0,
            'level_description': 'all other',
            'tf_adjusted': false,
        }) -%}
    {%- endfor -%}
    {%- do return(rows) -%}
{%- endmacro %}

{#
    Prints (as one JSON line) every comparison level (linkage_comparison_levels).
    `justice linkage train` reads it to write a seed row for every level, so the seed's
    descriptions come from the same definitions as the SQL. A second line lists the
    blocking rules in the order they are tried (`justice linkage evaluate` reports
    candidate pairs per rule in that order).
#}
{% macro linkage_comparison_catalogue() -%}
    {{ print('LINKAGE_CATALOGUE ' ~ tojson(justice.linkage_comparison_levels())) }}
    {%- set rules = [] -%}
    {%- for name, condition in justice.person_blocking_rules() -%}
        {%- do rules.append(name) -%}
    {%- endfor -%}
    {{ print('LINKAGE_RULES ' ~ tojson(rules)) }}
{%- endmacro %}

{#
    The comparison levels (linkage_comparison_levels) as a relation: comparison,
    comparison_level, level_description.
#}
{% macro linkage_comparison_levels_relation() -%}
    select
        cast(comparison as {{ dbt.type_string() }}) as comparison,
        cast(comparison_level as integer) as comparison_level,
        cast(level_description as {{ dbt.type_string() }}) as level_description
    from (
        values
        {%- for row in justice.linkage_comparison_levels() %}
        ('{{ row.comparison }}', {{ row.comparison_level }}, '{{ row.level_description | replace("'", "''") }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as levels (comparison, comparison_level, level_description)
{%- endmacro %}
