"""Incremental maintenance of the derived tables equals a rebuild from scratch."""

from __future__ import annotations

import datetime as dt

import pytest
import small_store

from journey.db import derived
from journey.db.store import Store

T0 = dt.datetime(2024, 3, 1)
BASE_TABLES = ("customer_persona", "journey_events", "tp_steps", "stage_steps",
               "device_switches", "customer_summary", "customer_stage_reach")
# With fast filters on (the store setting), the extra tables too.
TABLES = BASE_TABLES + derived.EXTRA_TABLES


def add_import(store: Store, events, customers=(), touchpoints=()) -> int:
    """One import: events (customer, minute, touchpoint, device, file stage), customers
    rows (customer, persona) and touchpoint map rows (touchpoint, stage, channel)."""
    return small_store.add_import(
        store, customers=customers, touchpoints=[(*t, True) for t in touchpoints],
        events=[(c, T0 + dt.timedelta(minutes=m), tp, dev, st) for c, m, tp, dev, st in events],
        event_columns=("customer_id", "ts", "touchpoint", "device", "stage"),
    )


def dump(cur) -> dict[str, list[tuple]]:
    """Every derived table's rows, cid replaced by the customer id, sorted."""
    out = {}
    have = {r[0] for r in cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()}
    for t in TABLES:
        if t not in have:
            continue
        cols = [r[0] for r in cur.execute(f"DESCRIBE {t}").fetchall()]
        if "cid" in cols:
            sel = ", ".join("k.customer_id AS cid_customer" if c == "cid" else f"t.{c}"
                            for c in cols if c != "g")
            sql = f"SELECT {sel} FROM {t} t JOIN customer_keys k ON k.cid = t.cid"
        else:
            sql = f"SELECT * FROM {t}"
        out[t] = sorted(cur.execute(sql).fetchall(), key=repr)
    return out


def rebuilt(store: Store) -> dict[str, list[tuple]]:
    """The derived tables as a full rebuild makes them (rolled back afterwards)."""
    cur = store.cursor()
    cur.execute("BEGIN")
    try:
        derived.rebuild(cur)
        return dump(cur)
    finally:
        cur.execute("ROLLBACK")


def check(store: Store, expect: str = "incremental") -> dict[str, list[tuple]]:
    assert store.last_refresh == expect
    now = dump(store.cursor())
    full = rebuilt(store)
    assert now.keys() == full.keys()
    for t in now:
        assert now[t] == full[t], t
    return now


TPS = [("Ad", "awareness", "social"), ("Product", "consideration", "web"),
       ("Checkout", "purchase", "web")]


@pytest.fixture(params=["off", "on"])
def store(tmp_path, monkeypatch, request):
    # Tiny stores: every write touches a large share of customers; force the incremental
    # path so that it is what gets compared. Fast filters off (main's tables) and on (the
    # extra tables kept incremental too).
    monkeypatch.setattr(derived, "FULL_SHARE", 1.0)
    with Store(tmp_path / "d.duckdb") as s:
        if request.param == "on":
            s.set_setting(derived.FAST_FILTERS_SETTING, "on")
        expect = set(TABLES) if request.param == "on" else set(BASE_TABLES)
        assert set(dump(s.cursor())) == expect
        yield s


