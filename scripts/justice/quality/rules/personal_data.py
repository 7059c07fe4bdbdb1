"""Personal data (DESIGN.md section 6): columns that look personal are marked upstream
of marts, and marts hold none. `justice check --data` checks the values themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator

from justice.quality.rules.project import Finding, Project, finding, rule

# Column names that hold personal data whatever the system calls them (DESIGN.md section 6).
# Matched against the whole lower-case column name.
PERSONAL_DATA_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "name",
        re.compile(
            r"(^|_)(first|middle|last|second|given|family|full|maiden|preferred|other|"
            r"birth|person|offender|defendant|subject)_?names?$|(^|_)(sur|fore)names?(_|$)"
        ),
    ),
    ("date_of_birth", re.compile(r"(^|_)(dob|date_of_birth|birth_date|birth_dt|birthdate)(_|$)")),
    ("national_identifier", re.compile(r"(^|_)(pnc|cro)(_|$)")),
    (
        "system_identifier",
        re.compile(
            r"(^|_)(crn|noms|prison_number|prisoner_number|offender_id_display|"
            r"booking_no)(_|$)"
        ),
    ),
    ("address", re.compile(r"(^|_)(post_?code|address(_line\d*)?)(_|$)")),
]


def personal_data_category(column_name: str) -> str | None:
    """The personal-data category a column's name suggests, or None. Booleans (`is_`,
    `has_`: STYLE.md column naming) say something about a value, not the value itself."""
    name = column_name.lower()
    if name.startswith(("is_", "has_")):
        return None
    for category, pattern in PERSONAL_DATA_PATTERNS:
        if pattern.search(name):
            return category
    return None


@rule("personal-data-meta", "personal columns upstream of marts carry meta.personal_data")
def _personal_data_meta(project: Project) -> Iterator[Finding]:
    candidates = list(project.sources) + [
        uid for uid, node in project.models.items() if project.layer(node) != "marts"
    ]
    for uid in candidates:
        unmarked = []
        for key, column in project.columns(uid).items():
            category = personal_data_category(key)
            if category and not project.column_personal_data(column):
                unmarked.append(f"{column.get('name', key)} ({category})")
        if unmarked:
            yield finding(
                project,
                "personal-data-meta",
                uid,
                f"columns that look personal have no meta.personal_data: "
                f"{', '.join(sorted(unmarked))}.",
                "document each column with `meta: {personal_data: <category>}` (name, "
                "date_of_birth, national_identifier, system_identifier, address), or waive "
                "it in scripts/justice/quality/check_waivers.yml if the name misleads.",
            )


@rule("personal-data-in-mart", "marts hold no personal-data column")
def _personal_data_in_mart(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        personal = []
        for key, column in project.columns(uid).items():
            category = project.column_personal_data(column) or personal_data_category(key)
            if category:
                personal.append(f"{column.get('name', key)} ({category})")
        if personal:
            yield finding(
                project,
                "personal-data-in-mart",
                uid,
                f"mart holds personal-data columns: {', '.join(sorted(personal))}.",
                "drop them: people appear in marts only as person_key, birth_year and "
                "age band (DESIGN.md section 6).",
            )
