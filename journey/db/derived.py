"""Tables derived from the imported data, kept up to date by every write.

`journey_events` is what every query reads: each event after the touchpoint rules
(journey/db/rules.py: renamed, re-staged, re-channelled, or hidden, i.e. left out), with its
effective stage (a rule, else the touchpoint map of the renamed touchpoint, else the file's own
stage, so editing the map or the rules re-stages history without touching what was imported),
the customer's persona, and its position in the customer's journey:

- `cid`: a stable integer key per customer (`customer_keys`: new customers get the highest
  key ever given + 1, so a key is never reused; a customer whose events were all removed
  loses their key), so windows and joins never sort or hash the VARCHAR id;
- `seq`: the event's rank in the customer's journey (`ORDER BY ts, event_id`: event ids
  keep import order, so ties in time are broken by import order), and `g` =
  cid * 2^32 + seq, one BIGINT that orders all events by (customer, time);
- the neighbours in the whole journey: `next_touchpoint`, `next_stage_node` (the next
  event's stage-level node), `next_ts` (NULL at the journey's end) and `prev_device` (the
  previous known device), and `tp_step` / `stage_step`: the number of the (collapsed)
  step the event belongs to at touchpoint / stage level, and `tp_step_seq` /
  `stage_step_seq` the seq of that step's first event (a step's size needs no window).
  Questions without an event condition read these instead of running a LEAD/LAG window
  per query (a session split only needs one running window over the step ends);
- with fast filters on (below), per precomputed session gap (`SESSION_GAPS`: 30 min and
  1 day, the Flows page's choices), `s30_no` / `s1d_no`: the event's session number (a
  pause of more than the gap before it starts a new one) and `s30_seq` / `s1d_seq`: the seq
  of its session's first event, running aggregates of the same window pass as `tp_step`
  (no extra sort).

On top of it, precomputed tables make the common (unfiltered-by-event) questions cheap:

- `tp_steps` / `stage_steps`: one row per collapsed step of each customer's journey at
  touchpoint / stage level, with the next step's node and the minutes to it. The Sankey,
  transitions, paths, drop-offs and network read these when no event condition, no session
  gap and no "keep repeats" is asked for; otherwise the very same SQL (`steps_ctes`) runs
  over the (filtered) events, so both paths agree by construction (and tests check it).
- `device_switches`: only the events where a customer's device changes (a small table).
- `customer_summary`: per customer first/last event, event count, revenue, devices used,
  furthest stage.
- `customer_stage_reach`: per customer and stage of the model (k = 0, 1, ... in
  `ORDER BY position, stage`), the first event (`reach_seq`, `reach_ts`) that reaches stage k
  strictly after the customer reached stage k-1 under the same rule: the stage funnel
  without event conditions is a GROUP BY k over it. It depends on the whole stage model, so
  any stage model change rebuilds everything.

Fast filters (the store setting `FAST_FILTERS_SETTING`, default off; journey/db/
fast_filters.py) add `EXTRA_TABLES`, which roughly triple the CPU of a full derive (1M
events, the per-table SELECTs: 5.8 -> 25.9 s CPU, scripts/bench_derive.py), so only stores
that ask for them pay it:

- `tp_steps_s30`, `tp_steps_s1d`, `stage_steps_s30`, `stage_steps_s1d`: the same steps with
  journeys cut at pauses longer than the gap (`steps_ctes(session=True)`'s rows), with flags
  for counting without COUNT(DISTINCT) (`_session_steps_select`). A session gap of 30 min or
  1 day without an event condition reads these; any other gap is computed per query.
- `device_steps` / `channel_steps` (journey/db/slices.py): each customer's journey on one
  device / one channel, read for a filter on exactly one device or one channel.

Off, none of them exists and journey_events has no session columns: exactly the tables and
cost of a store that never heard of them. Turning the setting on or off changes the layout,
so its transaction's refresh rebuilds everything (`_has_tables`); the build marks itself
(`EXTRAS_KEY`) in the same transaction, and queries read the extras only when that marker
and every table are there (`extras_ready`, read once per `Engine`).

Incremental maintenance (`refresh`, called by the store before every commit): every derived
row belongs to one customer, and a customer's rows depend only on that customer's events,
customers rows (persona) and on the touchpoint map / stage model. `derived_imports` keeps a
fingerprint (row count and a sum of row hashes) of the events and customers rows of each
import as of the last refresh, `derived_touchpoints` / `derived_stages` a copy of the map and
the stage model. A refresh compares them with the current tables; the customers whose
events or customers rows changed, or who have an event at a touchpoint / in a stage whose
mapping changed, are recomputed (delete + insert), nothing else. A change of the rule list
(`derived_rules` is its copy) recomputes the customers with an event a changed rule matches
under the old or the new rules (`rules.changed_events_ctes`). When more than
`FULL_SHARE` of the customers are touched (a first import, a stage model edit...), or the
derived tables are missing or of an older layout, everything is rebuilt from scratch.
This needs no help from the writer: an import, a removal, a map edit or a test's raw
`INSERT`/`DELETE` are all seen. All SQL here is plain (windows, CTEs, aggregates) so that
it transpiles to Spark SQL.
"""

from __future__ import annotations

from typing import Any

import duckdb

from journey.db import rules, slices

# Node name at stage level for events whose touchpoint has no stage (neither in the map nor
# in the file). A code constant, never user text, so it may sit in the SQL as a literal.
NO_STAGE = "(no stage)"

# Bump when the derived tables' layout changes: a store with another version is rebuilt
# from scratch when opened (Store._ensure_derived) and on its next write.
DERIVED_VERSION = "6"

# Above this share of the known customers touched by a write, a full rebuild is cheaper
# than deleting and re-inserting their rows.
FULL_SHARE = 0.3

# A full rebuild of a store above this many events runs in batches of customers of about
# this many events (`_full`), so each batch's window sorts stay under DuckDB's 1 GB cap.
# Measured at 10M events (full re-derive with 25 rules, one session): batches of ~1M events
# 75 s CPU, ~2M 72 s, ~3.4M 71 s; 2M keeps a margin below the cap (peak RSS 1.19 GB).
BATCH_EVENTS = 2_000_000
# With the fast-filter tables (`EXTRA_TABLES`) a 2M batch ran out of the 1 GB cap at 10M
# events (the session columns and tables), so 1M (a few % more CPU, measured above).
BATCH_EVENTS_EXTRAS = 1_000_000

# g = cid * G_STRIDE + seq orders all events by (customer, ts, event_id) with one BIGINT.
G_STRIDE = 1 << 32

DERIVED_TABLES = (
    "customer_persona", "customer_keys", "journey_events", "tp_steps", "stage_steps",
    "device_switches", "customer_summary", "customer_stage_reach", "derived_imports",
    "derived_touchpoints", "derived_stages", "derived_rules",
)

# The store setting "fast filters" (meta key `setting:fast_filters`, "on" | "off", default
# off). On, every derive also builds `EXTRA_TABLES` (and journey_events' session columns):
# one device / one channel and the 30-min / 1-day session gaps then read precomputed steps,
# but every import and rule change costs up to about three times the CPU. Off, the derive is exactly
# the one without them (the tables do not exist).
FAST_FILTERS_SETTING = "fast_filters"
# Written by the refresh that built the extra tables, in the same transaction, removed with
# them: the queries read the extras only when it says the current layout
# (`extras_ready`), never because the setting says on.
EXTRAS_KEY = "derived_fast_filters"
# Bump when the extra tables' layout changes (the next write rebuilds them).
EXTRAS_VERSION = "1"

