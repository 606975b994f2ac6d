"""Statistics on counts: the margins every figure is shown with, and the small-sample rule.

Pure Python on counts (no database), so each statistic is written once and testable alone.
SQL counts; these functions turn counts into rates and margins (DESIGN.md, worked figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


# -- differences: every comparison shows its margin ------------------------------------------
@dataclass(frozen=True)
class Difference:
    """B − A with its 95% margin, in points.

    delta: the plain difference of the two figures as shown (B − A). centre: the adjusted
    difference the interval is built on (adjusted-Wald / Agresti-Caffo, which keeps small
    samples and 0 %/100 % honest); margin: its 95% half-width. significant: the interval
    centre ± margin leaves out 0, otherwise the move could be noise (a comparison also takes
    a side below SMALL_SAMPLE for noise: `journey_map.compare_maps`).
    """

    delta: float
    centre: float
    margin: float
    significant: bool


def _difference(delta: float, centre: float, var: float) -> Difference:
    margin = Z95 * math.sqrt(var) * 100.0
    return Difference(delta * 100.0, centre * 100.0, margin, bool(abs(centre * 100.0) > margin))


def proportion_difference(n_a: int, x_a: float, n_b: int, x_b: float) -> Difference:
    """Difference of two rates (x of n, e.g. converted of journeys), in percentage points.

    Agresti-Caffo: one success and one failure added to each side, p~ = (x + 1) / (n + 2),
    var = sum of p~ (1 − p~) / (n + 2). Raises ValueError for a side without any n.
    """
    if n_a <= 0 or n_b <= 0:
        raise ValueError("A difference of rates needs both sides to count something.")
    pa, pb = (x_a + 1) / (n_a + 2), (x_b + 1) / (n_b + 2)
    var = pa * (1 - pa) / (n_a + 2) + pb * (1 - pb) / (n_b + 2)
    return _difference(x_b / n_b - x_a / n_a, pb - pa, var)


def _nps_adjusted(n: int, promoters: int, detractors: int) -> tuple[float, float]:
    """(adjusted NPS as a fraction, its variance): the n' = n + 3, +3/4 of `nps_margin`."""
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    return p - d, (p + d - (p - d) ** 2) / n_adj


def nps_difference(
    a: tuple[int, int, int], b: tuple[int, int, int]
) -> Difference:
    """Difference of two NPS, B − A, each side (n, promoters, detractors), in NPS points.

    margin = 1.96 * sqrt(var_A + var_B) with each variance the adjusted-Wald one of
    `nps_margin` (DESIGN.md: 90 answers 50/31/9 vs 90 answers 45/35/10 gives an adjusted
    difference of 6.45 points and a margin of ±19.52: within the noise).
    """
    (n_a, p_a, d_a), (n_b, p_b, d_b) = a, b
    if n_a <= 0 or n_b <= 0:
        raise ValueError("A difference of NPS needs answers on both sides.")
    nps_a, var_a = _nps_adjusted(n_a, p_a, d_a)
    nps_b, var_b = _nps_adjusted(n_b, p_b, d_b)
    delta = (p_b - d_b) / n_b - (p_a - d_a) / n_a
    return _difference(delta, nps_b - nps_a, var_a + var_b)
