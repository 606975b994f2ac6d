"""The computed flow paths (several devices, a gap that is not precomputed, top paths and
drop-offs with a gap) on small journeys written by hand; every number is worked out in the
comments, and each is checked against the force_compute path too.

Several devices use test_flows' data set (see its docstring for the events and devices).
The session data set below (touchpoint -> stage as in test_flows), minutes from T0:

    E: Ad@0 Product@10 | Ad@60 Product@70 | Cart@200 Checkout@210   (cuts: 50, 130 min)
    F: Search@0 | Search@50 Product@55                              (a cut inside a step)
    G: Ad@0 Product@40                                              (cut at 30, not at 45)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from comparable import comparable
from test_flows import EVENTS, PERSONAS, add_import

from journey.analytics import flows
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db.store import Store

SESSIONS = [
    ("E", 0, "Ad", None), ("E", 10, "Product", None), ("E", 60, "Ad", None),
    ("E", 70, "Product", None), ("E", 200, "Cart", None), ("E", 210, "Checkout", None),
    ("F", 0, "Search", None), ("F", 50, "Search", None), ("F", 55, "Product", None),
    ("G", 0, "Ad", None), ("G", 40, "Product", None),
]
# X repeats a pair under a device filter: its tablet event (Reviews) is left out.
LOOP = [("X", 0, "Ad", "mobile"), ("X", 1, "Product", "desktop"), ("X", 2, "Reviews", "tablet"),
        ("X", 3, "Ad", "mobile"), ("X", 4, "Product", "desktop")]
TWO_DEVICES = Filters(devices=["mobile", "desktop"])
DEFAULT = FlowOptions()


@pytest.fixture()
def hand(tmp_path: Path):
    s = Store(tmp_path / "hand.duckdb")
    add_import(s, EVENTS, personas=PERSONAS)
    yield s.cursor()
    s.close()


@pytest.fixture()
def sess(tmp_path: Path):
    s = Store(tmp_path / "sessions.duckdb")
    add_import(s, SESSIONS)
    yield s.cursor()
    s.close()


def _both(fn, cur, filters, options=DEFAULT, **kw):
    """fn's result on the default path, checked equal to the force_compute one."""
    out = fn(cur, filters, options, **kw)
    forced = fn(cur, filters, options.replace(force_compute=True), **kw)
    assert comparable(out) == comparable(forced)
    return out


def _rows(t: pd.DataFrame) -> dict:
    return {(r.source, r.target): (r.transitions, r.customers,
                                   None if pd.isna(r.median_minutes) else r.median_minutes)
            for r in t.itertuples()}


def test_transitions_on_two_devices(hand):
    # Kept (mobile or desktop): A all (Ad Ad Product Cart Checkout), B all (Ad Product
    # Product), C Search@0 Product@3 (Reviews has no device, the last Product is a tablet),
    # D Checkout@1460 (its Product is a tablet).
    t = _both(flows.transitions, hand, TWO_DEVICES)
    assert _rows(t) == {
        ("(start)", "Ad"): (2, 2, None), ("(start)", "Search"): (1, 1, None),
        ("(start)", "Checkout"): (1, 1, None),
        ("Ad", "Product"): (2, 2, 3.0),  # A 1 -> 2 (1 min), B 0 -> 5 (5 min)
        ("Product", "Cart"): (1, 1, 8.0), ("Cart", "Checkout"): (1, 1, 2.0),
        ("Search", "Product"): (1, 1, 3.0),
        ("Product", "(end)"): (2, 2, None),  # B, C
        ("Checkout", "(end)"): (2, 2, None),  # A, D
    }
    assert t.share_of_source[(t.source == "(start)") & (t.target == "Ad")].iloc[0] == 0.5
    # Stage level: A awareness, consideration, purchase; B awareness, consideration;
    # C awareness, consideration; D purchase.
    st = _both(flows.transitions, hand, TWO_DEVICES, FlowOptions(level="stage"))
    assert _rows(st)[("awareness", "consideration")] == (3, 3, 3.0)  # 1, 5, 3 minutes
    assert _rows(st)[("(start)", "purchase")] == (1, 1, None)


def test_transitions_on_two_devices_count_distinct_customers(tmp_path):
    s = Store(tmp_path / "loop.duckdb")
    add_import(s, LOOP)
    t = _both(flows.transitions, s.cursor(), TWO_DEVICES)
    # X on mobile + desktop: Ad Product Ad Product (the tablet Reviews left out).
    assert _rows(t) == {
        ("(start)", "Ad"): (1, 1, None), ("Ad", "Product"): (2, 1, 1.0),
        ("Product", "Ad"): (1, 1, 2.0), ("Product", "(end)"): (1, 1, None),
    }
    s.close()