# The session step tables and the per-device / per-channel steps (journey/db/slices.py).
EXTRA_TABLES = (
    "tp_steps_s30", "tp_steps_s1d", "stage_steps_s30", "stage_steps_s1d",
    *slices.TABLES.values(),
)

# The session gaps (minutes) whose journeys are precomputed, the Flows page's choices: each
# has its session number per event in journey_events (`s30_no`, `s30_seq`...) and a session
# step table per level (`session_step_table`). Any other gap is computed per query.
SESSION_GAPS = {30: "s30", 1440: "s1d"}

# One window for everything per-customer: a customer's events (or steps) in journey order.
_W = "PARTITION BY cid ORDER BY g"

# Temp tables of one refresh: changed imports / map rows, affected customers and their keys.
_TEMPS = ("_dv_fp", "_dv_imp", "_dv_tp", "_dv_st", "_dv_pc", "_dv_rc", "_dv_ac", "_dv_cids")


def node_expr(level: str) -> str:
    """The SQL expression naming a journey node at `level` (never NULL)."""
    if level == "touchpoint":
        return "touchpoint"
    if level == "stage":
        return f"COALESCE(stage, '{NO_STAGE}')"
    raise ValueError(f"level must be 'touchpoint' or 'stage' (got {level!r}).")


def next_node_column(level: str) -> str:
    """journey_events' column holding the next event's node at `level` (NULL at the end)."""
    node_expr(level)
    return "next_touchpoint" if level == "touchpoint" else "next_stage_node"


def session_step_table(level: str, gap: float | None) -> str | None:
    """The precomputed session steps of `level` for a session gap of `gap` minutes, or None
    when that gap is not precomputed (then the steps are computed per query)."""
    node_expr(level)
    if gap is None or gap != int(gap) or int(gap) not in SESSION_GAPS:
        return None
    return _session_table(level, int(gap))


def _session_table(level: str, minutes: int) -> str:
    return f"{'tp_steps' if level == 'touchpoint' else 'stage_steps'}_{SESSION_GAPS[minutes]}"


# A step's minutes to the next step: from its last event to the next step's first event.
MINUTES_TO_NEXT = "DATE_DIFF('microsecond', ts, next_ts) / 60000000.0 AS minutes_to_next"


def session_end_sql(session: bool) -> str:
    """1 when an event ends its session (its next event is more than `$gap_us` microseconds
    later), else 0; always 0 without sessions. Over a relation with `ts` and `next_ts0`."""
    if not session:
        return "0"
    return (
        "CASE WHEN next_ts0 IS NOT NULL AND "
        "DATE_DIFF('microsecond', ts, next_ts0) > $gap_us THEN 1 ELSE 0 END"
    )


def event_pass_ctes(e0: str, *, session: bool, carry: str = "") -> str:
    """`e0` (a `j_e0` CTE: cid, g, ts, node, stage, stage_position, channel, rn, next_node0,
    next_ts0 and the `carry` columns), then `j_e1` (ends_session) and `j_e2` (next_node and
    next_ts, NULL at a session's end), each followed by ",\n". `carry`: more j_e0 columns
    kept in j_e2, as "a, b, "."""
    return (
        f"{e0},\n"
        f"j_e1 AS (SELECT j_e0.*, {session_end_sql(session)} AS ends_session FROM j_e0),\n"
        f"j_e2 AS (SELECT cid, g, ts, {carry}node, stage, stage_position, channel, rn, "
        "ends_session, next_node0, "
        "CASE WHEN ends_session = 1 THEN NULL ELSE next_node0 END AS next_node, "
        "CASE WHEN ends_session = 1 THEN NULL ELSE next_ts0 END AS next_ts FROM j_e1),\n"
    )


# Repeats kept, no sessions: every event of `j_e2` is a step, numbered by its rank, of size 1.
EVERY_EVENT_A_STEP = (
    "j_st AS (SELECT cid, 0 AS session_no, rn AS step, node, stage, stage_position, "
    f"channel, ts AS last_ts, 1 AS events, next_node, {MINUTES_TO_NEXT} FROM j_e2)"
)


def node_codes_cte(table: str) -> str:
    """`j_nd(node, nid)`: the nodes of the step table `table` (every node any journey of
    that level can have), numbered in node order. Window sorts and GROUP BYs on these
    integers cost a fraction of the same on node names; ordering by nid is ordering by node."""
    return (
        f"j_nd AS (SELECT node, ROW_NUMBER() OVER (ORDER BY node) AS nid "
        f"FROM (SELECT DISTINCT node FROM {table}) d0)"
    )


def steps_ctes(
    source: str, *, level: str, keep_repeats: bool, session: bool, whole: bool = False,
    events_only: bool = False, coded: str | None = None,
) -> str:
    """CTE definitions (without WITH) ending in `j_st`: one row per journey step.

    `source` is a relation with journey_events' columns (the filtered `fe` CTE or the table
    itself). `j_st` has cid, session_no (0 without sessions), step (from 1), node, stage,
    stage_position, channel (of the step's last event), last_ts, events (in the step), next_node
    (NULL at the journey's end) and minutes_to_next (from this step's last event to the next
    step's first event). With `session`, a gap of more than `$gap_us` microseconds between
    two events starts a new journey.

    `whole`: `source` holds whole journeys (all events of each of its customers, no event
    condition), so the precomputed neighbours (`seq`, `next_*`) are the journey's own and no
    per-event window runs at all. Otherwise one pass (LEAD, ROW_NUMBER) finds each event's
    next event in the source.

    A step is represented by its last event: the event whose next event (in the same
    journey) has another node. So at most one window pass over the events (LEAD) and one
    over the step rows (ROW_NUMBER, LAG) do it; no GROUP BY, no running sum over all events.
    Both order by `g` (one BIGINT, same order as `ts, event_id` within a customer).

    `events_only`: stop at `j_e2` (one row per event: cid, g, ts, node, stage,
    stage_position, channel, rn, ends_session, next_node0 = the next event's node even across
    a session end, next_node and next_ts = NULL at a journey's end): enough for questions
    that need no step numbers (transitions), without the second window pass.

    `coded` (a step table, not with `whole`): the nodes (node, next_node0, next_node) are the
    integers of `node_codes_cte(coded)` (defined first, as `j_nd`) instead of their names:
    the window sorts then carry integers, and the GROUP BYs after group integers (a fifth
    to a third less CPU at 1M events). The caller decodes by joining `j_nd` on nid.
    """
    node = node_expr(level)
    if coded is not None:
        if whole:
            raise ValueError("coded nodes are for the per-event window pass, not whole journeys.")
        e0 = (
            f"{node_codes_cte(coded)},\n"
            "j_e0 AS (SELECT cid, g, ts, nd.nid AS node, stage, stage_position, channel, "
            f"ROW_NUMBER() OVER ({_W}) AS rn, LEAD(nd.nid) OVER ({_W}) AS next_node0, "
            f"LEAD(ts) OVER ({_W}) AS next_ts0 FROM {source} JOIN j_nd nd ON nd.node = {node})"
        )
    elif whole:
        e0 = (
            f"j_e0 AS (SELECT cid, g, ts, {node} AS node, stage, stage_position, channel, "
            f"seq AS rn, {next_node_column(level)} AS next_node0, next_ts AS next_ts0, "
            f"CAST({'tp_step' if level == 'touchpoint' else 'stage_step'} AS BIGINT) AS gstep "
            f"FROM {source})"
        )
    else:
        e0 = (
            f"j_e0 AS (SELECT cid, g, ts, {node} AS node, stage, stage_position, channel, "
            f"ROW_NUMBER() OVER ({_W}) AS rn, LEAD({node}) OVER ({_W}) AS next_node0, "
            f"LEAD(ts) OVER ({_W}) AS next_ts0 FROM {source})"
        )
    minutes = MINUTES_TO_NEXT
    # The session-numbering pass over whole journeys (below) also needs the precomputed step.
    carry = "gstep, " if whole and session and not events_only else ""
    out = event_pass_ctes(e0, session=session, carry=carry)
    if events_only:
        return out.rstrip().rstrip(",")
    if not session and keep_repeats:
        return out + EVERY_EVENT_A_STEP
    last_of_step = "" if keep_repeats else " WHERE next_node IS NULL OR next_node <> node"
    if not session:
        # One window pass over the step rows gives both the step number and its size.
        return out + (
            f"j_st AS (SELECT cid, 0 AS session_no, ROW_NUMBER() OVER ({_W}) AS step, node, "
            "stage, stage_position, channel, ts AS last_ts, "
            f"rn - COALESCE(LAG(rn) OVER ({_W}), 0) AS events, next_node, {minutes} "
            f"FROM j_e2{last_of_step})"
        )
    if whole:
        # The event's step number in the whole journey (`gstep`, precomputed) gives the step
        # number in the session: within a session no other split happens, so it is gstep
        # minus the gstep of the session's first event, which is the latest session end's
        # next event: one running window (one sort) over the step rows does it all.
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
    # Session ends are step ends, so the running count of session ends runs over step rows.
    sess = (
        f"COALESCE(SUM(ends_session) OVER ({_W} "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
    )
    return out + (
        f"j_e3 AS (SELECT j_e2.*, {sess} AS session_no, "
        f"rn - COALESCE(LAG(rn) OVER ({_W}), 0) AS events FROM j_e2{last_of_step}),\n"
        "j_st AS (SELECT cid, session_no, "
        "ROW_NUMBER() OVER (PARTITION BY cid, session_no ORDER BY g) AS step, node, stage, "
        f"stage_position, channel, ts AS last_ts, events, next_node, {minutes} FROM j_e3)"
    )


