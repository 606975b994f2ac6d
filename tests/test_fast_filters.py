"""The store setting "fast filters" (journey/db/fast_filters.py): off builds exactly the
journey tables it always did and every flow is computed; on builds `derived.EXTRA_TABLES`
and the flows read them; the numbers never change; a setting without its built tables is
answered by the computed path; and the CLI command.

The hand store is tests/test_flows.py's: on mobile A has Ad x2, Product (2 steps), C Search,
Product (2 steps), D Checkout: 3 one-device journeys; the 30-min gap cuts no journey but D's
(Product@1430 -> Checkout@1460 is exactly 30 min: no cut) -> 4 journeys, one per customer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from comparable import comparable
from test_flows import EVENTS, PERSONAS, add_import, all_results

from journey.analytics import flows
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.cli import main
from journey.db import derived, fast_filters
from journey.db.engine import Engine
from journey.db.store import Store

# The derived tables a store has with fast filters off: main's, nothing more.
MAIN_TABLES = {
    "customer_persona", "customer_keys", "journey_events", "tp_steps", "stage_steps",
    "device_switches", "customer_summary", "customer_stage_reach", "derived_imports",
    "derived_touchpoints", "derived_stages", "derived_rules",
}
# journey_events' columns with fast filters off (main's layout).
MAIN_EVENT_COLUMNS = [
    "event_id", "customer_id", "cid", "ts", "touchpoint", "stage", "stage_position",
    "channel", "device", "revenue", "persona", "import_id", "online", "seq", "g",
    "next_touchpoint", "next_stage_node", "next_ts", "prev_device", "tp_step", "stage_step",
    "tp_step_seq", "stage_step_seq",
]
MOBILE, WEB = Filters(devices=["mobile"]), Filters(channels=["web"])
S30 = FlowOptions(session_gap=30)


@pytest.fixture()
def store(tmp_path: Path):
    s = Store(tmp_path / "ff.duckdb")
    add_import(s, EVENTS, personas=PERSONAS)
    yield s
    s.close()


def tables(store: Store) -> set[str]:
    rows = store.cursor().execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


def read_tables(store: Store) -> tuple[set[str], Engine]:
    """Run a one-device Sankey, a one-channel transitions and a 30-min-gap Sankey; the extra
    tables their SQL read, and the engine."""
    engine = Engine(store.cursor())
    flows.sankey(engine, MOBILE)
    flows.transitions(engine, WEB)
    flows.sankey(engine, Filters(), S30)
    read = {t for t in derived.EXTRA_TABLES for e in engine.history if t in e.sql}
    return read, engine


def numbers(store: Store) -> list:
    cur = store.cursor()
    out = [all_results(cur, f, False) for f in (MOBILE, WEB)]
    for level in ("touchpoint", "stage"):
        for gap in (30, 1440):
            o = FlowOptions(level=level, session_gap=gap)
            out.append(flows.sankey(cur, Filters(), o, steps=3, top=3))
            out.append(flows.transitions(cur, Filters(), o).to_dict("records"))
            out.append(flows.dropoffs(cur, Filters(), o).to_dict("records"))
    return comparable(out)


def test_off_by_default_builds_mains_tables_and_computes(store):
    assert fast_filters.current(store) == fast_filters.FastFilters(on=False, built=False)
    have = tables(store)
    assert not have & set(derived.EXTRA_TABLES)
    assert set(derived.DERIVED_TABLES) == MAIN_TABLES and MAIN_TABLES <= have
    cols = [r[0] for r in store.cursor().execute("DESCRIBE journey_events").fetchall()]
    assert cols == MAIN_EVENT_COLUMNS
    read, engine = read_tables(store)
    assert read == set() and not engine.fast_filters
    # Every one of them computed from the events.
    assert all("journey_events" in e.sql for e in engine.history)
    # A caller cannot ask for tables the store does not have: the engine decides.
    engine = Engine(store.cursor())
    flows.sankey(engine, MOBILE, FlowOptions(fast_filters=True))
    assert "device_steps" not in engine.history[-1].sql


def test_on_builds_the_extras_and_the_flows_read_them(store):
    assert fast_filters.switch(store, True) == fast_filters.FastFilters(on=True, built=True)
    assert store.last_refresh == "full"
    assert set(derived.EXTRA_TABLES) <= tables(store)
    read, engine = read_tables(store)
    assert engine.fast_filters
    assert read == {"device_steps", "channel_steps", "tp_steps_s30"}
    # Hand counts: 3 journeys on mobile, 4 journeys with a 30-min gap.
    assert flows.sankey(engine, MOBILE)["journeys"] == 3
    assert flows.sankey(engine, Filters(), S30)["journeys"] == 4
    # `check` compares the extras too: a sample recomputed equals the stored rows, and a
    # stored row changed by hand is found.
    cur = store.cursor()
    assert derived.verify_sample(cur, 10) == ([], 4)
    # Mobile's first steps: A's, C's and D's (B never used a mobile).
    cur.execute("UPDATE device_steps SET events = events + 1 WHERE step = 1 "
                "AND device = 'mobile'")
    assert derived.verify_sample(cur, 10)[0] == [("device_steps", 3)]


def test_on_off_on_keeps_every_number(store):
    off = numbers(store)
    fast_filters.switch(store, True)
    on = numbers(store)
    fast_filters.switch(store, False)
    assert store.last_refresh == "full"
    assert not tables(store) & set(derived.EXTRA_TABLES)
    cols = [r[0] for r in store.cursor().execute("DESCRIBE journey_events").fetchall()]
    assert cols == MAIN_EVENT_COLUMNS
    off_again = numbers(store)
    fast_filters.switch(store, True)
    assert off == on == off_again == numbers(store)
    # An import with it on keeps the extras (incrementally or not) and reads them.
    add_import(store, [("E", 0, "Ad", "mobile")], name="later")
    assert fast_filters.current(store).built
    assert flows.sankey(store.cursor(), MOBILE)["journeys"] == 4


def test_setting_on_without_built_tables_takes_the_computed_path(store, tmp_path):
    before = numbers(store)
    # The setting written without the write that builds (as if that build was interrupted):
    # no refresh runs outside a Store transaction.
    store.cursor().execute("INSERT OR REPLACE INTO meta VALUES ('setting:fast_filters', 'on')")
    assert fast_filters.current(store) == fast_filters.FastFilters(on=True, built=False)
    read, engine = read_tables(store)
    assert read == set() and not engine.fast_filters
    assert numbers(store) == before
    # Half there: the tables without the marker of a finished build: still computed.
    store.close()
    with Store(tmp_path / "ff.duckdb") as s:  # opening builds what the setting asks
        assert fast_filters.current(s).built
        s.cursor().execute("DELETE FROM meta WHERE key = ?", [derived.EXTRAS_KEY])
        assert read_tables(s)[0] == set()
        assert numbers(s) == before
    # A table missing (dropped by hand) makes the store's tables not current: the next
    # open rebuilds them.
    with Store(tmp_path / "ff.duckdb") as s:
        assert fast_filters.current(s).built
        s.cursor().execute("DROP TABLE channel_steps")
        assert not derived.is_current(s.cursor())
    with Store(tmp_path / "ff.duckdb") as s:
        assert fast_filters.current(s).built and read_tables(s)[0] == {
            "device_steps", "channel_steps", "tp_steps_s30"}
        assert numbers(s) == before


def test_cli_on_status_off(store, tmp_path, capsys):
    db = str(tmp_path / "ff.duckdb")
    store.close()
    assert main(["fast-filters", "status", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("Fast filters: off.")
    assert main(["fast-filters", "on", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Fast filters are now on" in out and "Fast filters: on, tables built." in out
    assert main(["--db", db, "fast-filters", "status"]) == 0
    assert capsys.readouterr().out.startswith("Fast filters: on, tables built.")
    with Store(db) as s:
        assert set(derived.EXTRA_TABLES) <= tables(s)
    assert main(["fast-filters", "off", "--db", db]) == 0
    assert "Fast filters: off." in capsys.readouterr().out
    with Store(db) as s:
        assert not tables(s) & set(derived.EXTRA_TABLES)
    with pytest.raises(SystemExit):
        main(["fast-filters", "maybe", "--db", db])
