"""Journeys as flows: the step Sankey, directly-follows transitions, top paths, drop-offs
and the touchpoint network.

A *journey* is a customer's events ordered by `ts, event_id` (event_id keeps import order,
so ties in time are broken the same way everywhere). How journeys are cut into steps is one
`FlowOptions` value (`scope`): with a session gap (minutes), a pause longer than that starts a
new journey; consecutive repeats of the same node (touchpoint, or stage at stage level)
collapse into one *step* unless keep_repeats.

Every function takes an `Engine` (or a DuckDB cursor), a `Filters` and a `FlowOptions`, reads
one relation of steps (`scope.steps_with`) and aggregates it in SQL. When the filters have no
event condition and no keep-repeats, the steps are read from the precomputed `tp_steps` /
`stage_steps` tables (same SQL, run at import time). When the store has fast filters built
(`Engine.fast_filters`, put in the options by `_routed`), a session gap of 30 min or 1 day
reads their session versions (`tp_steps_s30`, `stage_steps_s1d`...), and exactly one device
or one channel as the only event condition that slice of `device_steps` / `channel_steps`
(`scope.slice_of`). Otherwise the steps are computed over the filtered events. Results are
identical either way.

Counts called `customers` count journeys (one per customer without a session gap).

Drill-down is a filter: a `Drill` (a clicked node, Other, drop-off or link of a Sankey) narrows
the steps to exactly the journeys that element counts, for the Sankey, top paths, transitions
and `journey_list` alike, so a drilled view's n is the clicked number.

Names are display text, never identity: a touchpoint may be called "Other", "Drop-off",
"(start)" or "(end)". Sankey nodes and links carry a `kind` (node | other | dropoff) and
reserved ids for the folded and drop-off nodes; transitions carry `source_kind` (start |
node) and `target_kind` (end | node), the markers being NULL inside the SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from journey.analytics.filters import Filters
from journey.analytics.scope import (
    DEFAULT_FLOW,
    LEVELS,
    MAX_STEPS,
    MIN_STEPS,
    FlowOptions,
    check_steps,
    coded_events,
    converted,
    dates_only,
    event_source,
    journey_conversion_cte,
    step_relation,
    steps_with,
    summary_scope,
)
from journey.db import derived
from journey.db.engine import Engine, EngineLike

__all__ = ["LEVELS", "MAX_STEPS", "MIN_STEPS", "FlowOptions"]

OTHER = "Other"
DROP_OFF = "Drop-off"
START = "(start)"
END = "(end)"
NO_STAGE = derived.NO_STAGE

# Kinds of Sankey nodes and of transition ends. A touchpoint may be named "Other",
# "Drop-off", "(start)" or "(end)": names are display text, kinds (and ids) say what a
# row is. Node ids of real nodes are "<step> · <name>"; the folded and drop-off nodes use
# "<step> | #other" / "<step> | #drop-off": a real node's id always has " · " right after
# the step number, so no touchpoint name can produce a reserved id.
KIND_NODE, KIND_OTHER, KIND_DROPOFF = "node", "other", "dropoff"
KIND_START, KIND_END = "start", "end"
_RESERVED_ID = {KIND_OTHER: "#other", KIND_DROPOFF: "#drop-off"}


def _routed(source: EngineLike, options: FlowOptions) -> tuple[Engine, FlowOptions]:
    """The engine, and the options saying whether the store's fast-filter tables are there
    (`Engine.fast_filters`, read once per engine): the routing of `steps_with` follows the
    store, never the caller."""
    engine = Engine.of(source)
    return engine, options.replace(fast_filters=engine.fast_filters)


def _df(engine: Engine, sql: str, params: dict[str, Any], purpose: str) -> pd.DataFrame:
    return engine.df(sql, params, purpose=f"flows.{purpose}")


# -- Sankey ---------------------------------------------------------------------------------
def _node_id(step: int, name: str, kind: str = KIND_NODE) -> str:
    """A Sankey node's id: "<step> · <name>" for a real node, a reserved id otherwise."""
    if kind == KIND_NODE:
        return f"{step} · {name}"
    return f"{step} | {_RESERVED_ID[kind]}"


@dataclass(frozen=True)
class Drill:
    """One clicked element of a step Sankey, standing for exactly the journeys it counts.

    step, kind (node | other | dropoff) and name (a node's name; None for Other and
    drop-off) say which node; next_kind / next_name, when given, make it the link from that
    node to a node of the next step (next_kind node | other | dropoff). steps, top, start_at
    and end_at are the Sankey's own settings when it was clicked: they decide the steps'
    positions and which nodes folded into Other, so the selection keeps its meaning when the
    view changes afterwards. A drop-off node at step s counts the journeys that end at step
    s - 1.
    """

    step: int
    kind: str
    name: str | None = None
    next_kind: str | None = None
    next_name: str | None = None
    steps: int = 5
    top: int = 8
    start_at: str | None = None
    end_at: str | None = None

    def __post_init__(self) -> None:
        kinds = (KIND_NODE, KIND_OTHER, KIND_DROPOFF)
        if self.kind not in kinds or self.next_kind not in (None, *kinds):
            raise ValueError(f"Unknown Sankey element {self.kind!r} / {self.next_kind!r}.")
        steps = check_steps(self.steps)
        if not 1 <= int(self.step) <= steps or int(self.top) < 1:
            raise ValueError(f"No step {self.step} in a {steps}-step Sankey (top {self.top}).")
        if (self.kind == KIND_NODE) != bool(self.name) or (
                (self.next_kind == KIND_NODE) != bool(self.next_name)):
            raise ValueError("A node of the Sankey is drilled by its name, Other and drop-off "
                             "by their kind.")
        if self.kind == KIND_DROPOFF and self.next_kind is not None:
            raise ValueError("Nothing follows a drop-off.")
        object.__setattr__(self, "step", int(self.step))
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "top", int(self.top))

    def to_text(self) -> str:
        """A compact text for a URL (JSON: names may hold any character)."""
        return json.dumps([self.step, self.kind, self.name, self.next_kind, self.next_name,
                           self.steps, self.top, self.start_at, self.end_at],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> Drill:
        """Inverse of `to_text`; ValueError for anything else."""
        try:
            values = json.loads(text)
        except (TypeError, ValueError):
            raise ValueError(f"Not a Sankey selection: {text[:80]!r}.") from None
        if not isinstance(values, list) or len(values) != 9:
            raise ValueError(f"Not a Sankey selection: {text[:80]!r}.")
        step, kind, name, next_kind, next_name, steps, top, start_at, end_at = values
        for v in (name, next_name, start_at, end_at):
            if v is not None and not isinstance(v, str):
                raise ValueError(f"Not a Sankey selection: {text[:80]!r}.")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (step, steps, top)):
            raise ValueError(f"Not a Sankey selection: {text[:80]!r}.")
        return cls(step, kind, name, next_kind, next_name, steps, top, start_at, end_at)