def device_switch_ctes(source: str, *, whole: bool = False) -> str:
    """CTE definitions ending in `d_sw`: the events whose device differs from the customer's
    previous event with a known device (events without a device are skipped, not a switch).

    `whole`: `source` holds whole journeys, so the precomputed `prev_device` is used."""
    if whole:
        ev = (
            "d_ev AS (SELECT cid, ts, event_id, device, stage, stage_position, prev_device "
            f"FROM {source} WHERE device IS NOT NULL)"
        )
    else:
        ev = (
            "d_ev AS (SELECT cid, ts, event_id, device, stage, stage_position, "
            f"LAG(device) OVER ({_W}) AS prev_device FROM {source} WHERE device IS NOT NULL)"
        )
    return (
        f"{ev},\n"
        "d_sw AS (SELECT cid, ts, event_id, prev_device AS from_device, "
        "device AS to_device, stage, stage_position FROM d_ev "
        "WHERE prev_device IS NOT NULL AND prev_device <> device)"
    )


# -- the SELECTs producing each derived table, for all customers or the affected ones ------
def _persona_select(scope: str) -> str:
    # The latest customers file wins; within one file the first persona in sort order
    # (NULL last), so the result never depends on row order.
    where = " WHERE customer_id IN (SELECT customer_id FROM _dv_pc)" if scope else ""
    return (
        "SELECT customer_id, persona, import_id FROM (SELECT customer_id, persona, import_id, "
        "ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY import_id DESC, "
        "CASE WHEN persona IS NULL THEN 1 ELSE 0 END, persona) AS rn "
        f"FROM customers{where}) p WHERE rn = 1"
    )


# The highest customer key ever given (meta): the keys of customers whose events were all
# removed are deleted, and a new customer must not take a removed customer's number.
KEY_TOP = "customer_key_top"
_KEY_TOP_SQL = (
    "GREATEST(COALESCE((SELECT MAX(cid) FROM customer_keys), 0), "
    "COALESCE((SELECT MAX(CAST(value AS INTEGER)) FROM meta "
    f"WHERE key = '{KEY_TOP}'), 0))"
)


def _new_keys_sql(scope: str) -> str:
    """INSERT the keys of customers with events that have none yet (top + 1, ...)."""
    where = " WHERE customer_id IN (SELECT customer_id FROM _dv_ac)" if scope else ""
    # Numbered in hash order (ties by id): an integer sort, not a VARCHAR one.
    return (
        "INSERT INTO customer_keys SELECT n.customer_id, CAST(m.top + ROW_NUMBER() OVER "
        "(ORDER BY HASH(n.customer_id), n.customer_id) AS INTEGER) AS cid "
        f"FROM (SELECT DISTINCT customer_id FROM events{where}) n "
        f"CROSS JOIN (SELECT {_KEY_TOP_SQL} AS top) m "
        "WHERE n.customer_id NOT IN (SELECT customer_id FROM customer_keys)"
    )


def _forget_keys_sql(scope: str) -> str:
    """DELETE the keys of customers with no event left (a removed file's customer ids leave
    the store with it, and the customer counts that read customer_keys stay true)."""
    where = " AND customer_id IN (SELECT customer_id FROM _dv_ac)" if scope else ""
    return (
        "DELETE FROM customer_keys WHERE customer_id NOT IN "
        f"(SELECT customer_id FROM events){where}"
    )


def _forget_keys(cur: duckdb.DuckDBPyConnection, scope: str) -> None:
    """Remember the highest key given so far, then forget the keys of customers without
    events (`_forget_keys_sql`): their numbers are never given again."""
    top = _count(cur, f"SELECT {_KEY_TOP_SQL}")
    cur.execute("DELETE FROM meta WHERE key = ?", [KEY_TOP])
    cur.execute("INSERT INTO meta VALUES (?, ?)", [KEY_TOP, str(top)])
    cur.execute(_forget_keys_sql(scope))


def _events_select(scope: str, rule_rows: list[list[Any]] | None = None,
                   params: dict[str, Any] | None = None, *, sessions: bool = False) -> str:
    """journey_events' SELECT; the rules (`rules.stored_rows`) put their text in `params`.
    `sessions` (fast filters on): with the session columns the session step tables read."""
    params = {} if params is None else params
    events = "events"
    if scope:
        events = "(SELECT * FROM events WHERE customer_id IN (SELECT customer_id FROM _dv_ac))"
    w = "PARTITION BY k.cid ORDER BY e.ts, e.event_id"
    prev_ts = f",\n        LAG(e.ts) OVER ({w}) AS prev_ts" if sessions else ""
    stage_node = f"COALESCE(e.stage, '{NO_STAGE}')"
    return f"""
WITH {rules.rule_ctes(events, rule_rows or [], params)}
SELECT event_id, customer_id, cid, ts, touchpoint, stage, stage_position, channel, device,
       revenue, persona, import_id, online, seq, CAST(cid AS BIGINT) * {G_STRIDE} + seq AS g,
       next_touchpoint, next_stage_node, next_ts, prev_device,
       SUM(CASE WHEN prev_touchpoint IS NULL OR prev_touchpoint <> touchpoint THEN 1 ELSE 0 END)
           OVER (PARTITION BY cid ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS tp_step,
       SUM(CASE WHEN prev_stage_node IS NULL OR prev_stage_node <> stage_node THEN 1 ELSE 0 END)
           OVER (PARTITION BY cid ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS stage_step,
       MAX(CASE WHEN prev_touchpoint IS NULL OR prev_touchpoint <> touchpoint THEN seq END)
           OVER (PARTITION BY cid ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS tp_step_seq,
       MAX(CASE WHEN prev_stage_node IS NULL OR prev_stage_node <> stage_node THEN seq END)
           OVER (PARTITION BY cid ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS stage_step_seq{_session_columns() if sessions else ""}
FROM (
    SELECT
        e.event_id,
        e.customer_id,
        k.cid,
        e.ts,
        e.touchpoint,
        e.stage,
        s.position AS stage_position,
        e.channel,
        e.device,
        e.revenue,
        cp.persona,
        e.import_id,
        e.online,
        ROW_NUMBER() OVER ({w}) AS seq,
        LEAD(e.touchpoint) OVER ({w}) AS next_touchpoint,
        LEAD({stage_node}) OVER ({w}) AS next_stage_node,
        LEAD(e.ts) OVER ({w}) AS next_ts,
        LAG(e.device IGNORE NULLS) OVER ({w}) AS prev_device,
        LAG(e.touchpoint) OVER ({w}) AS prev_touchpoint,
        {stage_node} AS stage_node,
        LAG({stage_node}) OVER ({w}) AS prev_stage_node{prev_ts}
    FROM ru_ev e
    JOIN customer_keys k ON k.customer_id = e.customer_id
    LEFT JOIN stages s ON s.stage = e.stage
    LEFT JOIN customer_persona cp ON cp.customer_id = e.customer_id
) x"""
# No ORDER BY g: nothing reads journey_events in its stored order (every window and list
# orders by g itself), and an incremental refresh appends out of order anyway; sorting a
# million wide rows cost ~15 % of the rebuild.


