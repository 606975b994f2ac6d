"""Journeys and words together: NPS and sentiment per path variant, per drop-off point and
per stage, and "which journeys make detractors", with the customers and words behind them.

Every figure is over survey *answers* (in the filters) of the customers of a group, as the
variants table counts them (`variants.variants`): a customer with two answers counts twice in
n. Per group:
- customers: the journeys in the group (all of them, answered or not);
- nps_n, promoters, passives, detractors, detractor_share (of nps_n), nps with its 95%
  adjusted-Wald margin (`stats.nps_margin`), and gap / gap_margin: the group's NPS minus the
  NPS of the other answers in scope, with the margin of that difference
  (`stats.nps_difference`, rest = A, group = B); gap_noise when the margin covers 0;
- sentiment_n (answers with a scored comment), sentiment (mean score in [-1, 1]) and
  sentiment_margin (1.96 standard errors; None under 2 comments);
- small_sample: nps_n under `stats.SMALL_SAMPLE`.

Groups: a *variant* is a whole journey's sequence of steps (the key format of
`variants.variants`, so the same store gives the same variants); a *drop-off point* is the
last step of a journey that did not convert (`scope.converted`, the one definition), with
the converted journeys as one more row; a *stage* is the answer's own stage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from journey.analytics.filters import Filters
from journey.analytics.scope import DEFAULT_FLOW, FlowOptions, used_params
from journey.analytics.stats import SMALL_SAMPLE, Z95, nps_difference, nps_margin
from journey.analytics.variants import VARIANT_KEY, decode_key, variant_fragments
from journey.db.engine import Engine, EngineLike

DEFAULT_TOP = 10
KIND_DROPOFF, KIND_CONVERTED = "dropoff", "converted"
STAT_COLUMNS = [
    "customers", "nps_n", "promoters", "passives", "detractors", "detractor_share", "nps",
    "nps_margin", "gap", "gap_margin", "gap_noise", "sentiment_n", "sentiment",
    "sentiment_margin", "small_sample",
]
VARIANT_COLUMNS = ["rank", "path", "key", *STAT_COLUMNS]
DROPOFF_COLUMNS = ["kind", "touchpoint", *STAT_COLUMNS]
STAGE_COLUMNS = ["stage", *STAT_COLUMNS]
CUSTOMER_COLUMNS = ["customer", "persona", "answers", "nps_answers", "detractor_answers",
                    "worst_nps", "sentiment"]


def encode_key(path: Sequence[str]) -> str:
    """The variant key of a path ("<length>:<name>" per step, as `variants.variants`)."""
    return "".join(f"{len(step)}:{step}" for step in path)


def journeys_cte(filters: Filters, options: FlowOptions = DEFAULT_FLOW, *,
                 last_node: bool = True) -> tuple[str, dict[str, Any]]:
    """`WITH ...` defining `vj` (one row per journey in scope: cid, customer_id, vkey,
    last_node, converted) and `va` (the answers in the filters: response_id, customer_id,
    stage, nps, sentiment), with their params. `last_node=False` leaves last_node and
    converted out (NULL): finding each journey's last step is a second pass over the steps
    that only the drop-off points need."""
    with_sql, params, jsql, conv, rsql = variant_fragments(filters, options)
    if last_node:
        last = (
            "vl AS (SELECT s.cid, s.node AS last_node FROM j_st s "
            "JOIN vk ON vk.cid = s.cid AND s.step = vk.last_step),\n"
        )
        vj = (f"vj AS (SELECT j.cid, cs.customer_id, vk.vkey, vl.last_node, {conv} AS "
              f"converted FROM ({jsql}) j JOIN vk ON vk.cid = j.cid JOIN vl ON vl.cid = j.cid "
              "JOIN customer_summary cs ON cs.cid = j.cid),\n")
    else:
        last = ""
        vj = ("vj AS (SELECT j.cid, cs.customer_id, vk.vkey, NULL AS last_node, NULL AS "
              f"converted FROM ({jsql}) j JOIN vk ON vk.cid = j.cid "
              "JOIN customer_summary cs ON cs.cid = j.cid),\n")
    sql = (
        f"{with_sql},\n"
        f"vk AS (SELECT cid, {VARIANT_KEY} AS vkey, MAX(step) AS last_step FROM j_st "
        "GROUP BY cid),\n"
        f"{last}{vj}"
        "va AS (SELECT fr.response_id, fr.customer_id, fr.stage, fr.nps, r.sentiment "
        f"FROM ({rsql}) fr JOIN responses r ON r.response_id = fr.response_id)"
    )
    # The converted expression's parameter is bound by the fragments even when
    # last_node=False leaves that expression out.
    return sql, used_params(sql, params)


_STATS = (
    "SUM(CASE WHEN a.nps BETWEEN 0 AND 10 THEN 1 ELSE 0 END) AS nps_n, "
    "SUM(CASE WHEN a.nps BETWEEN 9 AND 10 THEN 1 ELSE 0 END) AS promoters, "
    "SUM(CASE WHEN a.nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives, "
    "SUM(CASE WHEN a.nps BETWEEN 0 AND 6 THEN 1 ELSE 0 END) AS detractors, "
    "COUNT(a.sentiment) AS sentiment_n, AVG(a.sentiment) AS sentiment, "
    "STDDEV_SAMP(a.sentiment) AS sentiment_sd"
)
_STAT_NAMES = ("nps_n", "promoters", "passives", "detractors", "sentiment_n", "sentiment",
               "sentiment_sd")


def _picked(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in _STAT_NAMES)


def _int(v: Any) -> int:
    return 0 if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)


def _stats(row: dict[str, Any], total: tuple[int, int, int]) -> dict[str, Any]:
    """The figures of one group from its counts; `total` = (n, promoters, detractors) of
    every answer in scope, so the rest is total minus the group."""
    n, p, pa, d = (_int(row[k]) for k in ("nps_n", "promoters", "passives", "detractors"))
    s_n = _int(row["sentiment_n"])
    sd = row.get("sentiment_sd")
    gap = gap_margin = None
    noise = None
    rest = (total[0] - n, total[1] - p, total[2] - d)
    if n > 0 and rest[0] > 0:
        diff = nps_difference(rest, (n, p, d))
        gap, gap_margin, noise = diff.delta, diff.margin, not diff.significant
    mean = row.get("sentiment")
    return {
        "customers": _int(row["customers"]),
        "nps_n": n, "promoters": p, "passives": pa, "detractors": d,
        "detractor_share": d / n if n else None,
        "nps": 100.0 * (p - d) / n if n else None,
        "nps_margin": nps_margin(n, p, d) if n else None,
        "gap": gap, "gap_margin": gap_margin, "gap_noise": noise,
        "sentiment_n": s_n,
        "sentiment": None if mean is None or pd.isna(mean) else float(mean),
        "sentiment_margin": (Z95 * float(sd) / math.sqrt(s_n)
                             if s_n >= 2 and sd is not None and not pd.isna(sd) else None),
        "small_sample": n < SMALL_SAMPLE,
    }


def _total(engine: Engine, with_sql: str, params: dict[str, Any]) -> tuple[int, int, int]:
    row = engine.one(
        f"{with_sql} SELECT {_STATS} FROM va a JOIN vj ON vj.customer_id = a.customer_id",
        params, purpose="voc_journeys.total")
    return (_int(row[0]), _int(row[1]), _int(row[3])) if row else (0, 0, 0)


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    for col in ("customers", "nps_n", "promoters", "passives", "detractors", "sentiment_n"):
        df[col] = df[col].astype("int64")
    return df


def by_variant(
    source: EngineLike, filters: Filters, options: FlowOptions = DEFAULT_FLOW, *,
    top: int = DEFAULT_TOP,
) -> pd.DataFrame:
    """The `top` most common path variants (customers desc, then key), largest first, each
    with the NPS and sentiment of its customers' answers: see `VARIANT_COLUMNS`."""
    top = int(top)
    if top < 1:
        raise ValueError(f"top must be at least 1 (got {top}).")
    engine = Engine.of(source)
    with_sql, params = journeys_cte(filters, options, last_node=False)
    params["v_top"] = top
    # The totals (every answer in scope) are the sums of the per-variant counts: read in the
    # same query instead of a second pass over every journey (`_total`), same integers.
    q = (
        f"{with_sql},\n"
        "vc AS (SELECT vkey, COUNT(*) AS customers FROM vj GROUP BY vkey),\n"
        "vr AS (SELECT vkey, customers, ROW_NUMBER() OVER (ORDER BY customers DESC, vkey) "
        "AS rk FROM vc),\n"
        f"vs AS (SELECT vj.vkey, {_STATS} FROM vj JOIN va a ON a.customer_id = vj.customer_id "
        "GROUP BY vj.vkey),\n"
        "vt AS (SELECT SUM(nps_n) AS t_n, SUM(promoters) AS t_p, SUM(detractors) AS t_d "
        "FROM vs)\n"
        f"SELECT vr.rk, vr.vkey, vr.customers, {_picked('vs')}, vt.t_n, vt.t_p, vt.t_d "
        "FROM vr LEFT JOIN vs ON vs.vkey = vr.vkey CROSS JOIN vt "
        "WHERE vr.rk <= $v_top ORDER BY vr.rk"
    )
    df = engine.df(q, params, purpose="voc_journeys.by_variant")
    rows = [{"rank": int(r["rk"]), "path": decode_key(str(r["vkey"])), "key": str(r["vkey"]),
             **_stats(r, (_int(r["t_n"]), _int(r["t_p"]), _int(r["t_d"])))}
            for r in df.to_dict("records")]
    return _frame(rows, VARIANT_COLUMNS)


