"""Data page: the fast-filters toggle builds (and drops) the extra tables, and a one-device
Sankey then reads device_steps."""

from __future__ import annotations

from journey.analytics import flows
from journey.analytics.filters import Filters
from journey.db import derived, fast_filters
from journey.db.engine import Engine
from journey.db.store import Store


def _one_device_sankey_reads(db: str) -> bool:
    with Store(db) as store:
        engine = Engine(store.cursor())
        r = flows.sankey(engine, Filters(devices=["mobile"]))
        assert r["journeys"] > 0
        return "device_steps" in engine.history[-1].sql


def test_the_toggle_builds_and_drops_the_fast_filter_tables(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    toggle = at.toggle(key="data_fast_filters")
    assert toggle.value is False and toggle.label == "Fast filters"
    assert any("about three times as long" in c.value for c in at.caption)
    assert not _one_device_sankey_reads(writable_demo_db)
    toggle.set_value(True).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Fast filters are on." for s in at.success)
    assert at.toggle(key="data_fast_filters").value is True
    with Store(writable_demo_db) as store:
        assert fast_filters.current(store) == fast_filters.FastFilters(on=True, built=True)
        have = {r[0] for r in store.cursor().execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        assert set(derived.EXTRA_TABLES) <= have
    assert _one_device_sankey_reads(writable_demo_db)
    at.toggle(key="data_fast_filters").set_value(False).run()
    assert not at.exception
    assert any(s.value == "Fast filters are off." for s in at.success)
    with Store(writable_demo_db) as store:
        assert fast_filters.current(store) == fast_filters.FastFilters(on=False, built=False)
    assert not _one_device_sankey_reads(writable_demo_db)


def test_the_setting_reads_in_french(app_test, demo_db) -> None:
    at = app_test(demo_db, page="views/data.py", query_params={"lang": "fr"})
    assert not at.exception
    assert at.toggle(key="data_fast_filters").label == "Filtres rapides"
    assert any("trois fois plus de temps" in c.value for c in at.caption)
