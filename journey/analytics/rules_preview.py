"""What a list of touchpoint rules would do, before it is applied (the Data page's preview).

The rules being edited are not stored: they are compiled and checked like stored ones
(`rules.compiled_rows`, so a bad rule is refused with the same message before anything runs)
and bound as SQL parameters into a CTE that the very SQL the store applies
(`rules.rule_ctes`) reads instead of the `rules` table. "Before" is what the applied rules give
today (`journey_events`); "after" is what the edited rules would give.

Speed: on a big store the preview runs on a fixed sample of customers (whole journeys, chosen
by a hash of the customer id, so the same customers every time) holding about
`PREVIEW_EVENTS` events; the result says how many customers and events it read, and whether
it is a sample. Below that size it reads everything and its counts are exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from journey.analytics.flows import _positions, fold_sql, sankey_from_rows
from journey.db import derived, rules
from journey.db.engine import Engine, EngineLike

PREVIEW_EVENTS = 50_000  # about this many events are read; ~0.3 s on the dev machine
SANKEY_STEPS = 4
SANKEY_TOP = 6


@dataclass(frozen=True)
class RulesPreview:
    """The edited rules on the sample: counts, before -> after, and both Sankeys."""

    sampled: bool  # True when only part of the customers were read
    customers: int  # customers read
    events: int  # imported events read (hidden ones included)
    all_customers: int
    all_events: int
    hidden_before: int  # events of the sample the applied rules hide
    hidden_after: int  # ... and the edited rules would hide
    per_rule: pd.DataFrame  # rule (1-based), matched (events), decisive (first match wins)
    changes: pd.DataFrame  # before, after (None = hidden), events; changed rows first
    sankey_before: dict[str, Any]
    sankey_after: dict[str, Any]

    @property
    def touchpoints_before(self) -> int:
        return int(self.changes["before"].dropna().nunique()) if len(self.changes) else 0

    @property
    def touchpoints_after(self) -> int:
        return int(self.changes["after"].dropna().nunique()) if len(self.changes) else 0


def _sample_ctes(engine: Engine, max_events: int, params: dict[str, Any]) -> tuple[
        str, bool, int, int]:
    """`pv_c` (the sampled customer ids) and `pv_e` (their imported events)."""
    n_events, n_customers = engine.one(
        "SELECT COUNT(*), COUNT(DISTINCT customer_id) FROM events",
        purpose="rules_preview.size",
    ) or (0, 0)
    n_events, n_customers = int(n_events or 0), int(n_customers or 0)
    if n_events <= max_events:
        ctes = ("pv_c AS (SELECT DISTINCT customer_id FROM events),\n"
                "pv_e AS (SELECT * FROM events)")
        return ctes, False, n_events, n_customers
    # Whole journeys of a fixed set of customers: the mean journey length gives how many.
    params["pv_n"] = max(1, int(max_events * n_customers / n_events))
    ctes = (
        "pv_c AS (SELECT customer_id FROM (SELECT DISTINCT customer_id FROM events) d "
        "ORDER BY HASH(customer_id), customer_id LIMIT $pv_n),\n"
        "pv_e AS (SELECT e.* FROM events e JOIN pv_c c ON c.customer_id = e.customer_id)"
    )
    return ctes, True, n_events, n_customers


def _sankey(engine: Engine, head: str, relation: str, params: dict[str, Any],
            purpose: str) -> dict[str, Any]:
    """The step Sankey (touchpoint level, repeats collapsed) of `relation`'s events."""
    steps_src = (
        f"pv_j AS (SELECT customer_id AS cid, ROW_NUMBER() OVER (PARTITION BY customer_id "
        f"ORDER BY ts, event_id) AS g, ts, touchpoint, stage, 0 AS stage_position, channel "
        f"FROM {relation})"
    )
    steps = derived.steps_ctes("pv_j", level="touchpoint", keep_repeats=False, session=False)
    p = dict(params, top=SANKEY_TOP)
    pos = _positions("j_st", None, p, steps=SANKEY_STEPS, start_at=None, end_at=None)
    sql = (f"WITH {head},\n{steps_src},\n{steps},\n{pos},\n"
           f"{fold_sql('j_st WHERE step = 1')}")
    rows = engine.rows(sql, p, purpose=purpose)
    return sankey_from_rows(rows, steps=SANKEY_STEPS, right_aligned=False)


