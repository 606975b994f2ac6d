"""Survey metrics (NPS, CSAT, CES) with their margins, the stage funnel, overview numbers.

Division of labour: SQL counts (plain GROUP BY aggregates, so it transpiles to Spark SQL),
`stats` derives the margins from the counts, so each statistic is written once and testable
without a database. What a filter selects comes from `scope` (and so does "converted").

Every function takes an `Engine` (or a DuckDB cursor) and a `Filters` value and returns a
DataFrame (or a dict for `overview`). An empty selection gives an empty frame with the
documented columns.

Definitions (the field's, see DESIGN.md):
- NPS = % promoters (9-10) - % detractors (0-6), in points (-100..100). Only responses with an
  NPS answer in 0..10 count in n. Margin: 95%, adjusted-Wald (n + 3, 3/4 added to promoters and
  detractors) on the variance of the promoter/detractor difference. small_sample = n below
  `stats.SMALL_SAMPLE` (30).
- CSAT % = share of 4-5 among 1-5 answers, in percent. Margin: half-width of the 95% *Wilson*
  score interval, in points (Wilson, not Wald: Wald collapses to +-0 at 0% and 100%).
  Note the Wilson interval is centred slightly towards 50%, so csat_pct +- margin is an
  approximation of the interval, never wider than it by more than that shift.
- CES on 1-7, normalised to "higher = easier" first (a response with ces_high_is_easy = FALSE
  is stored as 1 = easiest and becomes 8 - ces; NULL direction means the default, TRUE).
  ease_pct = share of 5-7 after normalising, in percent.
- Customers, journeys, converted, the funnel: see `reach` (their one definition).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from journey.analytics import reach, scope
from journey.analytics.filters import Filters
from journey.analytics.stats import SMALL_SAMPLE, Z95, nps_margin, wilson_margin
from journey.db.engine import Engine, EngineLike

__all__ = ["SMALL_SAMPLE", "Z95", "nps_margin", "wilson_margin"]

# Group dimensions for the survey metrics. Keys are the only accepted `by` values; the SQL
# expressions are ours (never user text) and read the columns of `scope.responses_sql`.
_RESPONSE_GROUPS: dict[str, str] = {
    "stage": "fr.stage",
    "touchpoint": "fr.touchpoint",
    "persona": "fr.persona",
    "channel": "fr.channel",
    "month": "strftime(fr.ts, '%Y-%m')",
}
BY_OPTIONS: tuple[str, ...] = tuple(_RESPONSE_GROUPS)

NPS_COLUMNS = [
    "n", "promoters", "passives", "detractors", "promoters_pct", "passives_pct",
    "detractors_pct", "nps", "margin", "small_sample",
]
CSAT_COLUMNS = ["n", "satisfied", "csat_pct", "margin"]
CES_COLUMNS = ["n", "mean", "ease_pct"]
TOP_TOUCHPOINT_COLUMNS = ["touchpoint", "stage", "channel", "online", "customers", "events"]


def _run(engine: Engine, sql: str, params: dict[str, Any], purpose: str) -> pd.DataFrame:
    return engine.df(sql, params, purpose=f"metrics.{purpose}")


def _check_by(by: str | None) -> None:
    if by is not None and by not in _RESPONSE_GROUPS:
        raise ValueError(f"Cannot group by {by!r}: pick one of {', '.join(BY_OPTIONS)}.")


def _nps_stats(df: pd.DataFrame) -> pd.DataFrame:
    """Add percentages, NPS, margin and the small-sample flag to the n/P/passive/D counts."""
    n = df["n"].astype("float64")
    for col in ("promoters", "passives", "detractors"):
        df[col] = df[col].astype("int64")
        df[f"{col}_pct"] = df[col] / n * 100.0
    df["n"] = df["n"].astype("int64")
    df["nps"] = df["promoters_pct"] - df["detractors_pct"]
    df["margin"] = [
        nps_margin(int(a), int(b), int(c))
        for a, b, c in zip(df["n"], df["promoters"], df["detractors"], strict=True)
    ]
    df["margin"] = df["margin"].astype("float64")
    df["small_sample"] = (df["n"] < SMALL_SAMPLE).astype(bool)
    return df


# -- grouped survey counts --------------------------------------------------------------------


def _grouped(
    engine: Engine,
    filters: Filters,
    dims: list[str],
    aggregates: str,
    where: str,
    purpose: str,
) -> pd.DataFrame:
    """Run `aggregates` over the filtered responses grouped by `dims`, in display order.

    Order: stages by their position (unknown stages then missing ones last), months
    ascending, anything else by n descending; ties by the group value, NULLs last.
    """
    sql, params = scope.responses_sql(filters)
    select_dims = [f"{_RESPONSE_GROUPS[d]} AS g{i}" for i, d in enumerate(dims)]
    joins = ""
    order: list[str] = []
    for i, d in enumerate(dims):
        if d == "stage":
            joins += f" LEFT JOIN stages s{i} ON s{i}.stage = fr.stage"
            select_dims.append(f"MIN(s{i}.position) AS pos{i}")
            order += [f"CASE WHEN pos{i} IS NULL THEN 1 ELSE 0 END", f"pos{i}"]
        elif d != "month" and len(dims) == 1:
            # Biggest groups first in a list; a grid (heatmap) keeps its axes alphabetical.
            order.append("n DESC")
        order += [f"CASE WHEN g{i} IS NULL THEN 1 ELSE 0 END", f"g{i}"]
    if not dims:
        order = ["n DESC"]
    group_by = (" GROUP BY " + ", ".join(_RESPONSE_GROUPS[d] for d in dims)) if dims else ""
    # Sorted outside the aggregate so ORDER BY only names plain output columns (Spark-safe).
    q = (
        f"WITH fr AS ({sql}) SELECT * FROM ("
        f"SELECT {', '.join(select_dims + [aggregates])} "
        f"FROM fr{joins} WHERE {where}{group_by}) grouped "
        f"ORDER BY {', '.join(order)}"
    )
    df = _run(engine, q, params, f"{purpose} by {', '.join(dims) or 'all'}")
    if not dims:
        df = df[df["n"] > 0]
    df = df.rename(columns={f"g{i}": d for i, d in enumerate(dims)})
    return df.drop(columns=[c for c in df.columns if c.startswith("pos")]).reset_index(drop=True)


_NPS_AGG = (
    "COUNT(*) AS n, "
    "SUM(CASE WHEN fr.nps >= 9 THEN 1 ELSE 0 END) AS promoters, "
    "SUM(CASE WHEN fr.nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives, "
    "SUM(CASE WHEN fr.nps <= 6 THEN 1 ELSE 0 END) AS detractors"
)
_NPS_WHERE = "fr.nps BETWEEN 0 AND 10"
_CSAT_AGG = "COUNT(*) AS n, SUM(CASE WHEN fr.csat >= 4 THEN 1 ELSE 0 END) AS satisfied"
_CSAT_WHERE = "fr.csat BETWEEN 1 AND 5"


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def nps(source: EngineLike, filters: Filters, by: str | None = "stage") -> pd.DataFrame:
    """NPS per group: [<by>, n, promoters, passives, detractors, *_pct, nps, margin, small_sample].

    `by` is stage | touchpoint | persona | channel | month ('YYYY-MM') | None (one overall row).
    Percentages, NPS and margin are in points. Responses without a value for the group
    (no stage, say) form their own group, labelled None, listed last.
    """
    _check_by(by)
    dims = [by] if by else []
    df = _grouped(Engine.of(source), filters, dims, _NPS_AGG, _NPS_WHERE, "nps")
    if df.empty:
        return _empty(dims + NPS_COLUMNS)
    return _nps_stats(df)[dims + NPS_COLUMNS]


def nps_trend(source: EngineLike, filters: Filters) -> pd.DataFrame:
    """NPS per calendar month (UTC), ascending: [month, n, nps, margin]."""
    df = nps(source, filters, by="month")
    return df[["month", "n", "nps", "margin"]]


def csat(source: EngineLike, filters: Filters, by: str | None = "stage") -> pd.DataFrame:
    """CSAT per group: [<by>, n, satisfied, csat_pct, margin] (Wilson 95% half-width, points)."""
    _check_by(by)
    dims = [by] if by else []
    df = _grouped(
        Engine.of(source), filters, dims, _CSAT_AGG, _CSAT_WHERE, "csat",
    )
    if df.empty:
        return _empty(dims + CSAT_COLUMNS)
    df["n"] = df["n"].astype("int64")
    df["satisfied"] = df["satisfied"].astype("int64")
    df["csat_pct"] = df["satisfied"] / df["n"] * 100.0
    df["margin"] = [
        wilson_margin(int(n), int(s)) for n, s in zip(df["n"], df["satisfied"], strict=True)
    ]
    df["margin"] = df["margin"].astype("float64")
    return df[dims + CSAT_COLUMNS]


# Normalised CES: higher = easier whatever the survey tool asked.
_CES_NORM = "(CASE WHEN fr.ces_high_is_easy = FALSE THEN 8 - fr.ces ELSE fr.ces END)"
_CES_WHERE = "fr.ces BETWEEN 1 AND 7"


def ces(source: EngineLike, filters: Filters, by: str | None = "stage") -> pd.DataFrame:
    """CES per group on 1-7, higher = easier: [<by>, n, mean, ease_pct] (ease = 5-7, percent)."""
    _check_by(by)
    dims = [by] if by else []
    df = _grouped(
        Engine.of(source), filters, dims,
        f"COUNT(*) AS n, AVG(CAST({_CES_NORM} AS DOUBLE)) AS mean, "
        f"SUM(CASE WHEN {_CES_NORM} >= 5 THEN 1 ELSE 0 END) AS easy",
        _CES_WHERE, "ces",
    )
    if df.empty:
        return _empty(dims + CES_COLUMNS)
    df["n"] = df["n"].astype("int64")
    df["mean"] = df["mean"].astype("float64")
    df["ease_pct"] = df["easy"].astype("float64") / df["n"] * 100.0
    return df[dims + CES_COLUMNS]


def heatmap(
    source: EngineLike,
    filters: Filters,
    rows: str = "persona",
    cols: str = "stage",
    metric: str = "nps",
) -> pd.DataFrame:
    """Long-format grid for a rows x cols heatmap: [<rows>, <cols>, n, value].

    metric: nps (value = NPS, points) | csat (value = csat_pct) | ces (value = normalised mean).
    Only cells with at least one answer appear.
    """
    _check_by(rows)
    _check_by(cols)
    if rows == cols:
        raise ValueError("Heatmap rows and columns must be two different dimensions.")
    dims = [rows, cols]
    engine = Engine.of(source)
    if metric == "nps":
        df = _grouped(engine, filters, dims, _NPS_AGG, _NPS_WHERE, "heatmap nps")
        if not df.empty:
            df = _nps_stats(df)
            df["value"] = df["nps"]
    elif metric == "csat":
        df = _grouped(engine, filters, dims, _CSAT_AGG, _CSAT_WHERE, "heatmap csat")
        if not df.empty:
            df["value"] = df["satisfied"].astype("float64") / df["n"] * 100.0
    elif metric == "ces":
        df = _grouped(
            engine, filters, dims, f"COUNT(*) AS n, AVG(CAST({_CES_NORM} AS DOUBLE)) AS value",
            _CES_WHERE, "heatmap ces",
        )
    else:
        raise ValueError(f"Unknown metric {metric!r}: pick nps, csat or ces.")
    out_cols = [rows, cols, "n", "value"]
    if df.empty:
        return _empty(out_cols)
    df["n"] = df["n"].astype("int64")
    df["value"] = df["value"].astype("float64")
    # Row order: the rows dimension's own order (stage position / month / n), then columns.
    return df[out_cols].reset_index(drop=True)


# -- overview and journey-map helpers --------------------------------------------------------


def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).isoformat()


def overview(source: EngineLike, filters: Filters) -> dict[str, Any]:
    """Headline numbers: customers, journeys, converted, conversion_rate, events, responses,
    nps, nps_margin, nps_n, first_ts, last_ts (ISO strings or None), revenue.

    customers, journeys, converted and conversion_rate are `reach.totals` (their one
    definition, shared with the funnel); nps is `nps(by=None)`'s (points, adjusted-Wald
    margin); responses counts every answer in the filter, with or without a score.
    """
    engine = Engine.of(source)
    out = reach.totals(engine, filters)
    rsql, rparams = scope.responses_sql(filters)
    rq = (
        f"WITH fr AS ({rsql}) SELECT COUNT(*) AS responses, "
        "SUM(CASE WHEN fr.nps BETWEEN 0 AND 10 THEN 1 ELSE 0 END) AS n, "
        "SUM(CASE WHEN fr.nps BETWEEN 9 AND 10 THEN 1 ELSE 0 END) AS promoters, "
        "SUM(CASE WHEN fr.nps BETWEEN 0 AND 6 THEN 1 ELSE 0 END) AS detractors FROM fr"
    )
    r = _run(engine, rq, rparams, "overview answers").iloc[0]
    nps_n = 0 if pd.isna(r["n"]) else int(r["n"])
    promoters = 0 if pd.isna(r["promoters"]) else int(r["promoters"])
    detractors = 0 if pd.isna(r["detractors"]) else int(r["detractors"])
    out.update({
        "responses": int(r["responses"]),
        "nps": (promoters - detractors) / nps_n * 100.0 if nps_n else None,
        "nps_margin": nps_margin(nps_n, promoters, detractors) if nps_n else None,
        "nps_n": nps_n,
        "first_ts": _iso(out["first_ts"]),
        "last_ts": _iso(out["last_ts"]),
    })
    return out


def answer_placement(source: EngineLike, filters: Filters | None = None) -> dict[str, Any]:
    """How the store's survey answers sit on journeys, for the Data page (the filters play no
    part: `filters` only lets pages call it like any figure): setting (latest_event | none),
    answers, unplaced (no stage and no touchpoint of their own), placed (of those, the ones
    put on their customer's latest event, see `scope.placement_sql`)."""
    engine = Engine.of(source)
    setting = engine.one(
        "SELECT value FROM meta WHERE key = $k", {"k": f"setting:{scope.PLACEMENT_SETTING}"},
        purpose="metrics.placement setting",
    )
    answers, unplaced, placed = engine.one(
        "SELECT COUNT(*), SUM(CASE WHEN r.stage IS NULL AND r.touchpoint IS NULL THEN 1 "
        "ELSE 0 END), COUNT(pl.response_id) FROM responses r "
        f"LEFT JOIN ({scope.placement_sql()}) pl ON pl.response_id = r.response_id",
        purpose="metrics.answer placement",
    ) or (0, 0, 0)
    value = setting[0] if setting and setting[0] in scope.PLACEMENTS else scope.PLACEMENTS[0]
    return {"setting": value, "answers": int(answers or 0), "unplaced": int(unplaced or 0),
            "placed": int(placed or 0)}


def placed_by_import(source: EngineLike, filters: Filters | None = None
                     ) -> dict[int, tuple[int, int]]:
    """Per import holding survey answers that name neither a stage nor a touchpoint:
    (how many such answers, how many of them sit on their customer's latest event now), for
    the Data page's list of imports (the filters play no part, as in `answer_placement`).
    "Now": an events file imported later can place answers a survey brought earlier."""
    df = Engine.of(source).df(
        "SELECT r.import_id, COUNT(*) AS answers, COUNT(pl.response_id) AS placed "
        f"FROM responses r LEFT JOIN ({scope.placement_sql()}) pl "
        "ON pl.response_id = r.response_id "
        "WHERE r.stage IS NULL AND r.touchpoint IS NULL GROUP BY r.import_id",
        {}, purpose="metrics.placed by import",
    )
    return {int(r.import_id): (int(r.answers), int(r.placed)) for r in df.itertuples()}


_MIX_BY = {"channel": "fe.channel", "device": "fe.device"}
# What an event without a value is, in a mix (`kind`): a device is not recorded at an offline
# touchpoint because the customer came in person (a shop, a call); elsewhere it is unknown.
MIX_VALUE, MIX_OFFLINE, MIX_UNKNOWN = "value", "offline", "unknown"


def stage_mix(source: EngineLike, filters: Filters, by: str = "channel") -> pd.DataFrame:
    """Channel or device mix per stage: [stage, stage_position, <by>, kind, customers, events,
    share].

    share = the stage's events on that channel/device over all the stage's events (0..1, sums
    to 1 per stage; customers overlap across channels so they cannot be the base). kind is
    "value", or for events without one "offline" (device mix: the touchpoint is offline) or
    "unknown", with <by> NULL. Stages in order, events without a known stage last; within a
    stage by events desc, then name.
    """
    if by not in _MIX_BY:
        raise ValueError(f"Cannot split stages by {by!r}: pick channel or device.")
    # The same events as scope.events_sql, with the customer conditions read by cid from
    # the precomputed tables (no GROUP BY of every event) and distinct customers counted
    # on the integer key.
    sql, params, _whole = scope.event_source(
        filters, columns=("cid", "stage", "stage_position", "touchpoint", by))
    col = _MIX_BY[by]
    offline = "t.online = FALSE" if by == "device" else "1 = 0"
    kind = (
        f"CASE WHEN {col} IS NOT NULL THEN '{MIX_VALUE}' WHEN {offline} THEN '{MIX_OFFLINE}' "
        f"ELSE '{MIX_UNKNOWN}' END"
    )
    q = (
        f"WITH fe AS ({sql}), "
        f"g AS (SELECT fe.stage, MIN(fe.stage_position) AS stage_position, {col} AS dim, "
        f"{kind} AS kind, COUNT(DISTINCT fe.cid) AS customers, COUNT(*) AS events "
        "FROM fe LEFT JOIN touchpoints t ON t.touchpoint = fe.touchpoint "
        f"GROUP BY fe.stage, {col}, {kind}) "
        "SELECT g.stage, g.stage_position, g.dim, g.kind, g.customers, g.events, "
        "CAST(g.events AS DOUBLE) / SUM(g.events) OVER (PARTITION BY g.stage) AS share "
        "FROM g ORDER BY CASE WHEN g.stage_position IS NULL THEN 1 ELSE 0 END, "
        "g.stage_position, CASE WHEN g.stage IS NULL THEN 1 ELSE 0 END, g.stage, "
        "g.events DESC, CASE WHEN g.dim IS NULL THEN 1 ELSE 0 END, g.dim, g.kind"
    )
    df = _run(Engine.of(source), q, params, f"stage_mix by {by}").rename(columns={"dim": by})
    columns = ["stage", "stage_position", by, "kind", "customers", "events", "share"]
    if df.empty:
        return _empty(columns)
    df["customers"] = df["customers"].astype("int64")
    df["events"] = df["events"].astype("int64")
    df["stage_position"] = df["stage_position"].astype("Int64")
    return df[columns]


def top_touchpoints(source: EngineLike, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """Touchpoints ranked by customers (then events, then name):
    [touchpoint, stage, channel, online, customers, events].

    stage/channel come from the touchpoint map, else from the events themselves (the
    smallest value, so the answer is stable when the files disagree).
    """
    sql, params, _whole = scope.event_source(
        filters, columns=("cid", "touchpoint", "stage", "channel"))
    params["t_limit"] = max(int(limit), 0)
    q = (
        f"WITH fe AS ({sql}), "
        "g AS (SELECT fe.touchpoint, MIN(fe.stage) AS stage, MIN(fe.channel) AS channel, "
        "COUNT(DISTINCT fe.cid) AS customers, COUNT(*) AS events "
        "FROM fe GROUP BY fe.touchpoint) "
        "SELECT g.touchpoint, COALESCE(t.stage, g.stage) AS stage, "
        "COALESCE(t.channel, g.channel) AS channel, t.online, g.customers, g.events "
        "FROM g LEFT JOIN touchpoints t ON t.touchpoint = g.touchpoint "
        "ORDER BY g.customers DESC, g.events DESC, g.touchpoint LIMIT $t_limit"
    )
    df = _run(Engine.of(source), q, params, "top_touchpoints")
    if df.empty:
        return _empty(TOP_TOUCHPOINT_COLUMNS)
    df["customers"] = df["customers"].astype("int64")
    df["events"] = df["events"].astype("int64")
    return df[TOP_TOUCHPOINT_COLUMNS]
