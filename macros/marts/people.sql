{#
    Returns a person's age in whole years on `at_date` (both dates): the number of
    birthdays they have had. Null when either date is null.
#}
{% macro age_in_years(birth_date, at_date) -%}
    (
        extract(year from {{ at_date }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ at_date }}) * 100 + extract(day from {{ at_date }})
                < extract(month from {{ birth_date }}) * 100
                + extract(day from {{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}


{#
    Returns the age band (as the prison population statistics publish them) of a
    person born on `birth_date`, on `at_date`: 'under 18', '18-20', '21-24', '25-29',
    '30-39', '40-49', '50-59', '60-69', '70 and over', or 'unknown' without a date of
    birth.
#}
{% macro age_band(birth_date, at_date) -%}
    {%- set age = justice.age_in_years(birth_date, at_date) -%}
    case
        when {{ birth_date }} is null then 'unknown'
        when {{ age }} < 18 then 'under 18'
        when {{ age }} < 21 then '18-20'
        when {{ age }} < 25 then '21-24'
        when {{ age }} < 30 then '25-29'
        when {{ age }} < 40 then '30-39'
        when {{ age }} < 50 then '40-49'
        when {{ age }} < 60 then '50-59'
        when {{ age }} < 70 then '60-69'
        else '70 and over'
    end
{%- endmacro %}


{#
    Returns the conformed sex of a person from a system's code: 'male', 'female' or
    'unknown' (NOMIS M/F/U, Common Platform MALE/FEMALE, Delius reference codes).
#}
{% macro conformed_sex(code) -%}
    case
        when upper(trim({{ code }})) in ('M', 'MALE') then 'male'
        when upper(trim({{ code }})) in ('F', 'FEMALE') then 'female'
        else 'unknown'
    end
{%- endmacro %}


{#
    Returns the person columns a mart row carries from int_person_attributes_resolved
    (aliased `attributes`, left-joined on person_key): `sex` ('unknown' when nothing is
    known), `birth_year` and, when `age_at` is given, `age_band_at_start` on that date.
    One rendering of the shared person-attribute rule for every mart.
#}
{% macro person_attribute_columns(attributes, age_at=none) -%}
    cast(coalesce({{ attributes }}.sex, 'unknown') as {{ dbt.type_string() }})
        as sex,
    cast({{ attributes }}.birth_year as integer) as birth_year
    {%- if age_at is not none %},
    cast(
        {{ justice.age_band(attributes ~ '.birth_date', age_at) }}
        as {{ dbt.type_string() }}
    ) as age_band_at_start
    {%- endif %}
{%- endmacro %}
