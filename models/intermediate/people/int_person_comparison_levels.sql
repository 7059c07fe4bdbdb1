-- Every comparison level the person linkage can give, from the same macros
-- as the SQL that gives them: what the parameters trained on a linked file
-- (int_person_linkage_parameters_trained) need a row for, and a reference
-- for anyone reading a comparison vector.
{%- if execute and var('linkage_input_path', none) %}
    {#- linking a file (`justice linkage evaluate`): the levels and the blocking
        rules' order, printed for the harness's report, so that one dbt run is
        enough -#}
    {{- justice.linkage_comparison_catalogue() }}
{%- endif %}

{{ justice.linkage_comparison_levels_relation() }}
