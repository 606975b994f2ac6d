"""Tables derived from the imported data, rebuilt after every write.

`journey_events` is what every query reads: each event with its effective stage
(the touchpoint map wins, the file's own stage is the fallback, so editing the map
re-stages history without touching what was imported), the customer's persona, and
its position in the customer's journey.

On top of it, precomputed tables make the common (unfiltered-by-event) questions cheap:

- `tp_steps` / `stage_steps`: one row per collapsed step of each customer's journey at
  touchpoint / stage level, with the next step's node and the minutes to it. The Sankey,
  transitions, paths, drop-offs and network read these when no event condition, no session
  gap and no "keep repeats" is asked for; otherwise the very same SQL (`steps_ctes`) runs
  over the filtered events, so both paths agree by construction (and tests check it).
- `device_switches`: only the events where a customer's device changes (a small table).
- `customer_summary`: per customer first/last event, event count, devices used, furthest
  stage.

Everything is rebuilt from scratch inside the writing transaction: simpler than incremental
maintenance and always correct after an import or a removal; see scripts/bench_queries.py for
what it costs at 1M/10M events.
"""

from __future__ import annotations

import duckdb

# Node name at stage level for events whose touchpoint has no stage (neither in the map nor
# in the file). A code constant, never user text, so it may sit in the SQL as a literal.
NO_STAGE = "(no stage)"

JOURNEY_EVENTS_SQL = """
CREATE OR REPLACE TABLE customer_persona AS
SELECT customer_id, persona FROM (
    SELECT customer_id, persona,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY import_id DESC) AS rn
    FROM customers
) WHERE rn = 1;

-- cid: a dense integer key per customer. Windows and joins on it are much cheaper than on
-- the VARCHAR id (it changes with every rebuild: never store or show it).
CREATE OR REPLACE TEMP TABLE customer_keys AS
SELECT customer_id, CAST(ROW_NUMBER() OVER (ORDER BY customer_id) AS INTEGER) AS cid
FROM (SELECT DISTINCT customer_id FROM events);

CREATE OR REPLACE TABLE journey_events AS
SELECT
    e.event_id,
    e.customer_id,
    k.cid,
    e.ts,
    e.touchpoint,
    COALESCE(t.stage, e.stage) AS stage,
    s.position AS stage_position,
    COALESCE(e.channel, t.channel) AS channel,
    e.device,
    e.revenue,
    cp.persona,
    e.import_id,
    ROW_NUMBER() OVER (PARTITION BY k.cid ORDER BY e.ts, e.event_id) AS seq
FROM events e
JOIN customer_keys k ON k.customer_id = e.customer_id
LEFT JOIN touchpoints t ON t.touchpoint = e.touchpoint
LEFT JOIN stages s ON s.stage = COALESCE(t.stage, e.stage)
LEFT JOIN customer_persona cp ON cp.customer_id = e.customer_id;
"""

_W = "PARTITION BY cid ORDER BY ts, event_id"


def node_expr(level: str) -> str:
    """The SQL expression naming a journey node at `level` (never NULL)."""
    if level == "touchpoint":
        return "touchpoint"
    if level == "stage":
        return f"COALESCE(stage, '{NO_STAGE}')"
    raise ValueError(f"level must be 'touchpoint' or 'stage' (got {level!r}).")


