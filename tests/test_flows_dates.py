"""Flows inside a date range, by hand: the range path (`db.range_steps`, the precomputed step
numbers and neighbours of a contiguous run of each journey) and the computed path.

Touchpoints A, B (stage s1) and C, D (stage s2). Events at noon of January's day d unless
said otherwise:

    X: A@1 A@2 B@3 C@4 C@5 D@6     whole journey: A(2) B C(2) D
    Y: A@1                         only before the range
    Z: B@3 09:00 B@3 10:00 A@4     only inside it
    W: D@6                         only after it

The range Jan 2 - Jan 4 keeps X: A@2 B@3 C@4 (its A step straddles the range's start, its C
step the range's end: each keeps one of its two events) and Z: B B A. Y and W have no event
in it, so no journey.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import small_store
from comparable import comparable

from journey.analytics import flows, scope
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db.store import Store

TOUCHPOINTS = [("A", "s1", "web", True), ("B", "s1", "web", True), ("C", "s2", "web", True),
               ("D", "s2", "web", True)]


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour)


EVENTS = [
    ("X", at(1), "A"), ("X", at(2), "A"), ("X", at(3), "B"), ("X", at(4), "C"),
    ("X", at(5), "C"), ("X", at(6), "D"),
    ("Y", at(1), "A"),
    ("Z", at(3, 9), "B"), ("Z", at(3, 10), "B"), ("Z", at(4), "A"),
    ("W", at(6), "D"),
]
RANGE = Filters(since=dt.date(2024, 1, 2), until=dt.date(2024, 1, 4))
SINCE = Filters(since=dt.date(2024, 1, 4))
UNTIL = Filters(until=dt.date(2024, 1, 1))


@pytest.fixture(scope="module")
def cur(tmp_path_factory):
    s = Store(Path(tmp_path_factory.mktemp("dates")) / "dates.duckdb")
    with s.transaction() as c:
        c.execute("DELETE FROM stages")
        c.executemany("INSERT INTO stages (stage, position) VALUES (?, ?)",
                      [("s1", 1), ("s2", 2)])
    small_store.add_import(s, events=EVENTS, touchpoints=TOUCHPOINTS,
                           event_columns=("customer_id", "ts", "touchpoint"))
    yield s.cursor()
    s.close()


def both(fn, f: Filters, opts: FlowOptions = scope.DEFAULT_FLOW, **kw):
    """fn on the range path and on the computed path: they must agree; returns the first."""
    a = fn(f, opts, **kw)
    b = fn(f, opts.replace(force_compute=True), **kw)
    assert comparable(a) == comparable(b)
    return a


def test_the_range_path_is_taken_only_for_a_date_range_alone():
    assert scope.dates_only(RANGE) and scope.dates_only(SINCE) and scope.dates_only(UNTIL)
    assert scope.dates_only(RANGE.replace(personas=("P",), includes=("A",)))
    assert not scope.dates_only(Filters())
    assert not scope.dates_only(RANGE.replace(devices=("mobile",)))
    assert not scope.dates_only(RANGE.replace(stages=("s1",)))
    sql, _p, pre = scope.steps_with(RANGE, FlowOptions())
    assert not pre and "OVER (PARTITION BY cid ORDER BY" not in sql  # no sort by time
    sql, _p, _pre = scope.steps_with(RANGE, FlowOptions(force_compute=True))
    assert "OVER (PARTITION BY cid ORDER BY" in sql


def test_steps_of_straddling_steps_keep_only_their_events_in_the_range(cur):
    def journeys(f, o):
        df = flows.journeys(cur, f, o)[["customer_id", "step", "node", "events", "next_node"]]
        return df.astype(object).where(df.notna(), None)  # the journey's end: None

    got = both(journeys, RANGE)
    assert got.values.tolist() == [
        # X's A and C steps straddle the range's start and end: one event each in it.
        ["X", 1, "A", 1, "B"], ["X", 2, "B", 1, "C"], ["X", 3, "C", 1, None],
        ["Z", 1, "B", 2, "A"], ["Z", 2, "A", 1, None],
    ]
    got = both(journeys, RANGE, FlowOptions(keep_repeats=True))
    assert got.values.tolist() == [
        ["X", 1, "A", 1, "B"], ["X", 2, "B", 1, "C"], ["X", 3, "C", 1, None],
        ["Z", 1, "B", 1, "B"], ["Z", 2, "B", 1, "A"], ["Z", 3, "A", 1, None],
    ]
    got = both(journeys, RANGE, FlowOptions(level="stage"))
    assert got.values.tolist() == [
        ["X", 1, "s1", 2, "s2"], ["X", 2, "s2", 1, None], ["Z", 1, "s1", 3, None],
    ]
    # Since only: X's C step keeps both its events (C@4 C@5), then D; Z's A; W's D.
    got = both(journeys, SINCE)
    assert got.values.tolist() == [
        ["W", 1, "D", 1, None], ["X", 1, "C", 2, "D"], ["X", 2, "D", 1, None],
        ["Z", 1, "A", 1, None],
    ]
    # Until only (Jan 1 inclusive): X's A step keeps one of its two events.
    got = both(journeys, UNTIL)
    assert got.values.tolist() == [["X", 1, "A", 1, None], ["Y", 1, "A", 1, None]]


def test_sankey_in_a_range(cur):
    r = both(lambda f, o: flows.sankey(cur, f, o, steps=3), RANGE)
    assert r["journeys"] == 2  # X and Z; Y and W have no event in the range
    assert {n["id"]: n["customers"] for n in r["nodes"]} == {
        "1 · A": 1, "1 · B": 1, "2 · B": 1, "2 · A": 1, "3 · C": 1, "3 | #drop-off": 1,
    }
    assert {(lk["source_id"], lk["target_id"]): lk["customers"] for lk in r["links"]} == {
        ("1 · A", "2 · B"): 1, ("1 · B", "2 · A"): 1, ("2 · B", "3 · C"): 1,
        ("2 · A", "3 | #drop-off"): 1,
    }
    # Repeats kept: Z is B B A.
    r = both(lambda f, o: flows.sankey(cur, f, o, steps=3), RANGE, FlowOptions(keep_repeats=True))
    assert {n["id"]: n["customers"] for n in r["nodes"]} == {
        "1 · A": 1, "1 · B": 1, "2 · B": 2, "3 · C": 1, "3 · A": 1,
    }
    # Anchored on C: only X reaches it, at its third step in the range.
    r = both(lambda f, o: flows.sankey(cur, f, o, steps=3, end_at="C"), RANGE)
    assert (r["journeys"], r["anchored_journeys"]) == (2, 1)


def test_transitions_in_a_range(cur):
    def rows(f, o):
        t = flows.transitions(cur, f, o)
        return {(r.source, r.target): (r.transitions, r.customers, r.median_minutes)
                for r in t.itertuples()}

    got = both(rows, RANGE)
    nan = got[("(start)", "A")][2]
    assert nan != nan
    assert {k: v[:2] for k, v in got.items()} == {
        ("(start)", "A"): (1, 1), ("(start)", "B"): (1, 1), ("A", "B"): (1, 1),
        ("B", "C"): (1, 1), ("C", "(end)"): (1, 1), ("B", "A"): (1, 1), ("A", "(end)"): (1, 1),
    }
    # X: A@2 12:00 -> B@3 12:00; Z: from its B step's last event (10:00) to A@4 12:00.
    assert (got[("A", "B")][2], got[("B", "A")][2]) == (1440.0, 1560.0)
    # X's C@4 -> C@5 and A@1 -> A@2 cross the range's ends: neither pair is in it.
    got = both(rows, RANGE, FlowOptions(keep_repeats=True))
    assert ("C", "C") not in got and ("A", "A") not in got
    assert got[("B", "B")][:3] == (1, 1, 60.0)  # Z's two B events an hour apart
    got = both(rows, RANGE, FlowOptions(level="stage"))
    assert {k: v[:2] for k, v in got.items()} == {
        ("(start)", "s1"): (2, 2), ("s1", "s2"): (1, 1), ("s2", "(end)"): (1, 1),
        ("s1", "(end)"): (1, 1),
    }


def test_customer_conditions_are_judged_inside_the_range(cur):
    # X went to D only after the range: with the range, nobody "went through D".
    r = both(lambda f, o: flows.sankey(cur, f, o, steps=3), RANGE.replace(includes=("D",)))
    assert r["journeys"] == 0
    r = both(lambda f, o: flows.sankey(cur, f, o, steps=3), RANGE.replace(includes=("A",)))
    assert r["journeys"] == 2  # X (A@2) and Z (A@4)
    t = both(lambda f, o: flows.top_paths(cur, f, o, steps=2), RANGE.replace(includes=("C",)))
    assert t[["path_text", "customers"]].values.tolist() == [["A → B → … (+1 more step)", 1]]


@pytest.mark.parametrize("f", [
    RANGE, SINCE, UNTIL, Filters(since=dt.date(2024, 1, 3), until=dt.date(2024, 1, 3)),
    Filters(since=dt.date(2024, 2, 1)),  # no event at all
    RANGE.replace(includes=("B",)), SINCE.replace(outcome="dropped_off"),
], ids=lambda f: str(f.to_query_params()))
@pytest.mark.parametrize("opts", [
    {}, {"keep_repeats": True}, {"level": "stage"}, {"level": "stage", "keep_repeats": True},
    {"session_gap": 120}, {"session_gap": 120, "keep_repeats": True},
], ids=str)
def test_every_flow_query_equals_the_computed_path(cur, f, opts):
    o = FlowOptions(**opts)
    for anchor in ({}, {"start_at": "B"}, {"end_at": "C"}):
        both(lambda f, o, a=anchor: flows.sankey(cur, f, o, steps=3, top=2, **a), f, o)
    both(lambda f, o: flows.transitions(cur, f, o), f, o)
    both(lambda f, o: flows.top_paths(cur, f, o, steps=2), f, o)
    both(lambda f, o: flows.journeys(cur, f, o), f, o)
    drill = flows.Drill(2, "node", "B", steps=3, top=2)
    both(lambda f, o: flows.sankey(cur, f, o, steps=3, top=2, drill=drill), f, o)
    both(lambda f, o: flows.journey_list(cur, f, o, drill=drill), f, o)
    both(lambda f, o: flows.transitions(cur, f, o, drill=drill), f, o)
    both(lambda f, o: flows.dropoffs(cur, f, o), f, o)
    both(lambda f, o: flows.last_steps(cur, f, o), f, o)
    both(lambda f, o: flows.network(cur, f, o), f, o)
