"""What a list of touchpoint rules would do, before it is applied (the Data page's preview).

The rules being edited are not stored: they are compiled and checked like stored ones
(`rules.compiled_rows`, so a bad rule is refused with the same message before anything runs)
and bound as SQL parameters into the very SQL the store applies (`rules.rule_ctes`).
"Before" is what the applied rules give today (`journey_events`); "after" is what the
edited rules would give.

Speed: on a big store the preview runs on a fixed sample of customers (whole journeys, chosen
by a hash of the customer id, so the same customers every time) holding about
`PREVIEW_EVENTS` events; the result says how many customers and events it read, and whether
it is a sample. Below that size it reads everything and its counts are exact.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd

from journey.analytics.flows import fold_sql, positions_sql, sankey_from_rows
from journey.db import derived, rules
from journey.db.engine import Engine, EngineLike

PREVIEW_EVENTS = 30_000  # about this many events are read (see scripts/bench_rules.py)
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


def _sample(engine: Engine, max_events: int, t: str) -> tuple[bool, int, int]:
    """Temp table `{t}_c`: the customers read (all, or a fixed hash-ordered sample of whole
    journeys holding about `max_events` events)."""
    # customer_keys (one row per customer ever seen) spares a DISTINCT over every event.
    n_events, n_customers = engine.one(
        "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM customer_keys)",
        purpose="rules_preview.size",
    ) or (0, 0)
    n_events, n_customers = int(n_events or 0), int(n_customers or 0)
    if n_events <= max_events:
        engine.rows(f"CREATE TEMP TABLE {t}_c AS SELECT customer_id, cid FROM customer_keys "
                    "WHERE customer_id IN (SELECT customer_id FROM events)",
                    purpose="rules_preview.sample")
        return False, n_events, n_customers
    # Whole journeys of a fixed set of customers: the mean journey length gives how many.
    n = max(1, int(max_events * n_customers / n_events))
    engine.rows(
        f"CREATE TEMP TABLE {t}_c AS SELECT customer_id, cid FROM customer_keys "
        "ORDER BY HASH(customer_id), customer_id LIMIT $n", {"n": n},
        purpose="rules_preview.sample")
    return True, n_events, n_customers


def _sankey(engine: Engine, relation: str, purpose: str) -> dict[str, Any]:
    """The step Sankey (touchpoint level, repeats collapsed) of `relation`'s events
    (customer_id, event_id, ts, touchpoint, stage, channel)."""
    steps_src = (
        f"pv_j AS (SELECT customer_id AS cid, ROW_NUMBER() OVER (PARTITION BY customer_id "
        f"ORDER BY ts, event_id) AS g, ts, touchpoint, stage, 0 AS stage_position, channel "
        f"FROM {relation})"
    )
    steps = derived.steps_ctes("pv_j", level="touchpoint", keep_repeats=False, session=False)
    p: dict[str, Any] = {"top": SANKEY_TOP}
    pos = positions_sql("j_st", None, p, steps=SANKEY_STEPS, start_at=None, end_at=None)
    sql = f"WITH {steps_src},\n{steps},\n{pos},\n{fold_sql('j_st WHERE step = 1')}"
    rows = engine.rows(sql, p, purpose=purpose)
    return sankey_from_rows(rows, steps=SANKEY_STEPS, right_aligned=False)


def preview(source: EngineLike, edited: list[rules.Rule], *,
            max_events: int = PREVIEW_EVENTS) -> RulesPreview:
    """What `edited` would change, against the rules applied now. Raises RuleError (the
    rule's number and what to fix) for a rule that could not be applied.

    Works in temporary tables of the caller's cursor (dropped before returning), so that
    the rules run once over the sample, not once per figure; nothing is written to the
    store."""
    engine = Engine.of(source)
    rows = rules.compiled_rows(engine.con, edited)  # checks every rule first
    t = f"_pv{uuid.uuid4().hex[:12]}"
    try:
        return _preview(engine, rows, len(edited), max_events, t)
    finally:
        for suffix in ("c", "e", "b", "x", "a", "h"):
            engine.rows(f"DROP TABLE IF EXISTS {t}_{suffix}", purpose="rules_preview.drop")


def _preview(engine: Engine, rows: list[list[Any]], n_rules: int, max_events: int,
             t: str) -> RulesPreview:
    sampled, all_events, all_customers = _sample(engine, max_events, t)
    engine.rows(f"CREATE TEMP TABLE {t}_e AS SELECT e.* FROM events e "
                f"JOIN {t}_c c ON c.customer_id = e.customer_id",
                purpose="rules_preview.events")
    # Before: the journeys as the applied rules made them.
    engine.rows(f"CREATE TEMP TABLE {t}_b AS SELECT j.event_id, j.customer_id, j.ts, "
                "j.touchpoint, j.stage, j.channel FROM journey_events j "
                f"WHERE j.cid IN (SELECT cid FROM {t}_c)",
                purpose="rules_preview.before")
    params: dict[str, Any] = {}
    ctes = rules.rule_ctes(f"{t}_e", rows, params)
    # After: what the edited rules would make of the same events, and each rule's hits, in
    # one statement so that the rules run once (rows of kind 0 are events, 1 are hits).
    engine.rows(f"CREATE TEMP TABLE {t}_x AS WITH {ctes} SELECT 0 AS kind, event_id, "
                "customer_id, ts, touchpoint, stage, channel, CAST(NULL AS INTEGER) AS "
                "position, CAST(NULL AS BIGINT) AS k FROM ru_ev UNION ALL SELECT 1 AS kind, "
                "event_id, NULL, NULL, NULL, NULL, NULL, position, k FROM ru1_h "
                "UNION ALL SELECT 1 AS kind, event_id, NULL, NULL, NULL, NULL, NULL, "
                "position, k FROM ru2_h", params, purpose="rules_preview.after")
    engine.rows(f"CREATE TEMP TABLE {t}_a AS SELECT event_id, customer_id, ts, touchpoint, "
                f"stage, channel FROM {t}_x WHERE kind = 0", purpose="rules_preview.after_rows")
    engine.rows(f"CREATE TEMP TABLE {t}_h AS SELECT event_id, position, k FROM {t}_x "
                "WHERE kind = 1", purpose="rules_preview.hits")

    changes = engine.df(
        "SELECT b.touchpoint AS before, a.touchpoint AS after, COUNT(*) AS events, "
        f"COUNT(DISTINCT e.customer_id) AS customers FROM {t}_e e "
        f"LEFT JOIN {t}_b b ON b.event_id = e.event_id "
        f"LEFT JOIN {t}_a a ON a.event_id = e.event_id GROUP BY b.touchpoint, a.touchpoint",
        purpose="rules_preview.changes",
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
        "SELECT position AS rule, COUNT(DISTINCT event_id) AS matched, "
        "COUNT(DISTINCT CASE WHEN k = 1 THEN event_id END) AS decisive "
        f"FROM {t}_h GROUP BY position", purpose="rules_preview.per_rule",
    )
    per_rule = pd.DataFrame({"rule": range(1, n_rules + 1)}).merge(
        hits, on="rule", how="left").fillna(0).astype(int)
    customers = int(engine.one(f"SELECT COUNT(*) FROM {t}_c",
                               purpose="rules_preview.customers")[0])
    return RulesPreview(
        sampled=sampled, customers=customers,
        events=int(changes["events"].sum()) if len(changes) else 0,
        all_customers=all_customers, all_events=all_events,
        hidden_before=int(changes.loc[changes["before"].isna(), "events"].sum()),
        hidden_after=int(changes.loc[changes["after"].isna(), "events"].sum()),
        per_rule=per_rule, changes=changes,
        sankey_before=_sankey(engine, f"{t}_b", "rules_preview.sankey_before"),
        sankey_after=_sankey(engine, f"{t}_a", "rules_preview.sankey_after"),
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
