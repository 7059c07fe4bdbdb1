{#-
    One row per source person record from the four systems as known at
    var('as_of') (current state read through the history layer's as-of models),
    with the standard comparison columns the linkage macros expect.
    With var('linkage_input_path') set (local target only), the records come from
    that file of raw standard columns instead: `justice linkage evaluate --input`
    links benchmark data through exactly this SQL.
-#}
{%- set input_path = var('linkage_input_path', none) -%}

with

{% if input_path %}
source_records as (

    select * from {{ justice.read_local_file(input_path) }}

),

{% else %}
nomis_offenders as (

    select * from {{ ref('int_nomis__offenders_as_of') }}

),

delius_offenders as (

    select * from {{ ref('int_delius__offender_as_of') }}

),

delius_reference_codes as (

    select * from {{ ref('int_delius__r_standard_reference_list_as_of') }}

),

court_defendants as (

    select * from {{ ref('int_common_platform__defendants_as_of') }}

),

em_subjects as (

    select * from {{ ref('int_em__subjects_as_of') }}

),

{% endif %}
nicknames as (

    select * from {{ ref('nicknames') }}

),

{% if not input_path %}
delius_genders as (

    select
        reference_id,
        code_value
    from delius_reference_codes
    where code_set_name = 'GENDER'

),

source_records as (

    select
        'nomis' as system,
        'offenders' as source_table,
        cast(offender_id as {{ dbt.type_string() }}) as source_record_id,
        first_name as forename,
        last_name as surname,
        birth_date,
        sex_code as sex,
        cast(null as {{ dbt.type_string() }}) as postcode,
        pnc_number,
        cro_number,
        prison_number,
        cast(null as {{ dbt.type_string() }}) as crn,
        cast(null as {{ dbt.type_string() }}) as address,
        cast(null as {{ dbt.type_string() }}) as locality
    from nomis_offenders

    union all

    select
        'delius' as system,
        'offender' as source_table,
        cast(delius_offenders.offender_id as {{ dbt.type_string() }})
            as source_record_id,
        delius_offenders.first_name as forename,
        delius_offenders.last_name as surname,
        delius_offenders.birth_date,
        delius_genders.code_value as sex,
        cast(null as {{ dbt.type_string() }}) as postcode,
        delius_offenders.pnc_number,
        delius_offenders.cro_number,
        delius_offenders.prison_number,
        delius_offenders.crn,
        cast(null as {{ dbt.type_string() }}) as address,
        cast(null as {{ dbt.type_string() }}) as locality
    from delius_offenders
    left join delius_genders
        on delius_offenders.gender_id = delius_genders.reference_id

    union all

    select
        'common_platform' as system,
        'defendants' as source_table,
        defendant_id as source_record_id,
        first_name as forename,
        last_name as surname,
        birth_date,
        gender_code as sex,
        postcode,
        pnc_number,
        cast(null as {{ dbt.type_string() }}) as cro_number,
        cast(null as {{ dbt.type_string() }}) as prison_number,
        cast(null as {{ dbt.type_string() }}) as crn,
        cast(null as {{ dbt.type_string() }}) as address,
        cast(null as {{ dbt.type_string() }}) as locality
    from court_defendants

    union all

    select
        'em' as system,
        'subjects' as source_table,
        subject_id as source_record_id,
        first_name as forename,
        last_name as surname,
        birth_date,
        cast(null as {{ dbt.type_string() }}) as sex,
        postcode,
        pnc_number,
        cast(null as {{ dbt.type_string() }}) as cro_number,
        prison_number,
        crn,
        cast(null as {{ dbt.type_string() }}) as address,
        cast(null as {{ dbt.type_string() }}) as locality
    from em_subjects

),

{% endif %}
-- dates of birth shared by hundreds of unrelated people: placeholders for
-- "unknown" that no list names (the listed ones are dropped by the macro)
placeholder_birth_dates as (

    {{ justice.shared_birth_dates('source_records') }}

),

standardised as (

    {{ justice.standardise_person_records(
        'source_records', 'nicknames', 'placeholder_birth_dates') }}

),

numbered as (

    select
        *,
        -- the linkage's pairs carry these numbers rather than the text ids
        row_number() over (order by record_id) as record_number
    from standardised

)

select * from numbered