def preview(source: EngineLike, edited: list[rules.Rule], *,
            max_events: int = PREVIEW_EVENTS) -> RulesPreview:
    """What `edited` would change, against the rules applied now. Raises RuleError (the
    rule's number and what to fix) for a rule that could not be applied."""
    engine = Engine.of(source)
    rows = rules.compiled_rows(engine.con, edited)  # checks every rule first
    params: dict[str, Any] = {}
    sample, sampled, all_events, all_customers = _sample_ctes(engine, max_events, params)
    head = (f"{rules.preview_rules_cte('pv_rules', rows, params)},\n{sample},\n"
            f"{rules.rule_ctes('pv_e', 'pv_rules')},\n"
            "pv_b AS (SELECT j.event_id, j.customer_id, j.ts, j.touchpoint, j.stage, j.channel "
            "FROM journey_events j JOIN pv_c c ON c.customer_id = j.customer_id)")

    changes = engine.df(
        f"WITH {head}\nSELECT b.touchpoint AS before, a.touchpoint AS after, COUNT(*) AS events,"
        " COUNT(DISTINCT e.customer_id) AS customers "
        "FROM pv_e e LEFT JOIN pv_b b ON b.event_id = e.event_id "
        "LEFT JOIN ru_ev a ON a.event_id = e.event_id GROUP BY b.touchpoint, a.touchpoint",
        params, purpose="rules_preview.changes",
    )
    changes["events"] = changes["events"].astype(int)
    changes["customers"] = changes["customers"].astype(int)
    same = changes["before"].fillna("\0") == changes["after"].fillna("\0")
    changes = (changes.assign(_same=same)
               .sort_values(["_same", "events", "before", "after"],
                            ascending=[True, False, True, True], na_position="first")
               .drop(columns="_same").reset_index(drop=True))
    # Before/after: None stands for "hidden" (no journey event).
    changes = changes.astype({"before": object, "after": object})
    changes = changes.where(changes.notna(), None)

    hits = engine.df(
        f"WITH {head}\nSELECT position AS rule, COUNT(DISTINCT event_id) AS matched, "
        "COUNT(DISTINCT CASE WHEN k = 1 THEN event_id END) AS decisive FROM ("
        "SELECT event_id, position, k FROM ru1_h UNION ALL "
        "SELECT event_id, position, k FROM ru2_h) h GROUP BY position",
        params, purpose="rules_preview.per_rule",
    )
    per_rule = pd.DataFrame({"rule": range(1, len(edited) + 1)}).merge(
        hits, on="rule", how="left").fillna(0).astype(int)

    before = _sankey(engine, head, "pv_b", params, "rules_preview.sankey_before")
    after = _sankey(engine, head, "ru_ev", params, "rules_preview.sankey_after")
    events = int(changes["events"].sum()) if len(changes) else 0
    customers = int(engine.one(f"WITH {head}\nSELECT COUNT(*) FROM pv_c", params,
                               purpose="rules_preview.customers")[0]) if sampled \
        else all_customers
    return RulesPreview(
        sampled=sampled, customers=customers, events=events, all_customers=all_customers,
        all_events=all_events,
        hidden_before=int(changes.loc[changes["before"].isna(), "events"].sum()),
        hidden_after=int(changes.loc[changes["after"].isna(), "events"].sum()),
        per_rule=per_rule, changes=changes, sankey_before=before, sankey_after=after,
    )


def attribute_names(source: EngineLike, filters: Any = None, *, sample: int = 2000) -> list[str]:
    """The source columns kept as attributes at import (what a rule's condition can read
    beside touchpoint, channel, device and stage), from a sample of events, sorted.
    `filters` is accepted (and ignored) so that pages call it like every figure."""
    rows = Engine.of(source).rows(
        "SELECT attributes FROM events WHERE attributes IS NOT NULL LIMIT ?", [int(sample)],
        purpose="rules_preview.attribute_names",
    )
    names: set[str] = set()
    for (text,) in rows:
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            continue  # a damaged cell names nothing
        if isinstance(value, dict):
            names.update(str(k) for k in value)
    return sorted(names)
