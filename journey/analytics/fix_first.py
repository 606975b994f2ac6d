"""What to fix first: the touchpoints where improving the journey is worth most, ranked.

One row per touchpoint (with its stage), each figure with its n and a 95 % margin:
- passing (n): journeys with a step at the touchpoint; lost: journeys that did not convert
  and ended there; drop-off rate = lost / passing with its Wilson margin. These are exactly
  `flows.dropoffs`' figures (same steps, same outcome: the whole journey in the date range).
- conversion of the journeys passing there vs the others, and the difference (passing minus
  not passing, points) with its Agresti-Caffo margin (`stats.proportion_difference`). It
  describes, it does not prove: a touchpoint after the purchase is passed by buyers only.
- Markov removal effect (`attribution.markov_removal_effects`, touchpoint level, same
  filters): the share of conversions the chain loses without the touchpoint, and that many
  conversions; its margin from a seeded bootstrap of the journeys
  (`attribution.markov_removal_margins`: a chain quantity has no closed-form variance).
- extra conversions if its drop-off rate fell to the median of its stage's touchpoints:
  passing x (rate - median) journeys kept, each converting like the journeys that passed
  there and went on (converted / (passing - lost); the overall conversion rate when nobody
  went on). Its margin carries the drop-off rate's (the median and the rate of going on are
  taken as given), so it is a lower bound on the uncertainty.

Ranked by extra conversions, then lost, then touchpoint: the first rows are the fixes worth
most. Rows under `stats.SMALL_SAMPLE` journeys are flagged `small`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from journey.analytics import attribution, scope, stats
from journey.analytics.filters import Filters
from journey.db.engine import Engine, EngineLike

COLUMNS = [
    "rank", "touchpoint", "stage", "passing", "lost", "dropoff_rate", "dropoff_margin",
    "stage_median_dropoff", "conversion_passing", "conversion_not_passing",
    "conversion_difference", "difference_margin", "difference_significant",
    "removal_effect", "removal_margin", "removal_conversions", "extra_conversions",
    "extra_margin", "small",
]


def _counts(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per touchpoint: stage, passing, passing_converted, lost, and the journeys / converted
    of the whole scope (repeated on every row)."""
    options = scope.FlowOptions()
    with_sql, params, pre = scope.steps_with(filters, options)
    conv = scope.journey_conversion_cte(filters, options, params, precomputed=pre)
    if pre:
        # The precomputed steps flag each journey's first step at a node (first_visit), as
        # flows.dropoffs counts passing: no grouping of every step by (journey, node).
        passing = (
            "f_pass AS (SELECT s.node, MIN(s.stage) AS stage, SUM(s.first_visit) AS passing, "
            "SUM(s.first_visit * c.converted) AS passing_converted FROM j_st s JOIN j_conv c "
            "ON c.cid = s.cid AND c.session_no = s.session_no GROUP BY s.node)"
        )
    else:
        passing = (
            "f_vis AS (SELECT cid, session_no, node, MIN(stage) AS stage FROM j_st "
            "GROUP BY cid, session_no, node),\n"
            "f_pass AS (SELECT v.node, MIN(v.stage) AS stage, COUNT(*) AS passing, "
            "SUM(c.converted) AS passing_converted FROM f_vis v JOIN j_conv c "
            "ON c.cid = v.cid AND c.session_no = v.session_no GROUP BY v.node)"
        )
    sql = (
        f"{with_sql},\n{conv},\n{passing},\n"
        "f_end AS (SELECT s.node, COUNT(*) AS lost FROM j_st s JOIN j_conv c "
        "ON c.cid = s.cid AND c.session_no = s.session_no "
        "WHERE s.next_node IS NULL AND c.converted = 0 GROUP BY s.node),\n"
        "f_tot AS (SELECT COUNT(*) AS journeys, SUM(converted) AS converted FROM j_conv)\n"
        "SELECT p.node AS touchpoint, p.stage, p.passing, p.passing_converted, "
        "COALESCE(e.lost, 0) AS lost, t.journeys, t.converted FROM f_pass p "
        "LEFT JOIN f_end e ON e.node = p.node CROSS JOIN f_tot t ORDER BY p.node"
    )
    return engine.df(sql, params, purpose="fix_first.counts")


