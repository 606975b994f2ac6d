"""Map snapshots: "save this map", reopen it read-only, and what changed since.

A snapshot is the journey map (`journey_map.build_map`) as the team saw it on a day: every
stage's figures (customers, reach, conversion, score with n and margin, mixes, touchpoints,
pain points, notes), the `Filters` that made it, and its lane values with n and margin as
rows. It is stored by the `Store` (schema 5) and survives restarts; it never changes when
data is imported or removed.

"What changed" compares two maps with `journey_map.compare_maps` (the one comparison of the
map page): every lane value before and after, the delta with its 95% margin, and whether it
moved beyond the noise. "Today" is the map rebuilt now with the snapshot's own filters, so a
comparison always asks the same question of two states of the data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

import pandas as pd

from journey.analytics import journey_map
from journey.analytics.filters import Filters
from journey.analytics.journey_map import (
    LANE_SCORE,
    JourneyMap,
    PainPoint,
    PersonaCard,
    StageColumn,
    Suggestion,
    TouchpointCell,
)
from journey.analytics.stats import wilson_margin
from journey.db.engine import Engine
from journey.db.store import Store, StoreError

CHANGE_COLUMNS = ["stage", "lane", "before", "after", "delta", "margin", "significant"]
NOTE_COLUMNS = ["stage", "before", "after"]


# -- JSON both ways --------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def filters_to_json(filters: Filters) -> str:
    return json.dumps(_plain(filters.as_dict()), ensure_ascii=False, sort_keys=True)


def filters_from_json(text: str) -> Filters:
    """The Filters a snapshot was made with (fields a later version added keep defaults)."""
    data = json.loads(text)
    known = {f.name for f in dataclasses.fields(Filters)}
    return Filters(**{k: v for k, v in data.items() if k in known})


def map_to_json(jm: JourneyMap) -> str:
    data = {f.name: getattr(jm, f.name) for f in dataclasses.fields(JourneyMap)}
    data["filters"] = json.loads(filters_to_json(jm.filters))
    data["stages"] = [dataclasses.asdict(s) for s in jm.stages]
    data["card"] = dataclasses.asdict(jm.card) if jm.card is not None else None
    return json.dumps(_plain(data), ensure_ascii=False, sort_keys=True)


def _build(cls: type, data: dict[str, Any], **override: Any) -> Any:
    # Only the fields this version knows: a snapshot saved by another version still opens
    # (a field it lacks takes its default, one it has that we do not is left out).
    known = {f.name for f in dataclasses.fields(cls)}
    kw = {k: v for k, v in data.items() if k in known}
    kw.update(override)
    return cls(**kw)


def _pairs(values: Any) -> tuple[tuple[str, float], ...]:
    return tuple((str(a), float(b)) for a, b in (values or ()))


def _when(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def map_from_json(text: str) -> JourneyMap:
    """The JourneyMap a snapshot holds, to draw read-only or to compare."""
    data = json.loads(text)
    stages = []
    for s in data.get("stages", []):
        stages.append(_build(
            StageColumn, s,
            touchpoints=tuple(_build(TouchpointCell, t) for t in s.get("touchpoints", [])),
            pain_points=tuple(
                _build(PainPoint, p, verbatims=tuple(p.get("verbatims", ())))
                for p in s.get("pain_points", [])
            ),
            channel_mix=_pairs(s.get("channel_mix")), device_mix=_pairs(s.get("device_mix")),
            suggestions=tuple(_build(Suggestion, x) for x in s.get("suggestions") or ()),
        ))
    card = data.get("card")
    return _build(
        JourneyMap, data, filters=filters_from_json(json.dumps(data.get("filters", {}))),
        first_ts=_when(data.get("first_ts")), last_ts=_when(data.get("last_ts")),
        stages=tuple(stages),
        card=_build(PersonaCard, card, channels=_pairs(card.get("channels")),
                    devices=_pairs(card.get("devices"))) if card else None,
    )


# -- lanes with their margins ---------------------------------------------------------------
def lane_rows(jm: JourneyMap) -> list[tuple[Any, ...]]:
    """(stage, lane, value, n, x, promoters, detractors, margin) for every lane value of the
    map (`journey_map.lane_values`); margin: the NPS margin of the stage for the score lane,
    the 95% Wilson margin of x of n for a rate. Values missing on the map are left out."""
    margins = {s.stage: s.margin for s in jm.stages if s.score_metric == "nps"}
    rows = []
    for r in journey_map.lane_values(jm).to_dict(orient="records"):
        value = r["value"]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        n = float(r["n"])
        if r["lane"] == LANE_SCORE:
            margin = margins.get(r["stage"])
        else:
            margin = wilson_margin(int(round(n)), int(round(float(r["x"])))) if n > 0 else None
        rows.append((r["stage"], r["lane"], float(value), n, float(r["x"]),
                     int(r["promoters"]), int(r["detractors"]), margin))
    return rows


# -- save, open, compare ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Snapshot:
    name: str
    saved_at: dt.datetime
    persona: str | None
    lang: str
    filters: Filters
    notes: dict[str, str]
    map: JourneyMap


def save(
    store: Store,
    name: str,
    filters: Filters,
    *,
    lang: str,
    persona: str | None = None,
    saved_at: dt.datetime | None = None,
) -> Snapshot:
    """Build the map of `filters` (and `persona`) now and store it under `name`. A name
    already taken raises StoreError (remove the old one first)."""
    name = (name or "").strip()
    if not name:
        raise StoreError(code="snapshot_without_name")
    if store.snapshot(name) is not None:
        raise StoreError(code="snapshot_exists", name=name)
    jm = journey_map.build_map(Engine(store.cursor()), filters, lang=lang, persona=persona)
    notes = {s.stage: s.opportunity for s in jm.stages if s.opportunity}
    store.save_snapshot(
        name, persona=jm.persona, lang=lang, filters_json=filters_to_json(jm.filters),
        notes_json=json.dumps(notes, ensure_ascii=False, sort_keys=True),
        map_json=map_to_json(jm), lanes=lane_rows(jm), saved_at=saved_at,
    )
    got = load(store, name)
    if got is None:  # pragma: no cover - removed between the two statements
        raise StoreError(code="snapshot_missing", name=name)
    return got


def load(store: Store, name: str) -> Snapshot | None:
    """A saved snapshot, or None when there is none by that name."""
    row = store.snapshot(name)
    if row is None:
        return None
    saved_at = row["saved_at"]
    if isinstance(saved_at, pd.Timestamp):
        saved_at = saved_at.to_pydatetime()
    return Snapshot(
        name=str(row["name"]), saved_at=saved_at, persona=row["persona"], lang=str(row["lang"]),
        filters=filters_from_json(row["filters"]), notes=dict(json.loads(row["notes"])),
        map=map_from_json(row["map"]),
    )


def listing(store: Store) -> pd.DataFrame:
    """Saved snapshots, newest first: name, saved_at, persona, lang, filters (a Filters)."""
    df = store.snapshots()
    df["filters"] = [filters_from_json(t) for t in df["filters"]]
    return df


def current_map(store: Store, snapshot: Snapshot) -> JourneyMap:
    """Today's map asked the snapshot's question: its filters, persona and language."""
    return journey_map.build_map(Engine(store.cursor()), snapshot.filters, lang=snapshot.lang)


def changes(before: JourneyMap, after: JourneyMap) -> pd.DataFrame:
    """Every lane value of two maps: stage, lane, before, after, delta (= after − before),
    margin (95%), significant; what moved beyond the noise first (`compare_maps`)."""
    df = journey_map.compare_maps(before, after)
    df = df.rename(columns={"value_a": "before", "value_b": "after"})
    return df[CHANGE_COLUMNS].reset_index(drop=True)


def note_changes(before: JourneyMap, after: JourneyMap) -> pd.DataFrame:
    """The stages whose note (the team's opportunity) differs: stage, before, after ("" for
    no note), in journey order."""
    a = {s.stage: s.opportunity for s in before.stages}
    b = {s.stage: s.opportunity for s in after.stages}
    order = [s.stage for s in after.stages] + [s.stage for s in before.stages
                                               if s.stage not in b]
    rows = [(st, a.get(st, "") or "", b.get(st, "") or "") for st in order
            if (a.get(st, "") or "") != (b.get(st, "") or "")]
    return pd.DataFrame(rows, columns=NOTE_COLUMNS)


def compare(store: Store, name: str, to: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lane changes, note changes) from snapshot `name` to snapshot `to`, or to today's map
    asked with the snapshot's filters. StoreError when a snapshot is missing."""
    before = load(store, name)
    if before is None:
        raise StoreError(code="snapshot_missing", name=name)
    if to is None:
        after_map = current_map(store, before)
    else:
        after = load(store, to)
        if after is None:
            raise StoreError(code="snapshot_missing", name=to)
        after_map = after.map
    return changes(before.map, after_map), note_changes(before.map, after_map)
