"""Precomputed session journeys (tp_steps_s30 / _s1d, stage_steps_s30 / _s1d): hand-computed
rows, every flow query equal to the computed path, and incremental upkeep equal to a rebuild.

Hand data (touchpoint -> stage: Ad, Search = awareness; Product, Reviews = consideration;
Cart, Checkout = purchase). Minutes after 2024-03-01 00:00:

    S (P1): Ad@0 Ad@45 Product@50 Product@80 Cart@200 Checkout@210
    T (P2): Product@0 Reviews@10 Product@2000 Product@2040 Checkout@2041
    U (P1): Search@0 Search@1440 Search@2881
    V (P2): Ad@0 Product@5
    W (P1): Product@0 Reviews@5 Product@10           (a node seen again in one journey)

Gap 30 min (a pause of more than 30 min starts a new journey; exactly 30 does not):
    S: [Ad] | [Ad, Product x2] | [Cart, Checkout]   (Ad@0 -> Ad@45: a cut inside a step;
                                                     Product@50 -> @80: exactly 30, no cut)
    T: [Product, Reviews] | [Product] | [Product, Checkout]
    U: [Search] | [Search] | [Search]
    V: [Ad, Product]
    W: [Product, Reviews, Product]                   -> 11 journeys
Gap 1 day (1440 min):
    S: [Ad x2, Product x2, Cart, Checkout]
    T: [Product, Reviews] | [Product x2, Checkout]   (10 -> 2000: 1990 min)
    U: [Search x2] | [Search]                        (exactly 1440: no cut; then 1441)
    V: [Ad, Product]
    W: [Product, Reviews, Product]                   -> 7 journeys
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from comparable import comparable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_store import replace_events
from test_derived import TABLES, add_import, check, dump
from test_derived_batches import rebuild_with

from journey.analytics import flows, scope
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db import derived
from journey.db.rules import Rule
from journey.db.store import Store

TPS = [("Ad", "awareness", "social"), ("Search", "awareness", "search"),
       ("Product", "consideration", "web"), ("Reviews", "consideration", "web"),
       ("Cart", "purchase", "web"), ("Checkout", "purchase", "web")]
EVENTS = [
    ("S", 0, "Ad", "mobile", None), ("S", 45, "Ad", "mobile", None),
    ("S", 50, "Product", "mobile", None), ("S", 80, "Product", "desktop", None),
    ("S", 200, "Cart", "desktop", None), ("S", 210, "Checkout", "desktop", None),
    ("T", 0, "Product", "mobile", None), ("T", 10, "Reviews", "mobile", None),
    ("T", 2000, "Product", "tablet", None), ("T", 2040, "Product", "tablet", None),
    ("T", 2041, "Checkout", "tablet", None),
    ("U", 0, "Search", None, None), ("U", 1440, "Search", None, None),
    ("U", 2881, "Search", None, None),
    ("V", 0, "Ad", "mobile", None), ("V", 5, "Product", "mobile", None),
    ("W", 0, "Product", None, None), ("W", 5, "Reviews", None, None),
    ("W", 10, "Product", None, None),
]
PERSONAS = [("S", "P1"), ("T", "P2"), ("U", "P1"), ("V", "P2"), ("W", "P1")]
SESSION_TABLES = ("tp_steps_s30", "tp_steps_s1d", "stage_steps_s30", "stage_steps_s1d")


@pytest.fixture()
def store(tmp_path: Path):
    s = Store(tmp_path / "sessions.duckdb")
    s.set_setting(derived.FAST_FILTERS_SETTING, "on")
    add_import(s, EVENTS, customers=PERSONAS, touchpoints=TPS)
    yield s
    s.close()


def table_rows(cur, table: str) -> list[tuple]:
    return cur.execute(
        "SELECT k.customer_id, t.session_no, t.step, t.node, t.events, t.next_node, "
        "t.minutes_to_next, t.first_visit, t.first_pair, t.first_start "
        f"FROM {table} t JOIN customer_keys k ON k.cid = t.cid "
        "ORDER BY k.customer_id, t.session_no, t.step").fetchall()


# -- hand-computed rows ------------------------------------------------------------------------
def test_session_tables_by_hand(store):
    cur = store.cursor()
    rows = table_rows(cur, "tp_steps_s30")
    # (customer, session, step, node, events, next, minutes, first_visit, first_pair,
    # first_start: only on a journey's step 1)
    assert [r for r in rows if r[0] in ("S", "U")] == [
        ("S", 0, 1, "Ad", 1, None, None, 1, 1, 1),
        ("S", 1, 1, "Ad", 1, "Product", 5.0, 1, 1, 0),  # S's second start at Ad
        ("S", 1, 2, "Product", 2, None, None, 1, 1, 0),  # @50 and @80: exactly 30, one step
        ("S", 2, 1, "Cart", 1, "Checkout", 10.0, 1, 1, 1),
        ("S", 2, 2, "Checkout", 1, None, None, 1, 1, 0),
        ("U", 0, 1, "Search", 1, None, None, 1, 1, 1),
        ("U", 1, 1, "Search", 1, None, None, 1, 0, 0),
        ("U", 2, 1, "Search", 1, None, None, 1, 0, 0),
    ]
    rows = table_rows(cur, "tp_steps_s1d")
    assert [r for r in rows if r[0] in ("T", "U")] == [
        ("T", 0, 1, "Product", 1, "Reviews", 10.0, 1, 1, 1),
        ("T", 0, 2, "Reviews", 1, None, None, 1, 1, 0),
        ("T", 1, 1, "Product", 2, "Checkout", 1.0, 1, 1, 0),
        ("T", 1, 2, "Checkout", 1, None, None, 1, 1, 0),
        ("U", 0, 1, "Search", 2, None, None, 1, 1, 1),  # 0 and 1440: exactly a day, no cut
        ("U", 1, 1, "Search", 1, None, None, 1, 0, 0),
    ]
    # Stage level, 30 min: S is awareness | awareness, consideration | purchase (one step of
    # two events); V's awareness -> consideration.
    rows = table_rows(cur, "stage_steps_s30")
    assert [r[:7] for r in rows if r[0] in ("S", "V")] == [
        ("S", 0, 1, "awareness", 1, None, None),
        ("S", 1, 1, "awareness", 1, "consideration", 5.0),
        ("S", 1, 2, "consideration", 2, None, None),
        ("S", 2, 1, "purchase", 2, None, None),
        ("V", 0, 1, "awareness", 1, "consideration", 5.0),
        ("V", 0, 2, "consideration", 1, None, None),
    ]


def test_transitions_and_journeys_by_hand(store):
    cur = store.cursor()
    t = flows.transitions(cur, Filters(), FlowOptions(session_gap=30))
    got = {(r.source, r.target): (r.transitions, r.customers) for r in t.itertuples()}
    assert got == {
        ("(start)", "Ad"): (3, 2), ("(start)", "Product"): (4, 2),
        ("(start)", "Search"): (3, 1), ("(start)", "Cart"): (1, 1),
        ("Ad", "(end)"): (1, 1), ("Ad", "Product"): (2, 2), ("Product", "(end)"): (4, 4),
        ("Product", "Reviews"): (2, 2), ("Reviews", "(end)"): (1, 1),
        ("Reviews", "Product"): (1, 1),
        ("Product", "Checkout"): (1, 1), ("Cart", "Checkout"): (1, 1),
        ("Checkout", "(end)"): (2, 2), ("Search", "(end)"): (3, 1),
    }
    s30 = flows.sankey(cur, Filters(), FlowOptions(session_gap=30), steps=2, top=8)
    assert s30["journeys"] == 11
    assert {n["name"]: n["customers"] for n in s30["nodes"] if n["step"] == 1} == {
        "Ad": 3, "Product": 4, "Search": 3, "Cart": 1}
    s1d = flows.sankey(cur, Filters(), FlowOptions(session_gap=1440), steps=2, top=8)
    assert s1d["journeys"] == 7
    # W's journey is counted once at Product (its first visit), not twice.
    w = [r for r in table_rows(cur, "tp_steps_s1d") if r[0] == "W"]
    assert [(r[2], r[3], r[7]) for r in w] == [(1, "Product", 1), (2, "Reviews", 1),
                                               (3, "Product", 0)]
    # Drop-offs at 1 day: Search is passed by U's two journeys and ends both, unconverted.
    d = flows.dropoffs(cur, Filters(), FlowOptions(session_gap=1440)).set_index("touchpoint")
    assert (d.loc["Search", "passing"], d.loc["Search", "ending"]) == (2, 2)
    # Product: S, T's two, V, W = 5 journeys; ending unconverted: V and W (T's first ends
    # at Reviews, its second at Checkout).
    assert (d.loc["Product", "passing"], d.loc["Product", "ending"]) == (5, 2)


# -- routing -------------------------------------------------------------------------------
@pytest.mark.parametrize(("gap", "level", "table"), [
    (30, "touchpoint", "tp_steps_s30"), (1440, "stage", "stage_steps_s1d"),
    (30.0, "stage", "stage_steps_s30"), (1440, "touchpoint", "tp_steps_s1d"),
])
def test_precomputed_gaps_read_the_session_tables(gap, level, table):
    o = FlowOptions(level=level, session_gap=gap, fast_filters=True)
    sql, _p, pre = scope.steps_with(Filters(), o)
    assert pre and f"FROM {table} t" in sql
    # Any other gap, an event condition, kept repeats or force_compute: computed.
    for opts, f in [(o.replace(session_gap=20), Filters()), (o.replace(session_gap=30.5),
                    Filters()), (o, Filters(devices=["mobile"])),
                    (o.replace(keep_repeats=True), Filters()),
                    (o.replace(force_compute=True), Filters())]:
        sql, _p, pre = scope.steps_with(f, opts)
        assert not pre and "_s30" not in sql and "_s1d" not in sql


# -- every flow query: precomputed == computed ---------------------------------------------------
FILTER_SETS = [
    Filters(), Filters(personas=["P1"]), Filters(outcome="converted"),
    Filters(outcome="dropped_off"), Filters(includes=["Reviews"]),
]


def all_results(cur, f: Filters, compute: bool) -> list:
    out = []
    for gap in (30, 1440):
        for level in ("touchpoint", "stage"):
            o = FlowOptions(level=level, session_gap=gap, force_compute=compute)
            anchors = ("Product", "Checkout") if level == "touchpoint" else (
                "consideration", "purchase")
            for extra in ({}, {"start_at": anchors[0]}, {"end_at": anchors[1]},
                          {"start_at": anchors[0], "end_at": anchors[1]}):
                out.append(flows.sankey(cur, f, o, steps=3, top=2, **extra))
            out.append(flows.transitions(cur, f, o).to_dict("records"))
            out.append(flows.top_paths(cur, f, o, steps=2).to_dict("records"))
            out.append(flows.journeys(cur, f, o).to_dict("records"))
            drill = flows.Drill(1, "node", anchors[0], steps=3, top=2)
            out.append(flows.sankey(cur, f, o, steps=3, top=2, drill=drill))
            out.append(flows.transitions(cur, f, o, drill=drill).to_dict("records"))
            out.append(flows.journey_list(cur, f, o, drill=drill).to_dict("records"))
        o = FlowOptions(session_gap=gap, force_compute=compute)
        out.append(flows.dropoffs(cur, f, o).to_dict("records"))
        out.append(flows.last_steps(cur, f, o).to_dict("records"))
    return out


@pytest.mark.parametrize("f", FILTER_SETS, ids=lambda f: str(f.to_query_params()))
def test_precomputed_sessions_equal_computed(store, f):
    cur = store.cursor()
    pre = all_results(cur, f, False)
    assert comparable(pre) == comparable(all_results(cur, f, True))
    if f == Filters():
        assert pre[0]["journeys"] == 11  # not vacuous: the gap-30 Sankey has all journeys


# -- upkeep: incremental == rebuild ---------------------------------------------------------
def test_session_tables_are_checked_by_the_upkeep_tests():
    # test_derived's dump() (used by every incremental / batched / rules test) covers them.
    assert set(SESSION_TABLES) <= set(TABLES) and set(SESSION_TABLES) <= set(derived.EXTRA_TABLES)


def test_imports_removals_rules_and_map_edits_keep_sessions_right(tmp_path, monkeypatch):
    monkeypatch.setattr(derived, "FULL_SHARE", 1.0)  # force the incremental path
    with Store(tmp_path / "inc.duckdb") as s:
        s.set_setting(derived.FAST_FILTERS_SETTING, "on")
        add_import(s, EVENTS, customers=PERSONAS, touchpoints=TPS)
        check(s, "full")
        # S gets an event inside its 120-minute pause (Cart@140: 80 -> 140 -> 200, two gaps
        # above 30 min, so a session of its own) and U one (Ad@2000) that bridges both of
        # its day-long pauses (1440 -> 2000 -> 2881).
        i2 = add_import(s, [("S", 140, "Cart", None, None), ("U", 2000, "Ad", None, None)])
        now = check(s)
        assert [r[1:4] for r in table_rows(s.cursor(), "tp_steps_s30") if r[0] == "S"] == [
            (0, 1, "Ad"), (1, 1, "Ad"), (1, 2, "Product"), (2, 1, "Cart"), (3, 1, "Cart"),
            (3, 2, "Checkout")]
        assert len([r for r in now["tp_steps_s1d"] if r[0] == "U"]) == 3
        # A rule renames Product to Item (touchpoint level) for S, T and V.
        s.set_rules([Rule("touchpoint", "equals", "Product", "touchpoint", "Item")])
        check(s)
        # A map edit re-stages Reviews (stage level only).
        s.set_touchpoints([("Reviews", "purchase", "web", True)])
        check(s)
        s.set_rules([])
        check(s)
        assert s.remove_import(i2)
        after = check(s)
        fresh = Store(tmp_path / "fresh.duckdb")
        fresh.set_setting(derived.FAST_FILTERS_SETTING, "on")
        add_import(fresh, EVENTS, customers=PERSONAS, touchpoints=TPS)
        fresh.set_touchpoints([("Reviews", "purchase", "web", True)])
        again = dump(fresh.cursor())
        fresh.close()
        for t in SESSION_TABLES:
            assert after[t] == again[t], t


# -- property: session tables == steps_ctes(session=True), batched rebuild == single ------------
_STORE: list[Store] = []


def prop_store() -> Store:
    if not _STORE:
        _STORE.append(Store(Path(tempfile.mkdtemp()) / "sess-prop.duckdb"))
        _STORE[0].set_setting(derived.FAST_FILTERS_SETTING, "on")
    return _STORE[0]


T0 = dt.datetime(2024, 3, 1)
# Offsets around both gaps: exactly the gap is no cut, a minute more is one.
OFFSETS = [0, 1, 29, 30, 31, 600, 1439, 1440, 1441]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(st.tuples(st.sampled_from(["x", "y", "z"]),
                                 st.lists(st.sampled_from(OFFSETS), min_size=1, max_size=3),
                                 st.sampled_from(["Ad", "Product", "Cart", "Mystery"])),
                       max_size=14),
       batch=st.integers(1, 20))
def test_property_session_tables_equal_computed_steps(events, batch):
    s = prop_store()
    # Each event's time is the running sum of its offsets (so the gaps are the offsets).
    minute, rows = 0, []
    for c, offs, tp in events:
        minute += sum(offs)
        rows.append((c, T0 + dt.timedelta(minutes=minute), tp))
    replace_events(s, rows, columns=("customer_id", "ts", "touchpoint"))
    cur = s.cursor()
    cols = ("cid, session_no, step, node, stage, stage_position, channel, last_ts, events, "
            "next_node, ROUND(minutes_to_next, 9)")
    for gap in derived.SESSION_GAPS:
        for level in ("touchpoint", "stage"):
            table = derived.session_step_table(level, gap)
            stored = sorted(cur.execute(f"SELECT {cols} FROM {table}").fetchall(), key=repr)
            for whole in (True, False):
                ctes = derived.steps_ctes("journey_events", level=level, keep_repeats=False,
                                          session=True, whole=whole)
                fresh = sorted(cur.execute(f"WITH {ctes} SELECT {cols} FROM j_st",
                                           {"gap_us": gap * 60_000_000.0}).fetchall(),
                               key=repr)
                assert stored == fresh, (table, whole)
    assert bad_flags(cur) == dict.fromkeys(SESSION_TABLES, 0)
    assert rebuild_with(s, batch) == rebuild_with(s, 10**9)


def bad_flags(cur) -> dict[str, int]:
    """Rows whose flags differ from their definitions, recomputed with windows."""
    out = {}
    for table in SESSION_TABLES:
        bad = cur.execute(
            "SELECT count(*) FROM (SELECT first_visit, first_pair, first_start, step, "
            "ROW_NUMBER() OVER (PARTITION BY cid, session_no, node ORDER BY step) AS v, "
            "ROW_NUMBER() OVER (PARTITION BY cid, node, next_node ORDER BY session_no, step) "
            "AS p, ROW_NUMBER() OVER (PARTITION BY cid, node, step = 1 ORDER BY session_no) "
            f"AS r FROM {table}) x WHERE first_visit <> CASE WHEN v = 1 THEN 1 ELSE 0 END "
            "OR first_pair <> CASE WHEN p = 1 THEN 1 ELSE 0 END "
            "OR first_start <> CASE WHEN step = 1 AND r = 1 THEN 1 ELSE 0 END").fetchone()[0]
        out[table] = bad
    return out


def test_flags_match_their_definitions(store):
    assert bad_flags(store.cursor()) == dict.fromkeys(SESSION_TABLES, 0)
    # Not vacuous: W's second Product is no first visit, U's later sessions no first start.
    assert store.cursor().execute(
        "SELECT SUM(1 - first_visit), SUM(CASE WHEN step = 1 THEN 1 - first_start ELSE 0 END) "
        "FROM tp_steps_s30").fetchone() == (
        1, 5)
