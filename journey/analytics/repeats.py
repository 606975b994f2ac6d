"""Loops and repeat contacts: the frictions a step Sankey hides.

- A *loop* at a touchpoint: a journey comes back to it after something else (checkout ->
  product page -> checkout). Counted on the collapsed steps of `scope.steps_with` (touchpoint
  level, or stages at stage level; repeats always collapsed, since a loop needs something
  else in between): a journey with k steps at a touchpoint came back k - 1 times.
- A *repeat contact* at a service touchpoint (hotline, chatbot, customer service...): a
  contact (an event) at it that follows the customer's previous contact at the same
  touchpoint within the window (default 7 days). The "all service" row counts contacts at
  any service touchpoint together (a chatbot session then a call to the hotline is one
  repeat). Two contacts with nothing in between count too: that is the call made twice.
- Which touchpoints are *service*: the store setting `service_touchpoints` (a JSON list of
  names) when a team has set it; otherwise a touchpoint whose name says so in English or
  French (`SERVICE_PATTERN`: hotline, chatbot, customer service, support, service client,
  SAV...). A command or page may also name them explicitly.

Every query reads the filtered relations of `scope` and runs through the Engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.analytics.scope import DEFAULT_FLOW, FlowOptions
from journey.analytics.stats import (
    SMALL_SAMPLE,
    nps_difference,
    nps_margin,
    wilson_margin,
)
from journey.db.engine import Engine, EngineLike

DEFAULT_WINDOW_DAYS = 7.0
SERVICE_SETTING = "service_touchpoints"
# Names that mean "the customer had to ask for help", in English and French. Matched on
# whole words, case-insensitively, so "Chat" is service and "Chateau tour" is not.
SERVICE_PATTERN = re.compile(
    r"\b(hotline|hot line|call ?cent(er|re)|contact cent(er|re)|chat ?bot|chat|live chat|"
    r"customer (service|care|support)|support|help ?desk|help ?line|complaints?|"
    r"service (client|clients|après-vente|apres-vente|consommateurs?)|sav|assistance|"
    # a chatbot by its French names ("Assistant en ligne", "assistante virtuelle")
    r"assistante?s?|aide en ligne|agent conversationnel|conseill[eè]re? client(èle)?|"
    r"réclamations?|reclamations?|centre d'appels?|centre de contact|t[ée]l[ée]conseil)\b",
    re.IGNORECASE,
)

SCOPE_TOUCHPOINT, SCOPE_ALL = "touchpoint", "all_service"
LOOP_COLUMNS = ["touchpoint", "customers", "customers_repeating", "share", "median_repeats",
                "repeats"]
CONTACT_COLUMNS = ["scope", "touchpoint", "customers", "customers_repeating", "share",
                   "median_repeats", "repeats", "margin"]
PERSONA_COLUMNS = ["persona", "customers", "customers_repeating", "share", "margin"]
REPEATER_COLUMNS = ["customer_id", "persona", "contacts", "repeats", "first_contact",
                    "last_contact"]


def _median(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# -- loops --------------------------------------------------------------------------------
def loops(
    source: EngineLike, filters: Filters, options: FlowOptions = DEFAULT_FLOW
) -> pd.DataFrame:
    """Per touchpoint (or stage): customers (journeys passing it), customers_repeating
    (journeys that came back to it after something else), share (of those passing),
    median_repeats (returns per looping journey) and repeats (all returns). Most loops first.
    """
    options = FlowOptions(level=options.level, force_compute=options.force_compute)
    with_sql, params, _pre = scope.steps_with(filters, options)
    sql = (
        f"{with_sql},\n"
        "l_v AS (SELECT cid, node, COUNT(*) - 1 AS back FROM j_st GROUP BY cid, node)\n"
        "SELECT node AS touchpoint, COUNT(*) AS customers, "
        "SUM(CASE WHEN back > 0 THEN 1 ELSE 0 END) AS customers_repeating, "
        "MEDIAN(CASE WHEN back > 0 THEN back ELSE NULL END) AS median_repeats, "
        "SUM(back) AS repeats FROM l_v GROUP BY node"
    )
    df = Engine.of(source).df(sql, params, purpose="repeats.loops")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in LOOP_COLUMNS})
    df["share"] = df["customers_repeating"] / df["customers"]
    for col in ("customers", "customers_repeating", "repeats"):
        df[col] = df[col].astype("int64")
    df["median_repeats"] = df["median_repeats"].astype("float64")
    df = df.sort_values(["customers_repeating", "share", "touchpoint"],
                        ascending=[False, False, True], kind="mergesort")
    return df[LOOP_COLUMNS].reset_index(drop=True)


# -- which touchpoints are service -----------------------------------------------------------
def is_service_name(name: str) -> bool:
    """Whether a touchpoint's name says it is a service contact (EN/FR)."""
    return bool(SERVICE_PATTERN.search(str(name)))


