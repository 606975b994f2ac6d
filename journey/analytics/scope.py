"""Filters + flow options -> SQL: the one owner of what a query reads.

Every analytics query starts here. `events_sql` / `responses_sql` give the filtered events and
survey answers; `event_source`, `summary_scope` and `steps_with` give the cheaper relations the
flow, funnel, overview and device queries read (the precomputed tables of `db.derived` when
no event condition asks for a per-query window); `converted` is the one definition of a
converted journey, used by the `converted` filter and by every figure that counts conversions.
`FlowOptions` is how journeys are cut into steps, the same value for every flow question.

The semantics of each filter are documented on `Filters`. Every value is a bound parameter:
a list becomes one named parameter per value, so the SQL stays plain (and transpilable to
Spark SQL) without formatting any user text into it. A parameter's name depends only on its
role (`f_persona_0`, `f_since`, `conv_stage`...), so the same filter always gives the same
SQL text, and two fragments binding the same role bind the same value.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from dataclasses import dataclass, replace
from typing import Any

from journey.analytics.filters import Filters
from journey.db import derived, slices

# The placement rule lives in the store layer (the import report counts it too); re-exported
# here, where pages and figures look for it.
from journey.db.placement import PLACEMENT_SETTING as PLACEMENT_SETTING
from journey.db.placement import PLACEMENTS as PLACEMENTS
from journey.db.placement import placement_sql
from journey.db.range_steps import range_steps_ctes, whole_event_steps_cte

LEVELS = ("touchpoint", "stage")
MIN_STEPS, MAX_STEPS = 2, 15

# journey_events columns the step CTEs read (a narrow projection of the filtered events).
_STEP_COLUMNS = (
    "cid", "g", "ts", "touchpoint", "stage", "stage_position", "channel", "seq",
    "next_touchpoint", "next_stage_node", "next_ts", "tp_step", "stage_step",
)


# What the date-range steps read (`range_steps_ctes`): the above and each step's first seq.
_RANGE_COLUMNS = (*_STEP_COLUMNS, "tp_step_seq", "stage_step_seq")


@dataclass(frozen=True)
class FlowOptions:
    """How journeys are cut into steps, shared by every flow question of a view.

    level: touchpoint | stage (what a node is). keep_repeats: do not collapse consecutive
    repeats of a node into one step. session_gap: minutes of inactivity that start a new
    journey (None: one journey per customer). force_compute: skip the precomputed tables and
    compute from the events (the results are identical; tests compare both paths). Invalid
    values raise ValueError at construction, so a bad option never reaches SQL.

    fast_filters: whether the store's fast-filter tables (`derived.EXTRA_TABLES`: session
    steps of the 30-min / 1-day gaps, per-device / per-channel steps) are built. Not a
    choice of the view: the flows functions fill it from their engine
    (`Engine.fast_filters`), whatever the caller passed; False takes the computed path.
    """

    level: str = "touchpoint"
    keep_repeats: bool = False
    session_gap: float | None = None
    force_compute: bool = False
    fast_filters: bool = False

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be 'touchpoint' or 'stage' (got {self.level!r}).")
        gap = self.session_gap
        if gap is not None:
            if isinstance(gap, bool) or not isinstance(gap, numbers.Real) or not gap > 0:
                raise ValueError(
                    f"session_gap must be a positive number of minutes (got {gap})."
                )
            object.__setattr__(self, "session_gap", float(gap))
        object.__setattr__(self, "keep_repeats", bool(self.keep_repeats))
        object.__setattr__(self, "force_compute", bool(self.force_compute))
        object.__setattr__(self, "fast_filters", bool(self.fast_filters))

    def replace(self, **changes: Any) -> FlowOptions:
        return replace(self, **changes)

    @property
    def step_table(self) -> str:
        """The precomputed steps of this level."""
        return "tp_steps" if self.level == "touchpoint" else "stage_steps"

    @property
    def precomputed_table(self) -> str | None:
        """The precomputed steps answering these options when no event condition applies:
        the whole journeys' steps without a gap, the session steps for a precomputed gap
        (`derived.SESSION_GAPS`: 30 min, 1 day) when the store has them (`fast_filters`),
        None for any other gap or keep_repeats."""
        if self.keep_repeats or self.force_compute:
            return None
        if self.session_gap is None:
            return self.step_table
        if not self.fast_filters:
            return None
        return derived.session_step_table(self.level, self.session_gap)


DEFAULT_FLOW = FlowOptions()


def check_steps(steps: Any) -> int:
    """How many steps a step-indexed view (Sankey, top paths) shows: a whole number 2..15."""
    try:
        n = int(steps)
    except (TypeError, ValueError):
        raise ValueError(
            f"steps must be a whole number from {MIN_STEPS} to {MAX_STEPS} (got {steps!r})."
        ) from None
    if not MIN_STEPS <= n <= MAX_STEPS:
        raise ValueError(f"steps must be from {MIN_STEPS} to {MAX_STEPS} (got {n}).")
    return n


# -- plain conditions ---------------------------------------------------------------------
def _in(column: str, role: str, values: tuple[str, ...], params: dict[str, Any]) -> str:
    names = []
    for i, v in enumerate(values):
        params[f"f_{role}_{i}"] = v
        names.append(f"$f_{role}_{i}")
    return f"{column} IN ({', '.join(names)})"


def date_conds(filters: Filters, column: str, params: dict[str, Any]) -> list[str]:
    """`column` inside the date range (since and until are both inclusive days)."""
    conds = []
    if filters.since:
        params["f_since"] = dt.datetime.combine(filters.since, dt.time())
        conds.append(f"{column} >= $f_since")
    if filters.until:
        params["f_until"] = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time())
        conds.append(f"{column} < $f_until")
    return conds


def _event_conds(filters: Filters, alias: str, params: dict[str, Any]) -> list[str]:
    conds: list[str] = []
    if filters.stages:
        conds.append(_in(f"{alias}.stage", "stage", filters.stages, params))
    if filters.touchpoints:
        conds.append(_in(f"{alias}.touchpoint", "tp", filters.touchpoints, params))
    if filters.channels:
        conds.append(_in(f"{alias}.channel", "channel", filters.channels, params))
    if filters.devices:
        conds.append(_in(f"{alias}.device", "device", filters.devices, params))
    return conds + date_conds(filters, f"{alias}.ts", params)


def used_params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """`params` without the ones `sql` never names: DuckDB refuses a named parameter the
    statement does not use, and a fragment may bind one for a part the caller left out."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