def detractor_journeys(
    source: EngineLike, filters: Filters, options: FlowOptions = DEFAULT_FLOW, *,
    top: int = DEFAULT_TOP,
) -> pd.DataFrame:
    """"Which journeys make detractors": the `top` most common variants that have NPS
    answers, ranked by detractor share (then NPS gap, then size): `VARIANT_COLUMNS`."""
    return rank_detractors(by_variant(source, filters, options, top=top))


def rank_detractors(variants: pd.DataFrame) -> pd.DataFrame:
    """`detractor_journeys` of an already read `by_variant` result (no query): the app reads
    the variants once for its path picker and ranks the same frame for this table."""
    df = variants[variants["nps_n"] > 0]
    return df.sort_values(["detractor_share", "gap", "nps_n", "rank"],
                          ascending=[False, True, False, True], kind="stable"
                          ).reset_index(drop=True)


def by_dropoff(
    source: EngineLike, filters: Filters, options: FlowOptions = DEFAULT_FLOW,
) -> pd.DataFrame:
    """Per drop-off point (the last step of the journeys that did not convert; kind
    "dropoff"), most journeys first, then the converted journeys (kind "converted",
    touchpoint None): `DROPOFF_COLUMNS`."""
    engine = Engine.of(source)
    with_sql, params = journeys_cte(filters, options)
    q = (
        f"{with_sql},\n"
        "vg AS (SELECT cid, customer_id, CASE WHEN converted = 1 THEN NULL ELSE last_node END "
        "AS point, converted FROM vj),\n"
        "vc AS (SELECT point, MAX(converted) AS converted, COUNT(*) AS customers FROM vg "
        "GROUP BY point),\n"
        f"vs AS (SELECT vg.point, {_STATS} FROM vg JOIN va a ON a.customer_id = vg.customer_id "
        "GROUP BY vg.point)\n"
        f"SELECT vc.point, vc.converted, vc.customers, {_picked('vs')} FROM vc "
        "LEFT JOIN vs ON vs.point IS NOT DISTINCT FROM vc.point "
        "ORDER BY vc.converted, vc.customers DESC, vc.point"
    )
    df = engine.df(q, params, purpose="voc_journeys.by_dropoff")
    total = _total(engine, with_sql, params)
    rows = [{"kind": KIND_CONVERTED if int(r["converted"]) == 1 else KIND_DROPOFF,
             "touchpoint": None if int(r["converted"]) == 1 else str(r["point"]),
             **_stats(r, total)} for r in df.to_dict("records")]
    return _frame(rows, DROPOFF_COLUMNS)


