{#-
    The period the data of all four systems covers, as known at var('as_of'): the
    latest of the four domains' reporting dates, and the last complete month.
    Only what is cross-system by nature reads it (dim_person, the justice-event
    timeline, proven reoffending); each domain's marts read their own domain's
    period, so a source stopped by the lake contract holds back only its own
    domain's marts and these.
-#}

{{ justice.reporting_period([
    ref('int_prison_reporting_period_derived'),
    ref('int_court_reporting_period_derived'),
    ref('int_probation_reporting_period_derived'),
    ref('int_em_reporting_period_derived'),
], date_column='reporting_date') }}
