{#
    Returns a code trimmed and upper-cased, with empty strings as null:
    ' adm' and 'Adm ' both become 'ADM'.
#}
{% macro clean_code(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}


{#
    Returns a name trimmed, with runs of white space folded to one space and upper-cased
    (case is noise in the source systems; upper case is the normal form), empty as null.
#}
{% macro clean_name(column) -%}
    nullif(upper(trim({{ justice.regexp_replace_all(column, '\\s+', ' ') }})), '')
{%- endmacro %}


{#
    Returns a free-text value trimmed, empty as null; case is kept.
#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{#
    Returns a boolean from a source flag: Y/1/TRUE are true, N/0/FALSE are false,
    anything else (including null) is null.
#}
{% macro flag_to_boolean(column) -%}
    case
        when upper(trim(cast({{ column }} as {{ dbt.type_string() }})))
            in ('Y', '1', 'TRUE') then true
        when upper(trim(cast({{ column }} as {{ dbt.type_string() }})))
            in ('N', '0', 'FALSE') then false
    end
{%- endmacro %}


{#
    Returns an identifier (PNC, CRO, prison number, CRN, supplier ids) upper-cased with
    all white space removed, empty as null: ' 2012/ 0123456x ' becomes '2012/0123456X'.
#}
{% macro clean_identifier(column) -%}
    nullif(upper({{ justice.regexp_replace_all(column, '\\s', '') }}), '')
{%- endmacro %}
