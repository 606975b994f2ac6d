"""How far journeys reach: customers in scope, journeys, converted, the conversion rate and
the stage funnel, each written once here and read by every page, export and command.

Definitions (README, "Definitions"):
- *Customers in scope*: customers who pass the customer conditions (persona, includes,
  outcome) and have at least one event the event conditions show (stages, touchpoints,
  channels, devices, dates). *Journeys*: one per customer in scope (the Flows page's session
  split, when asked for, cuts them further and says so).
- *Converted*: journeys in scope whose shown events reach the conversion stage or a later
  one (`scope.converted`). With a device filter that is "converted on that device".
  *Conversion rate* = converted / journeys.
- *Funnel*, two labelled forms over the stages in use (or the filtered ones):
  "reached the stage at all" = journeys whose shown events reach the stage or a later one
  (the conversion stage's bar is the converted figure), and "reached it after the previous
  one" = journeys with an event at the stage strictly after (journey order) they reached the
  previous stage under the same rule. The first bar of both is every journey in scope.

All counts come from one relation, `scope.journeys_sql`, so they agree by construction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.db import derived
from journey.db.engine import Engine, EngineLike

KIND_JOURNEYS, KIND_STAGE = "journeys", "stage"
FUNNEL_COLUMNS = [
    "kind", "stage", "position", "customers", "share", "from_previous", "in_order",
    "in_order_share", "in_order_from_previous", "median_days_to_reach",
]
# Stages something refers to: an event (its effective stage), an answer or the touchpoint map.
_IN_USE = (
    "SELECT stage FROM journey_events WHERE stage IS NOT NULL "
    "UNION SELECT stage FROM responses WHERE stage IS NOT NULL "
    "UNION SELECT stage FROM touchpoints WHERE stage IS NOT NULL"
)


def stages_in_use(source: EngineLike, filters: Filters | None = None) -> list[tuple[str, int]]:
    """(stage, position) of the stage model that some data uses, in journey order; only the
    filtered ones when the filters pick stages. A stage that no event, answer or touchpoint
    refers to (one that came with a removed import) is left out of funnels and maps."""
    rows = Engine.of(source).rows(
        f"SELECT stage, position FROM stages WHERE stage IN ({_IN_USE}) "
        "ORDER BY position, stage",
        purpose="reach.stages in use",
    )
    wanted = set(filters.stages) if filters is not None and filters.stages else None
    return [(str(s), int(p)) for s, p in rows if wanted is None or s in wanted]


def totals(source: EngineLike, filters: Filters) -> dict[str, Any]:
    """customers, journeys, converted, conversion_rate (0..1, None without journeys),
    events, first_ts, last_ts (timestamps or None) and revenue of the journeys in scope."""
    sql, params = scope.journeys_sql(filters)
    conv = scope.converted("j.furthest", filters, params)
    row = Engine.of(source).one(
        f"SELECT COUNT(*), SUM({conv}), SUM(j.events), MIN(j.first_ts), MAX(j.last_ts), "
        f"SUM(j.revenue) FROM ({sql}) j",
        params, purpose="reach.totals",
    )
    customers, converted, events, first_ts, last_ts, revenue = row or (0, 0, 0, None, None, 0)
    customers = int(customers or 0)
    converted = int(converted or 0)
    return {
        "customers": customers,
        "journeys": customers,
        "converted": converted,
        "conversion_rate": converted / customers if customers else None,
        "events": int(events or 0),
        "first_ts": first_ts,
        "last_ts": last_ts,
        "revenue": float(revenue) if revenue is not None and not pd.isna(revenue) else 0.0,
    }


def _reached_at_all(
    engine: Engine, filters: Filters, stages: list[tuple[str, int]]
) -> tuple[int, list[int]]:
    """(journeys in scope, journeys reaching each stage or a later one)."""
    sql, params = scope.journeys_sql(filters)
    sums = []
    for k, (stage, _pos) in enumerate(stages):
        params[f"fs_{k}"] = stage
        sums.append(f"SUM({scope.reached('j.furthest', f'fs_{k}')})")
    row = engine.one(
        f"SELECT {', '.join(['COUNT(*)', *sums])} FROM ({sql}) j",
        params, purpose="reach.funnel at all",
    )
    values = [int(v or 0) for v in (row or [0] * (len(stages) + 1))]
    return values[0], values[1:]


def _reached_in_order(
    engine: Engine, filters: Filters, stages: list[tuple[str, int]]
) -> dict[int, tuple[int, float | None]]:
    """k -> (journeys reaching stage k after stage k-1, median days from the journey's first
    shown event to that reach)."""
    params: dict[str, Any] = {}
    model = [(str(s), int(p)) for s, p in engine.rows(
        "SELECT stage, position FROM stages ORDER BY position, stage",
        purpose="reach.stage model",
    )]
    if not filters.has_event_conditions and stages == model:
        # Whole journeys over the whole model: precomputed (derived.customer_stage_reach).
        who = scope.summary_scope(filters, params, alias="c0")
        where = f" WHERE {who}" if who else ""
        ctes = [
            f"first_ev AS (SELECT c0.cid, c0.first_ts AS ts FROM customer_summary c0{where})",
            "r_all AS (SELECT cid, k, reach_ts FROM customer_stage_reach)",
        ]
    else:
        sql, params, _whole = scope.event_source(filters, columns=("cid", "seq", "ts", "stage"))
        cases = []
        for k, (stage, _pos) in enumerate(stages):
            params[f"fs_{k}"] = stage
            cases.append(f"WHEN $fs_{k} THEN {k}")
        stage_list = (
            f"(SELECT stage, CASE stage {' '.join(cases)} ELSE NULL END AS k FROM stages)"
        )
        ctes = [
            f"fe AS ({sql})",
            "first_ev AS (SELECT cid, MIN(ts) AS ts FROM fe GROUP BY cid)",
            derived.stage_reach_ctes("fe", len(stages), stage_list),
        ]
    rows = engine.rows(
        "WITH " + ",\n".join(ctes) + "\n"
        "SELECT r_all.k, COUNT(*) AS customers, "
        # Microseconds, not epoch(): Spark's UNIX_TIMESTAMP drops the fraction of a second.
        "MEDIAN(CAST(DATE_DIFF('microsecond', f.ts, r_all.reach_ts) AS DOUBLE) / 86400000000.0) "
        "AS median_days "
        "FROM r_all JOIN first_ev f ON f.cid = r_all.cid GROUP BY r_all.k",
        params, purpose="reach.funnel in order",
    )
    return {
        int(k): (int(n), None if med is None or pd.isna(med) else float(med))
        for k, n, med in rows
    }


def _ratio(a: int, b: int) -> float:
    return a / b if b else np.nan


def funnel(source: EngineLike, filters: Filters) -> pd.DataFrame:
    """The stage funnel, both forms: one row per bar, [kind, stage, position, customers,
    share, from_previous, in_order, in_order_share, in_order_from_previous,
    median_days_to_reach].

    The first row (kind "journeys", stage None, position 0) is every journey in scope; then
    one row (kind "stage") per stage in use, or per filtered stage, in journey order.
    customers: reached the stage (or a later one) at all; in_order: reached it after the
    previous one. share / in_order_share: of the journeys in scope; from_previous: of the
    previous bar (the first stage's previous bar is the journeys row). median_days_to_reach:
    days from the journey's first shown event to reaching the stage in order (NaN when
    nobody did). Empty when no journey is in scope.
    """
    engine = Engine.of(source)
    stages = stages_in_use(engine, filters)
    journeys, at_all = _reached_at_all(engine, filters, stages)
    if journeys == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FUNNEL_COLUMNS})
    in_order = _reached_in_order(engine, filters, stages) if stages else {}
    rows: list[dict[str, Any]] = [{
        "kind": KIND_JOURNEYS, "stage": None, "position": 0, "customers": journeys,
        "share": 1.0, "from_previous": np.nan, "in_order": journeys, "in_order_share": 1.0,
        "in_order_from_previous": np.nan, "median_days_to_reach": np.nan,
    }]
    prev, prev_in = journeys, journeys
    for k, (stage, pos) in enumerate(stages):
        n, n_in = at_all[k], in_order.get(k, (0, None))[0]
        med = in_order.get(k, (0, None))[1]
        rows.append({
            "kind": KIND_STAGE, "stage": stage, "position": pos, "customers": n,
            "share": _ratio(n, journeys), "from_previous": _ratio(n, prev), "in_order": n_in,
            "in_order_share": _ratio(n_in, journeys),
            "in_order_from_previous": _ratio(n_in, prev_in),
            "median_days_to_reach": np.nan if med is None else med,
        })
        prev, prev_in = n, n_in
    df = pd.DataFrame(rows, columns=FUNNEL_COLUMNS)
    # The first bar has no stage: None, never NaN (JSON exports refuse NaN).
    df["stage"] = pd.Series([r["stage"] for r in rows], dtype="object")
    for col in ("position", "customers", "in_order"):
        df[col] = df[col].astype("int64")
    for col in ("share", "from_previous", "in_order_share", "in_order_from_previous",
                "median_days_to_reach"):
        df[col] = df[col].astype("float64")
    return df


def stage_rows(funnel_df: pd.DataFrame) -> pd.DataFrame:
    """The funnel's stage bars only (without the first, every-journey bar)."""
    if funnel_df is None or funnel_df.empty:
        return pd.DataFrame(columns=FUNNEL_COLUMNS)
    return funnel_df[funnel_df["kind"] == KIND_STAGE].reset_index(drop=True)
