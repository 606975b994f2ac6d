"""What the shared filters can offer: the values present in the store.

Read once per data version by the app's sidebar (and usable by the CLI's completion), so that
a filter never offers a value with nothing behind it, and a URL value that is not here can be
dropped silently instead of producing an empty page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb


def _column(cur: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [str(r[0]) for r in cur.execute(sql).fetchall() if r[0] is not None and str(r[0])]


def filter_options(cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """personas, stages (in journey order), touchpoints, channels, devices, first_day, last_day."""
    personas = _column(
        cur,
        "SELECT persona FROM (SELECT persona FROM customer_persona UNION "
        "SELECT persona FROM personas) WHERE persona IS NOT NULL ORDER BY persona",
    )
    stages = _column(cur, "SELECT stage FROM stages ORDER BY position, stage")
    touchpoints = _column(
        cur,
        "SELECT touchpoint FROM (SELECT touchpoint, MIN(stage_position) AS p "
        "FROM journey_events GROUP BY touchpoint) "
        "ORDER BY CASE WHEN p IS NULL THEN 1 ELSE 0 END, p, touchpoint",
    )
    channels = _column(
        cur,
        "SELECT DISTINCT channel FROM journey_events WHERE channel IS NOT NULL ORDER BY channel",
    )
    devices = _column(
        cur, "SELECT DISTINCT device FROM journey_events WHERE device IS NOT NULL ORDER BY device"
    )
    first, last = cur.execute(
        "SELECT MIN(ts), MAX(ts) FROM (SELECT ts FROM events UNION ALL "
        "SELECT ts FROM responses WHERE ts IS NOT NULL)"
    ).fetchone()

    def day(v: Any) -> dt.date | None:
        return v.date() if isinstance(v, dt.datetime) else v

    return {
        "personas": personas,
        "stages": stages,
        "touchpoints": touchpoints,
        "channels": channels,
        "devices": devices,
        "first_day": day(first),
        "last_day": day(last),
    }