def service_touchpoints(
    source: EngineLike, explicit: Sequence[str] | None = None
) -> list[str]:
    """The service touchpoints: `explicit` when given, else the store setting when set (a
    JSON list), else the store's touchpoints whose name matches `SERVICE_PATTERN`. Sorted."""
    if explicit:
        return sorted({str(t) for t in explicit if str(t)})
    engine = Engine.of(source)
    row = engine.one("SELECT value FROM meta WHERE key = $k", {"k": f"setting:{SERVICE_SETTING}"},
                     purpose="repeats.service setting")
    if row and row[0]:
        try:
            names = json.loads(row[0])
        except ValueError:
            names = None
        if isinstance(names, list):
            return sorted({str(t) for t in names if str(t)})
    names = engine.rows(
        "SELECT DISTINCT touchpoint FROM journey_events WHERE touchpoint IS NOT NULL",
        purpose="repeats.touchpoints",
    )
    return sorted({str(n) for (n,) in names if is_service_name(str(n))})


# -- repeat contacts ----------------------------------------------------------------------
def _contacts_ctes(
    filters: Filters, service: Sequence[str], window_days: float
) -> tuple[str, dict[str, Any]]:
    """WITH text ending in `r_t(cid, touchpoint, contacts, repeats)` (per customer and service
    touchpoint) and `r_a(cid, contacts, repeats, first_ts, last_ts)` (per customer, all
    service touchpoints)."""
    if not window_days > 0:
        raise ValueError(f"The window must be a positive number of days (got {window_days}).")
    sql, params, _whole = scope.event_source(filters, columns=("cid", "g", "ts", "touchpoint"))
    names = []
    for i, t in enumerate(service):
        params[f"svc_{i}"] = t
        names.append(f"$svc_{i}")
    params["win_us"] = float(window_days) * 86_400_000_000.0
    within = (
        "CASE WHEN prev_ts IS NOT NULL AND DATE_DIFF('microsecond', prev_ts, ts) <= $win_us "
        "THEN 1 ELSE 0 END"
    )
    # One query for both views of a contact: each contact is counted at its touchpoint
    # (k = the touchpoint) and at "any service touchpoint" (k = NULL), so the previous
    # contact, the window test and the counts are written once.
    return (
        f"WITH fe AS ({sql}),\n"
        "r_e AS (SELECT cid, g, ts, touchpoint FROM fe "
        f"WHERE touchpoint IN ({', '.join(names)})),\n"
        "r_k AS (SELECT cid, touchpoint AS k, g, ts FROM r_e "
        "UNION ALL SELECT cid, CAST(NULL AS VARCHAR) AS k, g, ts FROM r_e),\n"
        "r_p AS (SELECT cid, k, ts, LAG(ts) OVER (PARTITION BY cid, k ORDER BY g) AS prev_ts "
        "FROM r_k),\n"
        f"r_c AS (SELECT cid, k, COUNT(*) AS contacts, SUM({within}) AS repeats, "
        "MIN(ts) AS first_ts, MAX(ts) AS last_ts FROM r_p GROUP BY cid, k),\n"
        "r_t AS (SELECT cid, k AS touchpoint, contacts, repeats FROM r_c WHERE k IS NOT NULL),\n"
        "r_a AS (SELECT cid, contacts, repeats, first_ts, last_ts FROM r_c WHERE k IS NULL)"
    ), params


