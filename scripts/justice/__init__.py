"""justice: the harness around the dbt project (generate, land, build, query, ...)."""

__version__ = "0.1.0"