def _scoped_events(scope: str) -> str:
    if not scope:
        return "journey_events"
    return "(SELECT * FROM journey_events WHERE cid IN (SELECT cid FROM _dv_cids))"


def _whole_steps_ctes(source: str, level: str) -> str:
    """`steps_ctes(source, level=level, keep_repeats=False, session=False, whole=True)`
    without its window pass: journey_events already holds each event's step number
    (`tp_step`) and the seq of its step's first event (`tp_step_seq`, computed in the same
    window as the step number), so a step row is a filter and a projection. The same rows
    (tests/test_derived_batches.py compares them with `steps_ctes` on the same events)."""
    node = node_expr(level)
    nxt = next_node_column(level)
    step, first = ("tp_step", "tp_step_seq") if level == "touchpoint" else (
        "stage_step", "stage_step_seq")
    return (
        f"j_st AS (SELECT cid, 0 AS session_no, CAST({step} AS BIGINT) AS step, {node} AS node, "
        "stage, stage_position, channel, ts AS last_ts, seq - "
        f"{first} + 1 AS events, {nxt} AS next_node, "
        "DATE_DIFF('microsecond', ts, next_ts) / 60000000.0 AS minutes_to_next "
        f"FROM {source} WHERE {nxt} IS NULL OR {nxt} <> {node})"
    )


def _steps_select(level: str, scope: str) -> str:
    ctes = _whole_steps_ctes(_scoped_events(scope), level)
    # first_visit / first_pair: the customer's first step at this node / first time making
    # this transition, so "distinct customers" becomes a SUM instead of a COUNT(DISTINCT).
    # A step number is unique within a customer, so (cid, step) pins the row.
    return f"""
WITH {ctes},
j_fv AS (SELECT cid, MIN(step) AS step FROM j_st GROUP BY cid, node),
j_fp AS (SELECT cid, MIN(step) AS step FROM j_st GROUP BY cid, node, next_node)
SELECT j_st.*,
       CASE WHEN fv.step IS NULL THEN 0 ELSE 1 END AS first_visit,
       CASE WHEN fp.step IS NULL THEN 0 ELSE 1 END AS first_pair
FROM j_st
LEFT JOIN j_fv fv ON fv.cid = j_st.cid AND fv.step = j_st.step
LEFT JOIN j_fp fp ON fp.cid = j_st.cid AND fp.step = j_st.step"""


def _session_columns() -> str:
    """journey_events' session columns, in the outer window pass (same OVER as `tp_step`, so
    no extra sort): per precomputed gap, `<tag>_no` the event's session number (0 first: the
    count of gaps above the limit before it, as `steps_ctes(session=True)` counts session
    ends) and `<tag>_seq` the seq of its session's first event."""
    over = "OVER (PARTITION BY cid ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    out = []
    for minutes, tag in SESSION_GAPS.items():
        # A code constant (microseconds), never user input. Exactly the gap is no cut.
        cut = f"DATE_DIFF('microsecond', prev_ts, ts) > {minutes * 60_000_000}"
        out.append(
            f"CAST(SUM(CASE WHEN prev_ts IS NOT NULL AND {cut} THEN 1 ELSE 0 END) {over} "
            f"AS INTEGER) AS {tag}_no,\n"
            f"       MAX(CASE WHEN prev_ts IS NULL OR {cut} THEN seq END) {over} AS {tag}_seq"
        )
    return "".join(f",\n       {c}" for c in out)


def _session_steps_select(level: str, minutes: int, scope: str) -> str:
    """One session step table: `steps_ctes(level=level, session=True)`'s `j_st` rows with a
    gap of `minutes`, from journey_events' precomputed columns (no window at all).

    A session step is a run of events at one node inside one session: its last event is one
    whose next event is at another node, after more than the gap, or absent. Its first event
    is the later of its whole-journey step's first event (`tp_step_seq`) and its session's
    (`s30_seq`), which gives its size; within a session no step is cut but at node changes,
    so its number is the whole-journey step number minus the session's first one, plus 1:
    a GROUP BY on the session's key and a hash join, not a window sort. The same GROUP BY
    gives `max_stage_position`, the session's highest stage position over its steps (what
    `scope.journey_conversion_cte` judges a session's conversion on), on every row.

    Flags for the readers that count customers with a SUM: first_visit (the journey's first
    step at this node: per session, a journey being a session), first_pair (the customer's
    first step making this transition, journey ends included, over all sessions: the
    transitions' `customers` are distinct customers) and first_start (the customer's first
    session starting at this node: the START -> node transitions)."""
    tag = SESSION_GAPS[minutes]
    node = node_expr(level)
    nxt = next_node_column(level)
    step, first = ("tp_step", "tp_step_seq") if level == "touchpoint" else (
        "stage_step", "stage_step_seq")
    cut = f"DATE_DIFF('microsecond', ts, next_ts) > {minutes * 60_000_000}"
    cols = ("cid", "session_no", "step", "node", "stage", "stage_position", "channel",
            "last_ts", "events", "next_node", "minutes_to_next")
    # Keys are single BIGINTs (cheap hash joins): a step row by its last event's `g`, a
    # session by its first event's (`skey`). `opens`: the step starts its session. A node
    # seen before in the session needs two other steps before it: only sessions of 3 steps
    # or more are searched for repeat visits (most sessions are shorter).
    return f"""
WITH j_r AS (SELECT cid, g, CAST(cid AS BIGINT) * {G_STRIDE} + {tag}_seq AS skey,
       {tag}_no AS session_no, {step} AS gstep, {node} AS node, stage, stage_position,
       channel, ts AS last_ts, seq - GREATEST({first}, {tag}_seq) + 1 AS events,
       CASE WHEN {tag}_seq >= {first} THEN 1 ELSE 0 END AS opens,
       CASE WHEN {cut} THEN NULL ELSE {nxt} END AS next_node,
       CASE WHEN {cut} THEN NULL
            ELSE DATE_DIFF('microsecond', ts, next_ts) / 60000000.0 END AS minutes_to_next
FROM {_scoped_events(scope)} WHERE {nxt} IS NULL OR {nxt} <> {node} OR {cut}),
j_f AS (SELECT skey, MIN(gstep) AS f, MAX(stage_position) AS top, COUNT(*) AS n
    FROM j_r GROUP BY skey),
j_s AS (SELECT r.*, CAST(r.gstep - f.f + 1 AS BIGINT) AS step, f.top, f.n
    FROM j_r r JOIN j_f f ON f.skey = r.skey),
j_fv AS (SELECT MIN(g) AS g FROM j_s WHERE n >= 3 GROUP BY skey, node),
j_fp AS (SELECT MIN(g) AS g FROM j_s GROUP BY cid, node, next_node),
j_fs AS (SELECT MIN(g) AS g FROM j_s WHERE opens = 1 GROUP BY cid, node)
SELECT {", ".join(f"s.{c}" for c in cols)},
       CASE WHEN s.step <= 2 OR fv.g IS NOT NULL THEN 1 ELSE 0 END AS first_visit,
       CASE WHEN fp.g IS NULL THEN 0 ELSE 1 END AS first_pair,
       CASE WHEN fs.g IS NULL THEN 0 ELSE 1 END AS first_start,
       s.top AS max_stage_position
FROM j_s s LEFT JOIN j_fv fv ON fv.g = s.g LEFT JOIN j_fp fp ON fp.g = s.g
LEFT JOIN j_fs fs ON fs.g = s.g"""


