"""Device switching: how many journeys span several devices, and where the switch happens.

A *switch* is an event whose device differs from the device of the customer's previous event
(ordered by `ts, event_id`) that has a known device: events without a device are skipped, not
counted as a switch. Its stage is the stage of the event on the new device.

Without event conditions the switches come from the precomputed `device_switches` table;
otherwise the same SQL (`derived.device_switch_ctes`) runs over the filtered events.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.db import derived
from journey.db.engine import Engine, EngineLike

TRANSITION_COLUMNS = ["from_device", "to_device", "switches", "customers"]
BY_STAGE_COLUMNS = ["stage", "stage_position", "switches", "share"]


def _sources(filters: Filters, force_compute: bool) -> tuple[str, dict[str, Any]]:
    """`WITH ...` defining `d_sw` (switch events) and `d_cust(cid, devices)`."""
    if not force_compute and not filters.has_event_conditions:
        params: dict[str, Any] = {}
        who = scope.summary_scope(filters, params)
        where = f" WHERE {who}" if who else ""
        return (
            f"WITH d_sw AS (SELECT t.* FROM device_switches t{where}),\n"
            f"d_cust AS (SELECT t.cid, t.devices FROM customer_summary t{where})"
        ), params
    if force_compute:
        sql, params = scope.events_sql(filters)
    else:
        sql, params, _whole = scope.event_source(
            filters, columns=("cid", "g", "ts", "event_id", "device", "stage", "stage_position")
        )
    return (
        f"WITH fe AS ({sql}),\n{derived.device_switch_ctes('fe')},\n"
        "d_cust AS (SELECT cid, COUNT(DISTINCT device) AS devices FROM fe GROUP BY cid)"
    ), params


def device_switching(
    source: EngineLike, filters: Filters, *, force_compute: bool = False
) -> dict[str, Any]:
    """journeys, multi_device (journeys with >1 known device), share, transitions, by_stage.

    One journey per customer (device switching across sessions is still a switch), so no
    `FlowOptions` apply; `force_compute` skips the precomputed tables (tests compare both).
    """
    engine = Engine.of(source)
    with_sql, params = _sources(filters, force_compute)
    journeys, multi = engine.one(
        f"{with_sql}\nSELECT COUNT(*), SUM(CASE WHEN devices > 1 THEN 1 ELSE 0 END) FROM d_cust",
        params, purpose="devices.journeys",
    )
    journeys, multi = int(journeys or 0), int(multi or 0)
    trans = engine.df(
        f"{with_sql}\nSELECT from_device, to_device, COUNT(*) AS switches, "
        "COUNT(DISTINCT cid) AS customers FROM d_sw GROUP BY from_device, to_device "
        "ORDER BY switches DESC, from_device, to_device",
        params, purpose="devices.transitions",
    )
    by_stage = engine.df(
        f"{with_sql}\nSELECT stage, MIN(stage_position) AS stage_position, "
        "COUNT(*) AS switches, CAST(COUNT(*) AS DOUBLE) / SUM(COUNT(*)) OVER () AS share "
        "FROM d_sw GROUP BY stage "
        "ORDER BY stage_position NULLS LAST, stage NULLS LAST",
        params, purpose="devices.by_stage",
    )
    trans = _typed(trans, TRANSITION_COLUMNS, ("switches", "customers"))
    by_stage = _typed(by_stage, BY_STAGE_COLUMNS, ("switches",))
    return {
        "journeys": journeys,
        "multi_device": multi,
        "share": multi / journeys if journeys else 0.0,
        "transitions": trans,
        "by_stage": by_stage,
    }


def _typed(df: pd.DataFrame, columns: list[str], ints: tuple[str, ...]) -> pd.DataFrame:
    df = df[columns] if len(df.columns) else pd.DataFrame(columns=columns)
    for c in ints:
        df[c] = df[c].astype("int64")
    return df.reset_index(drop=True)