def positions_sql(
    src: str, table: str | None, params: dict[str, Any], *, steps: int,
    start_at: str | None, end_at: str | None, prefix: str = "",
) -> str:
    """CTE definitions ending in `{prefix}j_pos(cid, session_no, pos, node, next_node, ends)`:
    the steps of relation `src` placed on the Sankey's columns 1..steps (anchored on the
    first occurrence of start_at, right-aligned on end_at). `table`: the precomputed step
    table holding `src`'s rows with their first_visit flag (a shortcut), or None.
    Parameter names take the prefix too, so a drill's positions sit beside the view's."""
    q = prefix
    params[f"{q}steps"] = steps
    if start_at is not None:
        params[f"{q}start_at"] = start_at
    if end_at is not None:
        params[f"{q}end_at"] = end_at

    # The first step at a node: precomputed (first_visit) or the smallest step there.
    def first_at(marker: str, col: str) -> str:
        if table is not None:
            return (
                # A slice's parenthesised SELECT needs an alias (a table name does not: the
                # SQL stays the one without fast filters).
                f"SELECT cid, session_no, step AS {col} FROM {table}"
                f"{' fv_' if table.startswith('(') else ''} "
                f"WHERE node = ${q}{marker} AND first_visit = 1"
            )
        return (
            f"SELECT cid, session_no, MIN(step) AS {col} FROM {src} "
            f"WHERE node = ${q}{marker} GROUP BY cid, session_no"
        )

    cols = "s.cid, s.session_no"
    if start_at is None and end_at is None:
        return (
            f"{q}j_pos AS (SELECT cid, session_no, step AS pos, node, next_node, "
            f"CASE WHEN next_node IS NULL THEN 1 ELSE 0 END AS ends FROM {src} "
            f"WHERE step <= ${q}steps)"
        )
    if end_at is None:
        # From the first occurrence of X; the journey may end (drop off) afterwards.
        return (
            f"{q}j_anc AS ({first_at('start_at', 'a')}),\n"
            f"{q}j_pos AS (SELECT {cols}, s.step - a.a + 1 AS pos, s.node, s.next_node, "
            "CASE WHEN s.next_node IS NULL THEN 1 ELSE 0 END AS ends "
            f"FROM {src} s JOIN {q}j_anc a ON a.cid = s.cid AND a.session_no = s.session_no "
            f"WHERE s.step >= a.a AND s.step < a.a + ${q}steps)"
        )
    # Right-aligned on the first occurrence of Y (the first one at or after X's first
    # occurrence when both are given): every kept journey reaches the last step, so there
    # is no drop-off.
    if start_at is None:
        anc = (
            f"{q}j_b AS ({first_at('end_at', 'b')}),\n"
            f"{q}j_anc AS (SELECT cid, session_no, 1 AS a, b FROM {q}j_b),\n"
        )
    else:
        anc = (
            f"{q}j_ax AS ({first_at('start_at', 'a')}),\n"
            f"{q}j_anc AS (SELECT s.cid, s.session_no, MIN(x.a) AS a, MIN(s.step) AS b "
            f"FROM {table or src} s JOIN {q}j_ax x ON x.cid = s.cid "
            f"AND x.session_no = s.session_no "
            f"WHERE s.node = ${q}end_at AND s.step >= x.a GROUP BY s.cid, s.session_no),\n"
        )
    return anc + (
        f"{q}j_pos AS (SELECT {cols}, ${q}steps - (a.b - s.step) AS pos, s.node, s.next_node, "
        f"0 AS ends FROM {src} s JOIN {q}j_anc a ON a.cid = s.cid "
        "AND a.session_no = s.session_no "
        f"WHERE s.step >= a.a AND s.step > a.b - ${q}steps AND s.step <= a.b)"
    )


def _element(drill_kind: str, name_param: str, alias: str) -> str:
    """The condition on a ranked position row `alias` being this node (a named one, or one
    folded into Other)."""
    if drill_kind == KIND_NODE:
        return f"{alias}.node = ${name_param}"
    return f"{alias}.r > $d_top"


def _drill_ctes(drill: Drill, params: dict[str, Any]) -> str:
    """CTE definitions, over the unrestricted steps `j_base`, ending in `j_sel(cid,
    session_no)`: the journeys the clicked element counts."""
    q = "d_"
    if KIND_OTHER in (drill.kind, drill.next_kind):
        params[f"{q}top"] = drill.top
    params[f"{q}step"] = drill.step
    ctes = [positions_sql("j_base", None, params, steps=drill.steps, start_at=drill.start_at,
                       end_at=drill.end_at, prefix=q)]
    ctes.append(
        f"{q}j_rk AS (SELECT pos, node, ROW_NUMBER() OVER (PARTITION BY pos "
        f"ORDER BY COUNT(*) DESC, node) AS r FROM {q}j_pos GROUP BY pos, node)"
    )
    ranked = (
        f"SELECT p.cid, p.session_no, p.pos, p.ends, r.r, p.node FROM {q}j_pos p "
        f"JOIN {q}j_rk r ON r.pos = p.pos AND r.node = p.node"
    )
    if drill.kind == KIND_DROPOFF:
        # Journeys that end at the step before (the Sankey draws no drop-off after the last).
        sel = (f"SELECT cid, session_no FROM {q}j_pos WHERE pos = ${q}step - 1 AND ends = 1 "
               f"AND pos < ${q}steps")
        ctes.append(f"j_sel AS ({sel})")
        return ",\n".join(ctes)
    if drill.name is not None:
        params[f"{q}name"] = drill.name
    here = _element(drill.kind, f"{q}name", "p")
    sel = f"SELECT p.cid, p.session_no FROM ({ranked}) p WHERE p.pos = ${q}step AND {here}"
    if drill.next_kind == KIND_DROPOFF:
        sel += f" AND p.ends = 1 AND p.pos < ${q}steps"
    elif drill.next_kind is not None:
        if drill.next_name is not None:
            params[f"{q}next"] = drill.next_name
        there = _element(drill.next_kind, f"{q}next", "n")
        sel = (
            f"SELECT p.cid, p.session_no FROM ({ranked}) p JOIN ({ranked}) n "
            "ON n.cid = p.cid AND n.session_no = p.session_no AND n.pos = p.pos + 1 "
            f"WHERE p.pos = ${q}step AND {here} AND {there}"
        )
    ctes.append(f"j_sel AS ({sel})")
    return ",\n".join(ctes)