def by_stage(source: EngineLike, filters: Filters) -> pd.DataFrame:
    """Per stage of the answers (journey order, answers without a stage last), over the
    answers of customers with a journey in scope: `STAGE_COLUMNS`; customers = customers
    who answered about that stage."""
    engine = Engine.of(source)
    with_sql, params = journeys_cte(filters)
    q = (
        f"{with_sql}\n"
        "SELECT a.stage, MIN(s.position) AS pos, COUNT(DISTINCT a.customer_id) AS customers, "
        f"{_STATS} FROM va a JOIN vj ON vj.customer_id = a.customer_id "
        "LEFT JOIN stages s ON s.stage = a.stage GROUP BY a.stage "
        "ORDER BY CASE WHEN MIN(s.position) IS NULL THEN 1 ELSE 0 END, MIN(s.position), "
        "CASE WHEN a.stage IS NULL THEN 1 ELSE 0 END, a.stage"
    )
    df = engine.df(q, params, purpose="voc_journeys.by_stage")
    total = _total(engine, with_sql, params)
    rows = [{"stage": None if r["stage"] is None or pd.isna(r["stage"]) else str(r["stage"]),
             **_stats(r, total)} for r in df.to_dict("records")]
    return _frame(rows, STAGE_COLUMNS)


def variant_members_sql(filters: Filters, path: Sequence[str], params: dict[str, Any],
                        options: FlowOptions = DEFAULT_FLOW) -> str:
    """SELECT customer_id of the journeys in scope whose variant is `path` (adds its params
    to `params`): what a drill-down and the verbatim explorer's path filter select."""
    with_sql, own = journeys_cte(filters, options)
    params.update(own)
    params["v_vkey"] = encode_key(path)
    return f"{with_sql} SELECT customer_id FROM vj WHERE vkey = $v_vkey"


