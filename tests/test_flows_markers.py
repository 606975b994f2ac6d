"""Touchpoints literally named "Other", "Drop-off", "(start)" and "(end)" never merge with the
folded node, the drop-off node or the start/end markers (ids and kinds say which is which).

    A: (start)@0 Other@1 (end)@2
    B: (start)@0 Drop-off@1
    C: x@0 Other@1
    D: y@0 z@1
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from small_store import add_import

from journey.analytics import flows
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.cli import main
from journey.db.store import Store
from journey.present import flow_charts

T0 = dt.datetime(2024, 1, 1)


def add_events(store: Store, events, *, touchpoints) -> None:
    """(customer, minute, touchpoint, device) rows, minutes after T0."""
    add_import(
        store, touchpoints=[(*t, True) for t in touchpoints],
        events=[(c, T0 + dt.timedelta(minutes=m), tp, dev) for c, m, tp, dev in events],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
    )


TPS = [("(start)", "awareness", "web"), ("Other", "consideration", "web"),
       ("Drop-off", "consideration", "web"), ("(end)", "purchase", "web"),
       ("x", "awareness", "web"), ("y", "awareness", "web"), ("z", "consideration", "web")]
EVENTS = [
    ("A", 0, "(start)", "mobile"), ("A", 1, "Other", "mobile"), ("A", 2, "(end)", "mobile"),
    ("B", 0, "(start)", "mobile"), ("B", 1, "Drop-off", "mobile"),
    ("C", 0, "x", "mobile"), ("C", 1, "Other", "mobile"),
    ("D", 0, "y", "mobile"), ("D", 1, "z", "mobile"),
]
# Every path: precomputed, computed from scratch, and the event-filtered one (a device
# filter that keeps every event).
PATHS = [
    (Filters(), False), (Filters(), True), (Filters(devices=["mobile"]), False),
]


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "markers.duckdb")
    add_events(s, EVENTS, touchpoints=TPS)
    yield s
    s.close()


@pytest.mark.parametrize(("f", "compute"), PATHS)
def test_sankey_real_other_and_dropoff_are_nodes(store, f, compute):
    r = flows.sankey(store.cursor(), f, FlowOptions(force_compute=compute), steps=3, top=1)
    nodes = {n["id"]: (n["customers"], n["kind"], n["name"]) for n in r["nodes"]}
    # Step 1: (start) 2 is the top node; x and y fold. Step 2: the real Other (A, C) is the
    # top node; Drop-off (B) and z (D) fold into the folded Other. Step 3: A reaches (end);
    # B, C, D end after step 2.
    assert nodes == {
        "1 · (start)": (2, "node", "(start)"), "1 | #other": (2, "other", "Other"),
        "2 · Other": (2, "node", "Other"), "2 | #other": (2, "other", "Other"),
        "3 · (end)": (1, "node", "(end)"), "3 | #drop-off": (3, "dropoff", "Drop-off"),
    }
    links = {(lk["source_id"], lk["target_id"]): (lk["customers"], lk["source_kind"],
                                                   lk["target_kind"], lk["target"])
             for lk in r["links"]}
    assert links == {
        ("1 · (start)", "2 · Other"): (1, "node", "node", "Other"),
        ("1 · (start)", "2 | #other"): (1, "node", "other", "Other"),
        ("1 | #other", "2 · Other"): (1, "other", "node", "Other"),
        ("1 | #other", "2 | #other"): (1, "other", "other", "Other"),
        ("2 · Other", "3 · (end)"): (1, "node", "node", "(end)"),
        ("2 · Other", "3 | #drop-off"): (1, "node", "dropoff", None),
        ("2 | #other", "3 | #drop-off"): (2, "other", "dropoff", None),
    }
    # The chart draws every node once and every link (ids are its node names).
    option = flow_charts.sankey_option(r, lang="en")
    data = option["series"][0]["data"]
    names = [d["name"] for d in data]
    assert len(names) == len(set(names)) == len(r["nodes"])
    drawn = {(lk["source"], lk["target"]) for lk in option["series"][0]["links"]}
    assert drawn == set(links)
    # The folded node and the drop-off are styled as such, the real ones as touchpoints.
    styles = {d["name"]: d["itemStyle"]["color"] for d in data}
    assert styles["2 | #other"] == flow_charts.OTHER_COLOR
    assert styles["3 | #drop-off"] == flow_charts.DROPOFF_COLOR
    assert styles["2 · Other"] not in (flow_charts.OTHER_COLOR, flow_charts.DROPOFF_COLOR)


def test_reserved_ids_cannot_come_from_a_name():
    for step in (1, 2, 12):
        for name in ("Other", "Drop-off", "#other", "| #other", "1 | #other", " | #drop-off"):
            real = flows._node_id(step, name)
            assert real not in {flows._node_id(s, "Other", flows.KIND_OTHER) for s in range(16)}
            assert real not in {
                flows._node_id(s, "Drop-off", flows.KIND_DROPOFF) for s in range(16)
            }


@pytest.mark.parametrize(("f", "compute"), PATHS)
@pytest.mark.parametrize("gap", [None, 60])
def test_transitions_markers_are_not_touchpoints(store, f, compute, gap):
    t = flows.transitions(store.cursor(), f, FlowOptions(force_compute=compute, session_gap=gap))
    rows = {
        (r.source_kind, r.source, r.target_kind, r.target): (r.transitions, r.customers,
                                                             r.share_of_source)
        for r in t.itertuples()
    }
    assert rows == {
        ("start", "(start)", "node", "(start)"): (2, 2, 0.5),
        ("start", "(start)", "node", "x"): (1, 1, 0.25),
        ("start", "(start)", "node", "y"): (1, 1, 0.25),
        # The real "(start)" touchpoint's own outgoing: 2 transitions.
        ("node", "(start)", "node", "Other"): (1, 1, 0.5),
        ("node", "(start)", "node", "Drop-off"): (1, 1, 0.5),
        ("node", "Other", "node", "(end)"): (1, 1, 0.5),
        ("node", "Other", "end", "(end)"): (1, 1, 0.5),
        ("node", "(end)", "end", "(end)"): (1, 1, 1.0),
        ("node", "Drop-off", "end", "(end)"): (1, 1, 1.0),
        ("node", "x", "node", "Other"): (1, 1, 1.0),
        ("node", "y", "node", "z"): (1, 1, 1.0),
        ("node", "z", "end", "(end)"): (1, 1, 1.0),
    }
    assert list(t.columns) == flows.TRANSITION_COLUMNS


def test_cli_transitions_json_keeps_shape_and_adds_kinds(store, capsys):
    path = str(store.path)
    store.close()
    assert main(["query", "transitions", "--db", path, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for r in rows:
        assert {"source", "target", "transitions", "customers"} <= set(r)
        assert r["source_kind"] in ("start", "node") and r["target_kind"] in ("end", "node")
    start_rows = [r for r in rows if r["source"] == "(start)"]
    assert {r["source_kind"] for r in start_rows} == {"start", "node"}
    assert main(["query", "sankey", "--db", path, "--json", "--top", "1", "--steps", "3"]) == 0
    sk = json.loads(capsys.readouterr().out)
    assert any(lk["target"] is None for lk in sk["links"])
    ids = [n["id"] for n in sk["nodes"]]
    assert len(ids) == len(set(ids))
