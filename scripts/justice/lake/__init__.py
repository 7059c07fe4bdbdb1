"""The raw lake (DESIGN.md section 2): what it holds, how it is simulated, how it lands.

- :mod:`justice.lake.contract` — every system, table, column and type of the raw lake, the
  single source of truth shared by the generator and the dbt sources;
- :mod:`justice.lake.generator` — one simulated world of people, recorded as each source
  system would record it (one module per system), and the CDC rows it delivers;
- :mod:`justice.lake.land` — writing that world into the lake: ``generate`` (full load and
  daily partitions, ground truth, ``_meta.json``) and ``land`` (more days);
- :mod:`justice.lake.commands` — the ``justice generate`` and ``justice land`` commands;
- :mod:`justice.lake.check` — every raw partition checked against the contract before a
  build (``justice build`` stops a source whose files break it).
"""
