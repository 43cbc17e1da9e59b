"""Paired statistics over replications: baseline, proposed, and their difference with a 95% CI.

Each replication simulates both rulebooks on the same random numbers, so the difference is taken
replication by replication (a paired t interval), which is far tighter than comparing two
independent means. Identical rulebooks give identical replications, hence exactly zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Paired:
    baseline: float | None
    proposed: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    replications: int  # pairs where both values were defined

    @property
    def significant(self) -> bool:
        """True when the 95% interval excludes zero."""
        if self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_low > 0 or self.ci_high < 0


def _clean(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def paired(baseline: list[float], proposed: list[float], confidence: float = 0.95) -> Paired:
    """Summarise one KPI; replications where either side is undefined (NaN) are left out."""
    b, p = np.asarray(baseline, dtype=float), np.asarray(proposed, dtype=float)
    both = ~(np.isnan(b) | np.isnan(p))
    b, p = b[both], p[both]
    n = int(b.size)
    if n == 0:
        return Paired(None, None, None, None, None, 0)
    diff = p - b
    mean = float(diff.mean())
    if n == 1:
        low = high = None
    elif not diff.any():
        low = high = 0.0
    else:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * diff.std(ddof=1) / math.sqrt(n))
        low, high = mean - half, mean + half
    return Paired(_clean(b.mean()), _clean(p.mean()), mean, low, high, n)


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts: 0 when equal, towards 1 when one has everything."""
    x = np.sort(np.asarray(counts, dtype=float))
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * x).sum()) / (n * total) - (n + 1.0) / n)