# -- converted: the one definition --------------------------------------------------------
def reached(stage_position: str, stage_param: str) -> str:
    """1 when `stage_position` (an SQL expression) is at or after the stage bound to
    `$stage_param`, else 0; an unknown stage is reached by nobody. The funnel's "reached the
    stage at all" bar and `converted` are this one comparison."""
    return (
        f"CASE WHEN {stage_position} >= (SELECT MIN(position) FROM stages "
        f"WHERE stage = ${stage_param}) THEN 1 ELSE 0 END"
    )


def converted(stage_position: str, filters: Filters, params: dict[str, Any]) -> str:
    """1 when `stage_position` (an SQL expression) is at or after the conversion stage, else 0.

    A journey has converted when it reached the conversion stage (a store setting, default
    `purchase`, carried by `Filters.conversion_stage`) or a later one; an unknown conversion
    stage converts nobody. Aggregate with MAX over a journey's events (or read the `furthest`
    column of `journeys_sql`). As a figure (converted, the funnel) it is judged on the
    events the filters show; as a customer's outcome (the converted / dropped-off filter, the
    drop-off tables: `customer_conversion_sql`), on the whole journey in the date range.
    """
    params["conv_stage"] = filters.conversion_stage
    return reached(stage_position, "conv_stage")


def journeys_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The journeys in scope, one row each: SELECT cid, furthest, first_ts, last_ts, events,
    revenue, with its params.

    A journey is in scope when its customer passes the customer conditions and has at least
    one event the event conditions show; `furthest` is the highest stage position among
    those shown events (NULL when none has a known stage). Customers in scope, journeys,
    converted and the funnel's "reached at all" bars all count rows of this one relation.
    """
    params: dict[str, Any] = {}
    if not filters.has_event_conditions:
        # Whole journeys: customer_summary holds exactly these aggregates.
        who = summary_scope(filters, params, alias="c0")
        where = f" WHERE {who}" if who else ""
        return (
            "SELECT c0.cid, c0.max_stage_position AS furthest, c0.first_ts, c0.last_ts, "
            f"c0.events, c0.revenue FROM customer_summary c0{where}"
        ), params
    sql, params, _whole = event_source(filters, columns=("cid", "ts", "stage_position", "revenue"))
    return (
        "SELECT fe.cid, MAX(fe.stage_position) AS furthest, MIN(fe.ts) AS first_ts, "
        "MAX(fe.ts) AS last_ts, COUNT(*) AS events, SUM(fe.revenue) AS revenue "
        f"FROM ({sql}) fe GROUP BY fe.cid"
    ), params


def customer_conversion_sql(
    filters: Filters, params: dict[str, Any], *, precomputed: bool
) -> str:
    """SELECT (cid, converted) per customer, judged on their events in the date range and
    never narrowed by the stage/channel/device/touchpoint filters: a customer's *outcome*,
    what the converted / dropped-off filter and the drop-off tables judge (a stage or device
    filter must not turn buyers into drop-outs). `precomputed` reads customer_summary: only
    valid without a date range."""
    if precomputed:
        if filters.since or filters.until:
            raise ValueError("customer_summary cannot judge conversion inside a date range.")
        return (
            f"SELECT cid, {converted('max_stage_position', filters, params)} AS converted "
            "FROM customer_summary"
        )
    where = date_conds(filters, "je.ts", params)
    w = f" WHERE {' AND '.join(where)}" if where else ""
    return (
        f"SELECT je.cid, MAX({converted('je.stage_position', filters, params)}) AS converted "
        f"FROM journey_events je{w} GROUP BY je.cid"
    )


def journey_conversion_cte(
    filters: Filters, options: FlowOptions, params: dict[str, Any], *, precomputed: bool
) -> str:
    """CTE definitions ending in `j_conv(cid, session_no, converted)` over the journeys of `j_st`.

    Without a session gap a journey is the customer's, judged by `customer_conversion_sql`.
    With a session gap each session is judged on its own (filtered) steps: a browsing session
    before a buying one did end unbought; `precomputed` session steps (a gap of 30 min or 1
    day) carry each session's highest stage position (`max_stage_position`) on every row.
    """
    if options.session_gap is None:
        cust = customer_conversion_sql(filters, params, precomputed=precomputed)
        return (
            f"j_cust AS ({cust}),\n"
            "j_conv AS (SELECT j.cid, j.session_no, COALESCE(c.converted, 0) AS converted "
            "FROM j_st j LEFT JOIN j_cust c ON c.cid = j.cid WHERE j.step = 1)"
        )
    if precomputed:
        # The session steps carry their session's highest stage position on every row.
        return (
            f"j_conv AS (SELECT cid, session_no, "
            f"{converted('max_stage_position', filters, params)} AS converted "
            "FROM j_st WHERE step = 1)"
        )
    # stage_position of a step's events is the touchpoint's: constant within a step unless
    # the file itself varies it, so each step's value stands for its events.
    return (
        f"j_conv AS (SELECT cid, session_no, MAX({converted('stage_position', filters, params)}) "
        "AS converted FROM j_st GROUP BY cid, session_no)"
    )


# -- whose journeys count -----------------------------------------------------------------
def customer_scope_sql(
    filters: Filters, params: dict[str, Any], *, for_responses: bool = False
) -> str | None:
    """SELECT of customer_id passing the customer conditions (persona, includes, outcome),
    judged on the customer's events in the date range; None when every customer passes.

    `for_responses`: responses have no device, so the device filter keeps the answers of
    customers who used one of those devices in the date range."""
    having: list[str] = []
    if filters.personas:
        having.append(
            f"MAX(CASE WHEN {_in('je.persona', 'persona', filters.personas, params)} "
            "THEN 1 ELSE 0 END) = 1"
        )
    for i, tp in enumerate(filters.includes):
        params[f"f_inc_{i}"] = tp
        having.append(f"MAX(CASE WHEN je.touchpoint = $f_inc_{i} THEN 1 ELSE 0 END) = 1")
    if filters.outcome:
        reached = f"MAX({converted('je.stage_position', filters, params)})"
        having.append(f"{reached} = {1 if filters.outcome == 'converted' else 0}")
    if for_responses and filters.devices:
        having.append(
            f"MAX(CASE WHEN {_in('je.device', 'device', filters.devices, params)} "
            "THEN 1 ELSE 0 END) = 1"
        )
    if not having:
        return None
    where = date_conds(filters, "je.ts", params)
    return (
        "SELECT je.customer_id FROM journey_events je"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " GROUP BY je.customer_id HAVING "
        + " AND ".join(having)
    )


def summary_scope(filters: Filters, params: dict[str, Any], alias: str = "t") -> str:
    """A condition on `{alias}.cid` picking the customers that pass the customer conditions,
    read from the precomputed tables. Valid only without a date range (then it matches
    `customer_scope_sql`, which tests check). Empty string when every customer passes.
    """
    conds: list[str] = []
    if filters.personas:
        conds.append(_in("cs.persona", "persona", filters.personas, params))
    for i, tp in enumerate(filters.includes):
        params[f"f_inc_{i}"] = tp
        conds.append(f"cs.cid IN (SELECT ts_.cid FROM tp_steps ts_ WHERE ts_.node = $f_inc_{i})")
    if filters.outcome:
        reached = converted("cs.max_stage_position", filters, params)
        conds.append(f"{reached} = {1 if filters.outcome == 'converted' else 0}")
    if not conds:
        return ""
    return f"{alias}.cid IN (SELECT cs.cid FROM customer_summary cs WHERE {' AND '.join(conds)})"


# -- filtered events and answers ----------------------------------------------------------
def events_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """A SELECT over journey_events (alias `je`, every column) with every filter applied."""
    params: dict[str, Any] = {}
    conds = _event_conds(filters, "je", params)
    scope = customer_scope_sql(filters, params)
    if scope:
        conds.append(f"je.customer_id IN ({scope})")
    sql = "SELECT je.* FROM journey_events je"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    return sql, params


def event_source(
    filters: Filters, columns: tuple[str, ...] | None = None
) -> tuple[str, dict[str, Any], bool]:
    """The events in the filter (journey_events' columns, or only `columns`: a narrow
    projection keeps materialised CTEs and window sorts small), its params, and whether it
    holds whole journeys (no event condition: the precomputed neighbours are valid).

    Same rows as `events_sql`, cheaper: customer conditions are read from customer_summary /
    tp_steps (by cid) unless a date range narrows what they are judged on.
    """
    params: dict[str, Any] = {}
    conds = _event_conds(filters, "je", params)
    if filters.since or filters.until:
        scope = customer_scope_sql(filters, params)
        if scope:
            conds.append(f"je.customer_id IN ({scope})")
    else:
        scope = summary_scope(filters, params, alias="je")
        if scope:
            conds.append(scope)
    cols = ", ".join(f"je.{c}" for c in columns) if columns else "je.*"
    sql = f"SELECT {cols} FROM journey_events je"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    return sql, params, not filters.has_event_conditions


def responses_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """Filtered responses, with the effective stage and touchpoint, `persona`, the
    touchpoint's channel and `placed` (1 when the stage and touchpoint come from the
    customer's journey, see `placement_sql`)."""
    params: dict[str, Any] = {}
    conds: list[str] = []
    stage = "COALESCE(r.stage, t.stage, pl.stage)"
    touchpoint = "COALESCE(r.touchpoint, pl.touchpoint)"
    if filters.stages:
        conds.append(_in(stage, "stage", filters.stages, params))
    if filters.touchpoints:
        conds.append(_in(touchpoint, "tp", filters.touchpoints, params))
    if filters.channels:
        conds.append(_in("t.channel", "channel", filters.channels, params))
    if filters.personas:
        conds.append(_in("cp.persona", "persona", filters.personas, params))
    conds += date_conds(filters, "r.ts", params)
    # Persona is judged on the response's own customer (above), not on their events.
    scope = customer_scope_sql(filters.replace(personas=(), devices=()), params)
    if scope:
        conds.append(f"r.customer_id IN ({scope})")
    if filters.devices:
        # Responses have no device: keep the answers of customers who used one of those
        # devices in the date range. A filter before the distinct customers, not a
        # GROUP BY of every event with a HAVING (the same customers, half the time).
        used = [_in("je.device", "device", filters.devices, params)]
        used += date_conds(filters, "je.ts", params)
        conds.append(
            "r.customer_id IN (SELECT je.customer_id FROM journey_events je "
            f"WHERE {' AND '.join(used)})"
        )
    # A response's stage is the one the survey names, else its touchpoint's stage: an
    # answer about "Delivery" belongs to the stage Delivery is mapped to.
    sql = (
        f"SELECT r.response_id, r.customer_id, r.ts, {stage} AS stage, "
        f"{touchpoint} AS touchpoint, r.nps, r.csat, r.ces, r.comment, r.import_id, "
        "r.ces_high_is_easy, cp.persona, t.channel, "
        "CASE WHEN pl.response_id IS NULL THEN 0 ELSE 1 END AS placed FROM responses r "
        f"LEFT JOIN ({placement_sql()}) pl ON pl.response_id = r.response_id "
        "LEFT JOIN customer_persona cp ON cp.customer_id = r.customer_id "
        f"LEFT JOIN touchpoints t ON t.touchpoint = {touchpoint}"
    )
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    return sql, params