def _switches_select(scope: str) -> str:
    return f"WITH {device_switch_ctes(_scoped_events(scope), whole=True)} SELECT * FROM d_sw"


def _summary_select(scope: str) -> str:
    return (
        "SELECT cid, MIN(customer_id) AS customer_id, MIN(persona) AS persona, "
        "MIN(ts) AS first_ts, MAX(ts) AS last_ts, COUNT(*) AS events, "
        "COUNT(DISTINCT device) AS devices, MAX(stage_position) AS max_stage_position, "
        "SUM(revenue) AS revenue "
        f"FROM {_scoped_events(scope)} je GROUP BY cid"
    )


def stage_reach_ctes(source: str, n_stages: int, stage_list: str) -> str:
    """CTE definitions ending in `r_all(cid, k, reach_seq, reach_ts)`: the stage funnel's
    reach of each of the `n_stages` stages (k from 0) by each customer of `source` (rows with
    cid, seq, ts, stage). `stage_list` is a relation (stage, k) numbering the funnel's stages.

    r_k = the customer's first event at stage k strictly after (in journey order, `seq`) r_k-1.
    One narrow projection of the source, integer joins on cid; k is an int literal.
    """
    ctes = [
        f"r_ev AS (SELECT s.cid, s.seq, s.ts, sl.k FROM {source} s "
        f"JOIN {stage_list} sl ON sl.stage = s.stage)"
    ]
    for k in range(n_stages):
        if k == 0:
            ctes.append(
                "r0 AS (SELECT cid, MIN(seq) AS seq, MIN(ts) AS ts FROM r_ev WHERE k = 0 "
                "GROUP BY cid)"
            )
        else:
            # ts is non-decreasing in seq, so MIN(ts) over the same rows is the ts of MIN(seq).
            ctes.append(
                f"r{k} AS (SELECT e.cid, MIN(e.seq) AS seq, MIN(e.ts) AS ts FROM r_ev e "
                f"JOIN r{k - 1} p ON p.cid = e.cid WHERE e.k = {k} AND e.seq > p.seq "
                "GROUP BY e.cid)"
            )
    union = " UNION ALL ".join(
        f"SELECT cid, {k} AS k, seq AS reach_seq, ts AS reach_ts FROM r{k}"
        for k in range(n_stages)
    ) or (
        "SELECT CAST(NULL AS INTEGER) AS cid, 0 AS k, CAST(NULL AS BIGINT) AS reach_seq, "
        "CAST(NULL AS TIMESTAMP) AS reach_ts FROM stages WHERE 1 = 0"
    )
    return ",\n".join(ctes) + f",\nr_all AS ({union})"


# The stage model in funnel order, numbered from 0.
STAGE_ORDER_SQL = (
    "SELECT stage, CAST(ROW_NUMBER() OVER (ORDER BY position, stage) - 1 AS INTEGER) AS k "
    "FROM stages"
)


def _reach_select(scope: str, n_stages: int) -> str:
    ctes = stage_reach_ctes(_scoped_events(scope), n_stages, f"({STAGE_ORDER_SQL})")
    return f"WITH {ctes} SELECT cid, k, reach_seq, reach_ts FROM r_all"


def _per_customer_tables(
    scope: str, n_stages: int = 5, rule_rows: list[list[Any]] | None = None,
    params: dict[str, Any] | None = None, *, extras: bool = False,
) -> list[tuple[str, str]]:
    """(table, SELECT) for every table keyed by cid, in dependency order. The journey_events
    SELECT binds the rules' text: run it with `params` (filled here), the others without.
    `extras` (fast filters on): also `EXTRA_TABLES`, and journey_events' session columns."""
    tables = [
        ("journey_events", _events_select(scope, rule_rows, params, sessions=extras)),
        ("tp_steps", _steps_select("touchpoint", scope)),
        ("stage_steps", _steps_select("stage", scope)),
        ("device_switches", _switches_select(scope)),
        ("customer_summary", _summary_select(scope)),
        ("customer_stage_reach", _reach_select(scope, n_stages)),
    ]
    if extras:
        tables += [(_session_table(lv, m), _session_steps_select(lv, m, scope))
                   for m in SESSION_GAPS for lv in ("touchpoint", "stage")]
        tables += [(t, slices.slice_steps_select(_scoped_events(scope), d, NO_STAGE))
                   for d, t in slices.TABLES.items()]
    return tables


# -- the fast-filters setting ----------------------------------------------------------------
def fast_filters_wanted(cur: Any) -> bool:
    """Whether the store's setting asks for the fast-filter tables (default off)."""
    row = cur.execute("SELECT value FROM meta WHERE key = ?",
                      ["setting:" + FAST_FILTERS_SETTING]).fetchall()
    return bool(row) and row[0][0] == "on"


def _extras_marker() -> str:
    return f"{DERIVED_VERSION}.{EXTRAS_VERSION}"


def _extras_state(cur: Any) -> tuple[bool, int]:
    """(the marker says built in this layout, how many of EXTRA_TABLES exist): one query."""
    row = cur.execute(
        "SELECT (SELECT max(value) FROM meta WHERE key = ?), (SELECT count(*) FROM "
        "information_schema.tables WHERE table_schema = 'main' AND table_name IN "
        f"({', '.join(repr(t) for t in EXTRA_TABLES)}))", [EXTRAS_KEY],
    ).fetchall()[0]
    return row[0] == _extras_marker(), int(row[1])


def extras_ready(cur: Any) -> bool:
    """Whether the fast-filter tables are built and current, so queries may read them: the
    marker their build wrote in its own transaction (so never a half-built table). The
    setting alone says nothing (it may be on while no write has built them yet): then
    False. False too for a database without a Parcours meta table. One point lookup in
    meta (~0.6 ms; the catalogue's table list would cost 3-10 ms per engine), the tables'
    presence being checked by every refresh (`_has_tables`)."""
    try:
        row = cur.execute("SELECT max(value) FROM meta WHERE key = ?", [EXTRAS_KEY]).fetchall()
    except duckdb.Error:
        return False
    return bool(row) and row[0][0] == _extras_marker()


