"""Naming and folders (STYLE.md "Folders tell the architecture")."""

from __future__ import annotations

from collections.abc import Iterator

from justice.quality.rules.project import (
    HISTORY_NAME,
    MART_PREFIXES,
    STAGING_PREFIXES,
    Finding,
    Project,
    finding,
    rule,
)


@rule("model-folder", "every model lives in a layer folder (and marts in a domain folder)")
def _model_folder(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        layer = project.layer(node)
        if layer is None:
            yield finding(
                project,
                "model-folder",
                uid,
                f"model is in {node.get('original_file_path')}, outside the layer folders.",
                "move it under models/staging/<system>/, models/history/, "
                "models/intermediate/<area>/ or models/marts/<domain>/.",
            )
        elif layer == "marts" and project.folder(node) is None:
            yield finding(
                project,
                "model-folder",
                uid,
                "mart is directly in models/marts/, not in a domain folder.",
                "move it to models/marts/<domain>/ (people, courts, prisons, ...).",
            )


@rule("naming-by-folder", "model names carry their layer's prefix")
def _naming_by_folder(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        name, layer = node["name"], project.layer(node)
        problem = fix = None
        if layer == "staging":
            system = project.folder(node)
            prefixes = (
                tuple(f"{p}{system}__" for p in STAGING_PREFIXES) if system else STAGING_PREFIXES
            )
            if not name.startswith(prefixes):
                problem = f"staging model name must start with {' or '.join(prefixes)}."
                fix = (
                    f"rename the file to stg_{system}__<table>.sql (or base_{system}__"
                    "<table>.sql for the source-reading half of the pair)."
                    if system
                    else "rename the file to stg_<system>__<table>.sql."
                )
        elif layer == "history":
            if not HISTORY_NAME.match(name):
                problem = (
                    "history model name must be int_<system>__<table>_history "
                    "(or int_<system>__<table>_as_of for its as-of view)."
                )
                fix = (
                    "rename the file after the staging model it historises, e.g. "
                    "stg_nomis__offenders -> int_nomis__offenders_history.sql."
                )
        elif layer == "intermediate":
            if not name.startswith("int_"):
                problem = "intermediate model name must start with int_."
                fix = "rename the file int_<entity>_<verb>.sql (e.g. int_person_pairs_scored)."
        elif layer == "marts" and not name.startswith(MART_PREFIXES):
            problem = "mart name must start with fct_ (events) or dim_ (entities)."
            fix = "rename the file fct_<events>.sql or dim_<entity>.sql."
        if problem and fix:
            yield finding(project, "naming-by-folder", uid, problem, fix)