def _steps(
    filters: Filters, options: FlowOptions, drill: Drill | None, *, coded: bool = False,
) -> tuple[str, dict[str, Any], bool]:
    """`steps_with`, its `j_st` narrowed to the drilled journeys when a drill is given (then
    no precomputed shortcut reads the step table directly: the third value is False).
    `coded` (without a drill): node numbers where `coded_events` says so."""
    with_sql, params, pre = steps_with(filters, options, coded=coded and drill is None)
    if drill is None:
        return with_sql, params, pre
    if with_sql.count("j_st AS (") != 1:  # pragma: no cover - steps_with defines it once
        raise RuntimeError("steps_with must define j_st once.")
    base = with_sql.replace("j_st AS (", "j_base AS (")
    return (
        f"{base},\n{_drill_ctes(drill, params)},\n"
        "j_st AS (SELECT b.* FROM j_base b JOIN j_sel s ON s.cid = b.cid "
        "AND s.session_no = b.session_no)"
    ), params, False


def _sankey_sql(
    filters: Filters, options: FlowOptions, steps: int, top: int, start_at: str | None,
    end_at: str | None, drill: Drill | None = None,
) -> tuple[str, dict[str, Any]]:
    """The Sankey's one query: rows (pos, label, is_other, next_label, next_is_other, ends, n)
    plus one row with pos 0 whose n is the number of journeys in the filter.

    The journey rows are first aggregated to (pos, node, next_node, ends) - a few hundred
    rows - and the top-K ranking and folding into Other run on that small table.
    """
    steps = check_steps(steps)
    if int(top) < 1:
        raise ValueError(f"top must be at least 1 (got {top}).")
    # Unanchored computed steps run on node numbers (the anchors and a drill name nodes).
    coded = (drill is None and not start_at and not end_at
             and coded_events(filters, options))
    with_sql, params, pre = _steps(filters, options, drill, coded=coded)
    params["top"] = int(top)
    # Precomputed: the anchors and the journey count read the tables themselves, so that
    # j_st is referenced once (a CTE referenced twice is materialised: a copy of every step).
    table = step_relation(filters, options, params) if pre else None
    pos = positions_sql("j_st", table, params, steps=steps,
                     start_at=start_at or None, end_at=end_at or None)
    whole = (not options.force_compute and not filters.has_event_conditions
             and options.session_gap is None and drill is None)
    if pre and (options.session_gap is not None
                or (filters.has_event_conditions and (start_at or end_at))):
        # One journey per session in scope (a precomputed gap), or per customer with a step
        # in the slice (one device / channel, anchored): its step 1.
        scope = summary_scope(filters, params, alias="c0")
        journeys_src = f"{table} c0 WHERE c0.step = 1" + (f" AND {scope}" if scope else "")
    elif (pre and not filters.has_event_conditions) or whole:
        # One journey per customer in scope (every customer has a first step), also when
        # the steps are computed over whole journeys (repeats kept): then j_st is read
        # once, and streamed rather than buffered for a second reader.
        scope = summary_scope(filters, params, alias="c0")
        journeys_src = "customer_summary c0" + (f" WHERE {scope}" if scope else "")
    elif not start_at and not end_at:
        # Unanchored (computed steps, or one slice's), a journey's step 1 is its position 1:
        # counting j_pos's first column keeps j_st referenced once, so it is streamed
        # instead of materialised (a copy of every computed step, ~15 % of the query with
        # an event filter) and a slice table is scanned once.
        journeys_src = "j_pos WHERE pos = 1"
    else:
        journeys_src = "j_st WHERE step = 1"
    sql = f"{with_sql},\n{pos},\n{fold_sql(journeys_src, coded=coded)}"
    return sql, params


def fold_sql(journeys_src: str, *, coded: bool = False) -> str:
    """The tail of a Sankey query over a `j_pos(pos, node, next_node, ends)` CTE (needs the
    `$steps` and `$top` parameters): rows (pos, label, is_other, next_label, next_is_other,
    ends, n) with the nodes past the top K of a step folded into Other, plus one row with
    pos 0 whose n counts the journeys of `journeys_src`. `sankey_from_rows` reads them.
    `coded`: j_pos's nodes are `j_nd` numbers (numbered in node order, so the ranking's
    tie-break is the same), named in the last step."""
    labels = (
        "SELECT pos, label, is_other, next_label, next_is_other, ends, SUM(n) AS n "
        "FROM j_lab GROUP BY pos, label, is_other, next_label, next_is_other, ends"
    )
    if coded:
        labels = (
            "SELECT x.pos, l.node AS label, x.is_other, nl.node AS next_label, "
            f"x.next_is_other, x.ends, x.n FROM ({labels}) x "
            "LEFT JOIN j_nd l ON l.nid = x.label LEFT JOIN j_nd nl ON nl.nid = x.next_label"
        )
    return (
        # At the last step the next node and the end do not matter (no drop-off there).
        "j_agg AS (SELECT pos, node, "
        "CASE WHEN pos < $steps THEN next_node ELSE NULL END AS next_node, "
        "CASE WHEN pos < $steps THEN ends ELSE 0 END AS ends, COUNT(*) AS n "
        "FROM j_pos GROUP BY pos, node, "
        "CASE WHEN pos < $steps THEN next_node ELSE NULL END, "
        "CASE WHEN pos < $steps THEN ends ELSE 0 END),\n"
        "j_cnt AS (SELECT pos, node, SUM(n) AS n FROM j_agg GROUP BY pos, node),\n"
        "j_rk AS (SELECT pos, node, ROW_NUMBER() OVER (PARTITION BY pos ORDER BY n DESC, node) "
        "AS r FROM j_cnt),\n"
        "j_lab AS (SELECT a.pos, "
        "CASE WHEN r.r <= $top THEN a.node ELSE NULL END AS label, "
        "CASE WHEN r.r <= $top THEN 0 ELSE 1 END AS is_other, "
        "CASE WHEN a.next_node IS NULL THEN NULL WHEN rn.r <= $top THEN a.next_node "
        "ELSE NULL END AS next_label, "
        "CASE WHEN a.next_node IS NULL THEN NULL WHEN rn.r <= $top THEN 0 ELSE 1 END "
        "AS next_is_other, a.ends, a.n "
        "FROM j_agg a JOIN j_rk r ON r.pos = a.pos AND r.node = a.node "
        "LEFT JOIN j_rk rn ON rn.pos = a.pos + 1 AND rn.node = a.next_node)\n"
        f"{labels}\n"
        "UNION ALL\n"
        "SELECT 0 AS pos, NULL AS label, 0 AS is_other, NULL AS next_label, "
        f"NULL AS next_is_other, 0 AS ends, COUNT(*) AS n FROM {journeys_src}"
    )


