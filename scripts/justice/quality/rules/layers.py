"""Layer rules (DESIGN.md section 1): who may read what, and exposures read marts only."""

from __future__ import annotations

from collections.abc import Iterator

from justice.quality.rules.project import (
    LAYERS,
    STAGING_PREFIXES,
    Finding,
    Project,
    finding,
    rule,
)


@rule("source-outside-staging", "only staging models read sources")
def _source_outside_staging(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) == "staging":
            continue
        for parent in project.parents(uid):
            if parent.startswith("source."):
                name = project.name_of(parent)
                yield finding(
                    project,
                    "source-outside-staging",
                    uid,
                    f"reads source {name}; only staging models read sources.",
                    f"ref() the staging model of {name} "
                    f"(stg_{name.replace('.', '__')}) instead of source().",
                )


@rule("source-staging-count", "each source table is read by exactly one staging model")
def _source_staging_count(project: Project) -> Iterator[Finding]:
    for uid in project.sources:
        readers = sorted(
            project.models[child]["name"]
            for child in project.children(uid)
            if child in project.models and project.layer(project.models[child]) == "staging"
        )
        name = project.name_of(uid)
        staging_name = name.replace(".", "__")
        if not readers:
            yield finding(
                project,
                "source-staging-count",
                uid,
                f"source table {name} is read by no staging model.",
                f"add base_{staging_name} (reads the source) and stg_{staging_name} "
                "(reads the base) under models/staging/, or remove the table from the "
                "sources file.",
            )
        elif len(readers) > 1:
            yield finding(
                project,
                "source-staging-count",
                uid,
                f"source table {name} is read by {len(readers)} staging models "
                f"({', '.join(readers)}); it must be read by exactly one.",
                f"keep one reader (base_{staging_name}) and make the others ref() it.",
            )


def _suffix(name: str) -> str:
    for prefix in STAGING_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@rule("staging-pair", "a base_ model is read by the stg_ model of the same source table")
def _staging_pair(project: Project) -> Iterator[Finding]:
    by_name = {node["name"]: uid for uid, node in project.models.items()}
    for uid, node in project.models.items():
        name = node["name"]
        if project.layer(node) != "staging" or not name.startswith("base_"):
            continue
        partner = "stg_" + _suffix(name)
        partner_uid = by_name.get(partner)
        if partner_uid is None or uid not in project.parents(partner_uid):
            yield finding(
                project,
                "staging-pair",
                uid,
                f"base model {name} has no {partner} reading it; the staging pair is "
                "base_ (reads the source) + stg_ (reads the base).",
                f"add models/staging/<system>/{partner}.sql that selects from "
                f"ref('{name}') (usually `{{{{ justice.valid_rows(ref('{name}')) }}}}`).",
            )


@rule("staging-reads-model", "staging reads only sources and its own base_ model")
def _staging_reads_model(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "staging":
            continue
        name = node["name"]
        for parent in project.parents(uid):
            if not parent.startswith("model."):
                continue  # sources and seeds are what staging is for
            parent_node = project.models.get(parent)
            parent_name = project.name_of(parent)
            is_own_base = (
                parent_node is not None
                and project.layer(parent_node) == "staging"
                and name.startswith("stg_")
                and parent_name == "base_" + _suffix(name)
            )
            if is_own_base:
                continue
            where = project.layer(parent_node) if parent_node else "another project"
            yield finding(
                project,
                "staging-reads-model",
                uid,
                f"staging model reads {parent_name} ({where}); staging reads only "
                "sources, and stg_<x> reads only base_<x>.",
                "move the logic that needs other models to models/intermediate/ "
                "(int_...), and keep staging a one-source-table lens.",
            )


@rule("mart-reads-staging", "marts never read staging directly (nor sources: see above)")
def _mart_reads_staging(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        for parent in project.parents(uid):
            parent_node = project.models.get(parent)
            if parent_node is not None and project.layer(parent_node) == "staging":
                yield finding(
                    project,
                    "mart-reads-staging",
                    uid,
                    f"mart reads staging model {project.name_of(parent)} directly.",
                    "read the history (int_<system>__<table>_history or _as_of) or an "
                    "intermediate model instead, so the mart sees as-of, linked data.",
                )


@rule(
    "mart-reads-other-domain-intermediate",
    "a mart may read another domain's marts, never its intermediates",
)
def _mart_reads_other_domain(project: Project) -> Iterator[Finding]:
    domains = project.mart_domains()
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        domain = project.folder(node)
        for parent in project.parents(uid):
            parent_node = project.models.get(parent)
            if parent_node is None or project.layer(parent_node) not in ("intermediate",):
                continue
            area = project.folder(parent_node)
            if area in domains and area != domain:
                yield finding(
                    project,
                    "mart-reads-other-domain-intermediate",
                    uid,
                    f"mart of domain '{domain}' reads {project.name_of(parent)}, an "
                    f"intermediate of domain '{area}'.",
                    f"read the '{area}' domain's marts (its fct_/dim_ models) instead, or "
                    "move the shared intermediate to a folder of models/intermediate/ "
                    "that is not a mart domain.",
                )


@rule(
    "reads-later-layer",
    "a model never reads a model of a later layer (staging, history, intermediate, marts)",
)
def _reads_later_layer(project: Project) -> Iterator[Finding]:
    order = {layer: position for position, layer in enumerate(LAYERS)}
    for uid, node in project.models.items():
        layer = project.layer(node)
        if layer in (None, "staging"):
            continue  # staging has its own, stricter rule (staging-reads-model)
        for parent in project.parents(uid):
            parent_node = project.models.get(parent)
            parent_layer = project.layer(parent_node) if parent_node else None
            if parent_layer is None or order[parent_layer] <= order[layer]:
                continue
            yield finding(
                project,
                "reads-later-layer",
                uid,
                f"{layer} model reads {project.name_of(parent)}, a model of the later "
                f"{parent_layer} layer.",
                f"build what it needs from the {layer} layer or earlier (e.g. make the "
                "calendar or spine it needs in models/intermediate/), so the layers stay "
                "a one-way flow.",
            )


@rule("exposure-reads-non-mart", "exposures depend only on marts")
def _exposure_reads_non_mart(project: Project) -> Iterator[Finding]:
    for uid, exposure in (project.manifest.get("exposures") or {}).items():
        if exposure.get("package_name") not in (None, project.project_name):
            continue
        parents = list((exposure.get("depends_on") or {}).get("nodes") or [])
        bad = [project.name_of(p) for p in parents if not project.is_mart(p)]
        if bad:
            yield finding(
                project,
                "exposure-reads-non-mart",
                uid,
                f"exposure depends on {', '.join(sorted(bad))}, which "
                + ("is not a mart." if len(bad) == 1 else "are not marts."),
                "publish from marts only: add the figures to a fct_/dim_ model under "
                "models/marts/<domain>/ and depend on that with ref().",
            )
