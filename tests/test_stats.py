"""stats.py: margins of one figure and of a difference, against the worked figures of
DESIGN.md and hand computations."""

from __future__ import annotations

import math

import pytest

from journey.analytics import stats


def test_nps_margins_of_design_md():
    # 36 answers 15/13/8: n' = 39, p' = 15.75/39, d' = 8.75/39 -> ±24.23.
    assert stats.nps_margin(36, 15, 8) == pytest.approx(24.23, abs=0.005)
    assert stats.nps_margin(1000, 500, 200) == pytest.approx(4.83, abs=0.005)


def test_nps_difference_of_design_md_is_within_the_noise():
    # A 90 answers 50/31/9, B 90 answers 45/35/10: n' = 93; NPS'_A = (50.75 - 9.75) / 93,
    # NPS'_B = (45.75 - 10.75) / 93; adjusted difference A - B = 6.45, margin ±19.52.
    d = stats.nps_difference((90, 45, 10), (90, 50, 9))
    assert d.centre == pytest.approx(6.45, abs=0.005)
    assert d.margin == pytest.approx(19.52, abs=0.005)
    assert not d.significant
    # As shown: 45.6 vs 38.9 points, a plain difference of 6.67.
    assert d.delta == pytest.approx(100 * (41 / 90 - 35 / 90))
    # Swapping the sides flips the sign, not the margin.
    e = stats.nps_difference((90, 50, 9), (90, 45, 10))
    assert (e.centre, e.margin) == pytest.approx((-d.centre, d.margin))


def test_a_large_nps_move_is_significant():
    # 1,000 answers each: 500/300/200 (NPS 30) vs 300/300/400 (NPS -10).
    d = stats.nps_difference((1000, 500, 200), (1000, 300, 400))
    assert d.delta == pytest.approx(-40.0)
    assert d.significant and d.margin < 10


def test_proportion_difference_by_hand():
    # 50 of 100 vs 60 of 100: p~ = 51/102 and 61/102, var = .25/102 + .598 * .402/102.
    d = stats.proportion_difference(100, 50, 100, 60)
    var = (51 / 102) * (51 / 102) / 102 + (61 / 102) * (41 / 102) / 102
    assert d.margin == pytest.approx(1.96 * math.sqrt(var) * 100)
    assert d.margin == pytest.approx(13.59, abs=0.005)
    assert d.delta == pytest.approx(10.0) and not d.significant
    # 0 % vs 0 %: the adjustment keeps a real margin instead of ±0.
    z = stats.proportion_difference(20, 0, 20, 0)
    assert z.delta == 0 and z.margin > 5 and not z.significant
    assert stats.proportion_difference(2000, 1000, 2000, 1200).significant


def test_a_difference_needs_both_sides():
    with pytest.raises(ValueError):
        stats.proportion_difference(0, 0, 10, 5)
    with pytest.raises(ValueError):
        stats.nps_difference((0, 0, 0), (10, 5, 1))
