{#
    Returns the parts of a PNC number written in any of the formats the systems use
    (YYYY/NNNNNNNC, YY/NNNNNNNC, without the slash, with stray punctuation or white
    space), as a dict of SQL expressions: 'year' (two or four digits), 'serial' and
    'check' (the letter), each null when the number cannot be read.
    standardise_person_records assembles the canonical YYYY/NNNNNNNC from them.
#}
{% macro pnc_parts(column) -%}
    {%- set cleaned = justice.regexp_replace_all(
        'upper(' ~ column ~ ')', '[^0-9A-Z/]', '') -%}
    {%- set pattern = '^([0-9]{2}|[0-9]{4})/?([0-9]{1,7})([A-Z])$' -%}
    {{ return({
        'year': "nullif(regexp_extract(" ~ cleaned ~ ", '" ~ pattern ~ "', 1), '')",
        'serial': "nullif(regexp_extract(" ~ cleaned ~ ", '" ~ pattern ~ "', 2), '')",
        'check': "nullif(regexp_extract(" ~ cleaned ~ ", '" ~ pattern ~ "', 3), '')",
    }) }}
{%- endmacro %}

{#
    Returns a PNC year as four digits: a two-digit year becomes 19YY when above
    var('pnc_century_pivot') (default 50), else 20YY.
#}
{% macro pnc_year4(year_text) -%}
    case
        when length({{ year_text }}) = 4 then {{ year_text }}
        when cast({{ year_text }} as integer) > {{ var('pnc_century_pivot', 50) }}
            then '19' || {{ year_text }}
        else '20' || {{ year_text }}
    end
{%- endmacro %}


{#
    Returns the PNC check letter for a four-digit year and a serial number (text):
    the two-digit year followed by the seven-digit serial, read as a number, modulo
    23, indexes the alphabet ZABCDEFGHJKLMNPQRTUVWXY (no I, O or S).
#}
{% macro pnc_check_letter(year4, serial) -%}
    substr(
        'ZABCDEFGHJKLMNPQRTUVWXY',
        cast(
            cast(substr({{ year4 }}, 3, 2) || lpad({{ serial }}, 7, '0') as bigint)
            % 23 as integer
        ) + 1,
        1
    )
{%- endmacro %}


{#
    Returns a forename without its leading titles or honorifics ('Mr John', 'DR. JANE',
    'Lord Henry' and 'Rev Dr Paul' become 'John', 'JANE', 'Henry' and 'Paul'): titles are
    not part of a name, and a title in the forename field would hide an exact forename
    match. Matched in any case, as a whole word followed by a space, a dot or the end
    (so 'Sirius' and 'Drew' stay, 'Dr.Jane' is 'Jane', and a forename that is only a
    title, 'Mr', is missing). The titles are var('linkage_forename_titles'). The pattern spells each
    letter as a class ('[Mm][Rr]'): the same regular expression then means the same on
    DuckDB and Trino.
#}
{% macro without_title(column) -%}
    {%- set spelled = [] -%}
    {%- for title in var('linkage_forename_titles') -%}
        {%- set letters = [] -%}
        {%- for letter in title -%}
            {%- do letters.append('[' ~ letter | upper ~ letter | lower ~ ']') -%}
        {%- endfor -%}
        {%- do spelled.append(letters | join('')) -%}
    {%- endfor -%}
    {{ justice.regexp_replace_all(
        column, '^\\s*((' ~ spelled | join('|') ~ ')(\\.\\s*|\\s+|\\.?$))+', '') }}
{%- endmacro %}


{#
    Returns a name with its accents removed and then everything but the letters A-Z
    (upper case in, upper case out): 'SMITH-JONES', "O'NEIL" and 'RENÉE' become
    'SMITHJONES', 'ONEIL' and 'RENEE'.
#}
{% macro letters_only(column) -%}
    nullif({{ justice.regexp_replace_all(
        'upper(' ~ justice.without_accents(column) ~ ')', '[^A-Z]', '') }}, '')
{%- endmacro %}


{#
    Returns a condition: `column` read as a date is a listed placeholder
    (var('linkage_placeholder_birth_dates')) or after today (9999-12-31, another
    system's "unknown"); null for a null date. Such a date of birth is missing.
#}
{% macro birth_date_listed_or_future(column) -%}
    (cast({{ column }} as date) in (
        {%- for placeholder in var('linkage_placeholder_birth_dates') %}
        date '{{ placeholder }}'{{ ',' if not loop.last }}
        {%- endfor %})
        or cast({{ column }} as date) > current_date)
{%- endmacro %}


{#
    Returns the standard person-record columns from a relation holding the raw
    standard columns (system, source_table, source_record_id, forename, surname,
    birth_date, sex, postcode, pnc_number, cro_number, prison_number, crn, address,
    locality): names cleaned and normalised (a leading title removed, punctuation
    removed, nicknames folded to one formal name through `nicknames`), date of birth
    split into parts (a placeholder date of birth, var('linkage_placeholder_birth_dates'),
    is missing: it carries no information; so is one after today, as 9999-12-31 that
    other systems enter; an early one may be real, as in historical registers), sex as
    M/F, postcode without spaces and its district, PNC in canonical form with its
    check letter validated. A date of birth in `placeholder_dates` (a relation of
    `placeholder_date`, shared_birth_dates) is missing too. The same macro
    standardises benchmark files, so the linkage runs on them unchanged.
#}
{% macro standardise_person_records(records, nicknames, placeholder_dates=none) -%}
    {%- set pnc = justice.pnc_parts('cleaned.pnc_text') -%}
    select
        -- ids
        cleaned.system || ':' || cleaned.source_record_id as record_id,
        cleaned.system,
        cleaned.source_table,
        cleaned.source_record_id,

        -- names
        cleaned.forename,
        cleaned.surname,
        coalesce(nickname_folded.formal_name, cleaned.forename_letters)
            as forename_normalised,
        cleaned.surname_letters as surname_normalised,
        nullif(regexp_extract(cleaned.surname_words, '^([A-Z]+)', 1), '')
            as surname_first_part,
        nullif(regexp_extract(cleaned.surname_words, '([A-Z]+)$', 1), '')
            as surname_last_part,

        -- date of birth
        cleaned.birth_date,
        cast(extract(year from cleaned.birth_date) as integer) as birth_year,
        cast(extract(month from cleaned.birth_date) as integer) as birth_month,
        cast(extract(day from cleaned.birth_date) as integer) as birth_day,

        -- sex and address
        cleaned.sex,
        cleaned.postcode,
        case
            when length(cleaned.postcode) >= 5
                then substr(cleaned.postcode, 1, length(cleaned.postcode) - 3)
        end as postcode_district,
        case
            when length(cleaned.postcode) >= 5
                then substr(cleaned.postcode, 1, length(cleaned.postcode) - 2)
        end as postcode_sector,
        cleaned.address,
        cleaned.locality,

        -- identifiers
        case
            when {{ pnc.serial }} is not null
                then {{ justice.pnc_year4(pnc.year) }}
                    || '/' || lpad({{ pnc.serial }}, 7, '0') || {{ pnc.check }}
        end as pnc_number,
        case
            when {{ pnc.serial }} is not null
                then {{ justice.pnc_check_letter(
                    justice.pnc_year4(pnc.year), pnc.serial) }} = {{ pnc.check }}
        end as is_pnc_check_valid,
        cleaned.cro_number,
        cleaned.prison_number,
        cleaned.crn

    from (
        select
            cast(system as {{ dbt.type_string() }}) as system,
            cast(source_table as {{ dbt.type_string() }}) as source_table,
            cast(source_record_id as {{ dbt.type_string() }}) as source_record_id,
            {{ justice.clean_name(justice.without_title('forename')) }} as forename,
            {{ justice.clean_name('surname') }} as surname,
            {{ justice.letters_only(justice.without_title('forename')) }}
                as forename_letters,
            {{ justice.letters_only('surname') }} as surname_letters,
            trim({{ justice.regexp_replace_all(
                'upper(' ~ justice.without_accents('surname') ~ ')', '[^A-Z]+', ' ') }})
                as surname_words,
            case
                when not {{ justice.birth_date_listed_or_future('birth_date') }}
                    {%- if placeholder_dates %}
                    and cast(birth_date as date) not in (
                        select placeholder_date from {{ placeholder_dates }}
                    )
                    {%- endif %}
                    then cast(birth_date as date)
            end as birth_date,
            case
                when upper(trim(sex)) in ('M', 'MALE') then 'M'
                when upper(trim(sex)) in ('F', 'FEMALE') then 'F'
            end as sex,
            nullif({{ justice.regexp_replace_all(
                'upper(postcode)', '[^0-9A-Z]', '') }}, '') as postcode,
            {{ justice.clean_name('address') }} as address,
            {{ justice.clean_name('locality') }} as locality,
            cast(pnc_number as {{ dbt.type_string() }}) as pnc_text,
            nullif({{ justice.regexp_replace_all(
                'upper(cro_number)', '[^0-9A-Z/]', '') }}, '') as cro_number,
            {{ justice.clean_identifier('prison_number') }} as prison_number,
            {{ justice.clean_identifier('crn') }} as crn
        from {{ records }}
    ) as cleaned
    left join (
        select
            nickname,
            min(formal_name) as formal_name
        from {{ nicknames }}
        group by nickname
    ) as nickname_folded
        on cleaned.forename_letters = nickname_folded.nickname
{%- endmacro %}



{#
    Returns a select of `placeholder_date`: the dates of birth in `records` (raw
    standard columns) that another system enters for "unknown", found in the data
    rather than listed: a date carried by records of more different surnames than
    var('linkage_placeholder_min_surnames') and than
    var('linkage_placeholder_surname_factor') times the 99th percentile of surnames
    per date, and on which no one surname holds half the records. A real date of
    birth is shared by few people (at a million people, about 34 per date), and a
    person with hundreds of records (a register) keeps one surname on most of them
    however many slips the rest carry; a placeholder is shared by hundreds of
    unrelated people. Listed placeholders (var('linkage_placeholder_birth_dates'))
    and dates after today are missing already and not counted.
#}
{% macro shared_birth_dates(records) -%}
    with date_surnames as (

        select
            cast(birth_date as date) as birth_date,
            {{ justice.letters_only('surname') }} as surname,
            count(*) as record_count
        from {{ records }}
        where
            not {{ justice.birth_date_listed_or_future('birth_date') }}
            and {{ justice.letters_only('surname') }} is not null
        group by
            cast(birth_date as date),
            {{ justice.letters_only('surname') }}

    ),

    dates as (

        select
            birth_date,
            count(*) as surname_count,
            sum(record_count) as record_count,
            max(record_count) as top_surname_record_count
        from date_surnames
        group by birth_date

    ),

    typical as (

        select {{ justice.percentile_value('surname_count', 0.99) }} as surname_count
        from dates

    )

    select dates.birth_date as placeholder_date
    from dates
    cross join typical
    where
        dates.surname_count > {{ var('linkage_placeholder_min_surnames') }}
        and dates.surname_count
        > {{ var('linkage_placeholder_surname_factor') }} * typical.surname_count
        and 2 * dates.top_surname_record_count < dates.record_count
{%- endmacro %}
