"""Keeping the project to its rules: `justice check` (layers, naming, documentation,
tests, personal data: check.py, rules/, waivers.py), `justice check --data` (personal data in
the built marts), `justice lint` (sqlfluff with the project's plugin, yamllint, ruff), and
the empty scratch warehouse both lint and check compile against."""