def test_imports_and_removals_match_a_full_rebuild(store):
    i1 = add_import(
        store,
        [("A", 0, "Ad", "mobile", None), ("A", 5, "Product", "desktop", None),
         ("A", 5, "Product", None, None), ("B", 1, "Ad", "mobile", None),
         ("B", 2, "Checkout", "mobile", None), ("C", 3, "Mystery", None, "retention")],
        customers=[("A", "P1"), ("B", "P1"), ("C", "P2")], touchpoints=TPS,
    )
    assert store.last_refresh == "full"  # the first import touches every customer
    check(store, "full")
    # A new import adds events to an existing customer, one of them at the same minute as
    # an event of import 1 (the tie is broken by import order), and a new customer.
    i2 = add_import(
        store,
        [("A", 5, "Checkout", "tablet", None), ("A", 2, "Ad", "mobile", None),
         ("D", 0, "Product", "mobile", None), ("D", 0, "Product", "mobile", None)],
        customers=[("D", "P2")],
    )
    now = check(store)
    a = store.cursor().execute(
        "SELECT touchpoint, seq FROM journey_events WHERE customer_id = 'A' ORDER BY seq"
    ).fetchall()
    assert a == [("Ad", 1), ("Ad", 2), ("Product", 3), ("Product", 4), ("Checkout", 5)]
    assert len(now["customer_summary"]) == 4
    # Only A and D were recomputed: B's and C's rows (and keys) are the same rows as before.
    keys = dict(store.cursor().execute("SELECT customer_id, cid FROM customer_keys").fetchall())
    assert keys["D"] == max(keys.values())
    # A customers file changes B's persona; a later one gives C none.
    add_import(store, [], customers=[("B", "P3")])
    check(store)
    assert store.cursor().execute(
        "SELECT DISTINCT persona FROM journey_events WHERE customer_id = 'B'"
    ).fetchall() == [("P3",)]
    i4 = add_import(store, [("C", 9, "Ad", None, None)], customers=[("C", None)])
    check(store)
    # Removing the import that brought the touchpoint map re-stages everyone's events.
    assert store.remove_import(i1)
    check(store)
    assert store.cursor().execute(
        "SELECT count(*) FROM journey_events WHERE stage_position IS NOT NULL"
    ).fetchone()[0] == 0
    assert store.remove_import(i4)
    check(store)
    # A map edit touches the customers with events at that touchpoint.
    store.set_touchpoints([("Checkout", "purchase", "web", True)])
    check(store)
    store.set_stages([("awareness", None, None), ("purchase", None, None)])
    check(store)
    # Nothing the derived tables depend on: no work at all.
    store.set_note("awareness", "hello")
    assert store.last_refresh == "none"
    assert store.remove_import(i2)
    check(store)
    assert store.cursor().execute("SELECT count(*) FROM journey_events").fetchone()[0] == 0


def test_raw_rewrites_are_seen(store):
    """Writes that keep every count (a test rewriting an import in place) still refresh."""
    add_import(store, [("A", 0, "Ad", None, None), ("A", 1, "Product", None, None),
                       ("B", 0, "Ad", None, None)], touchpoints=TPS)
    with store.transaction() as cur:
        cur.execute("UPDATE events SET touchpoint = 'Checkout' WHERE customer_id = 'B'")
    check(store)
    assert store.cursor().execute(
        "SELECT node FROM tp_steps t JOIN customer_keys k ON k.cid = t.cid "
        "WHERE k.customer_id = 'B'"
    ).fetchall() == [("Checkout",)]


def test_full_rebuild_matches_a_fresh_store(store, tmp_path):
    evs = [("A", 0, "Ad", "mobile", None), ("B", 0, "Product", "desktop", None),
           ("A", 0, "Checkout", "desktop", None)]
    add_import(store, evs[:2], touchpoints=TPS)
    add_import(store, evs[2:], customers=[("A", "P1")])
    with Store(tmp_path / "fresh.duckdb") as fresh:
        fresh.set_setting(derived.FAST_FILTERS_SETTING,
                          store.get_setting(derived.FAST_FILTERS_SETTING, "off"))
        with fresh.transaction(full_rebuild=True) as cur:
            for src in (store,):
                for t in ("imports", "events", "customers", "touchpoints"):
                    rows = src.cursor().execute(f"SELECT * FROM {t}").fetchall()
                    if rows:
                        marks = ", ".join("?" * len(rows[0]))
                        cur.executemany(f"INSERT INTO {t} VALUES ({marks})", rows)
        assert dump(fresh.cursor()) == dump(store.cursor())


def test_old_layout_is_rebuilt_on_open(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        add_import(s, [("A", 0, "Ad", None, None)], touchpoints=TPS)
        s.cursor().execute("UPDATE meta SET value = '1' WHERE key = 'derived_version'")
    with Store(path) as s:
        assert derived.is_current(s.cursor())
        assert s.cursor().execute("SELECT count(*) FROM tp_steps").fetchone()[0] == 1
