{#
    Returns the blocking rules that generate candidate pairs for person linkage: a
    list of (name, condition) where the condition compares two records aliased `l`
    and `r` (or is a list of such conditions, alternatives each joined on its own). Every condition is an equi-join (at least one `l.x = r.x`), so no rule
    needs a cross join. Identifiers come first: a pair is attributed to the first
    rule it satisfies. birth_date_swapped_initials catches names swapped with one of
    them mistyped (DANIEL ANG, ANG DANEIL), which names_swapped cannot; the comparisons
    still see the swap through the name typed alike. The last three catch pairs whose names vary and whose dates of
    birth are missing or nearly agree (name prefixes, postcode sector).
    No rule's blocks may grow with the population on names alone: at a million people
    surname + birth year made 49 M candidate pairs for 138 true pairs no other rule
    found, so it also needs a forename initial, and the name-prefix rules need dates of
    birth that nearly agree (two of year, month and day) or are missing.
#}
{% macro person_blocking_rules() -%}
    {#- dates of birth that nearly agree (two of year, month and day) or are missing:
        the name-prefix rules need it, or common names pair everyone with everyone.
        Written as alternatives, each an equi-join on the parts that agree (or a
        filter on the record whose date is missing), so that no join first pairs
        everyone sharing a common surname: 5.4 s against 3.0 s for one rule at a
        million people -#}
    {%- set birth_date_near_or_missing = [
        'l.birth_year = r.birth_year and l.birth_month = r.birth_month',
        'l.birth_year = r.birth_year and l.birth_day = r.birth_day',
        'l.birth_month = r.birth_month and l.birth_day = r.birth_day',
        'l.birth_date is null',
        'r.birth_date is null',
    ] -%}
    {%- set surname_forename_prefix = (
        'l.surname_normalised = r.surname_normalised'
        ~ ' and substr(l.forename_normalised, 1, 2)'
        ~ ' = substr(r.forename_normalised, 1, 2)'
    ) -%}
    {%- set forename_surname_prefix = (
        'l.forename_normalised = r.forename_normalised'
        ~ ' and substr(l.surname_normalised, 1, 3)'
        ~ ' = substr(r.surname_normalised, 1, 3)'
    ) -%}
    {%- set surname_forename_alternatives = [] -%}
    {%- set forename_surname_alternatives = [] -%}
    {%- for near in birth_date_near_or_missing -%}
        {%- do surname_forename_alternatives.append(surname_forename_prefix ~ ' and ' ~ near) -%}
        {%- do forename_surname_alternatives.append(forename_surname_prefix ~ ' and ' ~ near) -%}
    {%- endfor -%}
    {{ return([
        ('pnc_number', 'l.pnc_number = r.pnc_number'),
        ('prison_number', 'l.prison_number = r.prison_number'),
        ('crn', 'l.crn = r.crn'),
        ('cro_number', 'l.cro_number = r.cro_number'),
        ('birth_date_surname_initial',
            'l.birth_date = r.birth_date'
            ~ ' and substr(l.surname_normalised, 1, 1)'
            ~ ' = substr(r.surname_normalised, 1, 1)'),
        ('birth_date_forename_initial',
            'l.birth_date = r.birth_date'
            ~ ' and substr(l.forename_normalised, 1, 1)'
            ~ ' = substr(r.forename_normalised, 1, 1)'),
        ('forename_surname',
            'l.forename_normalised = r.forename_normalised'
            ~ ' and l.surname_normalised = r.surname_normalised'),
        ('surname_birth_year_forename_initial',
            'l.surname_normalised = r.surname_normalised'
            ~ ' and l.birth_year = r.birth_year'
            ~ ' and substr(l.forename_normalised, 1, 1)'
            ~ ' = substr(r.forename_normalised, 1, 1)'),
        ('forename_birth_year_postcode_district',
            'l.forename_normalised = r.forename_normalised'
            ~ ' and l.birth_year = r.birth_year'
            ~ ' and l.postcode_district = r.postcode_district'),
        ('names_swapped',
            'l.forename_normalised = r.surname_normalised'
            ~ ' and l.surname_normalised = r.forename_normalised'),
        ('birth_date_swapped_initials',
            'l.birth_date = r.birth_date'
            ~ ' and substr(l.forename_normalised, 1, 1)'
            ~ ' = substr(r.surname_normalised, 1, 1)'
            ~ ' and substr(l.surname_normalised, 1, 1)'
            ~ ' = substr(r.forename_normalised, 1, 1)'),
        ('postcode_surname_prefix',
            'l.postcode = r.postcode'
            ~ ' and substr(l.surname_normalised, 1, 2)'
            ~ ' = substr(r.surname_normalised, 1, 2)'),
        ('postcode_birth_year',
            'l.postcode = r.postcode and l.birth_year = r.birth_year'),
        ('address', 'l.address = r.address'),
        ('surname_forename_prefix', surname_forename_alternatives),
        ('forename_surname_prefix', forename_surname_alternatives),
        ('postcode_sector_initials',
            'l.postcode_sector = r.postcode_sector'
            ~ ' and substr(l.forename_normalised, 1, 1)'
            ~ ' = substr(r.forename_normalised, 1, 1)'
            ~ ' and substr(l.surname_normalised, 1, 1)'
            ~ ' = substr(r.surname_normalised, 1, 1)'),
    ]) }}
{%- endmacro %}


{#
    Returns one row per candidate pair of records (record_number_l < record_number_r)
    from the union of `rules` (list of (name, condition) over aliases l and r; a
    condition may be a list of alternatives), each pair once. blocking_rule names the
    first rule that found the pair.

    Every rule's join yields all its pairs, numbered by the rule; the union is grouped
    by pair, keeping the smallest rule number. Filtering each rule's pairs by the
    negation of every earlier rule (the other way to attribute a pair once) evaluates
    up to two dozen string conditions on every pair a rule finds, and the rules find
    the same pairs again and again in large clusters: on the 43,886 records of the
    register benchmark the query took 3.4 s that way against 1.0 s this way, at a
    million people 35 s against 25 s (DuckDB, outside dbt), the same pairs and rules.
    The grouping holds every distinct pair once: at a million people the query's
    process peaked at 3.3 GB against 1.0 GB (DuckDB spills past its memory limit; on
    Athena, measure it at that size before relying on it).

    records: a relation with record_number (a whole number per record, ordered as
        record_id), system and the columns the rules use. Pairs carry the numbers, not
        the record ids: at a million people there are tens of millions of pairs, and
        joining them to their records on integers takes a third of the time it takes
        on text ids of 20 to 50 characters
    link_type: 'dedupe_and_link' (pairs within and across systems) or 'link_only'
        (pairs across systems only, e.g. two benchmark files)
#}
{% macro linkage_blocked_pairs(records, rules, link_type='dedupe_and_link') -%}
    {%- if link_type not in ('dedupe_and_link', 'link_only') -%}
        {{ exceptions.raise_compiler_error(
            "linkage_blocked_pairs: unknown link_type '" ~ link_type ~ "'") }}
    {%- endif -%}
    {#- a rule's condition may be a list of alternatives (any of them): each is
        joined on its own, under the rule's number -#}
    {%- set joins = [] -%}
    {%- for name, condition in rules -%}
        {%- set rule_number = loop.index -%}
        {%- for alternative in ([condition] if condition is string else condition) -%}
            {%- do joins.append((rule_number, alternative)) -%}
        {%- endfor -%}
    {%- endfor %}
    select
        first_found.record_number_l,
        first_found.record_number_r,
        case first_found.rule_number
            {%- for name, condition in rules %}
            when {{ loop.index }} then '{{ name }}'
            {%- endfor %}
        end as blocking_rule
    from (
        select
            found.record_number_l,
            found.record_number_r,
            min(found.rule_number) as rule_number
        from (
            {%- for rule_number, condition in joins %}
            select
                l.record_number as record_number_l,
                r.record_number as record_number_r,
                {{ rule_number }} as rule_number
            from {{ records }} as l
            inner join {{ records }} as r
                on {{ condition }}
                and l.record_number < r.record_number
                {%- if link_type == 'link_only' %}
                and l.system <> r.system
                {%- endif %}
            {%- if not loop.last %}

            union all
            {% endif %}
            {%- endfor %}
        ) as found
        group by found.record_number_l, found.record_number_r
    ) as first_found
{%- endmacro %}


{#
    Returns pairs of records drawn at random (but the same on every run): every pair
    among the `sample_size` records whose SHA-256 of record_id sorts first. Almost
    all are non-matches, so the share of them at each comparison level estimates u
    (`justice linkage train`). The pairs are bounded by sample_size² / 2 whatever
    the number of records.
#}
{% macro linkage_sampled_pairs(records, sample_size) -%}
    select
        l.record_number as record_number_l,
        r.record_number as record_number_r,
        'random_sample' as blocking_rule
    from (
        select record_number
        from {{ records }}
        order by {{ justice.sha256_hex('record_id') }}
        limit {{ sample_size | int }}
    ) as l
    inner join (
        select record_number
        from {{ records }}
        order by {{ justice.sha256_hex('record_id') }}
        limit {{ sample_size | int }}
    ) as r
        on l.record_number < r.record_number
{%- endmacro %}
