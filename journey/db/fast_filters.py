"""The store setting "fast filters": precomputed journeys for one device, one channel and the
30-min / 1-day session gaps (`derived.EXTRA_TABLES`), built only for stores that ask.

Off (the default), the derive builds what it always built and every such question is
computed per query. Turned on, the next write (the setting's own transaction) rebuilds the
journey tables with the extras, and every later import, removal, map or rule change keeps
them up to date, at up to about three times the CPU (1M events: 25 rules applied
6.3 -> 17.1 s CPU, scripts/bench_rules.py; a narrow rule edit barely changes). Turned off,
that write drops them. The queries read them only when the build's marker says they are
there (`derived.extras_ready`), so a setting that is on but not built yet is answered by
the computed path.
"""

from __future__ import annotations

from dataclasses import dataclass

from journey.db import derived
from journey.db.store import Store


@dataclass(frozen=True)
class FastFilters:
    """The setting (`on`) and whether the tables are there for the queries (`built`)."""

    on: bool
    built: bool


def current(store: Store) -> FastFilters:
    cur = store.cursor()
    try:
        return FastFilters(on=derived.fast_filters_wanted(cur), built=derived.extras_ready(cur))
    finally:
        cur.close()


def switch(store: Store, on: bool) -> FastFilters:
    """Turn the setting on (building the extra tables) or off (dropping them), in one
    transaction: an interrupted build leaves the setting as it was."""
    store.set_setting(derived.FAST_FILTERS_SETTING, "on" if on else "off")
    return current(store)
