"""Small measuring helpers shared by the benchmark runners."""

from __future__ import annotations

import resource
import sys

import numpy as np


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0 for no values), so empty runs print instead of crash."""
    return float(np.percentile(values, q)) if values else 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
