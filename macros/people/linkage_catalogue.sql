{#
    Prints (as one JSON line) every comparison level the person linkage can give:
    comparison, comparison_level and level_description, including the null (-1) and
    "no level holds" (0) levels. `justice linkage train` reads it to write a seed
    row for every level, so the seed's descriptions come from the same definitions
    as the SQL. A second line lists the blocking rules in the order they are tried
    (`justice linkage evaluate` reports candidate pairs per rule in that order).
#}
{% macro linkage_comparison_catalogue() -%}
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
    {{ print('LINKAGE_CATALOGUE ' ~ tojson(rows)) }}
    {%- set rules = [] -%}
    {%- for name, condition in justice.person_blocking_rules() -%}
        {%- do rules.append(name) -%}
    {%- endfor -%}
    {{ print('LINKAGE_RULES ' ~ tojson(rules)) }}
{%- endmacro %}