def variant_customers(
    source: EngineLike, filters: Filters, path: Sequence[str],
    options: FlowOptions = DEFAULT_FLOW,
) -> pd.DataFrame:
    """The customers counted in a variant's NPS (its journeys with an answer in the
    filters), most detractor answers first: `CUSTOMER_COLUMNS`. Their answers add up to the
    variant's nps_n and detractors."""
    # Not shared with repeats.py, though `repeaters` also lists the customers behind a
    # figure and `loops` counts with the same SUM(CASE ...) idiom: the group differs (a
    # variant key over the step rows here; a repeat service contact within a window, over
    # the filtered events, there) and so does what is counted per customer (answers and
    # their NPS here; service contacts there, answers or not). One query for both would
    # only be the two joined by a switch. What IS the same question, the journeys in scope
    # and their variant, comes from `journeys_cte` / `variants.variant_fragments`.
    params: dict[str, Any] = {}
    with_sql, own = journeys_cte(filters, options)
    params.update(own)
    params["v_vkey"] = encode_key(path)
    q = (
        f"{with_sql}\n"
        "SELECT a.customer_id AS customer, MIN(cp.persona) AS persona, COUNT(*) AS answers, "
        "SUM(CASE WHEN a.nps BETWEEN 0 AND 10 THEN 1 ELSE 0 END) AS nps_answers, "
        "SUM(CASE WHEN a.nps BETWEEN 0 AND 6 THEN 1 ELSE 0 END) AS detractor_answers, "
        "MIN(CASE WHEN a.nps BETWEEN 0 AND 10 THEN a.nps END) AS worst_nps, "
        "AVG(a.sentiment) AS sentiment "
        "FROM va a JOIN vj ON vj.customer_id = a.customer_id "
        "LEFT JOIN customer_persona cp ON cp.customer_id = a.customer_id "
        "WHERE vj.vkey = $v_vkey GROUP BY a.customer_id "
        "HAVING SUM(CASE WHEN a.nps BETWEEN 0 AND 10 THEN 1 ELSE 0 END) > 0 "
        "ORDER BY detractor_answers DESC, worst_nps, customer"
    )
    df = Engine.of(source).df(q, params, purpose="voc_journeys.variant_customers")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CUSTOMER_COLUMNS})
    return df[CUSTOMER_COLUMNS].reset_index(drop=True)


def personas_in_scope(source: EngineLike, filters: Filters) -> list[str]:
    """The personas the filters pick, else every persona a customer has, alphabetically."""
    if filters.personas:
        return sorted(filters.personas)
    rows = Engine.of(source).rows(
        "SELECT DISTINCT persona FROM customer_persona WHERE persona IS NOT NULL "
        "ORDER BY persona", purpose="voc_journeys.personas")
    return [str(r[0]) for r in rows]


def voc_paths(
    source: EngineLike, filters: Filters, *, by: str | None = None, top: int = DEFAULT_TOP,
    options: FlowOptions = DEFAULT_FLOW,
) -> pd.DataFrame:
    """`by_variant` for the whole scope, or with by="persona" each persona's own most
    common variants (a `persona` column first)."""
    if by is None:
        return by_variant(source, filters, options, top=top)
    if by != "persona":
        raise ValueError(f"Cannot split paths by {by!r}: pick persona.")
    parts = []
    for persona in personas_in_scope(source, filters):
        df = by_variant(source, filters.replace(personas=(persona,)), options, top=top)
        parts.append(df.assign(persona=persona))
    if not parts:
        return pd.DataFrame(columns=["persona", *VARIANT_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    return out[["persona", *VARIANT_COLUMNS]]