def sankey(
    source: EngineLike,
    filters: Filters,
    options: FlowOptions = DEFAULT_FLOW,
    *,
    steps: int = 5,
    top: int = 8,
    start_at: str | None = None,
    end_at: str | None = None,
    drill: Drill | None = None,
) -> dict[str, Any]:
    """Step-indexed Sankey of journeys (only the journeys `drill` counts, when given).

    Returns `journeys` (journeys in the filter, before any anchor), `anchored_journeys`
    (journeys drawn: those containing the anchor(s); equals journeys without an anchor),
    `steps`, `nodes` and `links`. Shares are of `journeys`. Nodes have `kind` node | other
    (the folded rare nodes) | dropoff; ids are "step · name" for real nodes and reserved
    ("step | #other", "step | #drop-off") otherwise, so a touchpoint named "Other" or
    "Drop-off" never merges with them. Links carry `source_kind` / `target_kind`; a link with
    target None ends the journey after its source (target kind dropoff).
    Raises ValueError for steps outside 2..15 or top < 1 (and `FlowOptions` for a bad level
    or gap).
    """
    engine, options = _routed(source, options)
    sql, params = _sankey_sql(filters, options, steps, top, start_at, end_at, drill)
    rows = engine.rows(sql, params, purpose="flows.sankey")
    return sankey_from_rows(rows, steps=check_steps(steps), right_aligned=bool(end_at))


def sankey_from_rows(rows: list[tuple], *, steps: int, right_aligned: bool) -> dict[str, Any]:
    journeys = 0
    nodes: dict[tuple[int, str | None, int], int] = {}
    links: dict[tuple[int, str | None, int, str | None, int], int] = {}
    drops: dict[tuple[int, str | None, int], int] = {}
    for pos, label, is_other, next_label, next_is_other, ends, n in rows:
        n = int(n)
        if pos == 0:
            journeys = n
            continue
        key = (int(pos), label, int(is_other))
        nodes[key] = nodes.get(key, 0) + n
        if next_is_other is not None:
            lk = (*key, next_label, int(next_is_other))
            links[lk] = links.get(lk, 0) + n
        if ends:
            drops[key] = drops.get(key, 0) + n

    def name(label: str | None, is_other: int) -> str:
        return OTHER if is_other else str(label)

    def kind(is_other: int) -> str:
        return KIND_OTHER if is_other else KIND_NODE

    def share(n: int) -> float:
        return n / journeys if journeys else 0.0

    out_nodes: list[dict[str, Any]] = []
    for (pos, label, is_other), n in nodes.items():
        nm = name(label, is_other)
        out_nodes.append({
            "id": _node_id(pos, nm, kind(is_other)), "step": pos, "name": nm, "customers": n,
            "share": share(n), "kind": kind(is_other),
        })
    drop_by_step: dict[int, int] = {}
    for (pos, _label, _other), n in drops.items():
        drop_by_step[pos + 1] = drop_by_step.get(pos + 1, 0) + n
    for step, n in drop_by_step.items():
        out_nodes.append({
            "id": _node_id(step, DROP_OFF, KIND_DROPOFF), "step": step, "name": DROP_OFF,
            "customers": n, "share": share(n), "kind": KIND_DROPOFF,
        })
    kind_order = {KIND_NODE: 0, KIND_OTHER: 1, KIND_DROPOFF: 2}
    out_nodes.sort(key=lambda d: (d["step"], kind_order[d["kind"]], -d["customers"], d["name"]))

    out_links: list[dict[str, Any]] = []
    for (pos, label, is_other, nlabel, nother), n in links.items():
        src, tgt = name(label, is_other), name(nlabel, nother)
        out_links.append({
            "step": pos, "source": src, "target": tgt,
            "source_id": _node_id(pos, src, kind(is_other)),
            "target_id": _node_id(pos + 1, tgt, kind(nother)), "customers": n,
            "share": share(n), "source_kind": kind(is_other), "target_kind": kind(nother),
        })
    for (pos, label, is_other), n in drops.items():
        src = name(label, is_other)
        out_links.append({
            "step": pos, "source": src, "target": None,
            "source_id": _node_id(pos, src, kind(is_other)),
            "target_id": _node_id(pos + 1, DROP_OFF, KIND_DROPOFF), "customers": n,
            "share": share(n), "source_kind": kind(is_other), "target_kind": KIND_DROPOFF,
        })
    out_links.sort(key=lambda d: (
        d["step"], -d["customers"], d["source"], kind_order[d["source_kind"]],
        d["target"] is None, d["target"] or "", kind_order[d["target_kind"]],
    ))
    anchor_step = steps if right_aligned else 1
    anchored = sum(
        d["customers"] for d in out_nodes if d["kind"] != "dropoff" and d["step"] == anchor_step
    )
    return {
        "journeys": journeys, "anchored_journeys": anchored, "steps": steps,
        "nodes": out_nodes, "links": out_links,
    }


# -- transitions -------------------------------------------------------------------------------
TRANSITION_COLUMNS = [
    "source", "target", "transitions", "customers", "median_minutes", "share_of_source",
    "source_kind", "target_kind",
]


def _whole_refs(filters: Filters, level: str, params: dict[str, Any], *aliases: str
                ) -> tuple[str, str, list[str]]:
    """For the window-free transition paths over whole journeys: the node expression,
    journey_events' next-node column, and the customer condition on each alias ('' when
    every customer passes), bound into `params`."""
    scopes = [summary_scope(filters, params, alias=a) for a in aliases]
    return derived.node_expr(level), derived.next_node_column(level), scopes


def _range_transitions(filters: Filters, options: FlowOptions
                       ) -> tuple[str, str, dict[str, Any]]:
    """The transitions of date-range journeys (a date range the only event condition, no
    session gap) without a per-event window: (`WITH ...` over the kept events, the `j_agg`
    CTE, params). Each customer's kept events are a contiguous run of their journey
    (`db.range_steps`): a kept event's next event is the precomputed one when it falls
    before the range's end, else the journey ends there. A journey has exactly one start
    (its first kept event) and one end, so those rows count customers as rows; only the
    node-to-node pairs need distinct customers."""
    sql, params, _whole = event_source(
        filters, columns=("cid", "seq", "ts", "touchpoint", "stage", "next_touchpoint",
                          "next_stage_node", "next_ts"))
    node = derived.node_expr(options.level)
    inside = "fe.next_ts < $f_until" if filters.until else "fe.next_ts IS NOT NULL"
    nxt = f"CASE WHEN {inside} THEN fe.{derived.next_node_column(options.level)} ELSE NULL END"
    # DOUBLE before dividing (Spark would divide a DECIMAL), as the per-event path does.
    minutes = (f"CASE WHEN {inside} THEN CAST(DATE_DIFF('microsecond', fe.ts, fe.next_ts) "
               "AS DOUBLE) / 60000000.0 ELSE NULL END")
    step_end = "" if options.keep_repeats else " WHERE next_node IS NULL OR next_node <> node"
    with_sql = (
        f"WITH fe AS ({sql}),\n"
        f"j_r AS (SELECT fe.cid, fe.seq, {node} AS node, {nxt} AS next_node, "
        f"{minutes} AS minutes FROM fe),\n"
        f"j_s AS (SELECT cid, node, next_node, minutes FROM j_r{step_end}),\n"
        # The node of each customer's first kept event (the smallest seq).
        "j_first AS (SELECT ARG_MIN(node, seq) AS node FROM j_r GROUP BY cid)"
    )
    agg = (
        "j_agg AS (SELECT CAST(NULL AS VARCHAR) AS source, node AS target, "
        "COUNT(*) AS transitions, COUNT(*) AS customers, "
        "CAST(NULL AS DOUBLE) AS median_minutes FROM j_first GROUP BY node "
        "UNION ALL SELECT node AS source, CAST(NULL AS VARCHAR) AS target, "
        "COUNT(*) AS transitions, COUNT(*) AS customers, "
        "CAST(NULL AS DOUBLE) AS median_minutes FROM j_s WHERE next_node IS NULL GROUP BY node "
        "UNION ALL SELECT node AS source, next_node AS target, COUNT(*) AS transitions, "
        "COUNT(DISTINCT cid) AS customers, MEDIAN(minutes) AS median_minutes FROM j_s "
        "WHERE next_node IS NOT NULL GROUP BY node, next_node)"
    )
    return with_sql, agg, params