# -- journey steps ------------------------------------------------------------------------
def uses_precomputed(filters: Filters, options: FlowOptions) -> bool:
    """Whether the precomputed step tables answer this question (no per-query windows):
    no event condition, no keep_repeats, no force_compute, and no session gap or one of the
    precomputed ones (30 min, 1 day)."""
    return not filters.has_event_conditions and options.precomputed_table is not None


def slice_of(filters: Filters, options: FlowOptions) -> tuple[str, str] | None:
    """(dimension, value) when the precomputed per-device / per-channel steps
    (`db.slices`) answer: the only event condition is exactly one device or exactly one
    channel (customer conditions allowed: they are read by cid, like for tp_steps), and no
    date range, session gap, kept repeats or force_compute; and the store has them built
    (`options.fast_filters`). Else None."""
    if (not options.fast_filters or options.force_compute or options.session_gap is not None
            or options.keep_repeats or filters.since or filters.until or filters.stages
            or filters.touchpoints):
        return None
    if len(filters.devices) == 1 and not filters.channels:
        return "device", filters.devices[0]
    if len(filters.channels) == 1 and not filters.devices:
        return "channel", filters.channels[0]
    return None


def step_relation(filters: Filters, options: FlowOptions, params: dict[str, Any]) -> str:
    """What the precomputed steps of `steps_with` (when its third value is True) are read
    from, for readers that go back to them (anchors, journey starts): the step table, or one
    level and value of a slice table (a parenthesised SELECT; give it an alias). Binds the
    slice value under the filter's own parameter name."""
    sl = slice_of(filters, options)
    if sl is None:
        return options.precomputed_table or options.step_table
    dimension, value = sl
    params[f"f_{dimension}_0"] = value
    return slices.relation(dimension, options.level, f"f_{dimension}_0")