def steps_ctes(source: str, *, level: str, keep_repeats: bool, session: bool) -> str:
    """CTE definitions (without WITH) ending in `j_st`: one row per journey step.

    `source` is a relation with journey_events' columns (the filtered `fe` CTE or the table
    itself). `j_st` has cid, session_no (0 without sessions), step (from 1), node, stage,
    stage_position, channel (of the step's last event), last_ts, events (in the step), next_node
    (NULL at the journey's end) and minutes_to_next (from this step's last event to the next
    step's first event). With `session`, a gap of more than `$gap_us` microseconds between
    two events starts a new journey.

    A step is represented by its last event: the event whose next event (in the same
    journey) has another node. So one window pass over the events (LEAD) and one over the
    step rows (ROW_NUMBER) do it; no GROUP BY, no running sum over all events.
    Window functions only, so it transpiles to Spark SQL.
    """
    node = node_expr(level)
    if session:
        ends = (
            "CASE WHEN next_ts0 IS NOT NULL AND "
            "DATE_DIFF('microsecond', ts, next_ts0) > $gap_us THEN 1 ELSE 0 END"
        )
    else:
        ends = "0"
    last_of_step = "" if keep_repeats else " WHERE next_node IS NULL OR next_node <> node"
    if session:
        sess = (
            f"COALESCE(SUM(ends_session) OVER ({_W} "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
        )
        step = "ROW_NUMBER() OVER (PARTITION BY cid, session_no ORDER BY ts, event_id)"
    else:
        sess = step = ""
    return (
        f"j_e0 AS (SELECT cid, ts, event_id, {node} AS node, stage, stage_position, channel, "
        f"ROW_NUMBER() OVER ({_W}) AS rn, LEAD({node}) OVER ({_W}) AS next_node0, "
        f"LEAD(ts) OVER ({_W}) AS next_ts0 FROM {source}),\n"
        f"j_e1 AS (SELECT j_e0.*, {ends} AS ends_session FROM j_e0),\n"
        "j_e2 AS (SELECT cid, ts, event_id, node, stage, stage_position, channel, rn, "
        "ends_session, "
        "CASE WHEN ends_session = 1 THEN NULL ELSE next_node0 END AS next_node, "
        "CASE WHEN ends_session = 1 THEN NULL ELSE next_ts0 END AS next_ts FROM j_e1),\n"
        + (
            f"j_e3 AS (SELECT j_e2.*, {sess} AS session_no, "
            f"rn - COALESCE(LAG(rn) OVER ({_W}), 0) AS events FROM j_e2{last_of_step}),\n"
            f"j_st AS (SELECT cid, session_no, {step} AS step, node, stage, stage_position, "
            "channel, ts AS last_ts, events, next_node, "
            "DATE_DIFF('microsecond', ts, next_ts) / 60000000.0 AS minutes_to_next FROM j_e3)"
            if session
            # One window pass over the step rows gives both the step number and its size.
            else "j_st AS (SELECT cid, 0 AS session_no, "
            f"ROW_NUMBER() OVER ({_W}) AS step, node, stage, stage_position, "
            f"channel, ts AS last_ts, rn - COALESCE(LAG(rn) OVER ({_W}), 0) AS events, next_node, "
            "DATE_DIFF('microsecond', ts, next_ts) / 60000000.0 AS minutes_to_next "
            f"FROM j_e2{last_of_step})"
        )
    )


def device_switch_ctes(source: str) -> str:
    """CTE definitions ending in `d_sw`: the events whose device differs from the customer's
    previous event with a known device (events without a device are skipped, not a switch)."""
    return (
        "d_ev AS (SELECT cid, ts, event_id, device, stage, stage_position, "
        f"LAG(device) OVER ({_W}) AS prev_device FROM {source} WHERE device IS NOT NULL),\n"
        "d_sw AS (SELECT cid, ts, event_id, prev_device AS from_device, "
        "device AS to_device, stage, stage_position FROM d_ev "
        "WHERE prev_device IS NOT NULL AND prev_device <> device)"
    )


def _steps_table(name: str, level: str) -> str:
    ctes = steps_ctes("journey_events", level=level, keep_repeats=False, session=False)
    # first_visit / first_pair: the customer's first step at this node / first time making
    # this transition, so "distinct customers" becomes a SUM instead of a COUNT(DISTINCT).
    return f"""
CREATE OR REPLACE TABLE {name} AS
WITH {ctes}
SELECT j_st.*,
       CASE WHEN ROW_NUMBER() OVER (PARTITION BY cid, node ORDER BY step) = 1
            THEN 1 ELSE 0 END AS first_visit,
       CASE WHEN ROW_NUMBER() OVER (PARTITION BY cid, node, next_node ORDER BY step) = 1
            THEN 1 ELSE 0 END AS first_pair
FROM j_st;
"""


def _derived_sql() -> str:
    dv = device_switch_ctes("journey_events")
    return (
        _steps_table("tp_steps", "touchpoint")
        + _steps_table("stage_steps", "stage")
        + f"""
CREATE OR REPLACE TABLE device_switches AS
WITH {dv} SELECT * FROM d_sw;

CREATE OR REPLACE TABLE customer_summary AS
SELECT cid, MIN(customer_id) AS customer_id, MIN(persona) AS persona, MIN(ts) AS first_ts,
       MAX(ts) AS last_ts, COUNT(*) AS events, COUNT(DISTINCT device) AS devices,
       MAX(stage_position) AS max_stage_position
FROM journey_events GROUP BY cid;

DROP TABLE customer_keys;
"""
    )


def rebuild(cur: duckdb.DuckDBPyConnection) -> None:
    """Recompute derived tables inside the caller's transaction."""
    cur.execute(JOURNEY_EVENTS_SQL)
    cur.execute(_derived_sql())
