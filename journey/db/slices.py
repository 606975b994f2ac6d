"""Per-device and per-channel step tables: each customer's journey on one device (channel).

`device_steps` / `channel_steps` hold, for every customer and every device (channel) they
used, the steps of the journey made of only that device's (channel's) events, at both
levels (`level` = 'touchpoint' | 'stage'), with the columns of `tp_steps` (cid, session_no,
step, node, stage, stage_position, channel, last_ts, events, next_node, minutes_to_next,
first_visit, first_pair) plus `level` and the slice value (`device`, or `slice_channel`: the
step rows already have a `channel` column, the channel of the step's last event, which in a
channel slice is the slice value itself). Events with no device (channel) are in no slice.

They are `steps_ctes` over journey_events filtered to one value, partitioned by (cid, value)
instead of cid: the rows a one-device (one-channel) filter computes per query, so the flow
questions read them (`scope.steps_with`) and give the computed path's very numbers. The
flags first_visit / first_pair are the customer's first step at a node / first such pair
within the slice, so "distinct customers" stays a SUM.

Two window passes per dimension over the events serve both levels (the neighbours of each
event in its slice, then the running step numbers), as journey_events does for whole
journeys. Built with the other derived tables when the store's fast-filters setting is on
(`derived._per_customer_tables(extras=True)`: full, batched and per-customer refresh alike;
off, they do not exist and one device / one channel is computed per query). Cost at 1M
events (scripts/bench_derive.py): ~4.5 s CPU per dimension, about as much as all the other
derived tables together.
"""

from __future__ import annotations

# The dimension -> (journey_events column, the slice column in the step table).
DIMENSIONS = {"device": ("device", "device"), "channel": ("channel", "slice_channel")}
TABLES = {"device": "device_steps", "channel": "channel_steps"}


def slice_steps_select(source: str, dimension: str, no_stage: str) -> str:
    """The SELECT of `TABLES[dimension]` over `source` (journey_events' columns, whole
    journeys of some customers). `no_stage` is the stage-level node of an event without a
    stage (a code constant: derived.NO_STAGE).

    Like journey_events' own step numbers: one window pass finds each event's neighbours in
    its slice (both levels), a second numbers the steps of both levels (running counts of
    step starts, and the rank of the step's first event: its size), both over the same
    (cid, value) partitions; a step row is then the step's last event, for each level (one
    scan against the two levels, so the event rows are streamed, not copied). The first
    visit / first pair flags are a GROUP BY of the step rows joined back, as in tp_steps."""
    col, out = DIMENSIONS[dimension]
    w = "PARTITION BY cid, sv ORDER BY g"
    run = f"OVER ({w} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    tp_start = "CASE WHEN prev_tp IS NULL OR prev_tp <> touchpoint THEN 1 ELSE 0 END"
    sn_start = "CASE WHEN prev_sn IS NULL OR prev_sn <> stage_node THEN 1 ELSE 0 END"
    return f"""
WITH s_e0 AS (SELECT cid, g, ts, sv, touchpoint, stage, stage_position, channel, stage_node,
       ROW_NUMBER() OVER ({w}) AS rn,
       LAG(touchpoint) OVER ({w}) AS prev_tp, LAG(stage_node) OVER ({w}) AS prev_sn,
       LEAD(touchpoint) OVER ({w}) AS next_tp, LEAD(stage_node) OVER ({w}) AS next_sn,
       LEAD(ts) OVER ({w}) AS next_ts
    FROM (SELECT cid, g, ts, {col} AS sv, touchpoint, stage, stage_position, channel,
          COALESCE(stage, '{no_stage}') AS stage_node FROM {source}
          WHERE {col} IS NOT NULL) s_in),
s_e1 AS (SELECT cid, g, ts, sv, touchpoint, stage, stage_position, channel, stage_node, rn,
       next_tp, next_sn, next_ts,
       SUM({tp_start}) {run} AS tp_step, SUM({sn_start}) {run} AS sn_step,
       MAX(CASE WHEN {tp_start} = 1 THEN rn ELSE NULL END) {run} AS tp_first,
       MAX(CASE WHEN {sn_start} = 1 THEN rn ELSE NULL END) {run} AS sn_first
    FROM s_e0),
j_st AS (SELECT CASE WHEN k.k = 0 THEN 'touchpoint' ELSE 'stage' END AS level, sv, cid,
       0 AS session_no, CAST(CASE WHEN k.k = 0 THEN tp_step ELSE sn_step END AS BIGINT) AS step,
       CASE WHEN k.k = 0 THEN touchpoint ELSE stage_node END AS node, stage, stage_position,
       channel, ts AS last_ts, rn - CASE WHEN k.k = 0 THEN tp_first ELSE sn_first END + 1
       AS events, CASE WHEN k.k = 0 THEN next_tp ELSE next_sn END AS next_node,
       DATE_DIFF('microsecond', ts, next_ts) / 60000000.0 AS minutes_to_next
    FROM s_e1 CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 AS k) k
    WHERE (k.k = 0 AND (next_tp IS NULL OR next_tp <> touchpoint))
       OR (k.k = 1 AND (next_sn IS NULL OR next_sn <> stage_node))),
j_fv AS (SELECT level, sv, cid, MIN(step) AS step FROM j_st GROUP BY level, sv, cid, node),
j_fp AS (SELECT level, sv, cid, MIN(step) AS step FROM j_st
    GROUP BY level, sv, cid, node, next_node)
SELECT j_st.level, j_st.sv AS {out}, j_st.cid, j_st.session_no, j_st.step, j_st.node,
       j_st.stage, j_st.stage_position, j_st.channel, j_st.last_ts, j_st.events,
       j_st.next_node, j_st.minutes_to_next,
       CASE WHEN fv.step IS NULL THEN 0 ELSE 1 END AS first_visit,
       CASE WHEN fp.step IS NULL THEN 0 ELSE 1 END AS first_pair
FROM j_st
LEFT JOIN j_fv fv ON fv.level = j_st.level AND fv.sv = j_st.sv AND fv.cid = j_st.cid
    AND fv.step = j_st.step
LEFT JOIN j_fp fp ON fp.level = j_st.level AND fp.sv = j_st.sv AND fp.cid = j_st.cid
    AND fp.step = j_st.step"""


def relation(dimension: str, level: str, param: str) -> str:
    """The slice table's rows of one level and the value bound to `$param`, with tp_steps'
    columns (a parenthesised SELECT for a FROM clause)."""
    if level not in ("touchpoint", "stage"):
        raise ValueError(f"level must be 'touchpoint' or 'stage' (got {level!r}).")
    _col, out = DIMENSIONS[dimension]
    return (
        "(SELECT cid, session_no, step, node, stage, stage_position, channel, last_ts, events, "
        f"next_node, minutes_to_next, first_visit, first_pair FROM {TABLES[dimension]} "
        f"WHERE level = '{level}' AND {out} = ${param})"
    )
