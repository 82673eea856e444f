"""The CI gate: figures against ``evals/suite/thresholds.yaml`` and the stored baseline.

Each gated metric has a direction (``higher`` or ``lower`` is better), an absolute floor or
ceiling, and a tolerance against the baseline: a figure may move the wrong way by at most
that much. A failure lists every metric that moved, with baseline, now, change and limit,
so the diff in the CI log says what broke.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
THRESHOLDS = HERE / "thresholds.yaml"
BASELINE_DIR = HERE / "baseline"


@dataclass(frozen=True)
class Finding:
    metric: str
    baseline: float | None
    now: float | None
    limit: str
    ok: bool

    def line(self) -> str:
        base = "-" if self.baseline is None else f"{self.baseline:.3f}"
        now = "missing" if self.now is None else f"{self.now:.3f}"
        delta = "" if self.baseline is None or self.now is None else f" ({self.now - self.baseline:+.3f})"
        return (
            f"{'ok  ' if self.ok else 'FAIL'} {self.metric:<34} baseline {base:>8} now {now:>8}{delta}  [{self.limit}]"
        )


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, Any]]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["metrics"])


def baseline_path(subset: str) -> Path:
    return BASELINE_DIR / f"{subset}.json"


def load_baseline(subset: str) -> dict[str, float]:
    path = baseline_path(subset)
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8"))["summary"])


def write_baseline(subset: str, results: dict[str, Any]) -> Path:
    path = baseline_path(subset)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"subset": subset, "summary": results["summary"], "counts": results["counts"]}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def check(summary: dict[str, Any], baseline: dict[str, Any], thresholds: dict[str, dict[str, Any]]) -> list[Finding]:
    findings = []
    for metric, rule in thresholds.items():
        now = summary.get(metric)
        base = baseline.get(metric)
        higher = rule.get("better", "higher") == "higher"
        tolerance = float(rule.get("tolerance", 0.0))
        limits, ok = [], True
        if now is None:
            if rule.get("optional"):
                continue
            findings.append(Finding(metric, base, None, "metric missing", False))
            continue
        if "min" in rule:
            limits.append(f">= {rule['min']}")
            ok &= now >= float(rule["min"]) - 1e-9
        if "max" in rule:
            limits.append(f"<= {rule['max']}")
            ok &= now <= float(rule["max"]) + 1e-9
        if base is not None:
            if higher:
                limits.append(f">= baseline - {tolerance}")
                ok &= now >= float(base) - tolerance - 1e-9
            else:
                limits.append(f"<= baseline + {tolerance}")
                ok &= now <= float(base) + tolerance + 1e-9
        findings.append(Finding(metric, None if base is None else float(base), float(now), ", ".join(limits), ok))
    return findings


def diff_text(findings: list[Finding]) -> str:
    failed = [f for f in findings if not f.ok]
    head = f"{len(failed)} of {len(findings)} gated metrics regressed" if failed else "all gated metrics within limits"
    return "\n".join([head, *[f.line() for f in findings]])
