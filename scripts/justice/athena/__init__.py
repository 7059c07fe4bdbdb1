"""Athena without AWS: the conformance gate (`justice athena-gate`), the mocked Athena and
Glue it runs dbt against, and the Trino portability rules it applies to every statement."""
