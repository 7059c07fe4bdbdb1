{#
    Returns the Lake Formation tag configuration (dbt-athena's `lf_tags_config` shape) for
    a model's personal-data columns, derived from the YAML: every column whose
    `meta.personal_data` names a category is tagged `personal_data=<category>`.
    `enabled` is false when the model has no such column.
#}
{% macro personal_data_lf_tags(node) -%}
    {%- set columns_by_category = {} -%}
    {%- for column in (node.columns or {}).values() -%}
        {%- set category = (column.meta or {}).get('personal_data') -%}
        {%- if category -%}
            {%- do columns_by_category.setdefault(category | string, []).append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({
        'enabled': columns_by_category | length > 0,
        'tags_columns': {'personal_data': columns_by_category},
    }) }}
{%- endmacro %}


{#
    A post-hook: on Athena, puts the Lake Formation tags from personal_data_lf_tags on the
    relation just built; elsewhere, and for models without personal data, does nothing.
    Returns no SQL (the tags are set through the Lake Formation API, as dbt-athena does for
    `lf_tags_config`). Configured per folder in dbt_project.yml (staging, intermediate).
#}
{% macro apply_personal_data_tags() -%}
    {%- if execute and target.type == 'athena' -%}
        {%- set lf_tags_config = justice.personal_data_lf_tags(model) -%}
        {%- if lf_tags_config.enabled -%}
            {%- do adapter.add_lf_tags(this, lf_tags_config) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
