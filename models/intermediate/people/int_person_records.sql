{#-
    One row per current source person record from the four systems, with the
    standard comparison columns the linkage macros expect.
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

    select * from {{ ref('stg_nomis__offenders') }}

),

delius_offenders as (

    select * from {{ ref('stg_delius__offender') }}

),

delius_reference_codes as (

    select * from {{ ref('stg_delius__r_standard_reference_list') }}

),

court_defendants as (

    select * from {{ ref('stg_common_platform__defendants') }}

),

em_subjects as (

    select * from {{ ref('stg_em__subjects') }}

),

{% endif %}
nicknames as (

    select * from {{ ref('nicknames') }}

),

{% if not input_path %}
-- current state: the one place to switch to the history layer's as-of macro
nomis_offenders_current as (

    {{ justice.current_person_rows(
        'nomis_offenders', 'offender_id',
        ['modified_at desc', 'extracted_at desc']) }}

),

delius_offenders_current as (

    {{ justice.current_person_rows(
        'delius_offenders', 'offender_id',
        ['last_updated_at desc', 'extracted_at desc'],
        deleted_condition='is_soft_deleted') }}

),

delius_genders as (

    select
        reference_id,
        code_value
    from (
        {{ justice.current_person_rows(
            'delius_reference_codes', 'reference_id', ['extracted_at desc']) }}
    ) as current_codes
    where code_set_name = 'GENDER'

),

court_defendants_current as (

    {{ justice.current_person_rows(
        'court_defendants', 'defendant_id', ['extracted_at desc']) }}

),

em_subjects_current as (

    {{ justice.current_person_rows(
        'em_subjects', 'subject_id', ['extracted_at desc']) }}

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
    from nomis_offenders_current

    union all

    select
        'delius' as system,
        'offender' as source_table,
        cast(delius_offenders_current.offender_id as {{ dbt.type_string() }})
            as source_record_id,
        delius_offenders_current.first_name as forename,
        delius_offenders_current.last_name as surname,
        delius_offenders_current.birth_date,
        delius_genders.code_value as sex,
        cast(null as {{ dbt.type_string() }}) as postcode,
        delius_offenders_current.pnc_number,
        delius_offenders_current.cro_number,
        delius_offenders_current.prison_number,
        delius_offenders_current.crn,
        cast(null as {{ dbt.type_string() }}) as address,
        cast(null as {{ dbt.type_string() }}) as locality
    from delius_offenders_current
    left join delius_genders
        on delius_offenders_current.gender_id = delius_genders.reference_id

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
    from court_defendants_current

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
    from em_subjects_current

),

{% endif %}
standardised as (

    {{ justice.standardise_person_records('source_records', 'nicknames') }}

)

select * from standardised