# -- change detection ------------------------------------------------------------------
# Per import: count and sum of row hashes of its events and of its customers rows.
_FINGERPRINT_SQL = """
SELECT import_id, SUM(ev_n) AS ev_n, SUM(ev_h) AS ev_h, SUM(cu_n) AS cu_n, SUM(cu_h) AS cu_h
FROM (
    SELECT import_id, COUNT(*) AS ev_n,
           SUM(CAST(HASH(event_id, customer_id, ts, touchpoint, channel, device, stage,
                         revenue) AS DECIMAL(38, 0))) AS ev_h,
           0 AS cu_n, CAST(0 AS DECIMAL(38, 0)) AS cu_h
    FROM events GROUP BY import_id
    UNION ALL
    SELECT import_id, 0 AS ev_n, CAST(0 AS DECIMAL(38, 0)) AS ev_h, COUNT(*) AS cu_n,
           SUM(CAST(HASH(customer_id, persona) AS DECIMAL(38, 0))) AS cu_h
    FROM customers GROUP BY import_id
) f GROUP BY import_id"""

_SNAPSHOT_SQL = [
    f"CREATE OR REPLACE TABLE derived_imports AS SELECT * FROM {_TEMPS[0]}",
    "CREATE OR REPLACE TABLE derived_touchpoints AS "
    "SELECT touchpoint, stage, channel FROM touchpoints",
    "CREATE OR REPLACE TABLE derived_stages AS SELECT stage, position FROM stages",
    "CREATE OR REPLACE TABLE derived_rules AS SELECT * FROM rules",
]

# Rows of the rule list that differ from the last refresh's copy (either way).
_CHANGED_RULES_SQL = (
    "SELECT count(*) FROM ((SELECT * FROM rules EXCEPT SELECT * FROM derived_rules) "
    "UNION ALL (SELECT * FROM derived_rules EXCEPT SELECT * FROM rules)) d"
)

# Imports whose events (ev = 1) or customers rows (cu = 1) changed since the last refresh.
_CHANGED_IMPORTS_SQL = """
CREATE TEMP TABLE _dv_imp AS
SELECT COALESCE(n.import_id, o.import_id) AS import_id,
       CASE WHEN COALESCE(n.ev_n, 0) <> COALESCE(o.ev_n, 0)
              OR COALESCE(n.ev_h, 0) <> COALESCE(o.ev_h, 0) THEN 1 ELSE 0 END AS ev,
       CASE WHEN COALESCE(n.cu_n, 0) <> COALESCE(o.cu_n, 0)
              OR COALESCE(n.cu_h, 0) <> COALESCE(o.cu_h, 0) THEN 1 ELSE 0 END AS cu
FROM _dv_fp n FULL OUTER JOIN derived_imports o ON o.import_id = n.import_id
WHERE COALESCE(n.ev_n, 0) <> COALESCE(o.ev_n, 0) OR COALESCE(n.ev_h, 0) <> COALESCE(o.ev_h, 0)
   OR COALESCE(n.cu_n, 0) <> COALESCE(o.cu_n, 0) OR COALESCE(n.cu_h, 0) <> COALESCE(o.cu_h, 0)
"""

_CHANGED_MAP_SQL = [
    # Touchpoints whose (stage, channel) changed, appeared or disappeared; same for stages.
    "CREATE TEMP TABLE _dv_tp AS SELECT DISTINCT touchpoint FROM ("
    "(SELECT touchpoint, stage, channel FROM touchpoints EXCEPT "
    "SELECT touchpoint, stage, channel FROM derived_touchpoints) UNION ALL "
    "(SELECT touchpoint, stage, channel FROM derived_touchpoints EXCEPT "
    "SELECT touchpoint, stage, channel FROM touchpoints)) d",
    "CREATE TEMP TABLE _dv_st AS SELECT DISTINCT stage FROM ("
    "(SELECT stage, position FROM stages EXCEPT SELECT stage, position FROM derived_stages) "
    "UNION ALL "
    "(SELECT stage, position FROM derived_stages EXCEPT SELECT stage, position FROM stages)) d",
]

_AFFECTED_SQL = [
    # Customers whose persona may change: in a changed customers file, now or before.
    "CREATE TEMP TABLE _dv_pc AS "
    "SELECT customer_id FROM customers WHERE import_id IN "
    "(SELECT import_id FROM _dv_imp WHERE cu = 1) "
    "UNION SELECT customer_id FROM customer_persona WHERE import_id IN "
    "(SELECT import_id FROM _dv_imp WHERE cu = 1)",
    # Customers whose derived rows may change. An event's effective stage changes only if
    # its touchpoint's mapping changed or its (old = new) stage's position changed.
    "CREATE TEMP TABLE _dv_ac AS "
    "SELECT customer_id FROM events WHERE import_id IN "
    "(SELECT import_id FROM _dv_imp WHERE ev = 1) "
    "UNION SELECT customer_id FROM journey_events WHERE import_id IN "
    "(SELECT import_id FROM _dv_imp WHERE ev = 1) "
    "OR touchpoint IN (SELECT touchpoint FROM _dv_tp) OR stage IN (SELECT stage FROM _dv_st) "
    "UNION SELECT customer_id FROM _dv_pc "
    # Customers with an event a changed rule may decide otherwise (`_rule_changes`).
    "UNION SELECT customer_id FROM _dv_rc",
]

# No rule changed: no customer is affected by the rules.
_NO_RULE_CHANGES_SQL = (
    "CREATE TEMP TABLE _dv_rc AS SELECT customer_id FROM events WHERE 1 = 0"
)


def _map_changes_behind_hide_rules(cur: duckdb.DuckDBPyConnection) -> None:
    """Add to `_dv_rc` the customers with an event at a touchpoint whose map row changed,
    hidden ones included, when a hide rule exists.

    `_AFFECTED_SQL` finds a map change's customers in journey_events, which lacks the events
    a rule hides; a hide rule may read the map's stage or channel, so an event hidden by the
    old map row can come back with the new one. Its touchpoint as renamed is recomputed
    here (the touchpoint rules only)."""
    stored = rules.stored_rows(cur)
    if not any(r[4] == "hide" for r in stored):
        return
    if not _count(cur, "SELECT count(*) FROM _dv_tp"):
        return
    params: dict[str, Any] = {}
    cur.execute(_hidden_map_sql(stored, params), params)


def _hidden_map_sql(stored: list[list[Any]], params: dict[str, Any]) -> str:
    hits = rules.hits_ctes("hm", "hm_e0", ("touchpoint",), stored, params)
    return (
        f"INSERT INTO _dv_rc WITH hm_e0 AS (SELECT * FROM events), {hits} "
        "SELECT DISTINCT e.customer_id FROM hm_e0 e LEFT JOIN hm_pick p "
        "ON p.event_id = e.event_id "
        "WHERE COALESCE(p.touchpoint, e.touchpoint) IN (SELECT touchpoint FROM _dv_tp)"
    )


# Customers of the fixed hash-ordered sample that estimates how broad a rule change is.
SHARE_SAMPLE = 2000


def _rule_change_share(cur: duckdb.DuckDBPyConnection) -> float:
    """The share of a fixed sample of customers (the first `SHARE_SAMPLE` in hash order) that
    the rule change affects: an estimate, used only to choose between the incremental path
    and a full rebuild (both give the same tables)."""
    params: dict[str, Any] = {"n": SHARE_SAMPLE}
    sql = _share_sql(_old_rules(cur), rules.stored_rows(cur), params)
    if sql is None:
        return 0.0
    hit, size = cur.execute(sql, params).fetchall()[0]
    return float(hit or 0) / float(size) if size else 0.0


def _share_sql(old: list[list[Any]], new: list[list[Any]],
               params: dict[str, Any]) -> str | None:
    sample = ("(SELECT * FROM events WHERE customer_id IN (SELECT customer_id FROM "
              "customer_keys ORDER BY HASH(customer_id), customer_id LIMIT $n))")
    ctes = rules.changed_events_ctes(sample, old, new, params)
    if ctes is None:
        return None
    return (
        f"WITH {ctes} SELECT (SELECT COUNT(DISTINCT customer_id) FROM rc_e0 WHERE event_id IN "
        "(SELECT event_id FROM rc_ev)), (SELECT COUNT(*) FROM (SELECT customer_id FROM "
        "customer_keys ORDER BY HASH(customer_id), customer_id LIMIT $n) k)"
    )


