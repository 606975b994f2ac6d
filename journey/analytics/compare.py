"""Differences between the groups a page shows side by side, each with its 95% margin.

A chart of NPS per persona (or stage, channel, month...) invites "Busy parent scores lower":
every such reading is a comparison, so each group is given its difference from *the rest of
the selection* (all the other groups of the same chart together, answers counted once), and a
month its difference from the month before. The margins are those of `stats`: the adjusted-
Wald NPS difference, the Agresti-Caffo interval for rates (CSAT's satisfied share, CES's easy
share). A difference whose interval includes 0, or with fewer than `SMALL_SAMPLE` answers on
either side, could be noise: the pages grey it out, the same rule as the map comparison.

Pure pandas on the counts the metric queries return (no SQL): the rest of the selection is
the total of the table minus the group, so the comparison uses the very numbers drawn.

Where comparisons are (README, Definitions): the journey map's A/B comparison
(`journey_map.compare_maps`), the NPS page's groups and trend (here). The Overview, Flows and
Network pages show one view, the sidebar's, with each figure's n, and rankings (top
touchpoints, drop-off rates, top paths) show levels: no comparison is invented for them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from journey.analytics import metrics
from journey.analytics.filters import Filters
from journey.analytics.stats import (
    SMALL_SAMPLE,
    Difference,
    nps_difference,
    proportion_difference,
)
from journey.db.engine import EngineLike

# Added to a metric table by `versus_rest` / `versus_previous`: the difference in points,
# its 95% margin (both NaN when there is nothing to compare with) and whether it could be
# noise (False when there is no comparison: nothing to grey out).
DIFF_COLUMNS = ["diff", "diff_margin", "diff_noise"]


def _counts(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """n and the counts each metric's difference is built on, as integers."""
    n = pd.to_numeric(df["n"], errors="coerce").fillna(0).round().astype("int64")
    out = pd.DataFrame({"n": n}, index=df.index)
    if metric == "nps":
        out["a"] = pd.to_numeric(df["promoters"], errors="coerce").fillna(0).astype("int64")
        out["b"] = pd.to_numeric(df["detractors"], errors="coerce").fillna(0).astype("int64")
    elif metric == "csat":
        out["a"] = pd.to_numeric(df["satisfied"], errors="coerce").fillna(0).astype("int64")
        out["b"] = 0
    elif metric == "ces":
        # The CES table carries the easy share (5-7 of 7); the count is that share of n.
        ease = pd.to_numeric(df["ease_pct"], errors="coerce").fillna(0.0)
        out["a"] = (ease * n / 100.0).round().astype("int64")
        out["b"] = 0
    else:
        raise ValueError(f"No difference is defined for {metric!r}: nps, csat or ces.")
    return out


def _difference(metric: str, base: tuple[int, int, int], group: tuple[int, int, int]
                ) -> Difference:
    """group − base for one metric: NPS points, or percentage points of a rate."""
    if metric == "nps":
        return nps_difference(base, group)
    return proportion_difference(base[0], base[1], group[0], group[1])


def _row(metric: str, base: tuple[int, int, int], group: tuple[int, int, int],
         min_n: int) -> tuple[float, float, bool]:
    if base[0] <= 0 or group[0] <= 0:
        return math.nan, math.nan, False
    d = _difference(metric, base, group)
    noise = not d.significant or base[0] < min_n or group[0] < min_n
    return d.delta, d.margin, bool(noise)


def _with(df: pd.DataFrame, rows: list[tuple[float, float, bool]]) -> pd.DataFrame:
    out = df.copy()
    out["diff"] = np.array([r[0] for r in rows], dtype="float64")
    out["diff_margin"] = np.array([r[1] for r in rows], dtype="float64")
    out["diff_noise"] = np.array([r[2] for r in rows], dtype=bool)
    return out


def versus_rest(df: pd.DataFrame, metric: str, *, min_n: int = SMALL_SAMPLE) -> pd.DataFrame:
    """`df` (a `metrics.nps` / `csat` / `ces` table grouped by something) with DIFF_COLUMNS:
    each group minus the rest of the table (every other group's answers together).

    NPS in NPS points (its difference margin from the adjusted-Wald variances), CSAT and CES
    in percentage points of the satisfied / easy share (two-proportion interval). A table of
    one group has nothing to compare with: NaN, not noise.
    """
    if df.empty:
        return _with(df, [])
    c = _counts(df, metric)
    total = (int(c["n"].sum()), int(c["a"].sum()), int(c["b"].sum()))
    rows = []
    for n, a, b in zip(c["n"], c["a"], c["b"], strict=True):
        rest = (total[0] - int(n), total[1] - int(a), total[2] - int(b))
        rows.append(_row(metric, rest, (int(n), int(a), int(b)), min_n))
    return _with(df, rows)


def versus_previous(df: pd.DataFrame, metric: str = "nps", *,
                    min_n: int = SMALL_SAMPLE) -> pd.DataFrame:
    """`df` (rows in time order, e.g. `metrics.nps(by="month")`) with DIFF_COLUMNS: each
    period minus the one before it (the first period: NaN)."""
    if df.empty:
        return _with(df, [])
    c = _counts(df, metric)
    rows: list[tuple[float, float, bool]] = [(math.nan, math.nan, False)]
    for i in range(1, len(c)):
        prev = tuple(int(x) for x in c.iloc[i - 1][["n", "a", "b"]])
        cur = tuple(int(x) for x in c.iloc[i][["n", "a", "b"]])
        rows.append(_row(metric, prev, cur, min_n))  # type: ignore[arg-type]
    return _with(df, rows[: len(c)])


_METRICS = {"nps": metrics.nps, "csat": metrics.csat, "ces": metrics.ces}


def groups(source: EngineLike, filters: Filters, metric: str = "nps",
           by: str = "stage") -> pd.DataFrame:
    """`metrics.<metric>(by=...)` with each group's difference from the rest of the
    selection (`versus_rest`): what the NPS page draws and tabulates."""
    if metric not in _METRICS:
        raise ValueError(f"No difference is defined for {metric!r}: nps, csat or ces.")
    return versus_rest(_METRICS[metric](source, filters, by=by), metric)


def trend(source: EngineLike, filters: Filters) -> pd.DataFrame:
    """NPS per calendar month (`metrics.nps(by="month")`, ascending) with each month's
    change from the month before it with answers (`versus_previous`). Answers without a
    time have no month and are left out, as the trend chart leaves them out."""
    df = metrics.nps(source, filters, by="month")
    return versus_previous(df[df["month"].notna()].reset_index(drop=True), "nps")
