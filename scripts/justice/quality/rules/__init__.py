"""`justice check`'s rules, one module per theme; importing this package registers them
all in RULES."""

from justice.quality.rules import documentation, layers, naming, personal_data, relations
from justice.quality.rules.project import RULES, Finding, Project, Rule, rule

__all__ = [
    "RULES",
    "Finding",
    "Project",
    "Rule",
    "documentation",
    "layers",
    "naming",
    "personal_data",
    "relations",
    "rule",
]