def transitions(
    source: EngineLike, filters: Filters, options: FlowOptions = DEFAULT_FLOW,
    *, drill: Drill | None = None,
) -> pd.DataFrame:
    """Directly-follows pairs between steps, with START/END markers (of the journeys `drill`
    counts, when given).

    `transitions`: how many times the pair occurs; `customers`: distinct customers making it;
    `median_minutes`: from the source step's last event to the target step's first event
    (NaN for START/END rows); `share_of_source`: transitions / all outgoing of the source.
    `source_kind` is "start" (source is the START marker) or "node"; `target_kind` is "end"
    (target is the END marker) or "node": a touchpoint named "(start)" is a node, never the
    marker. Sorted by transitions desc, then source, target (then kinds).
    """
    engine, options = _routed(source, options)
    level, session_gap = options.level, options.session_gap
    if drill is not None:
        with_sql, params, pre = _steps(filters, options, drill)
    else:
        with_sql, params, pre = steps_with(filters, options, events_only=True, coded=True)
    # Node numbers instead of names in the per-event pass (decoded at the end).
    coded = drill is None and coded_events(filters, options)
    # A gap that is not precomputed (derived.SESSION_GAPS) on whole journeys: cut the
    # whole-journey steps at the gaps (`pre` is False then).
    split_steps = (
        not pre and not options.force_compute and session_gap is not None
        and not options.keep_repeats and not filters.has_event_conditions and drill is None
    )
    repeat_steps = (
        not options.force_compute and session_gap is None and options.keep_repeats
        and not filters.has_event_conditions and drill is None
    )
    range_pairs = (
        not options.force_compute and session_gap is None and dates_only(filters)
        and drill is None
    )
    agg = None  # the j_agg CTE, when a path below writes its own
    # The markers are NULL in SQL (a node is never NULL) and named in Python.
    if range_pairs:
        with_sql, agg, params = _range_transitions(filters, options)
    elif drill is not None:
        # The drilled journeys' steps: starts, step-to-step pairs and ends.
        pairs = (
            "j_pairs AS (SELECT cid, CAST(NULL AS VARCHAR) AS source, node AS target, "
            "CAST(NULL AS DOUBLE) AS minutes FROM j_st WHERE step = 1 "
            "UNION ALL SELECT cid, node AS source, next_node AS target, "
            "minutes_to_next AS minutes FROM j_st)"
        )
        customers = "COUNT(DISTINCT cid)"
    elif split_steps:
        # Whole journeys cut into sessions: the precomputed steps, where a step whose gap to
        # the next one exceeds the session gap ends a journey (and the next starts one), plus
        # the cuts inside a step (two events of the same node further apart than the gap):
        # each ends a journey at that node and starts one there. No window at all.
        params = {"gap_us": session_gap * 60_000_000.0}
        table = options.step_table
        node, nxt, (scope, scope_e) = _whole_refs(filters, level, params, "t", "je")
        w_t = f" AND {scope}" if scope else ""
        w_e = f" AND {scope_e}" if scope_e else ""
        cut = "t.minutes_to_next * 60000000.0 > $gap_us"
        with_sql = (
            f"WITH j_s AS (SELECT t.cid, t.step, t.node, t.next_node, t.minutes_to_next, "
            f"CASE WHEN t.next_node IS NOT NULL AND {cut} THEN 1 ELSE 0 END AS cut "
            f"FROM {table} t WHERE 1 = 1{w_t}),\n"
            f"j_in AS (SELECT je.cid, {node} AS node FROM journey_events je "
            f"WHERE je.{nxt} = {node} "
            f"AND DATE_DIFF('microsecond', je.ts, je.next_ts) > $gap_us{w_e})"
        )
        pairs = (
            "j_pairs AS (SELECT cid, CAST(NULL AS VARCHAR) AS source, node AS target, "
            "CAST(NULL AS DOUBLE) AS minutes FROM j_s WHERE step = 1 "
            "UNION ALL SELECT cid, CAST(NULL AS VARCHAR) AS source, next_node AS target, "
            "CAST(NULL AS DOUBLE) AS minutes FROM j_s WHERE cut = 1 "
            "UNION ALL SELECT cid, node AS source, "
            "CASE WHEN cut = 1 THEN NULL ELSE next_node END AS target, "
            "CASE WHEN cut = 1 THEN NULL ELSE minutes_to_next END AS minutes FROM j_s "
            "UNION ALL SELECT cid, node AS source, CAST(NULL AS VARCHAR) AS target, "
            "CAST(NULL AS DOUBLE) AS minutes FROM j_in "
            "UNION ALL SELECT cid, CAST(NULL AS VARCHAR) AS source, node AS target, "
            "CAST(NULL AS DOUBLE) AS minutes FROM j_in)"
        )
        customers = "COUNT(DISTINCT cid)"
    elif repeat_steps:
        # Whole journeys with repeats kept: a pair of different nodes is a pair of
        # consecutive collapsed steps (the precomputed steps, their first_pair flags and
        # minutes), and a repeat a -> a is an event whose next event is at the same node:
        # those few events are read from journey_events (their gap is the pair's minutes).
        # The very pairs the per-event path makes, without its COUNT(DISTINCT) over all.
        # The repeats are aggregated on their own (a -> a never is a pair of steps), so
        # their distinct customers need no first-pair flag (a window sort): one COUNT
        # DISTINCT over those few events.
        params = {}
        table = options.step_table
        node, nxt, (scope, scope2, scope_e) = _whole_refs(filters, level, params,
                                                          "t", "t2", "je")
        minutes = "CAST(DATE_DIFF('microsecond', je.ts, je.next_ts) AS DOUBLE) / 60000000.0"
        with_sql = (
            f"WITH j_in AS (SELECT je.cid, {node} AS node, {minutes} AS minutes "
            f"FROM journey_events je WHERE je.{nxt} = {node}"
            + (f" AND {scope_e}" if scope_e else "") + ")"
        )
        # Each journey starts once: the starts are counted apart, without minutes.
        agg = (
            "j_agg AS (SELECT CAST(NULL AS VARCHAR) AS source, t2.node AS target, "
            "COUNT(*) AS transitions, COUNT(*) AS customers, "
            f"CAST(NULL AS DOUBLE) AS median_minutes FROM {table} t2 WHERE t2.step = 1"
            + (f" AND {scope2}" if scope2 else "") + " GROUP BY t2.node "
            "UNION ALL SELECT t.node AS source, t.next_node AS target, COUNT(*) AS transitions, "
            "SUM(t.first_pair) AS customers, MEDIAN(t.minutes_to_next) AS median_minutes "
            f"FROM {table} t" + (f" WHERE {scope}" if scope else "") + " "
            "GROUP BY t.node, t.next_node "
            "UNION ALL SELECT node AS source, node AS target, COUNT(*) AS transitions, "
            "COUNT(DISTINCT cid) AS customers, MEDIAN(minutes) AS median_minutes FROM j_in "
            "GROUP BY node)"
        )
    elif pre:
        # first_pair marks a customer's first such transition, so a SUM counts customers
        # without a COUNT(DISTINCT) (the costliest part at 10M events).
        # The starts read the table itself so that j_st is referenced once (not copied).
        # With sessions a customer may start several journeys at one node: first_start
        # marks the first.
        table = step_relation(filters, options, params)
        scope = summary_scope(filters, params, alias="t2")
        fp = "1" if session_gap is None else "t2.first_start"
        pairs = (
            "j_pairs AS (SELECT t2.cid, CAST(NULL AS VARCHAR) AS source, t2.node AS target, "
            f"CAST(NULL AS DOUBLE) AS minutes, {fp} AS fp FROM {table} t2 WHERE t2.step = 1"
            + (f" AND {scope}" if scope else "") + " "
            "UNION ALL SELECT cid, node AS source, next_node AS target, "
            "minutes_to_next AS minutes, first_pair AS fp FROM j_st)"
        )
        customers = "SUM(fp)"
    else:
        # Straight from the events (no step numbers, so one window pass at most): a journey
        # starts at a customer's first event or after an event that ends a session; a step
        # ends where the next event (in the journey) is at another node.
        # Three aggregates over j_e2 (starts, ends, node-to-node pairs), which DuckDB streams
        # to all three (no copy), rather than one over a 3-way CROSS JOIN of it: only the
        # pairs need distinct customers (without a session gap a journey has one start and
        # one end, so those rows count customers as rows), and the join goes (a third less
        # CPU with several devices at 1M events).
        session = session_gap is not None
        # DOUBLE before dividing: Spark divides an integer by 60000000.0 as a DECIMAL and
        # rounds it to 10 decimals; DuckDB gives a DOUBLE either way.
        minutes = "CAST(DATE_DIFF('microsecond', ts, next_ts) AS DOUBLE) / 60000000.0"
        # Nodes are numbers when `coded` (decoded after the aggregation), names otherwise.
        marker = f"CAST(NULL AS {'BIGINT' if coded else 'VARCHAR'})"
        once = "COUNT(DISTINCT cid)" if session else "COUNT(*)"
        starts = "SELECT cid, node AS target FROM j_e2 WHERE rn = 1" + (
            " UNION ALL SELECT cid, next_node0 AS target FROM j_e2 WHERE ends_session = 1"
            if session else "")
        repeat = "" if options.keep_repeats else " AND next_node <> node"
        agg = (
            f"j_agg AS (SELECT {marker} AS source, target, COUNT(*) AS transitions, "
            f"{once} AS customers, CAST(NULL AS DOUBLE) AS median_minutes FROM ({starts}) j_s "
            "GROUP BY target "
            f"UNION ALL SELECT node AS source, {marker} AS target, COUNT(*) AS transitions, "
            f"{once} AS customers, CAST(NULL AS DOUBLE) AS median_minutes FROM j_e2 "
            "WHERE next_node IS NULL GROUP BY node "
            "UNION ALL SELECT node AS source, next_node AS target, COUNT(*) AS transitions, "
            f"COUNT(DISTINCT cid) AS customers, MEDIAN({minutes}) AS median_minutes FROM j_e2 "
            f"WHERE next_node IS NOT NULL{repeat} GROUP BY node, next_node)"
        )
    if agg is None:
        agg = (
            f"{pairs},\n"
            "j_agg AS (SELECT source, target, COUNT(*) AS transitions, "
            f"{customers} AS customers, MEDIAN(minutes) AS median_minutes "
            "FROM j_pairs GROUP BY source, target)"
        )
    if coded:
        agg += (
            ",\nj_agd AS (SELECT s.node AS source, t.node AS target, a.transitions, "
            "a.customers, a.median_minutes FROM j_agg a LEFT JOIN j_nd s ON s.nid = a.source "
            "LEFT JOIN j_nd t ON t.nid = a.target)"
        )
    sql = (
        f"{with_sql},\n{agg}\n"
        "SELECT source, target, transitions, customers, median_minutes, "
        "CAST(transitions AS DOUBLE) / SUM(transitions) OVER (PARTITION BY source) "
        f"AS share_of_source FROM {'j_agd' if coded else 'j_agg'}"
    )
    df = _df(engine, sql, params, "transitions")
    if df.empty:
        return _typed(pd.DataFrame(columns=TRANSITION_COLUMNS), TRANSITION_COLUMNS,
                      ints=("transitions", "customers"))
    start, end = df["source"].isna(), df["target"].isna()
    df["source_kind"] = [KIND_START if v else KIND_NODE for v in start]
    df["target_kind"] = [KIND_END if v else KIND_NODE for v in end]
    df["source"] = [START if m else v for m, v in zip(start, df["source"], strict=True)]
    df["target"] = [END if m else v for m, v in zip(end, df["target"], strict=True)]
    df = df.sort_values(
        ["transitions", "source", "target", "source_kind", "target_kind"],
        ascending=[False, True, True, True, True], kind="mergesort",
    )
    return _typed(df, TRANSITION_COLUMNS, ints=("transitions", "customers"))


