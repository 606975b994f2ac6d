"""Per-device / per-channel step tables (journey/db/slices.py) and the one-device /
one-channel routing of `scope.steps_with`: hand-computed rows, and every flow question read
through them equals the computed path (force_compute=True).

The hand store is tests/test_flows.py's (touchpoint -> channel: Ad social, Search search,
Product / Reviews / Cart / Checkout web). On mobile:

    A: Ad@0 Ad@1 Product@2 (then Cart@10 Checkout@12 on desktop) -> Ad (2 events), Product
    B: no mobile event
    C: Search@0 Product@3 (Reviews@4 has no device, Product@5 is on a tablet) -> Search, Product
    D: Checkout@1460 (Product@1430 on a tablet) -> Checkout

On the web channel, C: Product@3 Reviews@4 Product@5 -> Product, Reviews, Product (the
second Product step is not a first visit).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from comparable import comparable
from test_derived import dump, rebuilt
from test_flows import EVENTS, PERSONAS, add_import, all_results, cur  # noqa: F401

from journey.analytics import flows, scope
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db import derived
from journey.db.store import Store


@pytest.fixture()
def store(tmp_path: Path):
    # test_flows' hand store with fast filters on: the slice tables are built.
    s = Store(tmp_path / "hand.duckdb")
    s.set_setting(derived.FAST_FILTERS_SETTING, "on")
    add_import(s, EVENTS, personas=PERSONAS)
    yield s
    s.close()


def rows(cur, table: str, level: str, value: str, customer: str) -> list[tuple]:  # noqa: F811
    col = "device" if table == "device_steps" else "slice_channel"
    return cur.execute(
        "SELECT s.step, s.node, s.events, s.next_node, s.minutes_to_next, s.first_visit, "
        f"s.first_pair FROM {table} s JOIN customer_keys k ON k.cid = s.cid "
        f"WHERE s.level = ? AND s.{col} = ? AND k.customer_id = ? ORDER BY s.step",
        [level, value, customer],
    ).fetchall()


def test_a_customer_switching_device_has_one_journey_per_device(cur):  # noqa: F811
    assert rows(cur, "device_steps", "touchpoint", "mobile", "A") == [
        (1, "Ad", 2, "Product", 1.0, 1, 1), (2, "Product", 1, None, None, 1, 1)]
    assert rows(cur, "device_steps", "touchpoint", "desktop", "A") == [
        (1, "Cart", 1, "Checkout", 2.0, 1, 1), (2, "Checkout", 1, None, None, 1, 1)]
    # Stage level: Ad, Ad (awareness), Product (consideration); Cart, Checkout (purchase).
    assert rows(cur, "device_steps", "stage", "mobile", "A") == [
        (1, "awareness", 2, "consideration", 1.0, 1, 1), (2, "consideration", 1, None, None, 1, 1)]
    assert rows(cur, "device_steps", "stage", "desktop", "A") == [
        (1, "purchase", 2, None, None, 1, 1)]
    # C's Reviews has no device: in no device slice, but in the web channel's.
    assert rows(cur, "device_steps", "touchpoint", "mobile", "C") == [
        (1, "Search", 1, "Product", 3.0, 1, 1), (2, "Product", 1, None, None, 1, 1)]
    assert rows(cur, "device_steps", "touchpoint", "tablet", "C") == [
        (1, "Product", 1, None, None, 1, 1)]
    assert rows(cur, "device_steps", "touchpoint", "mobile", "B") == []
    assert rows(cur, "channel_steps", "touchpoint", "web", "C") == [
        (1, "Product", 1, "Reviews", 1.0, 1, 1), (2, "Reviews", 1, "Product", 1.0, 1, 1),
        (3, "Product", 1, None, None, 0, 1)]
    assert cur.execute("SELECT count(*) FROM device_steps WHERE device IS NULL").fetchone() == (0,)


def test_one_device_flows_read_the_slice_with_hand_counted_numbers(cur):  # noqa: F811
    mobile = Filters(devices=["mobile"])
    with_sql, _params, pre = scope.steps_with(mobile, FlowOptions(fast_filters=True))
    assert pre and "device_steps" in with_sql and "journey_events" not in with_sql
    for f in (Filters(devices=["mobile", "desktop"]), Filters(devices=["mobile"], stages=["x"]),
              Filters(channels=["web"], devices=["mobile"])):
        assert scope.slice_of(f, FlowOptions(fast_filters=True)) is None
    for o in (FlowOptions(keep_repeats=True, fast_filters=True),
              FlowOptions(session_gap=5, fast_filters=True),
              FlowOptions(force_compute=True, fast_filters=True), FlowOptions()):
        assert scope.slice_of(mobile, o) is None
    t = flows.transitions(cur, mobile)
    got = {(r.source, r.target): (r.transitions, r.customers) for r in t.itertuples()}
    assert got == {
        ("(start)", "Ad"): (1, 1), ("(start)", "Search"): (1, 1), ("(start)", "Checkout"): (1, 1),
        ("Ad", "Product"): (1, 1), ("Search", "Product"): (1, 1), ("Product", "(end)"): (2, 2),
        ("Checkout", "(end)"): (1, 1),
    }
    r = flows.sankey(cur, mobile, steps=2, top=5)
    assert r["journeys"] == 3  # A, C, D: B never used a mobile
    assert {n["id"]: n["customers"] for n in r["nodes"]} == {
        "1 · Ad": 1, "1 · Search": 1, "1 · Checkout": 1, "2 · Product": 2,
        "2 | #drop-off": 1}
    web = flows.top_paths(cur, Filters(channels=["web"]), steps=3)
    assert {p: n for p, n in zip(web["path_text"], web["customers"], strict=True)} == {
        "Product → Reviews → Product": 1, "Product → Cart → Checkout": 1, "Product": 1,
        "Product → Checkout": 1}


SLICE_FILTERS = [
    Filters(devices=["mobile"]), Filters(devices=["desktop"], personas=["P1"]),
    Filters(devices=["tablet"], outcome="converted"), Filters(devices=["kiosk"]),
    Filters(channels=["web"]), Filters(channels=["social"], includes=["Product"]),
    Filters(channels=["web"], outcome="dropped_off"),
]


@pytest.mark.parametrize("f", SLICE_FILTERS, ids=lambda f: str(f.to_query_params()))
def test_slice_tables_equal_computed(cur, f):  # noqa: F811
    assert scope.slice_of(f, FlowOptions(fast_filters=True)) is not None
    assert comparable(all_results(cur, f, False)) == comparable(all_results(cur, f, True))


def slice_dump(store) -> list[list[tuple]]:  # noqa: F811
    d = dump(store.cursor())
    return [d["device_steps"], d["channel_steps"]]


def test_incremental_refresh_keeps_slices_equal_to_a_rebuild(store):  # noqa: F811
    # A map edit re-channels Reviews (web -> app): C's web journey loses its middle step,
    # Product@3 Product@5 become one Product step of 2 events.
    store.set_touchpoints([("Reviews", "consideration", "app", True)])
    assert store.last_refresh == "incremental"
    full = rebuilt(store)
    assert slice_dump(store) == [full["device_steps"], full["channel_steps"]]
    c = store.cursor()
    assert rows(c, "channel_steps", "touchpoint", "web", "C") == [
        (1, "Product", 2, None, None, 1, 1)]
    assert rows(c, "channel_steps", "touchpoint", "app", "C") == [
        (1, "Reviews", 1, None, None, 1, 1)]
    # An import adding a mobile event to A (after Checkout) and a removal of it.
    iid = add_import(store, [("A", 20, "Reviews", "mobile")], name="later")
    assert store.last_refresh == "incremental"
    assert rows(store.cursor(), "device_steps", "touchpoint", "mobile", "A") == [
        (1, "Ad", 2, "Product", 1.0, 1, 1), (2, "Product", 1, "Reviews", 18.0, 1, 1),
        (3, "Reviews", 1, None, None, 1, 1)]
    full = rebuilt(store)
    assert slice_dump(store) == [full["device_steps"], full["channel_steps"]]
    assert store.remove_import(iid)
    full = rebuilt(store)
    assert slice_dump(store) == [full["device_steps"], full["channel_steps"]]
    assert rows(store.cursor(), "device_steps", "touchpoint", "mobile", "A")[-1][1] == "Product"
