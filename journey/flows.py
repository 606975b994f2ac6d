"""Journeys as flows: the step Sankey, directly-follows transitions, top paths, drop-offs
and the touchpoint network.

A *journey* is a customer's events ordered by `ts, event_id` (event_id keeps import order,
so ties in time are broken the same way everywhere). With `session_gap` (minutes), a pause
longer than that starts a new journey. Consecutive repeats of the same node (touchpoint, or
stage at stage level) collapse into one *step* unless `keep_repeats`.

Every function builds one relation of steps (`derived.steps_ctes`) and aggregates it in SQL.
When the filters have no event condition, no session gap and no keep-repeats, the steps are
read from the precomputed `tp_steps` / `stage_steps` tables (same SQL, run at import time);
otherwise they are computed over the filtered events. Results are identical either way.

Counts called `customers` count journeys (one per customer without a session gap).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from journey import derived
from journey.filters import Filters

OTHER = "Other"
DROP_OFF = "Drop-off"
START = "(start)"
END = "(end)"
NO_STAGE = derived.NO_STAGE

MIN_STEPS, MAX_STEPS = 2, 15
LEVELS = ("touchpoint", "stage")


# -- building blocks ----------------------------------------------------------------------
def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be 'touchpoint' or 'stage' (got {level!r}).")


def _check_gap(session_gap: float | None) -> None:
    if session_gap is not None and not session_gap > 0:
        raise ValueError(f"session_gap must be a positive number of minutes (got {session_gap}).")


def uses_precomputed(filters: Filters, *, keep_repeats: bool, session_gap: float | None) -> bool:
    """Whether the precomputed step tables answer this question (no per-query windows)."""
    return not filters.has_event_conditions and session_gap is None and not keep_repeats


def summary_scope(filters: Filters, params: dict[str, Any], alias: str = "t") -> str:
    """A condition on `{alias}.cid` picking the customers that pass the customer conditions,
    read from the precomputed tables (valid only without a date range: then it matches
    `Filters.customer_scope_sql`, which tests check). Empty string when all pass.
    """
    conds: list[str] = []
    if filters.personas:
        conds.append(filters._in("cs.persona", "s_persona", filters.personas, params))
    for i, tp in enumerate(filters.includes):
        params[f"s_inc_{i}"] = tp
        conds.append(f"cs.cid IN (SELECT ts_.cid FROM tp_steps ts_ WHERE ts_.node = $s_inc_{i})")
    if filters.outcome:
        pos = _conv_position(filters, params)
        reached = f"CASE WHEN cs.max_stage_position >= {pos} THEN 1 ELSE 0 END"
        conds.append(f"{reached} = {1 if filters.outcome == 'converted' else 0}")
    if not conds:
        return ""
    return f"{alias}.cid IN (SELECT cs.cid FROM customer_summary cs WHERE {' AND '.join(conds)})"


def event_source(filters: Filters) -> tuple[str, dict[str, Any], bool]:
    """SELECT of the events in the filter (journey_events' columns), its params, and whether
    it holds whole journeys (no event condition: the precomputed neighbours are valid).

    Customer conditions are read from `customer_summary` / `tp_steps` (by cid) unless a date
    range narrows what they are judged on; then `Filters.customer_scope_sql` does it.
    """
    params: dict[str, Any] = {}
    conds = filters._event_conds("je", params)
    if filters.since or filters.until:
        scope = filters.customer_scope_sql(params)
        if scope:
            conds.append(f"je.customer_id IN ({scope})")
    else:
        scope = summary_scope(filters, params, alias="je")
        if scope:
            conds.append(scope)
    sql = "SELECT je.* FROM journey_events je"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    return sql, params, not filters.has_event_conditions


def steps_with(
    filters: Filters,
    *,
    level: str = "touchpoint",
    keep_repeats: bool = False,
    session_gap: float | None = None,
    force_compute: bool = False,
) -> tuple[str, dict[str, Any], bool]:
    """`WITH ...` text defining the CTE `j_st` (one row per journey step), its params, and
    whether it reads the precomputed tables (which add the first_visit/first_pair flags).

    Without event conditions but with keep_repeats or a session gap, the steps are built
    from journey_events' precomputed neighbours (no per-event window). `force_compute`
    skips every precomputed shortcut (tests use it to compare the paths).
    """
    _check_level(level)
    _check_gap(session_gap)
    if not force_compute and uses_precomputed(
        filters, keep_repeats=keep_repeats, session_gap=session_gap
    ):
        params: dict[str, Any] = {}
        table = "tp_steps" if level == "touchpoint" else "stage_steps"
        scope = summary_scope(filters, params)
        where = f" WHERE {scope}" if scope else ""
        return f"WITH j_st AS (SELECT t.* FROM {table} t{where})", params, True
    if force_compute:
        sql, params = filters.events_sql()
        whole = False
    else:
        sql, params, whole = event_source(filters)
    if session_gap is not None:
        params["gap_us"] = float(session_gap) * 60_000_000.0
    ctes = derived.steps_ctes(
        "fe", level=level, keep_repeats=keep_repeats, session=session_gap is not None,
        whole=whole,
    )
    return f"WITH fe AS ({sql}),\n{ctes}", params, False


def _conv_position(filters: Filters, params: dict[str, Any]) -> str:
    """SQL for the conversion stage's position (NULL if the stage is unknown: nobody converts)."""
    params["conv_stage"] = filters.conversion_stage
    return "(SELECT MIN(position) FROM stages WHERE stage = $conv_stage)"


def _journey_conversion_cte(
    filters: Filters, params: dict[str, Any], session_gap: float | None, precomputed: bool
) -> str:
    """CTE `j_conv(cid, session_no, converted)` over the journeys of `j_st`.

    Without a session gap, converted is judged as filters.py judges it: on the customer's
    events in the date range, not narrowed by stage/channel/device/touchpoint filters (a
    stage filter must not turn buyers into drop-outs). With a session gap, each session is
    judged on its own (filtered) events: a browsing session before a buying one did end
    unbought.
    """
    pos = _conv_position(filters, params)
    if session_gap is None:
        if precomputed:
            src = (
                "j_cust AS (SELECT cid, CASE WHEN max_stage_position >= "
                f"{pos} THEN 1 ELSE 0 END AS converted FROM customer_summary),\n"
            )
        else:
            where = filters._dates("je.ts", params)
            w = f" WHERE {' AND '.join(where)}" if where else ""
            src = (
                "j_cust AS (SELECT je.cid, MAX(CASE WHEN je.stage_position >= "
                f"{pos} THEN 1 ELSE 0 END) AS converted FROM journey_events je{w} "
                "GROUP BY je.cid),\n"
            )
        return src + (
            "j_conv AS (SELECT j.cid, j.session_no, COALESCE(c.converted, 0) AS converted "
            "FROM j_st j LEFT JOIN j_cust c ON c.cid = j.cid WHERE j.step = 1)"
        )
    # A session's furthest stage: from its steps (stage_position of each step's events is
    # the touchpoint's, constant within a step unless the file itself varies it).
    return (
        "j_conv AS (SELECT cid, session_no, MAX(CASE WHEN stage_position >= "
        f"{pos} THEN 1 ELSE 0 END) AS converted FROM j_st GROUP BY cid, session_no)"
    )


def _df(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    return cur.execute(sql, params).df()


# -- Sankey ---------------------------------------------------------------------------------
def _check_steps(steps: int) -> int:
    try:
        n = int(steps)
    except (TypeError, ValueError):
        raise ValueError(f"steps must be a whole number from 2 to 15 (got {steps!r}).") from None
    if not MIN_STEPS <= n <= MAX_STEPS:
        raise ValueError(f"steps must be from {MIN_STEPS} to {MAX_STEPS} (got {n}).")
    return n


def _node_id(step: int, name: str) -> str:
    return f"{step} · {name}"


def sankey_sql(
    filters: Filters,
    *,
    level: str = "touchpoint",
    steps: int = 5,
    top: int = 8,
    start_at: str | None = None,
    end_at: str | None = None,
    keep_repeats: bool = False,
    session_gap: float | None = None,
    force_compute: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The Sankey's one query: rows (pos, label, is_other, next_label, next_is_other, ends, n)
    plus one row with pos 0 whose n is the number of journeys in the filter.

    The journey rows are first aggregated to (pos, node, next_node, ends) - a few hundred
    rows - and the top-K ranking and folding into Other run on that small table.
    """
    steps = _check_steps(steps)
    if int(top) < 1:
        raise ValueError(f"top must be at least 1 (got {top}).")
    with_sql, params, _pre = steps_with(
        filters, level=level, keep_repeats=keep_repeats, session_gap=session_gap,
        force_compute=force_compute,
    )
    params["steps"] = steps
    params["top"] = int(top)
    start_at = start_at or None
    end_at = end_at or None
    if start_at is not None:
        params["start_at"] = start_at
    if end_at is not None:
        params["end_at"] = end_at

    if start_at is None and end_at is None:
        pos = (
            "j_pos AS (SELECT step AS pos, node, next_node, "
            "CASE WHEN next_node IS NULL THEN 1 ELSE 0 END AS ends FROM j_st "
            "WHERE step <= $steps)"
        )
    elif end_at is None:
        # From the first occurrence of X; the journey may end (drop off) afterwards.
        pos = (
            "j_anc AS (SELECT cid, session_no, MIN(step) AS a FROM j_st "
            "WHERE node = $start_at GROUP BY cid, session_no),\n"
            "j_pos AS (SELECT s.step - a.a + 1 AS pos, s.node, s.next_node, "
            "CASE WHEN s.next_node IS NULL THEN 1 ELSE 0 END AS ends "
            "FROM j_st s JOIN j_anc a ON a.cid = s.cid AND a.session_no = s.session_no "
            "WHERE s.step >= a.a AND s.step < a.a + $steps)"
        )
    else:
        # Right-aligned on the first occurrence of Y (the first one at or after X's first
        # occurrence when both are given): every kept journey reaches the last step, so
        # there is no drop-off.
        if start_at is None:
            anc = (
                "j_anc AS (SELECT cid, session_no, 1 AS a, MIN(step) AS b FROM j_st "
                "WHERE node = $end_at GROUP BY cid, session_no),\n"
            )
        else:
            anc = (
                "j_ax AS (SELECT cid, session_no, MIN(step) AS a FROM j_st "
                "WHERE node = $start_at GROUP BY cid, session_no),\n"
                "j_anc AS (SELECT s.cid, s.session_no, MIN(x.a) AS a, MIN(s.step) AS b "
                "FROM j_st s JOIN j_ax x ON x.cid = s.cid AND x.session_no = s.session_no "
                "WHERE s.node = $end_at AND s.step >= x.a GROUP BY s.cid, s.session_no),\n"
            )
        pos = anc + (
            "j_pos AS (SELECT $steps - (a.b - s.step) AS pos, s.node, s.next_node, 0 AS ends "
            "FROM j_st s JOIN j_anc a ON a.cid = s.cid AND a.session_no = s.session_no "
            "WHERE s.step >= a.a AND s.step > a.b - $steps AND s.step <= a.b)"
        )
    sql = (
        f"{with_sql},\n{pos},\n"
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
        "SELECT pos, label, is_other, next_label, next_is_other, ends, SUM(n) AS n "
        "FROM j_lab GROUP BY pos, label, is_other, next_label, next_is_other, ends\n"
        "UNION ALL\n"
        "SELECT 0 AS pos, NULL AS label, 0 AS is_other, NULL AS next_label, "
        "NULL AS next_is_other, 0 AS ends, COUNT(*) AS n FROM j_st WHERE step = 1"
    )
    return sql, params


def sankey(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    level: str = "touchpoint",
    steps: int = 5,
    top: int = 8,
    start_at: str | None = None,
    end_at: str | None = None,
    keep_repeats: bool = False,
    session_gap: float | None = None,
    force_compute: bool = False,
) -> dict[str, Any]:
    """Step-indexed Sankey of journeys.

    Returns `journeys` (journeys in the filter, before any anchor), `anchored_journeys`
    (journeys drawn: those containing the anchor(s); equals journeys without an anchor),
    `steps`, `nodes` and `links`. Shares are of `journeys`. Node ids are "step · name";
    a link with target None ends the journey after its source (target_id "s+1 · Drop-off").
    Raises ValueError for steps outside 2..15, top < 1, an unknown level or a bad gap.
    """
    sql, params = sankey_sql(
        filters, level=level, steps=steps, top=top, start_at=start_at, end_at=end_at,
        keep_repeats=keep_repeats, session_gap=session_gap, force_compute=force_compute,
    )
    return _sankey_from_rows(
        cur.execute(sql, params).fetchall(), steps=int(steps), right_aligned=bool(end_at)
    )


def _sankey_from_rows(rows: list[tuple], *, steps: int, right_aligned: bool) -> dict[str, Any]:
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

    def share(n: int) -> float:
        return n / journeys if journeys else 0.0

    out_nodes: list[dict[str, Any]] = []
    for (pos, label, is_other), n in nodes.items():
        nm = name(label, is_other)
        out_nodes.append({
            "id": _node_id(pos, nm), "step": pos, "name": nm, "customers": n,
            "share": share(n), "kind": "other" if is_other else "node",
        })
    drop_by_step: dict[int, int] = {}
    for (pos, _label, _other), n in drops.items():
        drop_by_step[pos + 1] = drop_by_step.get(pos + 1, 0) + n
    for step, n in drop_by_step.items():
        out_nodes.append({
            "id": _node_id(step, DROP_OFF), "step": step, "name": DROP_OFF, "customers": n,
            "share": share(n), "kind": "dropoff",
        })
    kind_order = {"node": 0, "other": 1, "dropoff": 2}
    out_nodes.sort(key=lambda d: (d["step"], kind_order[d["kind"]], -d["customers"], d["name"]))

    out_links: list[dict[str, Any]] = []
    for (pos, label, is_other, nlabel, nother), n in links.items():
        src, tgt = name(label, is_other), name(nlabel, nother)
        out_links.append({
            "step": pos, "source": src, "target": tgt, "source_id": _node_id(pos, src),
            "target_id": _node_id(pos + 1, tgt), "customers": n, "share": share(n),
        })
    for (pos, label, is_other), n in drops.items():
        src = name(label, is_other)
        out_links.append({
            "step": pos, "source": src, "target": None, "source_id": _node_id(pos, src),
            "target_id": _node_id(pos + 1, DROP_OFF), "customers": n, "share": share(n),
        })
    out_links.sort(key=lambda d: (
        d["step"], -d["customers"], d["source"], d["target"] is None, d["target"] or ""
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
    "source", "target", "transitions", "customers", "median_minutes", "share_of_source"
]


def transitions(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    level: str = "touchpoint",
    keep_repeats: bool = False,
    session_gap: float | None = None,
    force_compute: bool = False,
) -> pd.DataFrame:
    """Directly-follows pairs between steps, with START/END markers.

    `transitions`: how many times the pair occurs; `customers`: distinct customers making it;
    `median_minutes`: from the source step's last event to the target step's first event
    (NaN for START/END rows); `share_of_source`: transitions / all outgoing of the source.
    """
    with_sql, params, pre = steps_with(
        filters, level=level, keep_repeats=keep_repeats, session_gap=session_gap,
        force_compute=force_compute,
    )
    params["start_marker"] = START
    params["end_marker"] = END
    # Precomputed: first_pair marks a customer's first such transition, so a SUM counts
    # customers without a COUNT(DISTINCT) (the costliest part at 10M events).
    fp, customers = ("first_pair", "SUM(fp)") if pre else ("0", "COUNT(DISTINCT cid)")
    sql = (
        f"{with_sql},\n"
        "j_pairs AS (SELECT cid, $start_marker AS source, node AS target, "
        "CAST(NULL AS DOUBLE) AS minutes, 1 AS fp FROM j_st WHERE step = 1 "
        "UNION ALL SELECT cid, node AS source, COALESCE(next_node, $end_marker) AS target, "
        f"minutes_to_next AS minutes, {fp} AS fp FROM j_st),\n"
        "j_agg AS (SELECT source, target, COUNT(*) AS transitions, "
        f"{customers} AS customers, MEDIAN(minutes) AS median_minutes "
        "FROM j_pairs GROUP BY source, target)\n"
        "SELECT source, target, transitions, customers, median_minutes, "
        "transitions * 1.0 / SUM(transitions) OVER (PARTITION BY source) AS share_of_source "
        "FROM j_agg ORDER BY transitions DESC, source, target"
    )
    return _typed(_df(cur, sql, params), TRANSITION_COLUMNS, ints=("transitions", "customers"))


def _typed(df: pd.DataFrame, columns: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:
    df = df[columns] if len(df.columns) else pd.DataFrame(columns=columns)
    for c in ints:
        df[c] = df[c].astype("int64")
    return df.reset_index(drop=True)


# -- top paths -------------------------------------------------------------------------------
def top_paths(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    level: str = "touchpoint",
    steps: int = 5,
    limit: int = 20,
    keep_repeats: bool = False,
    session_gap: float | None = None,
    force_compute: bool = False,
) -> pd.DataFrame:
    """The most common journey beginnings (up to `steps` steps), with their share of journeys.

    Sorted by customers desc, then path_text.
    """
    n = _check_steps(steps)
    with_sql, params, _pre = steps_with(
        filters, level=level, keep_repeats=keep_repeats, session_gap=session_gap,
        force_compute=force_compute,
    )
    params["steps"] = n
    # One column per step (names generated from an int, never user text): a pivot Spark
    # runs as is, where an ordered list aggregate would not travel.
    cols = [f"s{k}" for k in range(1, n + 1)]
    pivot = ", ".join(
        f"MAX(CASE WHEN step = {k} THEN node ELSE NULL END) AS s{k}" for k in range(1, n + 1)
    )
    sql = (
        f"{with_sql},\n"
        f"j_p AS (SELECT cid, session_no, {pivot} FROM j_st WHERE step <= $steps "
        "GROUP BY cid, session_no),\n"
        f"j_g AS (SELECT {', '.join(cols)}, COUNT(*) AS customers, "
        "SUM(COUNT(*)) OVER () AS journeys, RANK() OVER (ORDER BY COUNT(*) DESC) AS rk "
        f"FROM j_p GROUP BY {', '.join(cols)})\n"
        # Nearly every long path is unique: only ship the top (ties at the cut included,
        # so the final order by path_text below is exact).
        f"SELECT {', '.join(cols)}, customers, journeys FROM j_g WHERE rk <= $limit"
    )
    params["limit"] = max(int(limit), 0)
    rows = cur.execute(sql, params).fetchall()
    out = []
    for row in rows:
        path = [x for x in row[:n] if x is not None]
        out.append({
            "path": path, "path_text": " → ".join(path), "customers": int(row[n]),
            "share": int(row[n]) / float(row[n + 1]),
        })
    out.sort(key=lambda d: (-d["customers"], d["path_text"]))
    cols_out = ["path", "path_text", "customers", "share"]
    return _typed(pd.DataFrame(out[: max(int(limit), 0)], columns=cols_out), cols_out,
                  ints=("customers",))


# -- drop-offs -------------------------------------------------------------------------------
def dropoffs(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    keep_repeats: bool = False,
    session_gap: float | None = None,
    force_compute: bool = False,
) -> pd.DataFrame:
    """Touchpoints ranked by drop-off rate = ending / passing (desc, then passing desc).

    passing: journeys with at least one event at the touchpoint; ending: journeys that did
    not convert and whose last event is at it. keep_repeats changes neither number (the set
    of touchpoints a journey passes and its last one do not depend on collapsing); it is
    accepted so that every flow function takes the same options.
    """
    with_sql, params, pre = steps_with(
        filters, level="touchpoint", session_gap=session_gap, force_compute=force_compute
    )
    conv = _journey_conversion_cte(filters, params, session_gap, pre)
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
    sql = (
        f"{with_sql},\n{conv},\n{passing},\n"
        "j_end AS (SELECT s.node, COUNT(*) AS ending FROM j_st s JOIN j_conv c "
        "ON c.cid = s.cid AND c.session_no = s.session_no "
        "WHERE s.next_node IS NULL AND c.converted = 0 GROUP BY s.node)\n"
        "SELECT p.node AS touchpoint, p.stage, p.passing, COALESCE(e.ending, 0) AS ending, "
        "COALESCE(e.ending, 0) * 1.0 / p.passing AS dropoff_rate "
        "FROM j_pass p LEFT JOIN j_end e ON e.node = p.node "
        "ORDER BY dropoff_rate DESC, p.passing DESC, p.node"
    )
    return _typed(
        _df(cur, sql, params), ["touchpoint", "stage", "passing", "ending", "dropoff_rate"],
        ints=("passing", "ending"),
    )


def last_steps(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    session_gap: float | None = None,
    force_compute: bool = False,
) -> pd.DataFrame:
    """Journeys that did not convert, counted by their last touchpoint (and its stage)."""
    with_sql, params, pre = steps_with(
        filters, level="touchpoint", session_gap=session_gap, force_compute=force_compute
    )
    conv = _journey_conversion_cte(filters, params, session_gap, pre)
    sql = (
        f"{with_sql},\n{conv}\n"
        "SELECT s.node AS touchpoint, MIN(s.stage) AS stage, COUNT(*) AS journeys "
        "FROM j_st s JOIN j_conv c ON c.cid = s.cid AND c.session_no = s.session_no "
        "WHERE s.next_node IS NULL AND c.converted = 0 "
        "GROUP BY s.node ORDER BY journeys DESC, touchpoint"
    )
    return _typed(_df(cur, sql, params), ["touchpoint", "stage", "journeys"], ints=("journeys",))


# -- network ---------------------------------------------------------------------------------
def network(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    min_transitions: int = 1,
    keep_repeats: bool = False,
    force_compute: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touchpoints (nodes) and the directly-follows edges between them (no start/end).

    nodes: touchpoint, stage, stage_position, channel (smallest value over its steps; a
    mapped touchpoint has one), customers, events. edges: source, target, transitions,
    customers, keeping edges with at least `min_transitions`.
    """
    with_sql, params, pre = steps_with(
        filters, level="touchpoint", keep_repeats=keep_repeats, force_compute=force_compute
    )
    visit = "SUM(first_visit)" if pre else "COUNT(DISTINCT cid)"
    pair = "SUM(first_pair)" if pre else "COUNT(DISTINCT cid)"
    nodes = _df(
        cur,
        f"{with_sql}\nSELECT node AS touchpoint, MIN(stage) AS stage, "
        "MIN(stage_position) AS stage_position, MIN(channel) AS channel, "
        f"{visit} AS customers, SUM(events) AS events FROM j_st "
        "GROUP BY node ORDER BY stage_position NULLS LAST, touchpoint",
        params,
    )
    nodes = _typed(
        nodes, ["touchpoint", "stage", "stage_position", "channel", "customers", "events"],
        ints=("customers", "events"),
    )
    params["min_tr"] = int(min_transitions)
    edges = _df(
        cur,
        f"{with_sql}\nSELECT node AS source, next_node AS target, COUNT(*) AS transitions, "
        f"{pair} AS customers FROM j_st WHERE next_node IS NOT NULL "
        "GROUP BY node, next_node HAVING COUNT(*) >= $min_tr "
        "ORDER BY transitions DESC, source, target",
        params,
    )
    edges = _typed(
        edges, ["source", "target", "transitions", "customers"], ints=("transitions", "customers")
    )
    return nodes, edges


# -- plain journeys (for display and tests) ------------------------------------------------------
def journeys(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    level: str = "touchpoint",
    keep_repeats: bool = False,
    session_gap: float | None = None,
    limit: int | None = None,
    force_compute: bool = False,
) -> pd.DataFrame:
    """Journey steps: customer_id, session_no, step, node, stage, last_ts, events (in the
    step), next_node, minutes_to_next; the first `limit` customers by id when given."""
    with_sql, params, _pre = steps_with(
        filters, level=level, keep_repeats=keep_repeats, session_gap=session_gap,
        force_compute=force_compute,
    )
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
    return _typed(_df(cur, sql, params), cols, ints=("session_no", "step", "events"))