def _typed(df: pd.DataFrame, columns: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:
    df = df[columns] if len(df.columns) else pd.DataFrame(columns=columns)
    for c in ints:
        df[c] = df[c].astype("int64")
    return df.reset_index(drop=True)


# -- top paths -------------------------------------------------------------------------------
PATH_COLUMNS = ["kind", "path", "path_text", "more_min", "more_max", "customers", "share"]
KIND_PATH = "path"


def _path_text(path: list[str], more_min: int, more_max: int) -> str:
    text = " → ".join(path)
    if more_max <= 0:
        return text
    more = str(more_min) if more_min == more_max else f"{more_min}–{more_max}"
    return f"{text} → … (+{more} more step{'' if more_max == 1 else 's'})"


def top_paths(
    source: EngineLike,
    filters: Filters,
    options: FlowOptions = DEFAULT_FLOW,
    *,
    steps: int = 5,
    limit: int = 20,
    drill: Drill | None = None,
) -> pd.DataFrame:
    """The most common journey beginnings, with their share of journeys:
    [kind, path, path_text, more_min, more_max, customers, share].

    A path is a journey's first `steps` steps; journeys that go on afterwards are their own
    row, with more_min..more_max the range of steps they have beyond (0 for a journey that
    ends there), and path_text ending in "→ … (+k more steps)". The `limit` largest rows come
    first (customers desc, then path_text); when more exist, one last row of kind "other"
    (empty path) holds the rest, so the shares add up to 1. Only the journeys `drill`
    counts, when given.
    """
    n = check_steps(steps)
    engine, options = _routed(source, options)
    # Computed steps come as node numbers already (j_nd: the numbering of j_d below).
    coded = drill is None and coded_events(filters, options)
    with_sql, params, _pre = _steps(filters, options, drill, coded=coded)
    params["steps"] = n
    # One column per step (names generated from an int, never user text): a pivot Spark
    # runs as is, where an ordered list aggregate would not travel. The pivot and the
    # grouping by path run on integer node numbers (`j_d`: the level's nodes, every node a
    # journey of any filter can have), a fifth of the query's time on strings; the names
    # come back for the few rows shipped.
    cols = [f"s{k}" for k in range(1, n + 1)]
    nid = "s.node" if coded else "d.nid"
    pivot = ", ".join(
        f"MAX(CASE WHEN s.step = {k} THEN {nid} ELSE NULL END) AS s{k}" for k in range(1, n + 1)
    )
    named = "" if coded else "JOIN j_d d ON d.node = s.node "
    numbers = "SELECT node, nid FROM j_nd" if coded else (
        "SELECT node, ROW_NUMBER() OVER (ORDER BY node) AS nid FROM "
        f"(SELECT DISTINCT node FROM {options.step_table}) d0")
    longer = "CASE WHEN length > $steps THEN 1 ELSE 0 END"
    names = ", ".join(f"d{k}.node AS s{k}" for k in range(1, n + 1))
    decode = " ".join(f"LEFT JOIN j_d d{k} ON d{k}.nid = g.s{k}" for k in range(1, n + 1))
    sql = (
        f"{with_sql},\n"
        f"j_d AS ({numbers}),\n"
        f"j_p AS (SELECT s.cid, s.session_no, {pivot}, MAX(s.step) AS length FROM j_st s "
        f"{named}GROUP BY s.cid, s.session_no),\n"
        f"j_g AS (SELECT {', '.join(cols)}, {longer} AS longer, COUNT(*) AS customers, "
        "MIN(length) AS len_min, MAX(length) AS len_max, "
        "SUM(COUNT(*)) OVER () AS journeys, RANK() OVER (ORDER BY COUNT(*) DESC) AS rk "
        f"FROM j_p GROUP BY {', '.join(cols)}, {longer})\n"
        # Nearly every long path is unique: only ship the top (ties at the cut included,
        # so the final order by path_text below is exact).
        f"SELECT {names}, g.longer, g.len_min, g.len_max, g.customers, g.journeys FROM j_g g "
        f"{decode} WHERE g.rk <= $limit"
    )
    params["limit"] = max(int(limit), 0)
    rows = engine.rows(sql, params, purpose="flows.top_paths")
    out = []
    journeys = 0
    for row in rows:
        path = [x for x in row[:n] if x is not None]
        longer_, len_min, len_max, customers, journeys = row[n:]
        more_min = int(len_min) - n if longer_ else 0
        more_max = int(len_max) - n if longer_ else 0
        out.append({
            "kind": KIND_PATH, "path": path, "path_text": _path_text(path, more_min, more_max),
            "more_min": more_min, "more_max": more_max, "customers": int(customers),
            "share": int(customers) / float(journeys),
        })
    out.sort(key=lambda d: (-d["customers"], d["path_text"]))
    out = out[: max(int(limit), 0)]
    rest = int(journeys or 0) - sum(d["customers"] for d in out)
    if rest > 0:
        out.append({"kind": KIND_OTHER, "path": [], "path_text": OTHER, "more_min": 0,
                    "more_max": 0, "customers": rest, "share": rest / float(journeys)})
    return _typed(pd.DataFrame(out, columns=PATH_COLUMNS), PATH_COLUMNS,
                  ints=("customers", "more_min", "more_max"))


# -- the customers of a selection --------------------------------------------------------------
CUSTOMER_LIST_COLUMNS = ["customer_id", "journey", "persona", "first", "last", "steps"]


def journey_list(
    source: EngineLike,
    filters: Filters,
    options: FlowOptions = DEFAULT_FLOW,
    *,
    drill: Drill | None = None,
) -> pd.DataFrame:
    """One row per journey (of the drilled ones, when `drill` is given): customer_id, journey
    (its number for the customer: 1 without a session gap), persona, first and last (its
    first and last step's node: touchpoints, or stages at stage level), steps. By customer."""
    engine, options = _routed(source, options)
    with_sql, params, _pre = _steps(filters, options, drill)
    sql = (
        f"{with_sql},\n"
        "j_ends AS (SELECT cid, session_no, COUNT(*) AS steps, "
        "MAX(CASE WHEN step = 1 THEN node ELSE NULL END) AS first_node, "
        "MAX(CASE WHEN next_node IS NULL THEN node ELSE NULL END) AS last_node "
        "FROM j_st GROUP BY cid, session_no)\n"
        "SELECT cs.customer_id, e.session_no + 1 AS journey, cs.persona, e.first_node, "
        "e.last_node, e.steps FROM j_ends e JOIN customer_summary cs ON cs.cid = e.cid "
        "ORDER BY cs.customer_id, e.session_no"
    )
    df = _df(engine, sql, params, "journey_list").rename(
        columns={"first_node": "first", "last_node": "last"})
    return _typed(df, CUSTOMER_LIST_COLUMNS, ints=("journey", "steps"))


# -- drop-offs -------------------------------------------------------------------------------
def _touchpoint_journeys(options: FlowOptions) -> FlowOptions:
    # Drop-offs are touchpoints whatever the view's level; collapsing repeats changes
    # neither count, so the precomputed steps answer whenever the session gap allows.
    return FlowOptions(session_gap=options.session_gap, force_compute=options.force_compute)


def dropoffs(
    source: EngineLike, filters: Filters, options: FlowOptions = DEFAULT_FLOW
) -> pd.DataFrame:
    """Touchpoints ranked by drop-off rate = ending / passing (desc, then passing desc).

    passing: journeys with at least one event at the touchpoint; ending: journeys that did
    not convert and whose last event is at it. Always at touchpoint level; keep_repeats
    changes neither number (the set of touchpoints a journey passes and its last one do not
    depend on collapsing), so only the session gap and force_compute apply.
    """
    engine, options = _routed(source, _touchpoint_journeys(options))
    with_sql, params, pre = steps_with(filters, options)
    conv = journey_conversion_cte(filters, options, params, precomputed=pre)
    if pre:
        passing = (
            "j_pass AS (SELECT node, MIN(stage) AS stage, SUM(first_visit) AS passing "
            "FROM j_st GROUP BY node)"
        )
    else:
        passing = (
            "j_pass AS (SELECT node, MIN(stage) AS stage, COUNT(*) AS passing FROM ("
            "SELECT cid, session_no, node, MIN(stage) AS stage FROM j_st "
            "GROUP BY cid, session_no, node) j_v GROUP BY node)"
        )
    if pre and options.session_gap is not None:
        # Session steps: each row holds its session's highest stage, so no join.
        ctes = (
            f"{passing},\n"
            "j_end AS (SELECT node, COUNT(*) AS ending FROM j_st WHERE next_node IS NULL "
            f"AND {converted('max_stage_position', filters, params)} = 0 GROUP BY node)"
        )
    else:
        ctes = (
            f"{conv},\n{passing},\n"
            "j_end AS (SELECT s.node, COUNT(*) AS ending FROM j_st s JOIN j_conv c "
            "ON c.cid = s.cid AND c.session_no = s.session_no "
            "WHERE s.next_node IS NULL AND c.converted = 0 GROUP BY s.node)"
        )
    sql = (
        f"{with_sql},\n{ctes}\n"
        "SELECT p.node AS touchpoint, p.stage, p.passing, COALESCE(e.ending, 0) AS ending, "
        "CAST(COALESCE(e.ending, 0) AS DOUBLE) / p.passing AS dropoff_rate "
        "FROM j_pass p LEFT JOIN j_end e ON e.node = p.node "
        "ORDER BY dropoff_rate DESC, p.passing DESC, p.node"
    )
    return _typed(
        _df(engine, sql, params, "dropoffs"),
        ["touchpoint", "stage", "passing", "ending", "dropoff_rate"], ints=("passing", "ending"),
    )


def last_steps(
    source: EngineLike, filters: Filters, options: FlowOptions = DEFAULT_FLOW
) -> pd.DataFrame:
    """Journeys that did not convert, counted by their last touchpoint (and its stage).
    Like `dropoffs`, only the session gap and force_compute apply."""
    engine, options = _routed(source, _touchpoint_journeys(options))
    with_sql, params, pre = steps_with(filters, options)
    if pre and options.session_gap is not None:
        # Session steps: each row holds its session's highest stage, so no join.
        sql = (
            f"{with_sql}\n"
            "SELECT node AS touchpoint, MIN(stage) AS stage, COUNT(*) AS journeys FROM j_st "
            f"WHERE next_node IS NULL AND {converted('max_stage_position', filters, params)} = 0 "
            "GROUP BY node ORDER BY journeys DESC, touchpoint"
        )
    else:
        conv = journey_conversion_cte(filters, options, params, precomputed=pre)
        sql = (
            f"{with_sql},\n{conv}\n"
            "SELECT s.node AS touchpoint, MIN(s.stage) AS stage, COUNT(*) AS journeys "
            "FROM j_st s JOIN j_conv c ON c.cid = s.cid AND c.session_no = s.session_no "
            "WHERE s.next_node IS NULL AND c.converted = 0 "
            "GROUP BY s.node ORDER BY journeys DESC, touchpoint"
        )
    return _typed(
        _df(engine, sql, params, "last_steps"), ["touchpoint", "stage", "journeys"],
        ints=("journeys",),
    )


# -- network ---------------------------------------------------------------------------------
def network(
    source: EngineLike,
    filters: Filters,
    options: FlowOptions = DEFAULT_FLOW,
    *,
    min_transitions: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touchpoints (nodes) and the directly-follows edges between them (no start/end).

    nodes: touchpoint, stage, stage_position, channel (smallest value over its steps; a
    mapped touchpoint has one), customers, events. edges: source, target, transitions,
    customers, keeping edges with at least `min_transitions`. Always at touchpoint level and
    over whole journeys: only keep_repeats and force_compute apply.
    """
    engine, options = _routed(source, FlowOptions(keep_repeats=options.keep_repeats,
                                                  force_compute=options.force_compute))
    with_sql, params, pre = steps_with(filters, options)
    visit = "SUM(first_visit)" if pre else "COUNT(DISTINCT cid)"
    pair = "SUM(first_pair)" if pre else "COUNT(DISTINCT cid)"
    nodes = _df(
        engine,
        f"{with_sql}\nSELECT node AS touchpoint, MIN(stage) AS stage, "
        "MIN(stage_position) AS stage_position, MIN(channel) AS channel, "
        f"{visit} AS customers, SUM(events) AS events FROM j_st "
        "GROUP BY node ORDER BY stage_position NULLS LAST, touchpoint",
        params, "network nodes",
    )
    nodes = _typed(
        nodes, ["touchpoint", "stage", "stage_position", "channel", "customers", "events"],
        ints=("customers", "events"),
    )
    params["min_tr"] = int(min_transitions)
    edges = _df(
        engine,
        f"{with_sql}\nSELECT node AS source, next_node AS target, COUNT(*) AS transitions, "
        f"{pair} AS customers FROM j_st WHERE next_node IS NOT NULL "
        "GROUP BY node, next_node HAVING COUNT(*) >= $min_tr "
        "ORDER BY transitions DESC, source, target",
        params, "network edges",
    )
    edges = _typed(
        edges, ["source", "target", "transitions", "customers"], ints=("transitions", "customers")
    )
    return nodes, edges


# -- plain journeys (for display and tests) ------------------------------------------------------
def journeys(
    source: EngineLike,
    filters: Filters,
    options: FlowOptions = DEFAULT_FLOW,
    *,
    limit: int | None = None,
) -> pd.DataFrame:
    """Journey steps: customer_id, session_no, step, node, stage, last_ts, events (in the
    step), next_node, minutes_to_next; the first `limit` customers by id when given."""
    engine, options = _routed(source, options)
    with_sql, params, _pre = steps_with(filters, options)
    lim = ""
    if limit is not None:
        params["lim"] = int(limit)
        lim = (
            " WHERE cs.customer_id IN (SELECT customer_id FROM customer_summary "
            "WHERE cid IN (SELECT cid FROM j_st) ORDER BY customer_id LIMIT $lim)"
        )
    cols = [
        "customer_id", "session_no", "step", "node", "stage", "last_ts", "events",
        "next_node", "minutes_to_next",
    ]
    sql = (
        f"{with_sql}\nSELECT cs.customer_id, s.session_no, s.step, s.node, s.stage, s.last_ts, "
        "s.events, s.next_node, s.minutes_to_next FROM j_st s "
        f"JOIN customer_summary cs ON cs.cid = s.cid{lim} "
        "ORDER BY cs.customer_id, s.session_no, s.step"
    )
    return _typed(
        _df(engine, sql, params, "journeys"), cols,
        ints=("session_no", "step", "events"),
    )
