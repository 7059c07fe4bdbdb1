"""The reviewed exceptions to `justice check`'s rules: `check_waivers.yml` beside this
module, each waiver with a reason, and the model-level tests accepted as primary-key tests.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml

from justice.console import JusticeError
from justice.quality.rules import RULES, Finding

WAIVERS_PATH = Path(__file__).with_name("check_waivers.yml")


@dataclass(frozen=True)
class Waiver:
    rule: str
    node: str  # a node name or glob: stg_quarantine, base_*, nomis.offenders
    reason: str

    def matches(self, finding: Finding) -> bool:
        return fnmatch.fnmatchcase(finding.rule, self.rule) and (
            fnmatch.fnmatchcase(finding.name, self.node)
            or fnmatch.fnmatchcase(finding.node, self.node)
        )


@dataclass(frozen=True)
class Waivers:
    waivers: tuple[Waiver, ...] = ()
    accepted_pk_tests: tuple[tuple[str, str], ...] = ()  # (test name, node-name glob)

    @classmethod
    def load(cls, path: Path | None) -> Waivers:
        if path is None or not path.exists():
            return cls()
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            raise JusticeError(f"{path} is not valid YAML: {error}") from None
        waivers, tests = [], []
        for index, entry in enumerate(data.get("waivers") or [], start=1):
            if not isinstance(entry, dict):
                raise JusticeError(f"{path}: waiver {index} must be a mapping.")
            missing = [
                key for key in ("rule", "node", "reason") if not str(entry.get(key) or "").strip()
            ]
            if missing:
                raise JusticeError(
                    f"{path}: waiver {index} ({entry.get('rule')}, {entry.get('node')}) lacks "
                    f"{', '.join(missing)}; every waiver names a rule, a node and the reason."
                )
            if not any(fnmatch.fnmatchcase(rule_id, entry["rule"]) for rule_id in RULES):
                raise JusticeError(
                    f"{path}: waiver {index} names unknown rule {entry['rule']!r}; "
                    f"rules: {', '.join(sorted(RULES))}."
                )
            waivers.append(Waiver(str(entry["rule"]), str(entry["node"]), str(entry["reason"])))
        for index, entry in enumerate(data.get("accepted_primary_key_tests") or [], start=1):
            if not isinstance(entry, dict) or not all(
                str(entry.get(key) or "").strip() for key in ("test", "nodes", "reason")
            ):
                raise JusticeError(
                    f"{path}: accepted_primary_key_tests entry {index} needs `test`, "
                    "`nodes` (a model-name glob) and `reason`."
                )
            tests.append((str(entry["test"]), str(entry["nodes"])))
        return cls(tuple(waivers), tuple(tests))