def test_sankey_with_a_45_minute_gap(sess):
    # Sessions: E [Ad, Product] [Ad, Product] [Cart, Checkout]; F [Search] [Search, Product];
    # G [Ad, Product] (40 min is no cut): 6 journeys.
    r = _both(flows.sankey, sess, Filters(), FlowOptions(session_gap=45), steps=3)
    assert r["journeys"] == 6
    nodes = {n["id"]: n["customers"] for n in r["nodes"]}
    assert nodes == {
        "1 · Ad": 3, "1 · Search": 2, "1 · Cart": 1,
        "2 · Product": 4, "2 · Checkout": 1, "2 | #drop-off": 1,  # F's first session
        "3 | #drop-off": 5,
    }
    links = {(lk["source_id"], lk["target_id"]): lk["customers"] for lk in r["links"]}
    assert links[("1 · Ad", "2 · Product")] == 3
    assert links[("1 · Search", "2 · Product")] == 1
    assert links[("1 · Search", "2 | #drop-off")] == 1


def test_top_paths_with_a_30_minute_gap(sess):
    # Sessions: E [Ad, Product] [Ad, Product] [Cart, Checkout]; F [Search] [Search, Product];
    # G [Ad] [Product]: 7 journeys.
    p = _both(flows.top_paths, sess, Filters(), FlowOptions(session_gap=30))
    assert list(zip(p.path_text, p.customers, strict=True)) == [
        ("Ad → Product", 2), ("Ad", 1), ("Cart → Checkout", 1), ("Product", 1),
        ("Search", 1), ("Search → Product", 1)]
    assert p.share.tolist()[0] == pytest.approx(2 / 7)
    # Two steps shown: E's first two sessions end there, nothing goes on.
    p2 = _both(flows.top_paths, sess, Filters(), FlowOptions(session_gap=30), steps=2)
    assert p2.more_max.tolist() == [0] * 6


def test_dropoffs_with_a_30_minute_gap(sess):
    # Passing: Ad E1 E2 G1; Product E1 E2 F2 G2; Search F1 F2; Cart, Checkout E3.
    # Ending unconverted: Product E1 E2 F2 G2, Search F1, Ad G1 (E3 bought).
    d = _both(flows.dropoffs, sess, Filters(), FlowOptions(session_gap=30))
    got = {r.touchpoint: (r.passing, r.ending) for r in d.itertuples()}
    assert got == {"Product": (4, 4), "Search": (2, 1), "Ad": (3, 1), "Cart": (1, 0),
                   "Checkout": (1, 0)}
    assert d.touchpoint.tolist()[:3] == ["Product", "Search", "Ad"]
    last = _both(flows.last_steps, sess, Filters(), FlowOptions(session_gap=30))
    assert dict(zip(last.touchpoint, last.journeys, strict=True)) == {
        "Product": 4, "Ad": 1, "Search": 1}


def test_sankey_and_top_paths_on_two_devices(hand):
    # Steps kept: A Ad, Product, Cart, Checkout; B Ad, Product; C Search, Product;
    # D Checkout.
    r = _both(flows.sankey, hand, TWO_DEVICES, steps=3)
    assert r["journeys"] == 4
    assert {n["id"]: n["customers"] for n in r["nodes"]} == {
        "1 · Ad": 2, "1 · Search": 1, "1 · Checkout": 1,
        "2 · Product": 3, "2 | #drop-off": 1,  # D
        "3 · Cart": 1, "3 | #drop-off": 2,  # B, C
    }
    # Top 1 per step: Search and Checkout fold into Other at step 1 (Ad 2 first).
    folded = _both(flows.sankey, hand, TWO_DEVICES, steps=3, top=1)
    assert {n["id"]: n["customers"] for n in folded["nodes"] if n["step"] == 1} == {
        "1 · Ad": 2, "1 | #other": 2}
    p = _both(flows.top_paths, hand, TWO_DEVICES, steps=2)
    assert list(zip(p.path_text, p.customers, strict=True)) == [
        ("Ad → Product", 1), ("Ad → Product → … (+2 more steps)", 1), ("Checkout", 1),
        ("Search → Product", 1)]
