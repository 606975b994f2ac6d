"""Journey variants: the distinct whole journeys, as process mining counts them.

A *variant* is one whole sequence of steps (touchpoints, or stages at stage level): every
journey in scope with exactly that sequence belongs to it. Steps are cut by the same
`FlowOptions` as every flow question (consecutive repeats collapse into one step unless
keep_repeats), read from `scope.steps_with`; a variant is a whole customer journey, so a
session gap does not apply (it is refused, never silently ignored).

Per variant: customers (journeys), share of the journeys in scope, converted and
converted_share (the one definition of converted: `scope.converted` on the journey's shown
events, so the variants' converted add up to `reach.totals`' converted), median_minutes
(first to last shown event of the journey), and the NPS of the answers (in the filters) of
its customers, with n and the adjusted-Wald margin, None where nobody answered.

The `top` largest variants come first (customers desc, then the path); the rest is folded
into one row of kind "other" that says how many variants it holds, so customers add up to
the journeys in scope and nothing is cut silently.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.analytics.scope import DEFAULT_FLOW, FlowOptions
from journey.analytics.stats import SMALL_SAMPLE, nps_margin
from journey.db.engine import Engine, EngineLike

KIND_VARIANT, KIND_OTHER = "variant", "other"
DEFAULT_TOP = 20
# A variant's key is its steps, each written "<length>:<name>": no name, whatever its
# characters, can make two different sequences share a key. Ordered by step, which is
# unique within a journey, so the aggregate is deterministic (Spark: LISTAGG WITHIN GROUP).
# An aggregate over j_st (one row per step: cid, step, node), grouped by cid.
VARIANT_KEY = ("STRING_AGG(CAST(LENGTH(node) AS VARCHAR) || ':' || node, '' ORDER BY step)")


def variant_fragments(filters: Filters, options: FlowOptions = DEFAULT_FLOW
                      ) -> tuple[str, dict[str, Any], str, str, str]:
    """What every variant query starts from: (`WITH ...` defining j_st, the step rows;
    params; the journeys in scope (alias them `j`); the converted expression over j; the
    answers in the filters), all under one params dict."""
    if options.session_gap is not None:
        raise ValueError("Variants are whole journeys: a session gap does not apply.")
    with_sql, params, _pre = scope.steps_with(filters, options)
    jsql, jparams = scope.journeys_sql(filters)
    # The fragments bind a role under the same name with the same value (scope's rule).
    params.update(jparams)
    conv = scope.converted("j.furthest", filters, params)
    rsql, rparams = scope.responses_sql(filters)
    params.update(rparams)
    return with_sql, params, jsql, conv, rsql
COLUMNS = [
    "kind", "path", "steps", "variants", "customers", "share", "converted", "converted_share",
    "median_minutes", "nps", "nps_n", "nps_margin", "small_sample",
]


def decode_key(key: str) -> list[str]:
    """The steps of a variant key ("<len>:<name>" repeated, see `variants`)."""
    out: list[str] = []
    i = 0
    while i < len(key):
        colon = key.index(":", i)
        size = int(key[i:colon])
        out.append(key[colon + 1: colon + 1 + size])
        i = colon + 1 + size
    return out


def variants(
    source: EngineLike,
    filters: Filters,
    options: FlowOptions = DEFAULT_FLOW,
    *,
    top: int = DEFAULT_TOP,
) -> pd.DataFrame:
    """The journey variants under `filters`: one row per variant (the `top` largest) and one
    "other" row for the rest when there is a rest. Columns: see `COLUMNS`.

    path: the list of steps (empty for "other"); steps: its length (None for "other");
    variants: how many distinct variants the row holds (1, or the folded count).
    """
    top = int(top)
    if top < 1:
        raise ValueError(f"top must be at least 1 (got {top}).")
    with_sql, params, jsql, conv, rsql = variant_fragments(filters, options)
    params["v_top"] = top
    sql = (
        f"{with_sql},\n"
        f"v_key AS (SELECT cid, {VARIANT_KEY} AS vkey, COUNT(*) AS steps FROM j_st "
        "GROUP BY cid),\n"
        f"v_j AS (SELECT j.cid, {conv} AS converted, "
        # DOUBLE before dividing: Spark would divide as a DECIMAL rounded to 10 decimals.
        "CAST(DATE_DIFF('microsecond', j.first_ts, j.last_ts) AS DOUBLE) / 60000000.0 "
        "AS minutes "
        f"FROM ({jsql}) j),\n"
        "v_cnt AS (SELECT vkey, COUNT(*) AS n FROM v_key GROUP BY vkey),\n"
        "v_rk AS (SELECT vkey, ROW_NUMBER() OVER (ORDER BY n DESC, vkey) AS rk FROM v_cnt),\n"
        "v_row AS (SELECT k.cid, k.steps, CASE WHEN r.rk <= $v_top THEN k.vkey ELSE NULL END "
        "AS vkey, CASE WHEN r.rk <= $v_top THEN r.rk ELSE $v_top + 1 END AS rk "
        "FROM v_key k JOIN v_rk r ON r.vkey = k.vkey),\n"
        f"v_resp AS (SELECT cs.cid, fr.nps FROM ({rsql}) fr "
        "JOIN customer_summary cs ON cs.customer_id = fr.customer_id "
        "WHERE fr.nps BETWEEN 0 AND 10),\n"
        "v_nps AS (SELECT v.rk, COUNT(*) AS nps_n, "
        "SUM(CASE WHEN p.nps >= 9 THEN 1 ELSE 0 END) AS promoters, "
        "SUM(CASE WHEN p.nps <= 6 THEN 1 ELSE 0 END) AS detractors "
        "FROM v_row v JOIN v_resp p ON p.cid = v.cid GROUP BY v.rk),\n"
        "v_agg AS (SELECT v.rk, MIN(v.vkey) AS vkey, MIN(v.steps) AS steps, "
        "COUNT(*) AS customers, "
        "SUM(COALESCE(j.converted, 0)) AS converted, MEDIAN(j.minutes) AS median_minutes "
        "FROM v_row v LEFT JOIN v_j j ON j.cid = v.cid GROUP BY v.rk)\n"
        "SELECT a.rk, a.vkey, a.steps, a.customers, a.converted, a.median_minutes, "
        "COALESCE(n.nps_n, 0) AS nps_n, COALESCE(n.promoters, 0) AS promoters, "
        "COALESCE(n.detractors, 0) AS detractors, "
        "(SELECT COUNT(*) FROM v_cnt) AS total_variants "
        "FROM v_agg a LEFT JOIN v_nps n ON n.rk = a.rk ORDER BY a.rk"
    )
    rows = Engine.of(source).rows(sql, params, purpose="variants.variants")
    journeys = sum(int(r[3]) for r in rows)
    out: list[dict[str, Any]] = []
    for rk, vkey, steps, customers, converted, med, nps_n, prom, detr, total in rows:
        other = int(rk) > top
        customers, converted, nps_n = int(customers), int(converted or 0), int(nps_n)
        out.append({
            "kind": KIND_OTHER if other else KIND_VARIANT,
            "path": [] if other else decode_key(str(vkey)),
            "steps": None if other else int(steps),
            "variants": int(total) - top if other else 1,
            "customers": customers,
            "share": customers / journeys,
            "converted": converted,
            "converted_share": converted / customers,
            "median_minutes": None if med is None or pd.isna(med) else float(med),
            "nps": 100.0 * (int(prom) - int(detr)) / nps_n if nps_n else None,
            "nps_n": nps_n,
            "nps_margin": nps_margin(nps_n, int(prom), int(detr)) if nps_n else None,
            "small_sample": nps_n < SMALL_SAMPLE,
        })
    df = pd.DataFrame(out, columns=COLUMNS)
    for col in ("variants", "customers", "converted", "nps_n"):
        df[col] = df[col].astype("int64")
    return df
