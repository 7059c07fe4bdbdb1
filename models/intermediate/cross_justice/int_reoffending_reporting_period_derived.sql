{#-
    The period the proven-reoffending measure's sources cover, as known at
    var('as_of'): the latest of the prison and court periods (index events are
    custody releases and court sentences; reoffences are proven by court outcomes).
    Probation and EM data do not move it, so a stopped EM or Delius source does not
    hold the measure back.
-#}

{{ justice.reporting_period([
    ref('int_prison_reporting_period_derived'),
    ref('int_court_reporting_period_derived'),
], date_column='reporting_date') }}
