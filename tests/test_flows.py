"""Flows on small journeys written by hand; every expected number is worked out in comments.

The hand data set (touchpoint -> stage: Ad, Search = awareness; Product, Reviews =
consideration; Cart, Checkout = purchase). Minutes after 2024-01-01 00:00:

    A (P1): Ad@0 Ad@1 Product@2 Cart@10 Checkout@12      -> Ad, Product, Cart, Checkout
    B (P1): Ad@0 Product@5 Product@6                     -> Ad, Product
    C (P2): Search@0 Product@3 Reviews@4 Product@5       -> Search, Product, Reviews, Product
    D (P2): Product@1430 (23:50) Checkout@1460 (00:20 the next day) -> Product, Checkout

Converted (purchase or later): A and D.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import small_store
from comparable import comparable

from journey.analytics import devices, flows, scope
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db.store import Store

T0 = dt.datetime(2024, 1, 1)
TOUCHPOINTS = [
    ("Ad", "awareness", "social"),
    ("Search", "awareness", "search"),
    ("Product", "consideration", "web"),
    ("Reviews", "consideration", "web"),
    ("Cart", "purchase", "web"),
    ("Checkout", "purchase", "web"),
]
# (customer, minute, touchpoint, device)
EVENTS = [
    ("A", 0, "Ad", "mobile"), ("A", 1, "Ad", "mobile"), ("A", 2, "Product", "mobile"),
    ("A", 10, "Cart", "desktop"), ("A", 12, "Checkout", "desktop"),
    ("B", 0, "Ad", "desktop"), ("B", 5, "Product", "desktop"), ("B", 6, "Product", "desktop"),
    ("C", 0, "Search", "mobile"), ("C", 3, "Product", "mobile"), ("C", 4, "Reviews", None),
    ("C", 5, "Product", "tablet"),
    ("D", 1430, "Product", "tablet"), ("D", 1460, "Checkout", "mobile"),
]
PERSONAS = [("A", "P1"), ("B", "P1"), ("C", "P2"), ("D", "P2")]


def add_import(store: Store, events, *, personas=(), touchpoints=TOUCHPOINTS, name="f") -> int:
    """One import: events (customer, minute, touchpoint, device), customers, touchpoints."""
    return small_store.add_import(
        store, customers=personas, touchpoints=[(*t, True) for t in touchpoints], name=name,
        events=[(c, T0 + dt.timedelta(minutes=m), tp, dev) for c, m, tp, dev in events],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
    )


@pytest.fixture()
def store(tmp_path: Path):
    s = Store(tmp_path / "hand.duckdb")
    add_import(s, EVENTS, personas=PERSONAS)
    yield s
    s.close()


@pytest.fixture()
def cur(store: Store):
    return store.cursor()


def nodes_of(result: dict) -> dict[str, tuple[int, str]]:
    return {n["id"]: (n["customers"], n["kind"]) for n in result["nodes"]}


def links_of(result: dict) -> dict[tuple[str, str], int]:
    return {(lk["source_id"], lk["target_id"]): lk["customers"] for lk in result["links"]}


# -- Sankey --
def test_sankey_three_steps(cur):
    r = flows.sankey(cur, Filters(), steps=3)
    assert r["journeys"] == 4 and r["anchored_journeys"] == 4
    assert nodes_of(r) == {
        "1 · Ad": (2, "node"), "1 · Product": (1, "node"), "1 · Search": (1, "node"),
        "2 · Product": (3, "node"), "2 · Checkout": (1, "node"),
        # B ends after Product at step 2, D after Checkout: both drop off "into" step 3.
        "3 · Cart": (1, "node"), "3 · Reviews": (1, "node"), "3 | #drop-off": (2, "dropoff"),
    }
    assert links_of(r) == {
        ("1 · Ad", "2 · Product"): 2, ("1 · Search", "2 · Product"): 1,
        ("1 · Product", "2 · Checkout"): 1,
        ("2 · Product", "3 · Cart"): 1, ("2 · Product", "3 · Reviews"): 1,
        ("2 · Product", "3 | #drop-off"): 1, ("2 · Checkout", "3 | #drop-off"): 1,
    }
    drop = [lk for lk in r["links"] if lk["target"] is None]
    assert {lk["source"] for lk in drop} == {"Product", "Checkout"}
    ad = next(n for n in r["nodes"] if n["id"] == "1 · Ad")
    assert ad == {"id": "1 · Ad", "step": 1, "name": "Ad", "customers": 2, "share": 0.5,
                  "kind": "node"}


def test_sankey_longer_than_steps_has_no_dropoff_at_last_step(cur):
    # steps=2: A and C continue past step 2; B and D end exactly at step 2: no drop-off node
    # at "3 | #drop-off" (there is no step 3).
    r = flows.sankey(cur, Filters(), steps=2)
    assert not [n for n in r["nodes"] if n["kind"] == "dropoff"]
    assert all(lk["target"] is not None for lk in r["links"])


def test_sankey_top_folds_into_other(cur):
    r = flows.sankey(cur, Filters(), steps=3, top=1)
    # Step 1 ranks Ad 2, then Product 1 and Search 1 (tie by name): top 1 = Ad.
    # Step 2: Product 3 kept, Checkout folded. Step 3: Cart/Reviews tie, Cart kept.
    assert nodes_of(r) == {
        "1 · Ad": (2, "node"), "1 | #other": (2, "other"),
        "2 · Product": (3, "node"), "2 | #other": (1, "other"),
        "3 · Cart": (1, "node"), "3 | #other": (1, "other"), "3 | #drop-off": (2, "dropoff"),
    }
    assert links_of(r) == {
        ("1 · Ad", "2 · Product"): 2, ("1 | #other", "2 · Product"): 1,  # Search -> Product
        ("1 | #other", "2 | #other"): 1,  # D: Product -> Checkout
        ("2 · Product", "3 · Cart"): 1, ("2 · Product", "3 | #other"): 1,
        ("2 · Product", "3 | #drop-off"): 1, ("2 | #other", "3 | #drop-off"): 1,
    }
    assert flows.OTHER == "Other" and flows.DROP_OFF == "Drop-off"


def test_sankey_start_at(cur):
    r = flows.sankey(cur, Filters(), steps=3, start_at="Product")
    # From each journey's first Product: A Product,Cart,Checkout; B Product(end);
    # C Product,Reviews,Product; D Product,Checkout(end).
    assert r["journeys"] == 4 and r["anchored_journeys"] == 4
    assert nodes_of(r) == {
        "1 · Product": (4, "node"),
        "2 · Cart": (1, "node"), "2 · Checkout": (1, "node"), "2 · Reviews": (1, "node"),
        "2 | #drop-off": (1, "dropoff"),
        "3 · Checkout": (1, "node"), "3 · Product": (1, "node"), "3 | #drop-off": (1, "dropoff"),
    }
    only_a = flows.sankey(cur, Filters(), steps=3, start_at="Cart")
    assert only_a["journeys"] == 4 and only_a["anchored_journeys"] == 1
    assert nodes_of(only_a) == {
        "1 · Cart": (1, "node"), "2 · Checkout": (1, "node"), "3 | #drop-off": (1, "dropoff"),
    }
    assert only_a["nodes"][0]["share"] == 0.25  # of all journeys in the filter


def test_sankey_end_at_right_aligned(cur):
    r = flows.sankey(cur, Filters(), steps=3, end_at="Product")
    # Up to the first Product: A Ad,Product; B Ad,Product; C Search,Product; D Product.
    assert nodes_of(r) == {
        "2 · Ad": (2, "node"), "2 · Search": (1, "node"), "3 · Product": (4, "node"),
    }
    assert links_of(r) == {("2 · Ad", "3 · Product"): 2, ("2 · Search", "3 · Product"): 1}
    assert r["anchored_journeys"] == 4
    both = flows.sankey(cur, Filters(), steps=3, start_at="Product", end_at="Checkout")
    # A: Product(2) .. Checkout(4) -> Product, Cart, Checkout; D: Product, Checkout.
    assert nodes_of(both) == {
        "1 · Product": (1, "node"), "2 · Cart": (1, "node"), "2 · Product": (1, "node"),
        "3 · Checkout": (2, "node"),
    }
    assert flows.sankey(cur, Filters(), end_at="Nowhere")["nodes"] == []


def test_sankey_keep_repeats(cur):
    r = flows.sankey(cur, Filters(), FlowOptions(keep_repeats=True), steps=3)
    # A Ad,Ad,Product..; B Ad,Product,Product; C Search,Product,Reviews..; D Product,Checkout.
    assert nodes_of(r) == {
        "1 · Ad": (2, "node"), "1 · Search": (1, "node"), "1 · Product": (1, "node"),
        "2 · Ad": (1, "node"), "2 · Product": (2, "node"), "2 · Checkout": (1, "node"),
        "3 · Product": (2, "node"), "3 · Reviews": (1, "node"), "3 | #drop-off": (1, "dropoff"),
    }


def test_sankey_session_gap_splits_journeys(cur):
    # D waits 30 minutes between Product and Checkout: with a 20-minute gap, two journeys.
    r = flows.sankey(cur, Filters(), FlowOptions(session_gap=20), steps=3)
    assert r["journeys"] == 5
    assert nodes_of(r)["1 · Checkout"] == (1, "node")
    assert nodes_of(r)["1 · Product"] == (1, "node")
    assert nodes_of(r)["2 | #drop-off"] == (2, "dropoff")
    assert nodes_of(r)["1 · Ad"] == (2, "node")
    # A gap longer than every pause changes nothing.
    assert flows.sankey(cur, Filters(), FlowOptions(session_gap=60), steps=3) == flows.sankey(
        cur, Filters(), steps=3
    )


def test_sankey_stage_level(cur):
    r = flows.sankey(cur, Filters(), FlowOptions(level="stage"), steps=3)
    # A awareness, consideration, purchase; B awareness, consideration;
    # C awareness, consideration (Product, Reviews, Product collapse); D consideration, purchase.
    assert nodes_of(r) == {
        "1 · awareness": (3, "node"), "1 · consideration": (1, "node"),
        "2 · consideration": (3, "node"), "2 · purchase": (1, "node"),
        "3 · purchase": (1, "node"), "3 | #drop-off": (3, "dropoff"),
    }


def test_sankey_argument_checks(cur):
    for bad in (1, 16):
        with pytest.raises(ValueError, match="steps"):
            flows.sankey(cur, Filters(), steps=bad)
    with pytest.raises(ValueError, match="level"):
        flows.sankey(cur, Filters(), FlowOptions(level="channel"))
    with pytest.raises(ValueError, match="top"):
        flows.sankey(cur, Filters(), top=0)
    assert flows.sankey(cur, Filters(), steps=15)["journeys"] == 4


# -- transitions --
def test_transitions_by_hand(cur):
    t = flows.transitions(cur, Filters())
    rows = {(r.source, r.target): r for r in t.itertuples()}
    expected = {  # (transitions, customers, median minutes)
        ("(start)", "Ad"): (2, 2, None), ("(start)", "Search"): (1, 1, None),
        ("(start)", "Product"): (1, 1, None),
        ("Ad", "Product"): (2, 2, 3.0),  # A 1 -> 2 (1 min), B 0 -> 5 (5 min): median 3
        ("Product", "Cart"): (1, 1, 8.0), ("Cart", "Checkout"): (1, 1, 2.0),
        ("Search", "Product"): (1, 1, 3.0), ("Product", "Reviews"): (1, 1, 1.0),
        ("Reviews", "Product"): (1, 1, 1.0), ("Product", "Checkout"): (1, 1, 30.0),
        ("Product", "(end)"): (2, 2, None),  # B (its last Product@6), C
        ("Checkout", "(end)"): (2, 2, None),
    }
    assert set(rows) == set(expected)
    for key, (n, c, med) in expected.items():
        r = rows[key]
        assert (r.transitions, r.customers) == (n, c), key
        assert (pd.isna(r.median_minutes) if med is None else r.median_minutes == med), key
    # Product's outgoing: Cart 1, Reviews 1, Checkout 1, (end) 2 = 5.
    assert rows[("Product", "(end)")].share_of_source == pytest.approx(0.4)
    assert rows[("(start)", "Ad")].share_of_source == pytest.approx(0.5)
    # Sorted by transitions desc, then source, target.
    assert list(t.columns) == flows.TRANSITION_COLUMNS
    keys = list(zip(-t.transitions, t.source, t.target, strict=True))
    assert keys == sorted(keys)


def test_transitions_keep_repeats_and_customers_vs_transitions(cur):
    t = flows.transitions(cur, Filters(), FlowOptions(keep_repeats=True))
    rows = {(r.source, r.target): (r.transitions, r.customers) for r in t.itertuples()}
    assert rows[("Ad", "Ad")] == (1, 1)
    assert rows[("Product", "Product")] == (1, 1)  # B 5 -> 6
    # C goes Product -> Reviews -> Product: Product is a source twice (Reviews, end).
    t2 = flows.transitions(cur, Filters(includes=["Reviews"]))
    rows2 = {(r.source, r.target): (r.transitions, r.customers) for r in t2.itertuples()}
    assert rows2 == {
        ("(start)", "Search"): (1, 1), ("Search", "Product"): (1, 1),
        ("Product", "Reviews"): (1, 1), ("Reviews", "Product"): (1, 1),
        ("Product", "(end)"): (1, 1),
    }


def test_transitions_customers_count_distinct_customers(tmp_path):
    s = Store(tmp_path / "loop.duckdb")
    add_import(s, [("X", 0, "Ad", None), ("X", 1, "Product", None), ("X", 2, "Ad", None),
                   ("X", 3, "Product", None)])
    for compute in (False, True):
        t = flows.transitions(s.cursor(), Filters(), FlowOptions(force_compute=compute))
        row = t[(t.source == "Ad") & (t.target == "Product")].iloc[0]
        assert (row.transitions, row.customers) == (2, 1)
    s.close()


def test_transitions_stage_level(cur):
    t = flows.transitions(cur, Filters(), FlowOptions(level="stage"))
    rows = {(r.source, r.target): r.transitions for r in t.itertuples()}
    assert rows == {
        ("(start)", "awareness"): 3, ("(start)", "consideration"): 1,
        ("awareness", "consideration"): 3, ("consideration", "purchase"): 2,
        ("consideration", "(end)"): 2, ("purchase", "(end)"): 2,
    }


# -- drop-offs ----------------------------------------------------------------------------------
def test_dropoffs_by_hand(cur):
    d = flows.dropoffs(cur, Filters())
    # passing: Ad 2, Search 1, Product 4, Reviews 1, Cart 1, Checkout 2.
    # Not converted: B and C, both last at Product: Product ending 2 -> 0.5.
    assert d.touchpoint.tolist() == ["Product", "Ad", "Checkout", "Cart", "Reviews", "Search"]
    p = d.iloc[0]
    assert (p.stage, p.passing, p.ending, p.dropoff_rate) == ("consideration", 4, 2, 0.5)
    assert d.set_index("touchpoint").loc["Checkout", "passing"] == 2
    assert d.ending.sum() == 2
    last = flows.last_steps(cur, Filters())
    assert last.to_dict("records") == [
        {"touchpoint": "Product", "stage": "consideration", "journeys": 2}
    ]


def test_dropoffs_date_filter_judges_conversion_in_range(cur):
    # Until Jan 1st: D's Checkout (Jan 2nd) is out of range, so D has not converted and
    # ends at Product: ending 3 of passing 4.
    f = Filters(until="2024-01-01")
    d = flows.dropoffs(cur, f).set_index("touchpoint")
    assert (d.loc["Product", "passing"], d.loc["Product", "ending"]) == (4, 3)
    assert d.loc["Product", "dropoff_rate"] == 0.75
    assert d.loc["Checkout", "passing"] == 1
    # A stage filter does not turn buyers into drop-outs: A and D still converted.
    d2 = flows.dropoffs(cur, Filters(stages=["consideration"])).set_index("touchpoint")
    assert (d2.loc["Product", "passing"], d2.loc["Product", "ending"]) == (4, 2)
    assert d2.loc["Reviews", "ending"] == 0


def test_dropoffs_session_gap(cur):
    # With a 20-minute gap D's first session (Product) ends unbought.
    d = flows.dropoffs(cur, Filters(), FlowOptions(session_gap=20)).set_index("touchpoint")
    assert (d.loc["Product", "passing"], d.loc["Product", "ending"]) == (4, 3)
    assert d.loc["Checkout", "passing"] == 2


# -- devices --
def test_device_switching_by_hand(cur):
    r = devices.device_switching(cur, Filters())
    # A mobile -> desktop at Cart (purchase); C mobile -> (none) -> tablet at Product
    # (consideration; the event without a device is skipped); D tablet -> mobile at Checkout.
    assert (r["journeys"], r["multi_device"], r["share"]) == (4, 3, 0.75)
    assert r["transitions"].to_dict("records") == [
        {"from_device": "mobile", "to_device": "desktop", "switches": 1, "customers": 1},
        {"from_device": "mobile", "to_device": "tablet", "switches": 1, "customers": 1},
        {"from_device": "tablet", "to_device": "mobile", "switches": 1, "customers": 1},
    ]
    by = r["by_stage"]
    assert by.stage.tolist() == ["consideration", "purchase"]
    assert by.switches.tolist() == [1, 2]
    assert by.share.tolist() == pytest.approx([1 / 3, 2 / 3])
    assert by.stage_position.tolist() == [2, 3]


def test_device_switching_filters(cur):
    p1 = devices.device_switching(cur, Filters(personas=["P1"]))
    assert (p1["journeys"], p1["multi_device"]) == (2, 1)  # A switches, B does not
    # Device filter (an event condition): without tablet events, C is mobile only and D
    # mobile only; A still switches.
    nt = devices.device_switching(cur, Filters(devices=["mobile", "desktop"]))
    assert (nt["journeys"], nt["multi_device"]) == (4, 1)
    assert nt["transitions"].switches.tolist() == [1]


# -- filters change the counts --
def test_filters_change_counts(cur):
    assert flows.sankey(cur, Filters(personas=["P1"]), steps=3)["journeys"] == 2
    conv = flows.sankey(cur, Filters(outcome="converted"), steps=3)
    assert conv["journeys"] == 2 and nodes_of(conv)["1 · Ad"] == (1, "node")
    drop = flows.transitions(cur, Filters(outcome="dropped_off"))
    assert drop[drop.source == "(start)"].transitions.sum() == 2
    st = flows.transitions(cur, Filters(stages=["consideration"]))
    rows = {(r.source, r.target): r.transitions for r in st.itertuples()}
    assert rows == {
        ("(start)", "Product"): 4, ("Product", "(end)"): 4,
        ("Product", "Reviews"): 1, ("Reviews", "Product"): 1,
    }
    since = flows.sankey(cur, Filters(since="2024-01-02"), steps=3)
    assert since["journeys"] == 1 and nodes_of(since) == {
        "1 · Checkout": (1, "node"), "2 | #drop-off": (1, "dropoff")
    }


def test_empty_filter_result_is_empty(cur):
    for f in (Filters(personas=["nobody"]), Filters(devices=["fax"]),
              Filters(since="2030-01-01")):
        s = flows.sankey(cur, f, FlowOptions(session_gap=None), start_at="Ad")
        assert s["journeys"] == 0 and s["nodes"] == [] and s["links"] == []
        assert flows.transitions(cur, f).empty
        assert flows.top_paths(cur, f).empty
        assert flows.dropoffs(cur, f).empty
        assert flows.last_steps(cur, f).empty
        assert flows.transitions(cur, f, FlowOptions(session_gap=10, keep_repeats=True)).empty
        nodes, edges = flows.network(cur, f)
        assert nodes.empty and edges.empty
        d = devices.device_switching(cur, f)
        assert d["journeys"] == 0 and d["share"] == 0.0 and d["transitions"].empty


def test_empty_store(tmp_path):
    s = Store(tmp_path / "empty.duckdb")
    cur = s.cursor()
    assert flows.sankey(cur, Filters())["nodes"] == []
    assert flows.transitions(cur, Filters()).empty
    assert devices.device_switching(cur, Filters())["journeys"] == 0
    s.close()


# -- top paths and network --
def test_top_paths(cur):
    p = flows.top_paths(cur, Filters(), steps=2)
    # B is exactly Ad, Product; A goes on for two more steps, C too (after Search, Product).
    assert p.path_text.tolist() == [
        "Ad → Product", "Ad → Product → … (+2 more steps)", "Product → Checkout",
        "Search → Product → … (+2 more steps)"]
    assert p.customers.tolist() == [1, 1, 1, 1] and p.share.sum() == pytest.approx(1.0)
    assert p.path.tolist()[1] == ["Ad", "Product"]
    assert (p.more_min.tolist(), p.more_max.tolist()) == ([0, 2, 0, 2], [0, 2, 0, 2])
    top = flows.top_paths(cur, Filters(), steps=2, limit=1)
    assert top.kind.tolist() == ["path", "other"] and top.customers.tolist() == [1, 3]
    assert top.share.sum() == pytest.approx(1.0)
    # Three steps: A (4 steps) and C (4 steps) go on by one; a range when they differ.
    p = flows.top_paths(cur, Filters(), steps=2, limit=1, options=FlowOptions(keep_repeats=True))
    assert p.path_text.tolist()[0] == "Ad → Ad → … (+3 more steps)"


# -- drill-down = filter: the drilled view's n is the clicked number --
def test_drill_under_a_device_filter_keeps_exactly_the_clicked_journeys(cur):
    f = Filters(devices=["mobile"])
    # Mobile steps: A Ad, Product (its Cart and Checkout were on desktop); C Search, Product
    # (then Reviews without a device, Product on a tablet); D Checkout. B has none.
    sk = flows.sankey(cur, f, steps=3)
    assert nodes_of(sk) == {
        "1 · Ad": (1, "node"), "1 · Checkout": (1, "node"), "1 · Search": (1, "node"),
        "2 · Product": (2, "node"), "2 | #drop-off": (1, "dropoff"),
        "3 | #drop-off": (2, "dropoff"),
    }
    product = flows.Drill(2, "node", "Product", steps=3)
    drilled = flows.sankey(cur, f, steps=3, drill=product)
    assert drilled["journeys"] == 2  # A and C, the node's 2: not "through Product" (A C D)
    assert nodes_of(drilled)["2 · Product"] == (2, "node")
    assert flows.journey_list(cur, f, drill=product).to_dict("records") == [
        {"customer_id": "A", "journey": 1, "persona": "P1", "first": "Ad", "last": "Product",
         "steps": 2},
        {"customer_id": "C", "journey": 1, "persona": "P2", "first": "Search",
         "last": "Product", "steps": 2},
    ]
    # Its top paths and transitions are those two journeys'.
    paths = flows.top_paths(cur, f, steps=3, drill=product)
    assert paths.path_text.tolist() == ["Ad → Product", "Search → Product"]
    tr = flows.transitions(cur, f, drill=product)
    assert tr[tr.source == "(start)"].customers.sum() == 2


@pytest.mark.parametrize("drill, customers", [
    (flows.Drill(2, "dropoff", steps=3), ["D"]),  # ends after its first step
    (flows.Drill(1, "other", steps=3, top=1), ["C", "D"]),  # Checkout and Search fold
    (flows.Drill(1, "node", "Ad", "node", "Product", steps=3), ["A"]),  # a link
    (flows.Drill(2, "node", "Product", "dropoff", steps=3), ["A", "C"]),
    (flows.Drill(1, "other", None, "node", "Product", steps=3, top=1), ["C"]),
])
def test_drill_every_kind_of_element(cur, drill, customers):
    f = Filters(devices=["mobile"])
    assert flows.journey_list(cur, f, drill=drill)["customer_id"].tolist() == customers
    assert flows.sankey(cur, f, steps=3, drill=drill)["journeys"] == len(customers)


def test_drill_keeps_its_own_anchor_and_travels_as_text(cur):
    # Right-aligned on Product: every journey with a Product has it at step 3.
    d = flows.Drill(3, "node", "Product", steps=3, end_at="Product")
    assert flows.sankey(cur, Filters(), steps=5, drill=d)["journeys"] == 4
    assert flows.Drill.from_text(d.to_text()) == d
    for bad in ("", "[1]", '[0,"node","x",null,null,3,8,null,null]',
                '[1,"other","x",null,null,3,8,null,null]',
                '[1,"dropoff",null,"node","x",3,8,null,null]',
                '[1,"node",5,null,null,3,8,null,null]'):
        with pytest.raises(ValueError):
            flows.Drill.from_text(bad)


def test_network(cur):
    nodes, edges = flows.network(cur, Filters())
    n = nodes.set_index("touchpoint")
    assert (n.loc["Product", "customers"], n.loc["Product", "events"]) == (4, 6)
    assert (n.loc["Ad", "channel"], n.loc["Ad", "stage_position"]) == ("social", 1)
    e = {(r.source, r.target): (r.transitions, r.customers) for r in edges.itertuples()}
    assert e[("Ad", "Product")] == (2, 2)
    assert not any("(start)" in k or "(end)" in k for k in e)
    _, big = flows.network(cur, Filters(), min_transitions=2)
    assert big[["source", "target"]].values.tolist() == [["Ad", "Product"]]


# -- precomputed and computed paths agree; imports and removals keep them right --
OPTION_SETS = [
    {}, {"level": "stage"}, {"keep_repeats": True}, {"session_gap": 20},
]
FILTER_SETS = [
    Filters(), Filters(personas=["P1"]), Filters(outcome="converted"),
    Filters(outcome="dropped_off"), Filters(includes=["Reviews"]),
    Filters(personas=["P2"], includes=["Product"]),
    # Date ranges alone (the range path): D's journey straddles midnight.
    Filters(since=dt.date(2024, 1, 2)), Filters(until=dt.date(2024, 1, 1)),
    Filters(until=dt.date(2024, 1, 1), includes=["Product"]),
]


def all_results(cur, f: Filters, compute: bool) -> list:
    out = []
    for opts in OPTION_SETS:
        o = FlowOptions(force_compute=compute, **opts)
        for extra in ({}, {"start_at": "Product"}, {"end_at": "Checkout"}):
            out.append(flows.sankey(cur, f, o, steps=4, top=3, **extra))
        out.append(flows.transitions(cur, f, o).to_dict("records"))
        out.append(flows.top_paths(cur, f, o).to_dict("records"))
        drill = flows.Drill(2, "node", "Product", steps=4, top=3)
        out.append(flows.sankey(cur, f, o, steps=4, top=3, drill=drill))
        out.append(flows.journey_list(cur, f, o, drill=drill).to_dict("records"))
    for gap in (None, 20):
        out.append(flows.dropoffs(cur, f, FlowOptions(session_gap=gap, force_compute=compute))
                   .to_dict("records"))
        out.append(flows.last_steps(cur, f, FlowOptions(session_gap=gap, force_compute=compute))
                   .to_dict("records"))
    for keep in (False, True):
        nodes, edges = flows.network(cur, f, FlowOptions(keep_repeats=keep, force_compute=compute))
        out.append((nodes.to_dict("records"), edges.to_dict("records")))
    d = devices.device_switching(cur, f, force_compute=compute)
    out.append({k: (v.to_dict("records") if isinstance(v, pd.DataFrame) else v)
                for k, v in d.items()})
    return out


@pytest.mark.parametrize("f", FILTER_SETS, ids=lambda f: str(f.to_query_params()))
def test_precomputed_equals_computed(cur, f):
    assert comparable(all_results(cur, f, False)) == comparable(all_results(cur, f, True))


def test_summary_scope_matches_filters_scope(cur):
    for f in [f for f in FILTER_SETS[1:] if not (f.since or f.until)]:
        p: dict = {}
        a = cur.execute(
            f"SELECT customer_id FROM customer_summary t WHERE {scope.summary_scope(f, p)} "
            "ORDER BY 1", p).fetchall()
        p2: dict = {}
        sql = scope.customer_scope_sql(f, p2)
        b = cur.execute(f"SELECT * FROM ({sql}) ORDER BY 1", p2).fetchall()
        assert a == b, f


LATER = [  # import 2: A comes back (after Checkout), a new customer E
    ("A", 20, "Reviews", "mobile"), ("E", 3, "Search", "desktop"), ("E", 4, "Cart", "mobile"),
    ("A", 12, "Checkout", "tablet"),  # same time as A's Checkout: import order breaks the tie
]


def test_import_and_remove_keep_precomputed_tables_right(store, tmp_path):
    before = all_results(store.cursor(), Filters(), False)
    iid = add_import(store, LATER, personas=[("E", "P1")], name="later")
    cur = store.cursor()
    after = all_results(cur, Filters(), False)
    assert comparable(after) == comparable(all_results(cur, Filters(), True))
    fresh = Store(tmp_path / "fresh.duckdb")
    add_import(fresh, EVENTS, personas=PERSONAS)
    add_import(fresh, LATER, personas=[("E", "P1")], name="later")
    assert comparable(after) == comparable(all_results(fresh.cursor(), Filters(), False))
    fresh.close()
    t = flows.transitions(cur, Filters())
    rows = {(r.source, r.target): r.transitions for r in t.itertuples()}
    # A: ... Checkout(1) Checkout(2, tie, later import) Reviews -> collapses to one Checkout.
    assert rows[("Checkout", "Reviews")] == 1 and ("Checkout", "Checkout") not in rows
    assert store.remove_import(iid)
    assert comparable(all_results(store.cursor(), Filters(), False)) == comparable(before)
