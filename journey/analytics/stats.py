"""Statistics on counts: the margins every figure is shown with, and the small-sample rule.

Pure Python on counts (no database), so each statistic is written once and testable alone.
SQL counts; these functions turn counts into rates and margins (DESIGN.md, worked figures).
"""

from __future__ import annotations

import math

Z95 = 1.96
# Below this many answers (or customers) a figure is flagged as a small sample in every
# chart, table and export, and left out of a map comparison: too few to read as a finding.
SMALL_SAMPLE = 30


def nps_margin(n: int, promoters: int, detractors: int) -> float:
    """95% margin of error of an NPS, in points (adjusted-Wald).

    n' = n + 3, p' = (promoters + 3/4) / n', d' = (detractors + 3/4) / n',
    var = p' + d' - (p' - d')^2 (variance of a +1/0/-1 score), margin = 1.96 * sqrt(var / n').
    The adjustment keeps the margin honest for small n and at the extremes (all promoters).
    """
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    var = p + d - (p - d) ** 2
    return Z95 * math.sqrt(var / n_adj) * 100.0


def wilson_margin(n: int, successes: int) -> float:
    """Half-width of the 95% Wilson score interval for a proportion, in points."""
    if n <= 0:
        return float("nan")
    p = successes / n
    z2 = Z95 * Z95
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return half * 100.0


def is_small(n: int | float) -> bool:
    """Whether a figure rests on too few answers (or customers) to be read as a finding."""
    return n < SMALL_SAMPLE