_SUMMARY = (
    "COUNT(*) AS customers, SUM(CASE WHEN repeats > 0 THEN 1 ELSE 0 END) AS customers_repeating, "
    "MEDIAN(CASE WHEN repeats > 0 THEN repeats ELSE NULL END) AS median_repeats, "
    "SUM(repeats) AS repeats"
)


def repeat_contacts(
    source: EngineLike,
    filters: Filters,
    *,
    window_days: float = DEFAULT_WINDOW_DAYS,
    service: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per service touchpoint (scope "touchpoint") and one row for all of them together
    (scope "all_service", touchpoint None, first): customers who contacted it,
    customers_repeating (contacted it again within `window_days` of a previous contact),
    share (with its 95% Wilson margin, in points), median_repeats (repeat contacts per
    repeating customer) and repeats (all repeat contacts). `service`: the service
    touchpoints (default `service_touchpoints`). Empty when there are none."""
    engine = Engine.of(source)
    names = service_touchpoints(engine, service)
    if not names:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CONTACT_COLUMNS})
    ctes, params = _contacts_ctes(filters, names, window_days)
    sql = (
        f"{ctes}\n"
        f"SELECT 0 AS o, CAST(NULL AS VARCHAR) AS touchpoint, {_SUMMARY} FROM r_a "
        f"UNION ALL SELECT 1 AS o, touchpoint, {_SUMMARY} FROM r_t GROUP BY touchpoint"
    )
    df = engine.df(sql, params, purpose="repeats.contacts")
    df = df[df["customers"] > 0].copy()
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CONTACT_COLUMNS})
    df["scope"] = [SCOPE_ALL if o == 0 else SCOPE_TOUCHPOINT for o in df["o"]]
    for col in ("customers", "customers_repeating", "repeats"):
        df[col] = df[col].astype("int64")
    df["share"] = df["customers_repeating"] / df["customers"]
    df["margin"] = [wilson_margin(int(n), int(x))
                    for n, x in zip(df["customers"], df["customers_repeating"], strict=True)]
    df["median_repeats"] = df["median_repeats"].astype("float64")
    df["_t"] = df["touchpoint"].fillna("")
    df = df.sort_values(["o", "customers_repeating", "_t"], ascending=[True, False, True],
                        kind="mergesort")
    df["touchpoint"] = pd.Series([None if o == 0 else t for o, t in zip(df["o"], df["_t"],
                                  strict=True)], index=df.index, dtype="object")
    return df[CONTACT_COLUMNS].reset_index(drop=True)


def repeat_by_persona(
    source: EngineLike,
    filters: Filters,
    *,
    window_days: float = DEFAULT_WINDOW_DAYS,
    service: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per persona (None: customers without one, last): customers who contacted a service
    touchpoint, customers_repeating (within the window, any service touchpoint), share and
    its 95% Wilson margin (points). Largest share first."""
    engine = Engine.of(source)
    names = service_touchpoints(engine, service)
    if not names:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PERSONA_COLUMNS})
    ctes, params = _contacts_ctes(filters, names, window_days)
    sql = (
        f"{ctes}\n"
        "SELECT cs.persona, COUNT(*) AS customers, "
        "SUM(CASE WHEN a.repeats > 0 THEN 1 ELSE 0 END) AS customers_repeating "
        "FROM r_a a JOIN customer_summary cs ON cs.cid = a.cid GROUP BY cs.persona"
    )
    df = engine.df(sql, params, purpose="repeats.by persona")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PERSONA_COLUMNS})
    for col in ("customers", "customers_repeating"):
        df[col] = df[col].astype("int64")
    df["share"] = df["customers_repeating"] / df["customers"]
    df["margin"] = [wilson_margin(int(n), int(x))
                    for n, x in zip(df["customers"], df["customers_repeating"], strict=True)]
    df["_none"] = df["persona"].isna()
    df["_p"] = df["persona"].fillna("")
    df = df.sort_values(["_none", "share", "customers", "_p"],
                        ascending=[True, False, False, True], kind="mergesort")
    return df[PERSONA_COLUMNS].reset_index(drop=True)


