"""The CI gate: the eval suite's CI subset on the embedded stack, against thresholds and the baseline.

Fails with the gate's diff (metric, baseline, now, change, limit) when a figure regressed
beyond its tolerance. Record a new baseline on purpose with ``copydesk eval baseline --update``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from evals.suite.gate import check, diff_text, load_baseline, load_thresholds
from evals.suite.report import write_reports
from evals.suite.runner import SuiteConfig, run_suite

pytestmark = pytest.mark.e2e


def test_ci_subset_meets_thresholds_and_baseline(tmp_path: Path) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    started = time.perf_counter()
    results = run_suite(SuiteConfig(subset="ci", log=print))
    baseline = load_baseline("ci")
    assert baseline, "no stored baseline: run `copydesk eval baseline --update --subset ci` and commit it"
    findings = check(results["summary"], baseline, load_thresholds())
    report = write_reports(results, baseline, findings, tmp_path / "ci")
    assert (tmp_path / "ci" / "metrics.png").exists() and report.exists()
    failed = [f for f in findings if not f.ok]
    assert not failed, "\n" + diff_text(findings) + f"\n(report: {report})"
    assert results["summary"]["draft.pii_leak_rate"] == 0.0
    print(f"CI subset: {time.perf_counter() - started:.0f} s wall")
