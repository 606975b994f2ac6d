"""The setup checklist: what keeps the data from drawing a journey map yet.

Read by Overview before its charts, so that a store whose touchpoints have no stage, or
where nothing reaches the conversion stage, says what to do instead of showing empty charts
that seem to blame the filters. Store-wide: the sidebar's filters do not change it.
"""

from __future__ import annotations

from typing import Any

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.db.engine import Engine, EngineLike

CONVERSION_SETTING = "setting:conversion_stage"


def checklist(source: EngineLike, filters: Any = None) -> dict[str, Any]:
    """Counts over the journeys (events after the rules):

    - `events`: journey events; `touchpoints`: distinct touchpoints in them;
    - `unstaged_touchpoints` / `unstaged_events`: touchpoints (events) with no stage, neither
      from the touchpoint map, a rule, nor the file;
    - `conversion_stage`, `conversion_known` (the stage is in the model) and
      `converting_events`: events at the conversion stage or a later one;
    - `items`: the open points, in the order to fix them: "no_events", "unstaged",
      "no_conversion". Empty when the data can draw a map.
    `filters` is accepted (and ignored) so that pages call it like every figure.
    """
    engine = Engine.of(source)
    row = engine.one(
        "SELECT COUNT(*), COUNT(DISTINCT touchpoint), "
        "COUNT(DISTINCT CASE WHEN stage IS NULL THEN touchpoint END), "
        "SUM(CASE WHEN stage IS NULL THEN 1 ELSE 0 END) FROM journey_events",
        purpose="setup.touchpoints",
    ) or (0, 0, 0, 0)
    events, touchpoints, unstaged_tp, unstaged_ev = (int(v or 0) for v in row)
    conv = engine.one(
        "SELECT COALESCE((SELECT value FROM meta WHERE key = ?), 'purchase')",
        [CONVERSION_SETTING], purpose="setup.conversion_stage",
    )[0]
    known = bool(engine.one("SELECT COUNT(*) FROM stages WHERE stage = ?", [conv],
                            purpose="setup.conversion_known")[0])
    converting = 0
    if known:
        # The one definition of "reached the conversion stage" (scope.converted), per event.
        params: dict[str, Any] = {}
        reached = scope.converted("stage_position", Filters(conversion_stage=conv), params)
        converting = int(engine.one(
            f"SELECT COALESCE(SUM({reached}), 0) FROM journey_events", params,
            purpose="setup.converting")[0] or 0)
    items = []
    if not events:
        items.append("no_events")
    else:
        if unstaged_tp:
            items.append("unstaged")
        if not converting:
            items.append("no_conversion")
    return {
        "events": events, "touchpoints": touchpoints, "unstaged_touchpoints": unstaged_tp,
        "unstaged_events": unstaged_ev, "conversion_stage": conv,
        "conversion_known": known, "converting_events": converting, "items": items,
    }


def unstaged_touchpoints(source: EngineLike, filters: Any = None) -> list[str]:
    """The touchpoints of journey events that have no stage, most events first (what the
    checklist counts and the bulk assignment offers first)."""
    rows = Engine.of(source).rows(
        "SELECT touchpoint FROM journey_events WHERE stage IS NULL GROUP BY touchpoint "
        "ORDER BY COUNT(*) DESC, touchpoint", purpose="setup.unstaged_touchpoints",
    )
    return [str(r[0]) for r in rows]