def dates_only(filters: Filters) -> bool:
    """Whether the only event condition is a date range: each customer's kept events are
    then a contiguous run of their journey, and its steps follow from the precomputed ones
    (`db.range_steps`)."""
    return bool(filters.since or filters.until) and not (
        filters.stages or filters.touchpoints or filters.channels or filters.devices
    )


def coded_events(filters: Filters, options: FlowOptions) -> bool:
    """Whether `steps_with(..., coded=True)` numbers the nodes (its `j_e2` / `j_st` nodes are
    `j_nd` integers, see `derived.steps_ctes`): when the steps come from a per-event window
    over filtered events (an event condition other than a date range alone, or
    force_compute), not from precomputed neighbours or step tables."""
    return (
        not uses_precomputed(filters, options) and slice_of(filters, options) is None
        and (options.force_compute
             or (filters.has_event_conditions and not dates_only(filters)))
    )


def steps_with(
    filters: Filters, options: FlowOptions, *, events_only: bool = False, coded: bool = False,
) -> tuple[str, dict[str, Any], bool]:
    """`WITH ...` text defining the CTE `j_st` (one row per journey step), its params, and
    whether it reads the precomputed tables (which add the first_visit/first_pair flags; the
    session step tables of a precomputed gap also first_start, and their first_visit is per
    session: see `derived._session_steps_select`).
    With `events_only` and when the precomputed tables do not answer, it defines `j_e2`
    (one row per event, see `derived.steps_ctes`) instead of `j_st`.

    With one device (or one channel) as the only event condition, they are read from that
    slice's precomputed steps (`slice_of`; readers going back to them use `step_relation`).
    Without event conditions but with keep_repeats or a session gap, the steps are built
    from journey_events' precomputed neighbours (no per-event window); with a date range as
    the only event condition, from the precomputed step numbers and neighbours too
    (`db.range_steps`: no sort by time unless a session gap asks for one). `force_compute`
    skips every precomputed shortcut. `coded`: when `coded_events` says so, the nodes of
    `j_e2` / `j_st` are integers (`j_nd(node, nid)`, defined in the text: the caller decodes).
    """
    if uses_precomputed(filters, options):
        params: dict[str, Any] = {}
        scope = summary_scope(filters, params)
        where = f" WHERE {scope}" if scope else ""
        table = options.precomputed_table
        return f"WITH j_st AS (SELECT t.* FROM {table} t{where})", params, True
    if slice_of(filters, options) is not None:
        # One device (channel): that slice's precomputed steps, same rows and flags.
        params = {}
        rel = step_relation(filters, options, params)
        scope = summary_scope(filters, params)
        where = f" WHERE {scope}" if scope else ""
        return f"WITH j_st AS (SELECT t.* FROM {rel} t{where})", params, True
    if not options.force_compute and dates_only(filters):
        # The kept events of each customer are a contiguous run of their journey: step
        # numbers and next events come from the precomputed ones (no per-event sort).
        sql, params, _whole = event_source(filters, columns=_RANGE_COLUMNS)
        if options.session_gap is not None:
            params["gap_us"] = options.session_gap * 60_000_000.0
        ctes = range_steps_ctes(
            "fe", level=options.level, keep_repeats=options.keep_repeats,
            session=options.session_gap is not None,
            until="$f_until" if filters.until else None, events_only=events_only,
        )
        return f"WITH fe AS ({sql}),\n{ctes}", params, False
    if (not options.force_compute and not filters.has_event_conditions
            and options.keep_repeats and options.session_gap is None and not events_only):
        sql, params, _whole = event_source(filters, columns=_STEP_COLUMNS)
        return f"WITH fe AS ({sql}),\n{whole_event_steps_cte('fe', level=options.level)}", \
            params, False
    if options.force_compute:
        sql, params = events_sql(filters)
        whole = False
    else:
        sql, params, whole = event_source(filters, columns=_STEP_COLUMNS)
    if options.session_gap is not None:
        params["gap_us"] = options.session_gap * 60_000_000.0
    code = coded and coded_events(filters, options)
    ctes = derived.steps_ctes(
        "fe", level=options.level, keep_repeats=options.keep_repeats,
        session=options.session_gap is not None, whole=whole, events_only=events_only,
        coded=options.step_table if code else None,
    )
    return f"WITH fe AS ({sql}),\n{ctes}", params, False