def fix_first(
    source: EngineLike, filters: Filters, *, top: int | None = None, margins: bool = True,
    removal: bool = True,
) -> pd.DataFrame:
    """The ranked table (COLUMNS; rates and differences in points, 0..100, removal_effect
    and removal_margin 0..1). `top` keeps the first rows only; `margins=False` skips the
    removal effect's bootstrap (NaN margins) for callers that do not show it.
    `removal=False` skips the Markov removal effect altogether (removal_* NaN): the ranking
    and every other column do not depend on it, and reading the journeys' paths for the
    chain was half of the table's cost (the journey map's suggestions use this). Empty when
    no journey is in scope."""
    engine = Engine.of(source)
    counts = _counts(engine, filters)
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    journeys = int(counts["journeys"].iloc[0] or 0)
    converted = int(counts["converted"].iloc[0] or 0)
    effect: dict[str, float] = {}
    spread: dict[str, float] = {}
    chain_conversions = float("nan")
    if removal:
        paths = attribution.load_paths(engine, filters)
        markov = attribution.attribute(engine, filters, "markov", paths=paths)
        effect = dict(zip(markov.table["node"], markov.table["removal_effect"], strict=True))
        chain_conversions = markov.conversions
        if margins:
            spread = dict(zip(paths.nodes, attribution.markov_removal_margins(paths),
                              strict=True))
    rows = []
    for r in counts.itertuples(index=False):
        n, lost, conv_n = int(r.passing), int(r.lost), int(r.passing_converted or 0)
        rate = lost / n
        not_n, not_conv = journeys - n, converted - conv_n
        if not_n > 0:
            diff = stats.proportion_difference(not_n, not_conv, n, conv_n)
            d, dm, sig = diff.delta, diff.margin, diff.significant
        else:
            d, dm, sig = float("nan"), float("nan"), False
        re = float(effect.get(r.touchpoint, 0.0)) if removal else float("nan")
        rows.append({
            "touchpoint": r.touchpoint, "stage": r.stage, "passing": n, "lost": lost,
            "dropoff_rate": rate * 100.0, "dropoff_margin": stats.wilson_margin(n, lost),
            "conversion_passing": conv_n / n * 100.0,
            "conversion_not_passing": not_conv / not_n * 100.0 if not_n else float("nan"),
            "conversion_difference": d, "difference_margin": dm,
            "difference_significant": bool(sig),
            "removal_effect": re,
            "removal_margin": float(spread.get(r.touchpoint, float("nan")))
            if r.touchpoint in spread or not margins or not removal else 0.0,
            "removal_conversions": re * chain_conversions,
            "small": stats.is_small(n),
            "_went_on": conv_n / (n - lost) if n > lost else (
                converted / journeys if journeys else 0.0),
        })
    df = pd.DataFrame(rows)
    # The median drop-off of the touchpoints of the same stage (a touchpoint without a
    # stage is compared with the other stageless ones).
    key = df["stage"].astype(object).where(df["stage"].notna(), "\0")
    df["stage_median_dropoff"] = df.groupby(key)["dropoff_rate"].transform("median")
    excess = np.clip(df["dropoff_rate"] - df["stage_median_dropoff"], 0.0, None) / 100.0
    df["extra_conversions"] = df["passing"] * excess * df["_went_on"]
    df["extra_margin"] = np.where(
        excess > 0, df["passing"] * df["dropoff_margin"] / 100.0 * df["_went_on"], 0.0
    )
    df = df.sort_values(
        ["extra_conversions", "lost", "touchpoint"], ascending=[False, False, True],
        kind="stable",
    ).reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    df = df[COLUMNS]
    for col in ("passing", "lost", "rank"):
        df[col] = df[col].astype("int64")
    if top is not None:
        df = df.head(max(int(top), 0)).reset_index(drop=True)
    return df


def is_noise(row: pd.Series) -> bool:
    """Whether a row's estimate could be noise: a small sample, or an extra-conversions
    interval that includes 0."""
    extra, margin = float(row["extra_conversions"]), float(row["extra_margin"])
    return bool(row["small"]) or not (extra - margin > 0) or math.isnan(extra)
