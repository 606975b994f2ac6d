"""Journey steps inside a date range, from the precomputed neighbours: no per-event sort.

A date range alone (no stage / channel / device / touchpoint condition) keeps, for each
customer, a *contiguous* run of their events: `seq` follows `ts` (ties by event id), so the
events with `since <= ts < until` are the seqs q0..q1 of that customer. Collapsing the
consecutive repeats of a contiguous run gives the contiguous run of the whole journey's
collapsed steps that overlap it (the nodes do not change; only the first and the last step
may hold fewer events). So, per kept event:

- its step number in the range is the precomputed `tp_step` / `stage_step` minus the
  customer's first step in the range, plus 1 (with repeats kept: `seq - q0 + 1`);
- its next event is the precomputed `next_*` when `next_ts` is before the range's end
  (`next_ts >= ts >= since` always holds), else the journey ends there;
- the first step in the range starts at `max(step_seq, q0)`.

The customer's first step and first seq in the range are one partition-only aggregate
(`MIN(...) OVER (PARTITION BY cid)`, which DuckDB runs as a GROUP BY cid joined back), not a
window sorted by time: at 1M events, a third less CPU than the per-event LEAD / ROW_NUMBER
pass over the kept events. The CTEs produced here
have the very names and columns of `derived.steps_ctes` (`j_e2` per event, `j_st` per step),
so every flow question reads either one; tests compare both on the same filters.
"""

from __future__ import annotations

from journey.db.derived import (
    EVERY_EVENT_A_STEP,
    MINUTES_TO_NEXT,
    event_pass_ctes,
    next_node_column,
    node_expr,
)

# The customer's partition: no ORDER BY, so no sort by time.
_P = "PARTITION BY cid"
# Journey order over the kept events (only a session split needs one).
_W = "PARTITION BY cid ORDER BY g"


def range_steps_ctes(
    source: str, *, level: str, keep_repeats: bool, session: bool, until: str | None,
    events_only: bool = False,
) -> str:
    """CTE definitions (without WITH) ending in `j_st` (or `j_e2` with `events_only`), the same
    rows as `derived.steps_ctes(source, ..., whole=False)` when `source` is a date range of
    whole journeys (journey_events' columns, including `seq`, `next_*`, `next_ts`, the step
    numbers and `*_step_seq`; every event of each customer with `since <= ts < until`).

    `until`: the SQL expression of the range's (exclusive) end, e.g. a bound parameter, or
    None when the range has no end (then every next event is inside it).
    """
    node = node_expr(level)
    step_col, step_seq = ("tp_step", "tp_step_seq") if level == "touchpoint" else (
        "stage_step", "stage_step_seq")
    inside = "next_ts IS NOT NULL" if until is None else f"next_ts < {until}"
    e0 = (
        f"j_e0 AS (SELECT cid, g, ts, {node} AS node, stage, stage_position, channel, "
        f"seq - MIN(seq) OVER ({_P}) + 1 AS rn, "
        f"CASE WHEN {inside} THEN {next_node_column(level)} ELSE NULL END AS next_node0, "
        f"CASE WHEN {inside} THEN next_ts ELSE NULL END AS next_ts0, "
        f"{step_col} - MIN({step_col}) OVER ({_P}) + 1 AS gstep, "
        f"{step_seq} - MIN(seq) OVER ({_P}) + 1 AS gstep_rn FROM {source})"
    )
    minutes = MINUTES_TO_NEXT
    out = event_pass_ctes(e0, session=session, carry="gstep, gstep_rn, ")
    if events_only:
        return out.rstrip().rstrip(",")
    if not session and keep_repeats:
        return out + EVERY_EVENT_A_STEP
    if not session:
        # A step's last event in the range stands for it; the first step in the range may
        # have started before it (gstep_rn < 1): it counts from the range's first event.
        return out + (
            "j_st AS (SELECT cid, 0 AS session_no, CAST(gstep AS BIGINT) AS step, node, stage, "
            "stage_position, channel, ts AS last_ts, "
            "rn - CASE WHEN gstep_rn < 1 THEN 1 ELSE gstep_rn END + 1 AS events, next_node, "
            f"{minutes} FROM j_e2 WHERE next_node IS NULL OR next_node <> node)"
        )
    # With a session gap: as `derived.steps_ctes(whole=True)`, on the range's own numbers.
    last_of_step = "" if keep_repeats else " WHERE next_node IS NULL OR next_node <> node"
    nxt = "rn + 1" if keep_repeats else (
        "gstep + CASE WHEN next_node0 <> node THEN 1 ELSE 0 END"
    )
    frame = f"OVER ({_W} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    own = "rn" if keep_repeats else "gstep"
    return out + (
        f"j_e3 AS (SELECT j_e2.*, COALESCE(SUM(ends_session) {frame}, 0) AS session_no, "
        f"COALESCE(MAX(CASE WHEN ends_session = 1 THEN {nxt} ELSE NULL END) {frame}, 1) "
        "AS first_step, "
        f"rn - COALESCE(LAG(rn) OVER ({_W}), 0) AS events FROM j_e2{last_of_step}),\n"
        f"j_st AS (SELECT cid, session_no, {own} - first_step + 1 AS step, node, stage, "
        f"stage_position, channel, ts AS last_ts, events, next_node, {minutes} FROM j_e3)"
    )


def whole_event_steps_cte(source: str, *, level: str) -> str:
    """Not a range, the same reading of the precomputed neighbours: `j_st` over whole
    journeys with repeats kept and no session gap. Every event is a step, numbered by its
    `seq`, its next step the precomputed next event: the rows of `derived.steps_ctes(source,
    keep_repeats=True, session=False, whole=True)` in one CTE (a shorter plan: at 1M events
    the planning was a fifth of the query)."""
    return (
        f"j_st AS (SELECT cid, 0 AS session_no, seq AS step, {node_expr(level)} AS node, stage, "
        "stage_position, channel, ts AS last_ts, 1 AS events, "
        f"{next_node_column(level)} AS next_node, "
        "DATE_DIFF('microsecond', ts, next_ts) / 60000000.0 AS minutes_to_next "
        f"FROM {source})"
    )
