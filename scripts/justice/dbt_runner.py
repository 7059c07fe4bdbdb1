"""Running dbt: a subprocess with an argument list, and a readable summary read from
run_results.json (dbt already knows what passed; we do not re-parse its log)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from justice.settings import PROJECT_ROOT, JusticeError, Settings

# statuses dbt writes into run_results.json, grouped as people read them
_PASSED = {"success", "pass"}
_WARNED = {"warn"}
_FAILED = {"error", "fail", "runtime error"}
_SKIPPED = {"skipped"}


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    if not candidate.exists():
        raise JusticeError(
            f"dbt is not installed next to {sys.executable}; run `make build` (it creates "
            "the virtual environment and installs the pinned dependencies)."
        )
    return str(candidate)


def run_dbt(args: list[str], settings: Settings, *, quiet: bool = False) -> int:
    """Run `dbt <args>` in the project, streaming its output; return its exit code."""
    command = [dbt_executable(), *args]
    stdout = subprocess.DEVNULL if quiet else None
    completed = subprocess.run(
        command, cwd=PROJECT_ROOT, env=settings.dbt_env(), stdout=stdout, check=False
    )
    return completed.returncode


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # status, node, message
    warnings: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def render(self) -> str:
        c = self.counts
        lines = [
            f"justice build: {c['passed']} passed, {c['warned']} warned, "
            f"{c['failed']} failed, {c['skipped']} skipped in {self.elapsed:.1f}s"
        ]
        for status, node, message in self.failures:
            first_line = (message or "").strip().splitlines()[:1]
            lines.append(f"  FAILED {node} ({status}): {first_line[0] if first_line else ''}")
        for node, message in self.warnings[:20]:
            first_line = (message or "").strip().splitlines()[:1]
            lines.append(f"  warned {node}: {first_line[0] if first_line else ''}")
        if len(self.warnings) > 20:
            lines.append(f"  … and {len(self.warnings) - 20} more warnings")
        return "\n".join(lines)


def summarise(run_results: Path) -> Summary:
    if not run_results.exists():
        raise JusticeError(f"dbt wrote no {run_results}: it failed before running anything.")
    data = json.loads(run_results.read_text())
    summary = Summary(elapsed=float(data.get("elapsed_time") or 0.0))
    for result in data.get("results", []):
        status = str(result.get("status", "")).lower()
        node = result.get("unique_id", "?")
        message = result.get("message") or ""
        if status in _PASSED:
            summary.counts["passed"] += 1
        elif status in _WARNED:
            summary.counts["warned"] += 1
            summary.warnings.append((node, message))
        elif status in _FAILED:
            summary.counts["failed"] += 1
            summary.failures.append((status, node, message))
        elif status in _SKIPPED:
            summary.counts["skipped"] += 1
        else:
            summary.counts[status] += 1
    return summary