def repeaters(
    source: EngineLike,
    filters: Filters,
    *,
    window_days: float = DEFAULT_WINDOW_DAYS,
    service: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The customers who keep contacting service: every customer with a repeat contact (any
    service touchpoint, within the window): customer_id, persona, contacts (at service
    touchpoints), repeats, first_contact, last_contact. Most repeats first."""
    engine = Engine.of(source)
    names = service_touchpoints(engine, service)
    if not names:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in REPEATER_COLUMNS})
    ctes, params = _contacts_ctes(filters, names, window_days)
    sql = (
        f"{ctes}\n"
        "SELECT cs.customer_id, cs.persona, a.contacts, a.repeats, a.first_ts AS first_contact, "
        "a.last_ts AS last_contact FROM r_a a JOIN customer_summary cs ON cs.cid = a.cid "
        "WHERE a.repeats > 0 ORDER BY a.repeats DESC, a.contacts DESC, cs.customer_id"
    )
    df = engine.df(sql, params, purpose="repeats.customers")
    for col in ("contacts", "repeats"):
        df[col] = df[col].astype("int64")
    return df[REPEATER_COLUMNS].reset_index(drop=True)


def repeater_nps(
    source: EngineLike,
    filters: Filters,
    *,
    window_days: float = DEFAULT_WINDOW_DAYS,
    service: Sequence[str] | None = None,
) -> dict[str, Any]:
    """NPS of the repeating customers (a repeat contact at any service touchpoint within the
    window) against every other customer in scope, from their answers in the filters:
    {"repeaters": {n, promoters, detractors, nps, margin, small_sample}, "others": {...},
    "delta", "margin", "significant"}. delta = repeaters − others in NPS points, its 95% margin
    from `stats.nps_difference`; None (and not significant) when a side has no answers. A
    side under SMALL_SAMPLE answers is never significant."""
    engine = Engine.of(source)
    names = service_touchpoints(engine, service)
    rsql, rparams = scope.responses_sql(filters)
    jsql, jparams = scope.journeys_sql(filters)
    if names:
        ctes, params = _contacts_ctes(filters, names, window_days)
        ctes += ",\n"
    else:
        ctes, params = "WITH ", {}
    params.update(rparams)
    params.update(jparams)
    rep = "SELECT cid FROM r_a WHERE repeats > 0" if names else (
        "SELECT CAST(NULL AS BIGINT) AS cid WHERE 1 = 0")
    sql = (
        f"{ctes}n_r AS ({rep}),\n"
        f"n_j AS (SELECT cid FROM ({jsql}) j),\n"
        f"n_a AS (SELECT cs.cid, fr.nps FROM ({rsql}) fr JOIN customer_summary cs "
        "ON cs.customer_id = fr.customer_id WHERE fr.nps BETWEEN 0 AND 10 "
        "AND cs.cid IN (SELECT cid FROM n_j))\n"
        "SELECT CASE WHEN a.cid IN (SELECT cid FROM n_r) THEN 1 ELSE 0 END AS repeater, "
        "COUNT(*) AS n, SUM(CASE WHEN a.nps >= 9 THEN 1 ELSE 0 END) AS promoters, "
        "SUM(CASE WHEN a.nps <= 6 THEN 1 ELSE 0 END) AS detractors FROM n_a a "
        "GROUP BY CASE WHEN a.cid IN (SELECT cid FROM n_r) THEN 1 ELSE 0 END"
    )
    got = {int(r): (int(n), int(p), int(d)) for r, n, p, d in
           engine.rows(sql, params, purpose="repeats.nps")}

    def side(counts: tuple[int, int, int]) -> dict[str, Any]:
        n, p, d = counts
        return {"n": n, "promoters": p, "detractors": d,
                "nps": 100.0 * (p - d) / n if n else None,
                "margin": nps_margin(n, p, d) if n else None, "small_sample": n < SMALL_SAMPLE}

    rep_c, oth_c = got.get(1, (0, 0, 0)), got.get(0, (0, 0, 0))
    out: dict[str, Any] = {"repeaters": side(rep_c), "others": side(oth_c), "delta": None,
                           "margin": None, "significant": False}
    if rep_c[0] and oth_c[0]:
        diff = nps_difference(oth_c, rep_c)
        out.update(delta=diff.delta, margin=diff.margin, significant=bool(
            diff.significant and rep_c[0] >= SMALL_SAMPLE and oth_c[0] >= SMALL_SAMPLE))
    return out
