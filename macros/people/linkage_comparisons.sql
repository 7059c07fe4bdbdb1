{#
    Returns the comparisons that score a candidate pair of person records: a list of
    dicts, each with
      name: the comparison (gamma_<name> in the compared pairs, and the seed's key);
      null_when: when the comparison cannot be made (level -1, weight 0);
      levels: (level, description, condition) from most to least similar; the
          first condition that holds gives the level; none holding gives level 0;
      tf_column / tf_levels: the column whose value frequency adjusts the weight of
          those levels (term-frequency adjustment), when any.
    Conditions compare two records aliased `l` and `r`.
#}
{% macro person_comparisons() -%}
    {%- set within = justice.edit_distance_within -%}
    {{ return([
        {
            'name': 'forename',
            'null_when': 'l.forename_normalised is null'
                ~ ' or r.forename_normalised is null',
            'levels': [
                (6, 'exact', 'l.forename = r.forename'),
                (5, 'same after folding nicknames and punctuation',
                    'l.forename_normalised = r.forename_normalised'),
                (4, 'edit distance 1', within(
                    'l.forename_normalised', 'r.forename_normalised', 1)),
                (3, 'edit distance 2', within(
                    'l.forename_normalised', 'r.forename_normalised', 2)),
                (2, 'initial only',
                    '(length(l.forename_normalised) = 1'
                    ~ ' or length(r.forename_normalised) = 1)'
                    ~ ' and substr(l.forename_normalised, 1, 1)'
                    ~ ' = substr(r.forename_normalised, 1, 1)'),
                (1, 'forename matches the other surname (swapped)',
                    'l.forename_normalised = r.surname_normalised'
                    ~ ' or l.surname_normalised = r.forename_normalised'),
            ],
            'tf_column': 'forename_normalised',
            'tf_levels': [6, 5],
        },
        {
            'name': 'surname',
            'null_when': 'l.surname_normalised is null'
                ~ ' or r.surname_normalised is null',
            'levels': [
                (5, 'exact after removing punctuation',
                    'l.surname_normalised = r.surname_normalised'),
                (4, 'edit distance 1', within(
                    'l.surname_normalised', 'r.surname_normalised', 1)),
                (3, 'edit distance 2', within(
                    'l.surname_normalised', 'r.surname_normalised', 2)),
                (2, 'one part of a double-barrelled surname matches',
                    'l.surname_first_part in'
                    ~ ' (r.surname_first_part, r.surname_last_part)'
                    ~ ' or l.surname_last_part in'
                    ~ ' (r.surname_first_part, r.surname_last_part)'),
                (1, 'surname matches the other forename (swapped)',
                    'l.surname_normalised = r.forename_normalised'
                    ~ ' or l.forename_normalised = r.surname_normalised'),
            ],
            'tf_column': 'surname_normalised',
            'tf_levels': [5],
        },
        {
            'name': 'birth_date',
            'null_when': 'l.birth_date is null or r.birth_date is null',
            'levels': [
                (5, 'exact', 'l.birth_date = r.birth_date'),
                (4, 'day and month transposed',
                    'l.birth_year = r.birth_year'
                    ~ ' and l.birth_month = r.birth_day'
                    ~ ' and l.birth_day = r.birth_month'),
                (3, 'year differs by one',
                    'l.birth_month = r.birth_month'
                    ~ ' and l.birth_day = r.birth_day'
                    ~ ' and abs(l.birth_year - r.birth_year) = 1'),
                (2, 'one part differs',
                    '(l.birth_year = r.birth_year'
                    ~ ' and (l.birth_month = r.birth_month'
                    ~ ' or l.birth_day = r.birth_day))'
                    ~ ' or (l.birth_month = r.birth_month'
                    ~ ' and l.birth_day = r.birth_day)'),
            ],
        },
        {
            'name': 'sex',
            'null_when': 'l.sex is null or r.sex is null',
            'levels': [(1, 'exact', 'l.sex = r.sex')],
        },
        {
            'name': 'postcode',
            'null_when': 'l.postcode is null or r.postcode is null',
            'levels': [
                (2, 'exact', 'l.postcode = r.postcode'),
                (1, 'same district',
                    'l.postcode_district = r.postcode_district'),
            ],
        },
        {
            'name': 'pnc_number',
            'null_when': 'l.pnc_number is null or r.pnc_number is null',
            'levels': [
                (3, 'exact, check letter valid',
                    'l.pnc_number = r.pnc_number and l.is_pnc_check_valid'),
                (2, 'exact, check letter invalid',
                    'l.pnc_number = r.pnc_number'),
                (1, 'edit distance 2 or less', within(
                    'l.pnc_number', 'r.pnc_number', 2)),
            ],
        },
        {
            'name': 'cro_number',
            'null_when': 'l.cro_number is null or r.cro_number is null',
            'levels': [(1, 'exact', 'l.cro_number = r.cro_number')],
        },
        {
            'name': 'prison_number',
            'null_when': 'l.prison_number is null or r.prison_number is null',
            'levels': [(1, 'exact', 'l.prison_number = r.prison_number')],
        },
        {
            'name': 'crn',
            'null_when': 'l.crn is null or r.crn is null',
            'levels': [(1, 'exact', 'l.crn = r.crn')],
        },
        {
            'name': 'address',
            'null_when': 'l.address is null or r.address is null',
            'levels': [
                (2, 'exact', 'l.address = r.address'),
                (1, 'edit distance 3 or less', within(
                    'l.address', 'r.address', 3)),
            ],
        },
        {
            'name': 'locality',
            'null_when': 'l.locality is null or r.locality is null',
            'levels': [
                (2, 'exact', 'l.locality = r.locality'),
                (1, 'edit distance 2 or less', within(
                    'l.locality', 'r.locality', 2)),
            ],
        },
    ]) }}
{%- endmacro %}


{#
    Returns one row per candidate pair with its comparison vector: gamma_<name> per
    comparison (-1 when it cannot be made, 0 when no level holds, else the level of
    the first condition that holds) and, for comparisons with a term-frequency
    adjustment, tf_value_<name>: the left record's value (the scoring adjusts only
    the tf_levels, where both records agree on it).

    pairs: candidate pairs (record_number_l, record_number_r, blocking_rule)
    records: the standard person-record columns, one row per record_number; the
        pairs leave with their records' ids (record_id_l, record_id_r)
#}
{% macro linkage_compared_pairs(pairs, records, comparisons) -%}
    select
        l.record_id as record_id_l,
        r.record_id as record_id_r,
        pairs.blocking_rule,
        {%- for comparison in comparisons %}
        case
            when {{ comparison.null_when }} then -1
            {%- for level, description, condition in comparison.levels %}
            when {{ condition }} then {{ level }}
            {%- endfor %}
            else 0
        end as gamma_{{ comparison.name }}
        {%- if comparison.tf_column %},
        l.{{ comparison.tf_column }} as tf_value_{{ comparison.name }}
        {%- endif %}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ pairs }} as pairs
    inner join {{ records }} as l
        on pairs.record_number_l = l.record_number
    inner join {{ records }} as r
        on pairs.record_number_r = r.record_number
{%- endmacro %}
