"""Simulate one world of people and record it as each source system would.

One module per source system, each a mixin on the shared chunk state:

- ``courts`` — ``common_platform``: cases, hearings, defendants with nested offences;
- ``prisons`` — ``nomis``: offender records, bookings, movements, incidents;
- ``probation`` — ``delius``: offender records, events, disposals, contacts;
- ``monitoring`` — ``em``: subjects, orders, device events;
- ``reference`` — NOMIS agency locations and nDelius reference lists.

Shared pieces: ``people`` (the true people and the identities systems record for them),
``chunk`` (the per-chunk state, versions tables keyed by the lake's contract, ids and random
draws), ``world`` (one person's path through the systems, and the world's constants),
``cdc`` (versions to full load and daily change rows), ``rates`` (how often each error is
injected), ``noise`` (the errors themselves), ``names`` (name pools and nicknames) and
``seeds`` (the reference seeds). :mod:`justice.lake.land` writes the result to the lake.
"""