def _old_rules(cur: duckdb.DuckDBPyConnection) -> list[list[Any]]:
    """The rules as of the last refresh (`derived_rules`), in `rules.stored_rows` form."""
    return [list(r) for r in cur.execute(
        f"SELECT {', '.join(rules.COLUMNS)} FROM derived_rules ORDER BY position").fetchall()]


def _rule_changes(cur: duckdb.DuckDBPyConnection) -> None:
    """Temp table `_dv_rc`: the customers with an event whose journey values may differ
    between the rules of the last refresh (`derived_rules`) and the rules now: events some
    added, removed, edited or moved rule matches, or a rule after such a rule on the same
    target (first match wins), under the old or the new rules (rules.changed_events_ctes).
    Everyone else's rows stay as they are."""
    params: dict[str, Any] = {}
    ctes = rules.changed_events_ctes("events", _old_rules(cur), rules.stored_rows(cur), params)
    if ctes is None:
        cur.execute(_NO_RULE_CHANGES_SQL)
        return
    cur.execute(
        f"CREATE TEMP TABLE _dv_rc AS WITH {ctes} SELECT DISTINCT customer_id FROM events "
        "WHERE event_id IN (SELECT event_id FROM rc_ev)", params,
    )


def _has_tables(cur: duckdb.DuckDBPyConnection) -> bool:
    row = cur.execute(
        "SELECT value FROM meta WHERE key = 'derived_version'"
    ).fetchall()
    if not row or row[0][0] != DERIVED_VERSION:
        return False
    n = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
        f"AND table_name IN ({', '.join(repr(t) for t in DERIVED_TABLES)})"
    ).fetchall()[0][0]
    if n != len(DERIVED_TABLES):
        return False
    # The extras as the setting wants them: built and marked when on; none at all when off
    # (so an export never carries stale ones).
    marked, n_extra = _extras_state(cur)
    if fast_filters_wanted(cur):
        return marked and n_extra == len(EXTRA_TABLES)
    return not marked and n_extra == 0


