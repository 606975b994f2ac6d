"""What the shared filters can offer: the values present in the store.

Read once per data version by the app's sidebar (and usable by the CLI's completion), so that
a filter never offers a value with nothing behind it, and a URL value that is not here can be
dropped silently instead of producing an empty page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from journey.analytics.reach import stages_in_use
from journey.db.engine import Engine, EngineLike


def _column(engine: Engine, sql: str, what: str) -> list[str]:
    rows = engine.rows(sql, purpose=f"filter_options.{what}")
    return [str(r[0]) for r in rows if r[0] is not None and str(r[0])]


def filter_options(source: EngineLike) -> dict[str, Any]:
    """personas, stages (in journey order, the ones some data uses), touchpoints, channels,
    devices, first_day, last_day."""
    engine = Engine.of(source)
    personas = _column(
        engine,
        "SELECT persona FROM (SELECT persona FROM customer_persona UNION "
        "SELECT persona FROM personas) WHERE persona IS NOT NULL ORDER BY persona",
        "personas",
    )
    # Stages some data uses: one that came with a removed import is no filter choice.
    stages = [stage for stage, _pos in stages_in_use(engine)]
    touchpoints = _column(
        engine,
        "SELECT touchpoint FROM (SELECT touchpoint, MIN(stage_position) AS p "
        "FROM journey_events GROUP BY touchpoint) "
        "ORDER BY CASE WHEN p IS NULL THEN 1 ELSE 0 END, p, touchpoint",
        "touchpoints",
    )
    channels = _column(
        engine,
        "SELECT DISTINCT channel FROM journey_events WHERE channel IS NOT NULL ORDER BY channel",
        "channels",
    )
    devices = _column(
        engine,
        "SELECT DISTINCT device FROM journey_events WHERE device IS NOT NULL ORDER BY device",
        "devices",
    )
    first, last = engine.one(
        "SELECT MIN(ts), MAX(ts) FROM (SELECT ts FROM events UNION ALL "
        "SELECT ts FROM responses WHERE ts IS NOT NULL)",
        purpose="filter_options.days",
    )

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
