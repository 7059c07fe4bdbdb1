"""`justice check`: the project's layer, naming, documentation, testing and personal-data
rules (DESIGN.md section 1, STYLE.md), read from dbt's own artefacts.

dbt already knows the graph, so the rules read the manifest (and `catalog.json`, when a
warehouse has been documented, for the columns a model really has) rather than re-parsing
SQL; the one rule that reads SQL (hard-coded relations) reads dbt's compiled code, which
`justice check` gets by compiling the project against an empty scratch warehouse. Every finding
names the node, the rule and how to fix it. Exceptions live in one reviewed file,
`check_waivers.yml` (justice.quality.waivers), each with a reason; a waiver that no longer
matches anything is itself a finding, so the file cannot rot.

Rules are plain functions registered with `@rule`, one module per theme in
justice.quality.rules; each yields `Finding`s for a `Project`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from justice import dbt
from justice.console import JusticeError, Settings, say
from justice.quality.rules import RULES, Finding, Project
from justice.quality.waivers import WAIVERS_PATH, Waiver, Waivers


@dataclass
class Report:
    findings: list[Finding]
    waived: list[tuple[Finding, Waiver]]
    rules_run: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings

    def render(self) -> str:
        lines = [finding.render() for finding in self.findings]
        by_rule = defaultdict(int)
        for finding in self.findings:
            by_rule[finding.rule] += 1
        summary = (
            f"justice check: {len(self.findings)} finding(s), {len(self.waived)} waived, "
            f"{len(self.rules_run)} rules"
        )
        if by_rule:
            summary += " (" + ", ".join(f"{r}: {n}" for r, n in sorted(by_rule.items())) + ")"
        return "\n".join([*lines, summary])


def run_checks(
    manifest: dict[str, Any],
    catalog: dict[str, Any] | None = None,
    waivers: Waivers | None = None,
    rules: Iterable[str] | None = None,
) -> Report:
    """Run the rules (all by default) on a manifest; apply the waivers."""
    waivers = waivers or Waivers()
    project = Project(manifest, catalog, accepted_pk_tests=waivers.accepted_pk_tests)
    selected = list(rules) if rules is not None else list(RULES)
    unknown = [r for r in selected if r not in RULES]
    if unknown:
        raise JusticeError(f"unknown rule(s) {', '.join(unknown)}; rules: {', '.join(RULES)}.")
    raw = [finding for rule_id in selected for finding in RULES[rule_id].function(project)]
    findings, waived, used = [], [], set()
    for finding in raw:
        waiver = next((w for w in waivers.waivers if w.matches(finding)), None)
        if waiver is None:
            findings.append(finding)
        else:
            waived.append((finding, waiver))
            used.add(waiver)
    if rules is None:
        for waiver in waivers.waivers:
            if waiver not in used:
                findings.append(
                    Finding(
                        "waiver-unused",
                        f"waiver.{waiver.rule}.{waiver.node}",
                        f"waiver for rule {waiver.rule} on {waiver.node} matches no finding.",
                        "delete it from scripts/justice/quality/check_waivers.yml: the exception "
                        "it allowed is gone.",
                        "scripts/justice/quality/check_waivers.yml",
                    )
                )
    return Report(findings, waived, selected)


# ---------------------------------------------------------------------------------------
# the command


def compile_project(settings: Settings) -> dict[str, Any]:
    """The project's manifest with compiled code: `dbt compile` against an empty scratch warehouse
    (no lake or build needed)."""
    from justice.quality.scratch_warehouse import compiled_manifest

    try:
        return compiled_manifest(settings)
    except JusticeError as error:
        raise JusticeError(f"{error}\n(so there is nothing to check)") from None


def check_project(
    settings: Settings,
    manifest_path: Path | None = None,
    catalog_path: Path | None = None,
    waivers_path: Path | None = WAIVERS_PATH,
    rules: Iterable[str] | None = None,
) -> Report:
    manifest = dbt.load_manifest(manifest_path) if manifest_path else compile_project(settings)
    # the target folder's catalog describes the target folder's manifest, not one given
    # with --manifest (a `justice docs` run leaves a catalog there)
    if catalog_path is None and manifest_path is None:
        default_catalog = settings.target_path / "catalog.json"
        catalog_path = default_catalog if default_catalog.exists() else None
    catalog = dbt.load_manifest(catalog_path) if catalog_path else None
    return run_checks(manifest, catalog, Waivers.load(waivers_path), rules)


def command(
    manifest: Annotated[
        Path | None,
        typer.Option(help="Check this manifest.json instead of compiling the project."),
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(
            help="catalog.json with built columns (default: target/catalog.json when it exists)."
        ),
    ] = None,
    waivers: Annotated[Path, typer.Option(help="The reviewed waivers file.")] = WAIVERS_PATH,
    rule_ids: Annotated[
        list[str] | None, typer.Option("--rule", help="Run only this rule (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    list_rules: Annotated[bool, typer.Option("--list", help="List the rules and exit.")] = False,
    data: Annotated[
        bool,
        typer.Option(
            "--data",
            help="Also scan the built marts for upstream personal-data values.",
        ),
    ] = False,
    data_only: Annotated[
        bool,
        typer.Option(
            "--data-only",
            help="Only scan the built marts for personal data (skip the project rules).",
        ),
    ] = False,
) -> None:
    """Check the project against the layer, naming, documentation, test and personal-data
    rules (DESIGN.md, STYLE.md); exit 1 when anything is found."""
    if list_rules:
        for item in RULES.values():
            typer.echo(f"{item.id:40} {item.summary}")
        return
    settings = Settings.from_env()
    report_ok = True
    if not data_only:
        if manifest is None:
            say("justice check: dbt parse and compile (empty scratch warehouse) ...")
        report = check_project(settings, manifest, catalog, waivers, rule_ids or None)
        if as_json:
            typer.echo(json.dumps([f.as_dict() for f in report.findings], indent=2))
        else:
            typer.echo(report.render())
        report_ok = report.ok
    scanned_ok = True
    if data or data_only:
        from justice.quality.pii_scan import scan

        say("justice check: scanning the built marts for personal data ...")
        scanned = scan(settings)
        typer.echo(scanned.render())
        scanned_ok = scanned.ok
    if not report_ok or not scanned_ok:
        raise typer.Exit(1)