def is_current(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether the derived tables exist in this code's layout (else: rebuild them)."""
    return _has_tables(cur)


def _drop_temps(cur: duckdb.DuckDBPyConnection) -> None:
    for t in _TEMPS:
        cur.execute(f"DROP TABLE IF EXISTS {t}")


def _count(cur: duckdb.DuckDBPyConnection, sql: str,
           params: dict[str, Any] | None = None) -> int:
    return int(cur.execute(sql, params).fetchall()[0][0])


def rebuild(cur: duckdb.DuckDBPyConnection) -> None:
    """Recompute every derived table from scratch, inside the caller's transaction.

    Customer keys are kept while the customer has events (a key never changes meaning and is
    never given again); new customers get new ones."""
    _drop_temps(cur)
    cur.execute(f"CREATE TEMP TABLE _dv_fp AS {_FINGERPRINT_SQL}")
    _full(cur)
    _finish(cur)


def _full(cur: duckdb.DuckDBPyConnection, batch_events: int | None = None) -> None:
    """Rebuild every derived table. Above `batch_events` events (default `BATCH_EVENTS`) the
    customers are split into batches (`cid % batches`) and each batch's rows are computed by
    the incremental SQL (scope "x") and appended: the same rows, but each batch's window
    sorts fit in memory instead of spilling a whole-store sort to disk."""
    cur.execute(f"CREATE OR REPLACE TABLE customer_persona AS {_persona_select('')}")
    cur.execute("CREATE TABLE IF NOT EXISTS customer_keys (customer_id VARCHAR, cid INTEGER)")
    cur.execute(_new_keys_sql(""))
    _forget_keys(cur, "")
    params: dict[str, Any] = {}
    extras = fast_filters_wanted(cur)
    if not extras:
        # Fast filters off (or just turned off): no extra table stays behind.
        for table in EXTRA_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    default = BATCH_EVENTS_EXTRAS if extras else BATCH_EVENTS
    limit = default if batch_events is None else batch_events
    n_events = _count(cur, "SELECT count(*) FROM events")
    batches = max(1, -(-n_events // max(1, limit)))
    if batches == 1:
        for table, select in _per_customer_tables("", _n_stages(cur), rules.stored_rows(cur),
                                                  params, extras=extras):
            cur.execute(f"CREATE OR REPLACE TABLE {table} AS {select}",
                        _params(table, params))
        return
    tables = _per_customer_tables("x", _n_stages(cur), rules.stored_rows(cur), params,
                                  extras=extras)
    for b in range(batches):
        for t in ("_dv_ac", "_dv_cids"):
            cur.execute(f"DROP TABLE IF EXISTS {t}")
        cur.execute("CREATE TEMP TABLE _dv_cids AS SELECT cid FROM customer_keys "
                    "WHERE cid % $n = $b", {"n": batches, "b": b})
        cur.execute("CREATE TEMP TABLE _dv_ac AS SELECT customer_id FROM customer_keys "
                    "WHERE cid % $n = $b", {"n": batches, "b": b})
        for table, select in tables:
            head = f"CREATE OR REPLACE TABLE {table} AS" if b == 0 else f"INSERT INTO {table}"
            cur.execute(f"{head} {select}", _params(table, params))


def _n_stages(cur: duckdb.DuckDBPyConnection) -> int:
    return _count(cur, "SELECT count(*) FROM stages")


def _finish(cur: duckdb.DuckDBPyConnection) -> None:
    for sql in _SNAPSHOT_SQL:
        cur.execute(sql)
    cur.execute("DELETE FROM meta WHERE key = 'derived_version'")
    cur.execute("INSERT INTO meta VALUES ('derived_version', ?)", [DERIVED_VERSION])
    # The extras' marker, in the transaction that built (or dropped) them.
    cur.execute("DELETE FROM meta WHERE key = ?", [EXTRAS_KEY])
    if fast_filters_wanted(cur):
        cur.execute("INSERT INTO meta VALUES (?, ?)", [EXTRAS_KEY, _extras_marker()])
    _drop_temps(cur)


def refresh(cur: duckdb.DuckDBPyConnection) -> str:
    """Bring the derived tables up to date with the data, inside the caller's transaction.

    Returns what it did: "none" (nothing they depend on changed), "incremental" (the
    affected customers' rows were recomputed) or "full" (everything was rebuilt).
    """
    if not _has_tables(cur):
        rebuild(cur)
        return "full"
    _drop_temps(cur)
    cur.execute(f"CREATE TEMP TABLE _dv_fp AS {_FINGERPRINT_SQL}")
    cur.execute(_CHANGED_IMPORTS_SQL)
    for sql in _CHANGED_MAP_SQL:
        cur.execute(sql)
    rules_changed = _count(cur, _CHANGED_RULES_SQL) > 0
    if rules_changed and _rule_change_share(cur) > FULL_SHARE:
        # Too broad (a rule set switched on renames most events): finding every affected
        # customer would cost a pass over all events before rebuilding them all anyway.
        _full(cur)
        _finish(cur)
        return "full"
    if rules_changed:
        _rule_changes(cur)
    else:
        cur.execute(_NO_RULE_CHANGES_SQL)
    _map_changes_behind_hide_rules(cur)
    changed = _count(
        cur,
        "SELECT (SELECT count(*) FROM _dv_imp) + (SELECT count(*) FROM _dv_tp) "
        "+ (SELECT count(*) FROM _dv_st) + (SELECT count(*) FROM _dv_rc)",
    )
    if not changed:
        if rules_changed:
            # A rule change no event feels (a rule on a value nobody has): only the copy
            # of the rules moves, so the next refresh compares with these rules.
            _finish(cur)
            return "incremental"
        _drop_temps(cur)
        return "none"
    for sql in _AFFECTED_SQL:
        cur.execute(sql)
    affected = _count(cur, "SELECT count(*) FROM _dv_ac")
    # Every customer ever keyed, not only those with journey rows: rules that hid all of
    # some customers' events would otherwise make a small change look like most of them.
    known = _count(cur, "SELECT count(*) FROM customer_keys")
    # Too broad a change (a first import, a stage model edit, a rule set switched on that
    # renames most events): deleting and re-inserting most rows costs more than rebuilding.
    if affected > FULL_SHARE * known:
        _full(cur)
        _finish(cur)
        return "full"
    _incremental(cur)
    _finish(cur)
    return "incremental"


def _incremental(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute(
        "DELETE FROM customer_persona WHERE customer_id IN (SELECT customer_id FROM _dv_pc)"
    )
    cur.execute(f"INSERT INTO customer_persona {_persona_select('x')}")
    cur.execute(_new_keys_sql("x"))
    cur.execute(
        "CREATE TEMP TABLE _dv_cids AS SELECT cid FROM customer_keys "
        "WHERE customer_id IN (SELECT customer_id FROM _dv_ac)"
    )
    n_stages = _n_stages(cur)
    params: dict[str, Any] = {}
    # Current (refresh rebuilds otherwise): the extras exist exactly when the setting is on.
    tables = _per_customer_tables("x", n_stages, rules.stored_rows(cur), params,
                                  extras=fast_filters_wanted(cur))
    # customer_stage_reach depends on the whole stage model (the funnel's chain): after a
    # stage model edit it is recomputed for everyone (one cheap pass), else like the others.
    reach_all = _count(cur, "SELECT count(*) FROM _dv_st") > 0
    if reach_all:
        tables = [(t, s) for t, s in tables if t != "customer_stage_reach"]
    for table, _select in tables:
        cur.execute(f"DELETE FROM {table} WHERE cid IN (SELECT cid FROM _dv_cids)")
    for table, select in tables:
        cur.execute(f"INSERT INTO {table} {select}", _params(table, params))
    if reach_all:
        cur.execute(
            f"CREATE OR REPLACE TABLE customer_stage_reach AS {_reach_select('', n_stages)}"
        )
    # Last: _dv_cids (taken above) still named the removed customers' rows to delete.
    _forget_keys(cur, "x")


def _params(table: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The bound rule texts for journey_events' statement; none for the other tables."""
    return params if table == "journey_events" else None


def all_sql() -> list[str]:
    """Every statement a full and an incremental refresh may run (for the portability test)."""
    out = [_FINGERPRINT_SQL, _CHANGED_IMPORTS_SQL, *_CHANGED_MAP_SQL, *_AFFECTED_SQL,
           *_SNAPSHOT_SQL, _CHANGED_RULES_SQL, _NO_RULE_CHANGES_SQL]
    for scope in ("", "x"):
        out += [_persona_select(scope), _new_keys_sql(scope), _forget_keys_sql(scope)]
        out += [select for _t, select in _per_customer_tables(scope, extras=True)]
        # With rules of every kind and action on a base field and on a kept column.
        sample = rules.unchecked_rows([
            rules.Rule("touchpoint", "one_of", "a|b", "hide"),
            rules.Rule("page_location", "url_path", "/p/*", "touchpoint", r"P \1",
                       only_for="page_view"),
            rules.Rule("channel", "regex", "^(cpc)$", "channel", "Paid"),
            rules.Rule("touchpoint", "wildcard", "P *", "stage", "consideration"),
            rules.Rule("device", "equals", "kiosk", "online", "offline"),
        ])
        out.append(_events_select(scope, sample, {}))
        out.append(_events_select(scope, sample, {}, sessions=True))
    out.append(_hidden_map_sql(sample, {}))
    out.append(_share_sql(sample[1:], sample, {}) or "")
    # Which customers a rule change affects (old rules: the sample without its first rule).
    ctes = rules.changed_events_ctes("events", sample[1:], sample, {})
    out.append(f"WITH {ctes} SELECT DISTINCT customer_id FROM events "
               "WHERE event_id IN (SELECT event_id FROM rc_ev)")
    return out


# Kept for callers of the first layout (tests/test_sql_portable.py): the full rebuild's SQL.
JOURNEY_EVENTS_SQL = ";\n".join([
    f"CREATE OR REPLACE TABLE customer_persona AS {_persona_select('')}",
    "CREATE TABLE IF NOT EXISTS customer_keys (customer_id VARCHAR, cid INTEGER)",
    _new_keys_sql(""),
    f"CREATE OR REPLACE TABLE journey_events AS {_events_select('')}",
]) + ";\n"


def _derived_sql() -> str:
    return ";\n".join(
        f"CREATE OR REPLACE TABLE {t} AS {s}" for t, s in _per_customer_tables("", extras=True)[1:]
    ) + ";\n"


def verify_sample(
    cur: duckdb.DuckDBPyConnection, customers: int
) -> tuple[list[tuple[str, int]], int]:
    """Recompute the derived rows of up to `customers` customers (a fixed, hash-ordered sample)
    and compare them with the stored rows. Returns ([(table, customers that differ)], sampled).

    Uses only temporary tables, so it runs on a read-only connection and changes nothing.
    """
    _drop_temps(cur)
    cur.execute(
        "CREATE TEMP TABLE _dv_ac AS SELECT customer_id FROM customer_keys "
        "ORDER BY HASH(customer_id), customer_id LIMIT ?", [int(customers)]
    )
    cur.execute("CREATE TEMP TABLE _dv_pc AS SELECT customer_id FROM _dv_ac")
    cur.execute(
        "CREATE TEMP TABLE _dv_cids AS SELECT cid FROM customer_keys "
        "WHERE customer_id IN (SELECT customer_id FROM _dv_ac)"
    )
    sampled = _count(cur, "SELECT count(*) FROM _dv_ac")
    checks = [("customer_persona", "customer_id", _persona_select("x"),
               "customer_id IN (SELECT customer_id FROM _dv_pc)")]
    params: dict[str, Any] = {}
    checks += [(table, "cid", select, "cid IN (SELECT cid FROM _dv_cids)")
               for table, select in _per_customer_tables(
                   "x", _n_stages(cur), rules.stored_rows(cur), params,
                   extras=extras_ready(cur))]
    diffs: list[tuple[str, int]] = []
    try:
        for table, key, select, where in checks:
            # Floating sums may differ in their last bits with summation order: compare the
            # stored and recomputed rows with doubles rounded.
            cols = cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position",
                [table],
            ).fetchall()
            shown = ", ".join(
                f'ROUND("{c}", 6) AS "{c}"' if t in ("DOUBLE", "FLOAT") else f'"{c}"'
                for c, t in cols
            )
            stored = f"SELECT {shown} FROM {table} WHERE {where}"
            fresh = f"SELECT {shown} FROM ({select}) f"
            n = _count(
                cur,
                f"SELECT COUNT(DISTINCT {key}) FROM (({fresh}) EXCEPT ALL ({stored}) "
                f"UNION ALL (({stored}) EXCEPT ALL ({fresh}))) d", _params(table, params),
            )
            if n:
                diffs.append((table, n))
    finally:
        for t in ("_dv_ac", "_dv_pc", "_dv_cids"):
            cur.execute(f"DROP TABLE IF EXISTS {t}")
    return diffs, sampled
